import FerryCore

/// Which element of the samples holds one record, and why.
struct RecordsPathChoice {
    /// The census nodes from the root down to the record element.
    let nodes: [Int]
    /// Why this element, for the maintainer.
    let reason: String

    /// The element `path` names: local names from the root, `/`-separated (prefixes are dropped).
    init(census: PathCensus, root: Int, path: String) throws(DraftError) {
        var steps = path.split(separator: "/").map { step in
            step.split(separator: ":").last.map(String.init) ?? String(step)
        }
        guard !steps.isEmpty, steps.removeFirst() == census.nodes[root].name else {
            throw DraftError("--records \(path) does not start at the samples' root, \(census.nodes[root].name)")
        }
        var nodes = [root]
        for step in steps {
            guard let next = census.child(step, of: nodes[nodes.count - 1]), !census.nodes[next].isAttribute else {
                throw DraftError(
                    "--records \(path): the samples have no element \(step) below \(census.path(of: nodes[nodes.count - 1]))"
                )
            }
            nodes.append(next)
        }
        self.nodes = nodes
        reason = "given with --records"
    }

    /// The repeated element below the root that best looks like a record: going down from the
    /// root through wrappers (elements that hold elements only), the first element that repeats
    /// within its parent, the one holding the most when several do; where nothing repeats, the
    /// first element that holds values itself, one record per document.
    init(census: PathCensus, root: Int) {
        let size = { (node: Int) in census.descendants(of: node).count }
        var nodes = [root]
        while true {
            let current = nodes[nodes.count - 1]
            let elements = census.nodes[current].children.filter { !census.nodes[$0].isAttribute }
            let holders = elements.filter { census.nodes[$0].hasChildren }
            if let repeated = holders.filter({ census.nodes[$0].mostInOneParent > 1 })
                .max(by: { (census.nodes[$0].occurrences, size($0)) < (census.nodes[$1].occurrences, size($1)) })
            {
                let entry = census.nodes[repeated]
                self.nodes = nodes + [repeated]
                reason =
                    "it repeats below \(census.path(of: current)): up to \(entry.mostInOneParent) in one, "
                    + "\(entry.occurrences) in \(census.files.count) sample(s)"
                return
            }
            // A wrapper holds elements that hold elements, and no values: go down into the largest.
            guard !holders.isEmpty, holders.count == elements.count,
                let largest = holders.max(by: { size($0) < size($1) })
            else {
                self.nodes = nodes
                reason =
                    "nothing repeats below the root; it is the first element that holds values, "
                    + "one record per document (\(census.nodes[current].occurrences) in \(census.files.count) sample(s))"
                return
            }
            nodes.append(largest)
        }
    }
}

/// Why a draft cannot be made from the samples, in words for the maintainer.
public struct DraftError: Error, CustomStringConvertible, Sendable {
    /// What is wrong.
    public let description: String
    init(_ description: String) { self.description = description }
}
