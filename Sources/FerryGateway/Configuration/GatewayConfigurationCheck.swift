import FerryConvert
public import FerryCore
import Foundation

/// Loads a gateway configuration with the schemas and mappings it names (relative to the
/// configuration file), as `ferry check` and the gateway's start-up do.
public enum GatewayConfigurationCheck {
    /// The configuration and every diagnostic, with the text of each file read for snippets.
    public static func load(path: String, document: DocumentNode)
        -> (configuration: GatewayConfiguration?, diagnostics: [Diagnostic], sources: [String: String])
    {
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
        let configuration = GatewayConfigurationLoader(schemas: schemas, mappings: mappings).load(document, diagnostics: &diagnostics)
        let all = loader.diagnostics.diagnostics.filter { $0.severity != .note } + diagnostics.diagnostics
        return (all.contains { $0.severity == .error } ? nil : configuration, all, loader.sources)
    }

    /// The diagnostics of a configuration, for `ferry check`.
    public static func check(path: String, document: DocumentNode) -> (diagnostics: [Diagnostic], sources: [String: String]) {
        let (_, diagnostics, sources) = load(path: path, document: document)
        return (diagnostics, sources)
    }
}
