/// A declarative binding of one XML format to one record type, loaded from `mappings/*.yaml`.
///
/// Rules are written in the reading direction (XML → canonical). The writing direction is
/// derived from them where each rule has an inverse; a mapping says which directions it
/// supports, and a rule without an inverse in a mapping that writes is an error at load time.
/// See `docs/mapping-language.md`.
public struct Mapping: Sendable {
    /// Which ways a mapping converts.
    public enum Direction: String, Sendable {
        /// XML to canonical records and back.
        case both
        /// XML to canonical records only.
        case read
        /// Canonical records to XML only.
        case write

        public var reads: Bool { self != .write }
        public var writes: Bool { self != .read }
    }

    /// The mapping's name (its file name without `.yaml`).
    public var name: String
    /// Where the mapping was loaded from.
    public var path: String
    /// The schema file, relative to the mapping file, as written.
    public var schemaReference: String
    /// The schema, once resolved.
    public var schema: Schema
    /// `source` of the records: a URI for the system.
    public var source: String
    /// Which ways it converts.
    public var direction: Direction
    /// The XML side.
    public var xml: XMLBinding
    /// Where `time` comes from, if anywhere.
    public var time: FieldRule?
    /// The field rules of the record, in schema order.
    public var fields: [FieldBinding]
    /// XPath expressions the rules use, indexed by ``FieldRule/Source/xpath(_:)``, with where each is written.
    public var xpathExpressions: [(expression: String, location: DocumentLocation)]
    /// The namespace prefixes with the URI each writes (its first), for XPath expressions and
    /// the writing direction.
    public var namespaces: [(prefix: String, uri: String)]
    /// Every URI each prefix matches, the written one first: several where a format varies its
    /// namespaces between files (`""` standing for no namespace).
    public var namespaceAlternatives: [String: [String]]
}

/// How the XML documents of a format look.
public struct XMLBinding: Sendable {
    /// The encoding written in the reverse direction.
    public var encoding: String
    /// The element path from the root to each record, root included.
    public var recordPath: [NodePath.Name]
    /// Constant attributes of the root written in the reverse direction.
    public var rootAttributes: [(name: String, value: String)]
    /// The namespace written as the default (unprefixed) namespace, if any.
    public var defaultNamespace: String?
    /// Paths inside records that the mapping ignores on purpose (with everything below them),
    /// wildcards allowed.
    public var ignored: [IgnorePattern]
    /// What `ferry check` makes of input that no rule reads and `ignored` does not list.
    public var unmapped: UnmappedPolicy
    /// The absolute paths the rules read that are not attributes of the records' ancestors:
    /// elements and attributes of the export's header, which the readers capture before the
    /// first record.
    public var headerPaths: [NodePath]
    /// Where the `xml` section is written.
    public var location: DocumentLocation

    /// The severity of unmapped input in coverage reports.
    public enum UnmappedPolicy: String, Sendable {
        case error, warn, ignore
    }
}
