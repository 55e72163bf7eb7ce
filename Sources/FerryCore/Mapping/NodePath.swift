/// A simple path inside a record: element steps, optionally ending in an attribute, or `.`.
///
/// `Адрес/Регион`, `@ЛичныйНомер`, `t:priceInfo/t:currency/t:code`, `.`. Names compare as
/// namespace URI plus local name; prefixes are resolved when the mapping is loaded. A path
/// starting with `/` is absolute: it names an ancestor of the record (export header values).
public struct NodePath: Sendable, Hashable, CustomStringConvertible {
    /// A qualified name as namespace URI and local name, both as UTF-8 bytes for fast comparison.
    public struct Name: Sendable, Hashable {
        /// The namespace URI, empty for no namespace.
        public var namespace: [UInt8]
        /// The local name.
        public var local: [UInt8]
        /// The prefix the mapping wrote, kept for writing XML back.
        public var prefix: String?

        public init(namespace: String, local: String, prefix: String?) {
            self.namespace = Array(namespace.utf8)
            self.local = Array(local.utf8)
            self.prefix = prefix
        }

        /// The local name as a string.
        public var localName: String { String(decoding: local, as: UTF8.self) }
        /// The namespace URI as a string.
        public var namespaceURI: String { String(decoding: namespace, as: UTF8.self) }
    }

    /// Element steps from the context element.
    public var elements: [Name]
    /// The attribute at the end, if any.
    public var attribute: Name?
    /// Whether the path starts at the document root.
    public var isAbsolute: Bool
    /// The text as written in the mapping.
    public var description: String

    /// Whether the path selects the context element itself (`.`).
    public var isSelf: Bool { elements.isEmpty && attribute == nil }
}
