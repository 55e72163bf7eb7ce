import FerryCore

/// The namespaces of a draft: URIs that stand in for each other at the same paths grouped under
/// one prefix (`t: [http://…/types/1, ""]`), the group most fields are in as the default, and
/// each path step written with its prefix.
struct NamespacePlan {
    /// A prefix and its URIs, the most used first, `""` (no namespace) last.
    struct Binding {
        var prefix: String
        var uris: [String]
    }

    /// Every prefix, in order of first use.
    private(set) var bindings: [Binding] = []
    /// The prefix of unprefixed element names, if any.
    private(set) var defaultPrefix: String?
    /// The prefix of each URI.
    private var prefixOfURI: [String: String] = [:]

    /// Plans the namespaces of the nodes a draft reads: elements and attributes alike.
    init(census: PathCensus, nodes: [Int]) {
        // Union-find over URIs: those seen at one path are alternatives of each other.
        var parent: [String: String] = [:]
        func find(_ uri: String) -> String {
            var current = uri
            while let next = parent[current], next != current { current = next }
            return current
        }
        var weight: [String: Int] = [:]
        var order: [String] = []
        for node in nodes {
            let uris = census.nodes[node].namespaces
            for uri in uris where parent[uri] == nil {
                parent[uri] = uri
                order.append(uri)
            }
            for uri in uris {
                weight[uri, default: 0] += census.nodes[node].isAttribute ? 0 : 1
                let (a, b) = (find(uris[0]), find(uri))
                if a != b { parent[b] = a }
            }
        }
        var groups: [String: [String]] = [:]
        var groupOrder: [String] = []
        for uri in order {
            let root = find(uri)
            if groups[root] == nil { groupOrder.append(root) }
            groups[root, default: []].append(uri)
        }
        let sortedGroups = groupOrder.map { root in
            groups[root, default: []].sorted { a, b in
                if a.isEmpty != b.isEmpty { return b.isEmpty }
                return weight[a, default: 0] > weight[b, default: 0]
            }
        }
        // The default: the group most element paths are in, unless that is no namespace alone.
        let elementWeight = { (group: [String]) in group.reduce(0) { $0 + weight[$1, default: 0] } }
        let heaviest = sortedGroups.max { elementWeight($0) < elementWeight($1) }
        var taken: Set<String> = []
        for group in sortedGroups {
            // No namespace needs a prefix only for elements in it while another namespace is the default.
            if group == [""] && (heaviest == group || weight["", default: 0] == 0) { continue }
            let base = group == [""] ? "none" : DraftNaming.prefix(for: group[0])
            let prefix = DraftNaming.unique(base, in: taken, separator: "")
            taken.insert(prefix)
            bindings.append(Binding(prefix: prefix, uris: group))
            for uri in group { prefixOfURI[uri] = prefix }
            if group == heaviest { defaultPrefix = prefix }
        }
    }

    /// A path step for a node: `prefix:name`, or `name` when in the default namespace (elements)
    /// or in none (attributes, and elements when nothing is the default).
    func step(_ census: PathCensus, _ node: Int) -> String {
        let entry = census.nodes[node]
        let uri = entry.namespaces.first ?? ""
        let prefix = prefixOfURI[uri]
        if entry.isAttribute {
            guard let prefix, !uri.isEmpty else { return entry.name }
            return "@\(prefix):\(entry.name.dropFirst())"
        }
        guard let prefix, prefix != defaultPrefix else { return entry.name }
        return "\(prefix):\(entry.name)"
    }
}
