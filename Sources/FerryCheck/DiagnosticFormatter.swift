import FerryConvert
public import FerryCore

/// Writes diagnostics as text (the compiler format editors follow), JSON for scripts, or
/// SARIF 2.1.0 for code-review systems.
public enum DiagnosticFormatter {
    /// An output format.
    public enum Format: String, Sendable, CaseIterable {
        case text, json, sarif
    }

    /// The formatted diagnostics.
    /// - Parameters:
    ///   - sources: file texts by path, for the source line and caret in text output.
    ///   - documentation: where SARIF's `informationUri` points (the installed documentation);
    ///     SARIF output leaves it out without one.
    public static func format(
        _ diagnostics: [Diagnostic], as format: Format, sources: [String: String], documentation: String? = nil
    ) -> String {
        switch format {
        case .text:
            return diagnostics.map { $0.rendered(sourceText: $0.location.flatMap { sources[$0.path] }) }
                .joined(separator: "\n") + (diagnostics.isEmpty ? "" : "\n")
        case .json:
            let items = diagnostics.map { diagnostic -> JSONValue in
                var object = JSONObject()
                object["severity"] = .string(diagnostic.severity.rawValue)
                object["code"] = .string(diagnostic.code)
                object["message"] = .string(diagnostic.message)
                if let location = diagnostic.location {
                    object["path"] = .string(location.path)
                    object["line"] = .integer(location.line)
                    object["column"] = .integer(location.column)
                }
                if let detail = diagnostic.detail { object["detail"] = .string(detail) }
                return .object(object)
            }
            return String(decoding: JSONWriter().bytes(.array(items)), as: UTF8.self) + "\n"
        case .sarif:
            return String(decoding: JSONWriter().bytes(sarif(diagnostics, documentation: documentation)), as: UTF8.self)
                + "\n"
        }
    }

    /// A SARIF 2.1.0 log with one run; columns are Unicode code points.
    static func sarif(_ diagnostics: [Diagnostic], documentation: String?) -> JSONValue {
        var codes: [String] = []
        for diagnostic in diagnostics where !codes.contains(diagnostic.code) { codes.append(diagnostic.code) }
        let rules = codes.map { JSONValue.object(JSONObject([("id", .string($0))])) }
        let results = diagnostics.map { diagnostic -> JSONValue in
            var result = JSONObject()
            result["ruleId"] = .string(diagnostic.code)
            result["ruleIndex"] = .integer(codes.firstIndex(of: diagnostic.code) ?? 0)
            result["level"] = .string(diagnostic.severity.rawValue)
            let text = diagnostic.detail.map { "\(diagnostic.message)\n\($0)" } ?? diagnostic.message
            result["message"] = .object(JSONObject([("text", .string(text))]))
            if let location = diagnostic.location {
                let region = JSONObject([
                    ("startLine", .integer(location.line)), ("startColumn", .integer(location.column)),
                ])
                let physical = JSONObject([
                    ("artifactLocation", .object(JSONObject([("uri", .string(location.path))]))),
                    ("region", .object(region)),
                ])
                result["locations"] = .array([.object(JSONObject([("physicalLocation", .object(physical))]))])
            }
            return .object(result)
        }
        var driver = JSONObject([("name", .string("ferry"))])
        if let documentation { driver["informationUri"] = .string(documentation) }
        driver["rules"] = .array(rules)
        let run = JSONObject([
            ("tool", .object(JSONObject([("driver", .object(driver))]))),
            ("columnKind", .string("unicodeCodePoints")),
            ("results", .array(results)),
        ])
        return .object(
            JSONObject([
                ("$schema", .string("https://json.schemastore.org/sarif-2.1.0.json")),
                ("version", .string("2.1.0")),
                ("runs", .array([.object(run)])),
            ]))
    }
}
