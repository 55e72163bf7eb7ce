/// A node of a structured text document (a YAML schema, mapping or configuration), with
/// the location of every key and value, so loaders can point at the exact place of a problem.
///
/// FerryYAML builds these from libyaml events; FerryCore's loaders read them.
public struct DocumentNode: Sendable, Hashable {
    /// A scalar's presentation, which decides how the YAML 1.2 core schema types it.
    public enum ScalarStyle: Sendable, Hashable {
        /// Unquoted: typed by the core schema (`true`, `12`, `null`, …).
        case plain
        /// Quoted or block: always a string.
        case quoted
    }

    /// What the node holds.
    public enum Content: Sendable, Hashable {
        case scalar(String, ScalarStyle)
        case sequence([DocumentNode])
        /// Pairs in document order; keys are nodes so their locations are kept.
        case mapping([Pair])
    }

    /// One key and value of a mapping.
    public struct Pair: Sendable, Hashable {
        public var key: DocumentNode
        public var value: DocumentNode

        public init(key: DocumentNode, value: DocumentNode) {
            self.key = key
            self.value = value
        }
    }

    /// The content.
    public var content: Content
    /// Where the node starts.
    public var location: DocumentLocation
    /// An explicit tag such as `tag:yaml.org,2002:str`, when one was written.
    public var tag: String?

    /// Creates a node.
    public init(_ content: Content, at location: DocumentLocation, tag: String? = nil) {
        self.content = content
        self.location = location
        self.tag = tag
    }

    /// The scalar text, when this is a scalar.
    public var scalar: String? {
        if case .scalar(let text, _) = content { return text }
        return nil
    }

    /// The pairs, when this is a mapping.
    public var pairs: [Pair]? {
        if case .mapping(let pairs) = content { return pairs }
        return nil
    }

    /// The items, when this is a sequence.
    public var items: [DocumentNode]? {
        if case .sequence(let items) = content { return items }
        return nil
    }

    /// The value for a scalar key in a mapping.
    public subscript(key: String) -> DocumentNode? {
        pairs?.first { $0.key.scalar == key }?.value
    }

    /// A word for the kind of node, for messages.
    public var kindName: String {
        switch content {
        case .scalar: "a scalar"
        case .sequence: "a list"
        case .mapping: "a mapping"
        }
    }
}
