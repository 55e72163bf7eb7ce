/// One problem found in a schema, a mapping, an input document or a record.
///
/// Rendered as `path:line:column: error: message [code]`, the format editors and CI follow.
/// A diagnostic never holds more document content than the message needs.
public struct Diagnostic: Sendable, Hashable, Codable, CustomStringConvertible {
    /// How serious a diagnostic is.
    public enum Severity: String, Sendable, Hashable, Codable, Comparable {
        case note
        case warning
        case error

        private var rank: Int {
            switch self {
            case .note: 0
            case .warning: 1
            case .error: 2
            }
        }

        public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
    }

    /// How serious the problem is.
    public var severity: Severity
    /// A stable, dotted code such as `schema.unknown-key`.
    public var code: String
    /// What is wrong, in one sentence.
    public var message: String
    /// Where it is, when it has a place.
    public var location: DocumentLocation?
    /// More lines shown under the diagnostic, such as a golden file's diff.
    public var detail: String?

    /// Creates a diagnostic.
    public init(_ severity: Severity, code: String, message: String, at location: DocumentLocation? = nil) {
        self.severity = severity
        self.code = code
        self.message = message
        self.location = location
    }

    /// `path:line:column: severity: message [code]`.
    public var description: String {
        let place = location.map { "\($0): " } ?? ""
        return "\(place)\(severity.rawValue): \(message) [\(code)]"
    }

    /// The description followed by the source line and a caret under the column.
    ///
    /// - Parameter sourceText: the full text of the document the location points into.
    /// - Returns: the rendered diagnostic, without a snippet when the line is not in the text.
    public func rendered(sourceText: String?) -> String {
        let rendered = renderedWithSnippet(sourceText: sourceText)
        return detail.map { "\(rendered)\n\($0)" } ?? rendered
    }

    private func renderedWithSnippet(sourceText: String?) -> String {
        guard let location, let sourceText else { return description }
        var lineNumber = 1
        for line in sourceText.split(separator: "\n", omittingEmptySubsequences: false) {
            if lineNumber == location.line {
                let text = line.hasSuffix("\r") ? line.dropLast() : line
                let caretPad = String(repeating: " ", count: max(0, location.column - 1))
                return "\(description)\n\(text)\n\(caretPad)^"
            }
            lineNumber += 1
        }
        return description
    }
}
