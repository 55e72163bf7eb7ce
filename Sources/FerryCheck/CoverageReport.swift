public import FerryConvert
public import FerryCore
public import FerryXML

/// Counts, over sample documents, which input paths a mapping reads, ignores or leaves
/// unmapped (``InputCoverage``), and turns unmapped paths into diagnostics by the mapping's
/// `xml.unmapped` policy.
public struct CoverageReport {
    /// The mapping measured.
    public let mapping: Mapping
    /// The counts so far.
    public private(set) var coverage: InputCoverage

    /// Starts an empty report.
    public init(mapping: Mapping) {
        self.mapping = mapping
        coverage = InputCoverage(mapping: mapping)
    }

    /// Counts every record of a document; a fault ends the document, keeping what was counted.
    /// - Returns: what was wrong with the document: a fault, or a root that is not the mapping's
    ///   (`xml.other-root`: no record in it was counted).
    @discardableResult
    public mutating func add(_ document: InputSet.Document) -> Diagnostic? {
        let reader = XMLRecordReader(
            input: document.stream, path: document.displayPath, recordPath: mapping.xml.recordPath)
        coverage.begin(document: document.displayPath)
        do {
            while let record = try reader.next() { reader.countPaths(of: record, into: &coverage) }
        } catch {
            return error.diagnostic
        }
        guard reader.rootMatches else {
            return Diagnostic(
                .error, code: "xml.other-root",
                message: mapping.otherRootMessage(rootName: reader.rootName, rootNamespace: reader.rootNamespace),
                at: DocumentLocation(path: document.displayPath, line: 1, column: 1))
        }
        return nil
    }

    /// One diagnostic per unmapped path, at the mapping's file, with the mapping's severity;
    /// none when the policy is `ignore`.
    public func diagnostics(samples: String) -> [Diagnostic] {
        let severity: Diagnostic.Severity
        switch mapping.xml.unmapped {
        case .ignore: return []
        case .warn: severity = .warning
        case .error: severity = .error
        }
        // Report the topmost unmapped path only: what lies below it is lost with it.
        let unmapped = coverage.rows.filter { $0.use == .unmapped }
        let unmappedPaths = Set(unmapped.map(\.path))
        let topmost = unmapped.filter { row in
            let steps = row.path.split(separator: "/")
            return !(1..<max(1, steps.count)).contains {
                unmappedPaths.contains(steps.prefix($0).joined(separator: "/"))
            }
        }
        return topmost.map { row in
            Diagnostic(
                severity, code: "coverage.unmapped",
                message:
                    "input \(row.path) (seen \(row.seen)× in \(samples)) is read by no rule of \(mapping.name): a "
                    + "conversion loses it; map it, or add it to the ignore: list of xml: in \(mapping.xml.location.path) "
                    + "(wildcards * ** *:name @* allowed)",
                at: row.first ?? mapping.xml.location)
        }
    }

    /// The table as JSON: each path with how often it was seen, its use and the documents it
    /// was seen in.
    public var json: JSONValue {
        .array(
            coverage.rows.map { row in
                .object(
                    JSONObject([
                        ("path", .string(row.path)), ("seen", .integer(row.seen)), ("use", .string(row.use.rawValue)),
                        ("files", .array(row.files.map(JSONValue.string))),
                    ]))
            })
    }

    /// The table of paths: seen, and consumed, ignored or unmapped.
    public var table: String {
        let rows = coverage.rows
        let width = max(4, rows.map(\.path.count).max() ?? 0)
        var lines = ["path".padding(width) + "  seen  use"]
        for row in rows {
            lines.append(row.path.padding(width) + "  " + String(row.seen).leftPadding(4) + "  " + row.use.rawValue)
        }
        return lines.joined(separator: "\n")
    }
}

extension String {
    fileprivate func padding(_ width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
    fileprivate func leftPadding(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
