/// Which paths of the input a mapping reads, ignores on purpose, or leaves unmapped — the
/// data a conversion would lose — counted over sample documents.
///
/// Paths are relative to the record element, written with the mapping's prefixes
/// (`Адрес/@Индекс`, `products/product/OKPD2/code`). A rule that reads an element's text reads
/// its descendants too; the elements above a path a rule reads are consumed as structure;
/// an XPath rule consumes the elements and attributes it names. An `xml.ignore` pattern
/// (``IgnorePattern``, wildcards allowed) covers a path and everything below it.
public struct InputCoverage: Sendable {
    /// A name in the input: namespace URI (empty for none) and local name.
    public typealias Name = (namespace: String, local: String)

    /// How a path is used.
    public enum Use: String, Sendable {
        case consumed, ignored, unmapped
    }

    /// One path and what became of it.
    public struct Row: Sendable, Hashable {
        public let path: String
        public let seen: Int
        public let use: Use
        /// The documents it was seen in, in the order first seen.
        public let files: [String]
        /// Where it was first seen.
        public let first: DocumentLocation?
    }

    private let mapping: Mapping
    private var exact: Set<String> = []
    private var withDescendants: Set<String> = []
    private var containers: Set<String> = []
    private var xpathNames: Set<String> = []
    /// Each path seen, as names, for the ignore patterns.
    private var names: [String: (elements: [Name], attribute: Name?)] = [:]
    private var counts: [String: Int] = [:]
    private var order: [String] = []
    private var files: [String: [String]] = [:]
    private var firstSeen: [String: DocumentLocation] = [:]
    /// The document being counted, named in ``Row/files`` and ``Row/first``.
    private var document: String?

    /// Works out the paths a mapping's rules read.
    public init(mapping: Mapping) {
        self.mapping = mapping
        collect(mapping.fields.map(\.rule), base: [])
        if let time = mapping.time { collect([time], base: []) }
        for (expression, _) in mapping.xpathExpressions {
            // Names in an expression: the tokens between its punctuation, prefixes included.
            let separators = Set("()[]|/@=<>!+*,'\" \t\n")
            for token in expression.split(whereSeparator: { separators.contains($0) }) {
                xpathNames.insert(String(token))
            }
        }
    }

    /// How a name is written: with the mapping's prefix for its namespace, bare in the default
    /// namespace or in none.
    ///
    /// Every URI of a prefix gives the same name, so a rule's path and the input it reads are
    /// named alike whichever of its prefix's namespaces the input uses.
    public func qualifiedName(namespace: String, local: String) -> String {
        if defaultURIs.contains(namespace) { return local }
        let prefixes = mapping.namespaceAlternatives.filter { $0.value.contains(namespace) }.keys.sorted()
        guard let prefix = prefixes.first else { return namespace.isEmpty ? local : "{\(namespace)}\(local)" }
        return "\(prefix):\(local)"
    }

    /// The URIs of the default namespace's prefix (all of its alternatives), or none.
    private var defaultURIs: [String] {
        guard let uri = mapping.xml.defaultNamespace else { return [] }
        return mapping.namespaceAlternatives.values.first { $0.first == uri } ?? [uri]
    }

    /// Starts counting the paths of a document, named in the rows.
    public mutating func begin(document: String) { self.document = document }

    /// Counts one occurrence of a path (element names from the record down, optionally an attribute).
    /// - Parameter line: the line of the element (of the attribute's element) in the document.
    public mutating func visit(elements: [Name], attribute: Name?, line: Int) {
        var steps = elements.map { qualifiedName(namespace: $0.namespace, local: $0.local) }
        if let attribute { steps.append("@" + qualifiedName(namespace: attribute.namespace, local: attribute.local)) }
        let path = steps.joined(separator: "/")
        if counts[path] == nil {
            order.append(path)
            names[path] = (elements, attribute)
            if let document { firstSeen[path] = DocumentLocation(path: document, line: line, column: 1) }
        }
        counts[path, default: 0] += 1
        if let document, files[path]?.last != document, files[path]?.contains(document) != true {
            files[path, default: []].append(document)
        }
    }

    /// Every path seen, in first-seen order, with its count, use and where it was seen.
    public var rows: [Row] {
        order.map { path in
            Row(
                path: path, seen: counts[path] ?? 0, use: use(of: path), files: files[path] ?? [],
                first: firstSeen[path])
        }
    }

    private func use(of path: String) -> Use {
        let steps = path.split(separator: "/").map(String.init)
        if exact.contains(path) || containers.contains(path) { return .consumed }
        for length in stride(from: steps.count, through: 1, by: -1) {
            let prefix = steps.prefix(length).joined(separator: "/")
            if withDescendants.contains(prefix) { return .consumed }
        }
        if let last = steps.last, xpathNames.contains(last.hasPrefix("@") ? String(last.dropFirst()) : last) {
            return .consumed
        }
        if let seen = names[path],
            mapping.xml.ignored.contains(where: { $0.covers(seen.elements, attribute: seen.attribute) })
        {
            return .ignored
        }
        return .unmapped
    }

    // MARK: - Collecting what rules read

    private func key(steps: [NodePath.Name], attribute: NodePath.Name?) -> String {
        var names = steps.map { qualifiedName(namespace: $0.namespaceURI, local: $0.localName) }
        if let attribute {
            names.append("@" + qualifiedName(namespace: attribute.namespaceURI, local: attribute.localName))
        }
        return names.joined(separator: "/")
    }

    private mutating func collect(_ rules: [FieldRule], base: [NodePath.Name]) {
        for rule in rules {
            switch rule.source {
            case .path(let path), .part(let path, _, _), .present(let path):
                read(path, base: base)
            case .join(let paths, _):
                paths.forEach { read($0, base: base) }
            case .first(let alternatives):
                collect(alternatives, base: base)
            case .object(let path, let nested):
                let steps = path.isAbsolute ? path.elements : base + path.elements
                addContainers(steps)
                collect(nested.map(\.rule), base: steps)
            case .xpath, .constant:
                break
            }
            if case .datetime(_, let offset?) = rule.parser { collect([offset], base: base) }
        }
    }

    private mutating func read(_ path: NodePath, base: [NodePath.Name]) {
        guard !path.isAbsolute else { return }  // header attributes are above the records
        let steps = base + path.elements
        addContainers(steps)
        if path.attribute != nil {
            exact.insert(key(steps: steps, attribute: path.attribute))
        } else {
            withDescendants.insert(key(steps: steps, attribute: nil))
        }
    }

    private mutating func addContainers(_ steps: [NodePath.Name]) {
        for length in 0...steps.count { containers.insert(key(steps: Array(steps.prefix(length)), attribute: nil)) }
    }
}
