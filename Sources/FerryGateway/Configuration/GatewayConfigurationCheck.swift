import FerryConvert
public import FerryCore
import Foundation

/// Loads a gateway configuration with the schemas and mappings it names (relative to the
/// configuration file), as `ferry check` and the gateway's start-up do.
public enum GatewayConfigurationCheck {
    /// A configuration with what it names, or the reasons it cannot be used.
    public struct Loaded {
        /// The configuration, with its directories resolved against the file's directory; nil
        /// when an error was reported.
        public var configuration: GatewayConfiguration?
        public var schemas: [Schema]
        public var mappings: [Mapping]
        public var diagnostics: [Diagnostic]
        /// The text of each file read, for snippets.
        public var sources: [String: String]
    }

    /// Loads a configuration document read from `path`.
    public static func load(path: String, document: DocumentNode) -> Loaded {
        let directory = (path as NSString).deletingLastPathComponent
        func resolve(_ relative: String) -> String {
            relative.hasPrefix("/") || directory.isEmpty ? relative : "\(directory)/\(relative)"
        }
        let (schemasDirectory, mappingsDirectory) = GatewayConfigurationLoader.paths(in: document)
        var loader = ProjectLoader()
        let schemas = loader.schemas(inDirectory: resolve(schemasDirectory))
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: resolve(mappingsDirectory))) ?? [])
            .filter { $0.hasSuffix(".yaml") }.sorted()
        let mappings = names.compactMap { loader.mapping("\(resolve(mappingsDirectory))/\($0)") }
        var diagnostics = DiagnosticList()
        var configuration = GatewayConfigurationLoader(schemas: schemas, mappings: mappings).load(
            document, diagnostics: &diagnostics)
        if let dataDirectory = configuration?.dataDirectory { configuration?.dataDirectory = resolve(dataDirectory) }
        if let tls = configuration?.tls {
            configuration?.tls = .init(
                certificate: resolve(tls.certificate), key: resolve(tls.key), clientCA: tls.clientCA.map(resolve))
        }
        let all = loader.diagnostics.diagnostics.filter { $0.severity != .note } + diagnostics.diagnostics
        return Loaded(
            configuration: all.contains { $0.severity == .error } ? nil : configuration, schemas: schemas,
            mappings: mappings, diagnostics: all, sources: loader.sources)
    }

    /// The diagnostics of a configuration, for `ferry check`.
    public static func check(path: String, document: DocumentNode) -> (
        diagnostics: [Diagnostic], sources: [String: String]
    ) {
        let loaded = load(path: path, document: document)
        return (loaded.diagnostics, loaded.sources)
    }
}
