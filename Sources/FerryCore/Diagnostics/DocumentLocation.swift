/// A position in a source document: a schema, a mapping, an export or a record stream.
///
/// Lines and columns are 1-based. Columns count Unicode scalars, the unit libyaml reports,
/// so a caret under a Cyrillic name lands where an editor shows it. `offset` is the byte
/// offset in the document as read, when known.
public struct DocumentLocation: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The path of the document as the user named it (`-` for standard input, `a.zip!entry.xml` for an archive entry).
    public var path: String
    /// 1-based line.
    public var line: Int
    /// 1-based column in Unicode scalars.
    public var column: Int
    /// 0-based byte offset, when known.
    public var offset: Int?

    /// Creates a location.
    public init(path: String, line: Int, column: Int, offset: Int? = nil) {
        self.path = path
        self.line = line
        self.column = column
        self.offset = offset
    }

    /// `path:line:column`, the form compilers and editors use.
    public var description: String { "\(path):\(line):\(column)" }
}
