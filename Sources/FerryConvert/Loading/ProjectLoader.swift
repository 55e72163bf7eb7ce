public import FerryCore
import FerryXML
import FerryYAML
import Foundation

/// Loads schemas and mappings from files, collecting every diagnostic and the source text of
/// each file so diagnostics can show the offending line.
public struct ProjectLoader {
    /// Everything reported while loading, in order.
    public private(set) var diagnostics = DiagnosticList()
    /// The text of every file read, by path, for rendering snippets.
    public private(set) var sources: [String: String] = [:]
    private var schemaCache: [String: Schema?] = [:]

    /// Creates a loader.
    public init() {}

    /// The pattern engine used for schemas.
    public static let patternCompiler: any PatternCompiler = LibXMLPatternCompiler()

    /// Reads a YAML file's first document, reporting a syntax error or an unreadable file.
    public mutating func document(at path: String) -> DocumentNode? {
        let bytes: [UInt8]
        do {
            var stream = try FileByteStream(path: path) as any ByteStream
            bytes = try stream.readAll()
        } catch let error as InputOpenError {
            diagnostics.error("io.open", "cannot read \(path): \(error.reason)", at: nil)
            return nil
        } catch {
            diagnostics.error("io.read", "cannot read \(path): \(error)", at: nil)
            return nil
        }
        sources[path] = String(decoding: bytes, as: UTF8.self)
        do {
            let documents = try YAMLLoader.loadAll(bytes, path: path)
            guard let first = documents.first else {
                diagnostics.error(
                    "yaml.empty", "the file holds no YAML document",
                    at: DocumentLocation(path: path, line: 1, column: 1))
                return nil
            }
            if documents.count > 1 {
                diagnostics.error(
                    "yaml.documents", "the file holds more than one YAML document", at: documents[1].location)
            }
            return first
        } catch {
            diagnostics.emit(error.diagnostic)
            return nil
        }
    }

    /// Loads a schema file.
    public mutating func schema(at path: String) -> Schema? {
        if let cached = schemaCache[path] { return cached }
        guard let document = document(at: path) else {
            schemaCache[path] = .some(nil)
            return nil
        }
        let schema = SchemaLoader(patternCompiler: Self.patternCompiler).load(document, diagnostics: &diagnostics)
        schemaCache[path] = .some(schema)
        return schema
    }

    /// Loads every `*.yaml` schema in a directory, in name order.
    public mutating func schemas(inDirectory directory: String) -> [Schema] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        if names.isEmpty {
            diagnostics.error("io.open", "no schemas found in \(directory)", at: nil)
        }
        return names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
            .compactMap { schema(at: "\(directory)/\($0)") }
    }

    /// Loads a mapping and the schema it names (relative to the mapping file).
    ///
    /// - Parameters:
    ///   - reference: a path (it holds a `/` or ends in `.yaml`), or a name looked up as
    ///     `mappings/NAME.yaml` along the search path; an unknown name is reported with the known
    ///     ones (`mapping.unknown-name`).
    ///   - searchPath: where names are looked up.
    public mutating func mapping(_ reference: String, searchPath: ProjectSearchPath = .currentDirectory) -> Mapping? {
        let errorsBefore = diagnostics.diagnostics.filter { $0.severity == .error }.count
        let path: String
        if Self.isPath(reference) {
            path = reference
        } else if let found = searchPath.mappingFile(named: reference) {
            path = found
        } else {
            diagnostics.error("mapping.unknown-name", searchPath.unknownMappingMessage(reference), at: nil)
            return nil
        }
        guard let document = document(at: path) else { return nil }
        guard let (schemaReference, location) = MappingLoader.schemaReference(in: document) else {
            diagnostics.error("yaml.missing-key", "a mapping needs 'schema'", at: document.location)
            return nil
        }
        let directory = (path as NSString).deletingLastPathComponent
        let schemaPath =
            schemaReference.hasPrefix("/")
            ? schemaReference
            : (directory.isEmpty ? schemaReference : "\(directory)/\(schemaReference)")
        guard FileManager.default.fileExists(atPath: schemaPath) else {
            diagnostics.error(
                "mapping.schema", "schema \(schemaReference) not found (looked for \(schemaPath))", at: location)
            return nil
        }
        guard let schema = schema(at: schemaPath) else { return nil }
        guard
            let mapping = MappingLoader(timeZones: FoundationTimeZones()).load(
                document, schema: schema, diagnostics: &diagnostics)
        else {
            return nil
        }
        for (expression, location) in mapping.xpathExpressions where !XPathProgram.compiles(expression) {
            diagnostics.error("mapping.xpath", "the XPath expression does not compile: \(expression)", at: location)
        }
        let errorsAfter = diagnostics.diagnostics.filter { $0.severity == .error }.count
        return errorsAfter > errorsBefore ? nil : mapping
    }

    /// Whether a mapping reference is a path rather than a name.
    static func isPath(_ reference: String) -> Bool {
        reference.contains("/") || reference.hasSuffix(".yaml") || reference.hasSuffix(".yml")
    }

    /// Every diagnostic rendered with its source line and caret, one after another.
    public func renderedDiagnostics(minimum: Diagnostic.Severity = .note) -> String {
        diagnostics.diagnostics.filter { $0.severity >= minimum }
            .map { $0.rendered(sourceText: $0.location.flatMap { sources[$0.path] }) }
            .joined(separator: "\n")
    }
}
