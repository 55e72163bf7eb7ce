/// A simple path inside a record: element steps, optionally ending in an attribute, or `.`.
///
/// `Адрес/Регион`, `@ЛичныйНомер`, `t:priceInfo/t:currency/t:code`, `.`. Names compare as
/// namespace URI plus local name; prefixes are resolved when the mapping is loaded. A path
/// starting with `/` is absolute: it names an ancestor of the record (export header values).
///
/// Paths and names are immutable classes, shared by reference in the record loop.
public final class NodePath: Sendable, CustomStringConvertible {
    /// A qualified name as namespace URI and local name, both as UTF-8 bytes for fast comparison.
    ///
    /// A name may match in several namespaces: a prefix of the mapping bound to a list of URIs
    /// (`t: [http://…/types/1, ""]`, the empty one for no namespace) for formats that vary their
    /// namespaces between files. The first is the one written back.
    public final class Name: Sendable, Hashable {
        /// The namespace URI written back, empty for no namespace: the first of ``namespaces``.
        public let namespace: [UInt8]
        /// Every namespace URI the name matches in, the written one first.
        public let namespaces: [[UInt8]]
        /// The local name.
        public let local: [UInt8]
        /// The prefix the mapping wrote, kept for writing XML back.
        public let prefix: String?

        /// A name in one namespace.
        public convenience init(namespace: String, local: String, prefix: String?) {
            self.init(namespaces: [namespace], local: local, prefix: prefix)
        }

        /// A name that matches in any of `namespaces` (at least one), the first written back.
        public init(namespaces: [String], local: String, prefix: String?) {
            self.namespaces = (namespaces.isEmpty ? [""] : namespaces).map { Array($0.utf8) }
            namespace = self.namespaces[0]
            self.local = Array(local.utf8)
            self.prefix = prefix
        }

        /// The local name as a string.
        public var localName: String { String(decoding: local, as: UTF8.self) }
        /// The namespace URI written back, as a string.
        public var namespaceURI: String { String(decoding: namespace, as: UTF8.self) }

        /// Whether the name matches in a namespace (empty for none).
        public func isIn(namespace uri: some Collection<UInt8>) -> Bool {
            namespaces.contains { $0.elementsEqual(uri) }
        }

        /// Whether two names have the same local name and a namespace in common.
        public func sameName(as other: Name) -> Bool {
            local == other.local && namespaces.contains { other.namespaces.contains($0) }
        }

        public static func == (lhs: Name, rhs: Name) -> Bool { lhs.sameName(as: rhs) && lhs.prefix == rhs.prefix }

        public func hash(into hasher: inout Hasher) {
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

    /// ``elements`` and ``attribute`` as references the record loop reads without counting them
    /// (``Unmanaged/_withUnsafeGuaranteedRef(_:)``): the path holds them for as long as it lives.
    package let unretainedElements: [Unmanaged<Name>]
    package let unretainedAttribute: Unmanaged<Name>?

    /// Creates a path.
    public init(elements: [Name], attribute: Name?, isAbsolute: Bool, description: String) {
        self.elements = elements
        self.attribute = attribute
        self.isAbsolute = isAbsolute
        self.description = description
        unretainedElements = elements.map(Unmanaged.passUnretained)
        unretainedAttribute = attribute.map(Unmanaged.passUnretained)
    }

    /// Whether the path selects the context element itself (`.`).
    public var isSelf: Bool { elements.isEmpty && attribute == nil }
}
