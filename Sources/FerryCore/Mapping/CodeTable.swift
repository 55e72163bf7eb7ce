/// A code table: source words to schema codes.
///
/// Immutable, shared by reference.
public final class CodeTable: Sendable {
    /// What happens with a word the table lacks.
    public enum NotFound: String, Sendable {
        /// The record is rejected.
        case reject
        /// The word is kept as is (the schema then decides).
        case keep
    }

    public let name: String
    public let caseInsensitive: Bool
    public let notFound: NotFound
    /// Source word to code, in table order, as written in the mapping.
    public let entries: [(word: String, code: String)]
    /// Where each entry's code is written, in table order (empty for implicit tables).
    public let codeLocations: [DocumentLocation]
    private let lookup: [String: String]

    /// Creates a table.
    public init(
        name: String, caseInsensitive: Bool, notFound: NotFound, entries: [(String, String)],
        codeLocations: [DocumentLocation] = []
    ) {
        self.name = name
        self.caseInsensitive = caseInsensitive
        self.notFound = notFound
        self.entries = entries.map { (word: $0.0, code: $0.1) }
        self.codeLocations = codeLocations
        var lookup = Dictionary(
            entries.map { (caseInsensitive ? $0.0.lowercased() : $0.0, $0.1) },
            uniquingKeysWith: { first, _ in first })
        for (word, code) in entries where lookup[word] == nil { lookup[word] = code }
        self.lookup = lookup
    }

    /// The code for a word.
    public func code(for word: String) -> String? {
        // Most words arrive in the table's own spelling: try that before lower-casing.
        if let code = lookup[word] { return code }
        return caseInsensitive ? lookup[word.lowercased()] : nil
    }

    /// The word written back for a code: the first entry with that code.
    public func word(for code: String) -> String? {
        entries.first { $0.code == code }?.word
    }
}
