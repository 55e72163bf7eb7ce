/// A simple path inside a record: element steps, optionally ending in an attribute, or `.`.
///
/// `Адрес/Регион`, `@ЛичныйНомер`, `t:priceInfo/t:currency/t:code`, `.`. Names compare as
/// namespace URI plus local name; prefixes are resolved when the mapping is loaded. A path
/// starting with `/` is absolute: it names an ancestor of the record (export header values).
///
/// Paths and names are immutable classes, shared by reference in the record loop.
public final class NodePath: Sendable, CustomStringConvertible {
    /// A qualified name as namespace URI and local name, both as UTF-8 bytes for fast comparison.
    public final class Name: Sendable, Hashable {
        /// The namespace URI, empty for no namespace.
        public let namespace: [UInt8]
        /// The local name.
        public let local: [UInt8]
        /// The prefix the mapping wrote, kept for writing XML back.
        public let prefix: String?

        public init(namespace: String, local: String, prefix: String?) {
            self.namespace = Array(namespace.utf8)
            self.local = Array(local.utf8)
            self.prefix = prefix
        }

        /// The local name as a string.
        public var localName: String { String(decoding: local, as: UTF8.self) }
        /// The namespace URI as a string.
        public var namespaceURI: String { String(decoding: namespace, as: UTF8.self) }

        /// Whether two names have the same namespace URI and local name.
        public func sameName(as other: Name) -> Bool { namespace == other.namespace && local == other.local }

        public static func == (lhs: Name, rhs: Name) -> Bool { lhs.sameName(as: rhs) && lhs.prefix == rhs.prefix }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(namespace)
            hasher.combine(local)
        }
    }

    /// Element steps from the context element.
    public let elements: [Name]
    /// The attribute at the end, if any.
    public let attribute: Name?
    /// Whether the path starts at the document root.
    public let isAbsolute: Bool
    /// The text as written in the mapping.
    public let description: String

    /// Creates a path.
    public init(elements: [Name], attribute: Name?, isAbsolute: Bool, description: String) {
        self.elements = elements
        self.attribute = attribute
        self.isAbsolute = isAbsolute
        self.description = description
    }

    /// Whether the path selects the context element itself (`.`).
    public var isSelf: Bool { elements.isEmpty && attribute == nil }
}
