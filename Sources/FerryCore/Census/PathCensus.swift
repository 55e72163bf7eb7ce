/// A count of every element and attribute path in sample documents, streamed: how often each
/// occurs, how many times at most in one parent, in which files and namespaces, where first,
/// and what its values could be read as (``ValueProfile``).
///
/// Paths are merged by local name, so an element written in one namespace in some files and in
/// another (or none) in others is one path with several namespaces. A reader feeds it events
/// (``beginDocument(_:)``, ``enterElement(namespace:local:line:)``, ``attribute(namespace:local:value:line:)``,
/// ``text(_:)``, ``exitElement()``); memory grows with the number of distinct paths, never
/// with the documents' size.
public struct PathCensus: Sendable {
    /// One path: an element or attribute below its parent path.
    public struct Node: Sendable {
        /// The local name; attributes start with `@`.
        public let name: String
        /// The parent path's index; nil for the document, the parent of the roots.
        public let parent: Int?
        /// Namespace URIs this path was seen in (`""` for none), most often first.
        public var namespaces: [String] {
            namespaceCounts.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }.map(\.key)
        }
        /// How often the path occurred in all.
        public internal(set) var occurrences = 0
        /// How many instances of the parent held it at least once.
        public internal(set) var parentsHolding = 0
        /// The most times it occurred in one instance of the parent.
        public internal(set) var mostInOneParent = 0
        /// Indexes into ``PathCensus/files`` of the documents it occurred in, in order.
        public internal(set) var files: [Int] = []
        /// Where it first occurred.
        public internal(set) var first: DocumentLocation?
        /// The child paths, in order of first occurrence (attributes as they came).
        public internal(set) var children: [Int] = []
        /// Values of the path's text, when it held no element (an attribute, or a leaf element).
        public internal(set) var values = ValueProfile()
        /// How many instances held child elements, and how many of those text beside them too.
        public internal(set) var instancesWithChildren = 0, instancesWithMixedText = 0

        /// Whether it is an attribute.
        public var isAttribute: Bool { name.hasPrefix("@") }
        /// Whether some instance held child elements or attributes.
        public var hasChildren: Bool { !children.isEmpty }

        var namespaceCounts: [String: Int] = [:]
        var childIndex: [String: Int] = [:]
    }

    /// Every path; index 0 is the document, whose children are the roots.
    public private(set) var nodes = [Node(name: "", parent: nil)]
    /// The documents counted, by display path.
    public private(set) var files: [String] = []

    /// Text kept per element for its profile: a longer text is profiled by its head.
    public static let textLimit = 64 << 10

    private struct OpenElement {
        var node: Int
        var childCounts: [Int: Int] = [:]
        var text = ""
        var hasChildElements = false
    }
    private var open: [OpenElement] = []

    /// An empty census.
    public init() {}

    /// The child paths of a path, by local name.
    public func child(_ name: String, of node: Int) -> Int? { nodes[node].childIndex[name] }

    /// The path of local names from a root to a node, `/`-separated.
    public func path(of node: Int) -> String {
        var steps: [String] = []
        var current = node
        while let parent = nodes[current].parent {
            steps.append(nodes[current].name)
            current = parent
        }
        return steps.reversed().joined(separator: "/")
    }

    /// Every path below a node (the node excluded), depth first.
    public func descendants(of node: Int) -> [Int] {
        nodes[node].children.flatMap { [$0] + descendants(of: $0) }
    }

    // MARK: - Events

    /// Starts a document; what a previous one left open (it failed midway) is dropped.
    package mutating func beginDocument(_ displayPath: String) {
        files.append(displayPath)
        open = [OpenElement(node: 0)]
    }

    /// An element starts.
    package mutating func enterElement(namespace: String, local: String, line: Int) {
        guard let parent = open.last else { return }
        let node = occur(local, namespace: namespace, in: parent.node, line: line)
        open[open.count - 1].hasChildElements = true
        open[open.count - 1].childCounts[node, default: 0] += 1
        open.append(OpenElement(node: node))
    }

    /// An attribute of the element just entered.
    package mutating func attribute(namespace: String, local: String, value: String, line: Int) {
        guard let element = open.last else { return }
        let node = occur("@" + local, namespace: namespace, in: element.node, line: line)
        nodes[node].parentsHolding += 1
        nodes[node].mostInOneParent = max(nodes[node].mostInOneParent, 1)
        nodes[node].values.observe(value)
    }

    /// Text inside the current element.
    package mutating func text(_ piece: String) {
        guard open.count > 1, open[open.count - 1].text.utf8.count < Self.textLimit else { return }
        open[open.count - 1].text += piece
    }

    /// The current element ends.
    package mutating func exitElement() {
        guard open.count > 1, let element = open.popLast() else { return }
        for (child, count) in element.childCounts {
            nodes[child].parentsHolding += 1
            nodes[child].mostInOneParent = max(nodes[child].mostInOneParent, count)
        }
        if element.hasChildElements {
            nodes[element.node].instancesWithChildren += 1
            if !element.text.unicodeScalars.allSatisfy(\.properties.isWhitespace) {
                nodes[element.node].instancesWithMixedText += 1
            }
        } else {
            nodes[element.node].values.observe(element.text)
        }
    }

    /// Ends a document.
    package mutating func endDocument() {
        // The document's own counts: how many roots it held.
        if let document = open.first {
            for (child, count) in document.childCounts {
                nodes[child].parentsHolding += 1
                nodes[child].mostInOneParent = max(nodes[child].mostInOneParent, count)
            }
        }
        open = []
    }

    private mutating func occur(_ name: String, namespace: String, in parent: Int, line: Int) -> Int {
        let node: Int
        if let known = nodes[parent].childIndex[name] {
            node = known
        } else {
            node = nodes.count
            nodes.append(Node(name: name, parent: parent))
            nodes[parent].childIndex[name] = node
            nodes[parent].children.append(node)
        }
        let file = files.count - 1
        nodes[node].occurrences += 1
        nodes[node].namespaceCounts[namespace, default: 0] += 1
        if nodes[node].files.last != file { nodes[node].files.append(file) }
        if nodes[node].first == nil { nodes[node].first = DocumentLocation(path: files[file], line: line, column: 1) }
        return node
    }
}
