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
    /// - Returns: the fault, if the document was not well-formed.
    @discardableResult
    public mutating func add(_ document: InputSet.Document) -> XMLReadError? {
        let reader = XMLRecordReader(
            input: document.stream, path: document.displayPath, recordPath: mapping.xml.recordPath)
        do {
            while let record = try reader.next() { reader.countPaths(of: record, into: &coverage) }
            return nil
        } catch {
            return error
        }
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
                    "input \(row.path) (seen \(row.seen)× in \(samples)) is read by no rule and not in xml.ignore: "
                    + "a conversion loses it; map it, or list it in xml.ignore (wildcards * ** *:name @* allowed)",
                at: mapping.xml.location)
        }
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
