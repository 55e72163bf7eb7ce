public import FerryCore

/// Why an XML document could not be read, and where.
///
/// The message comes from libxml2 or from Ferry's own limits; it never quotes document content
/// beyond the names of elements.
public struct XMLReadError: Error, Sendable, CustomStringConvertible {
    /// The kinds of failure, as stable codes.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        public let code: String
        /// The document is not well-formed (or not namespace-well-formed).
        public static let notWellFormed = Kind(code: "xml.not-well-formed")
        /// The document has a DOCTYPE, which Ferry refuses.
        public static let doctype = Kind(code: "xml.doctype")
        /// A limit in ``XMLLimits`` was exceeded.
        public static let limit = Kind(code: "xml.limit")
        /// The bytes do not match the declared encoding, or the encoding is unknown.
        public static let encoding = Kind(code: "xml.encoding")
        /// The input could not be read.
        public static let io = Kind(code: "xml.io")
        /// The document does not conform to an XML Schema.
        public static let invalid = Kind(code: "xsd.invalid")
        public var description: String { code }
    }

    /// What kind of failure.
    public let kind: Kind
    /// What is wrong.
    public let message: String
    /// Where.
    public let location: DocumentLocation
    /// The record the fault cut off, when it struck inside one: its first line and the text read of it.
    public var interruptedRecord: (line: Int, text: String)?

    /// Creates an error.
    public init(_ kind: Kind, _ message: String, at location: DocumentLocation) {
        self.kind = kind
        self.message = message
        self.location = location
    }

    /// `path:line:column: message`.
    public var description: String { "\(location): \(message)" }

    /// The error as a diagnostic.
    public var diagnostic: Diagnostic { Diagnostic(.error, code: kind.code, message: message, at: location) }
}
