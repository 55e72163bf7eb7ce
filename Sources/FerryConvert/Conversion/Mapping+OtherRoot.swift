import FerryCore

extension Mapping {
    /// What to say of a document whose root element is not the first step of the records path:
    /// both roots, each with its namespace URI.
    package func otherRootMessage(rootName: String?, rootNamespace: String?) -> String {
        func named(_ local: String, _ namespace: String) -> String {
            namespace.isEmpty ? "\(local) (no namespace)" : "\(local) in \(namespace)"
        }
        let found = rootName.map { named($0, rootNamespace ?? "") } ?? "missing"
        let expected = xml.recordPath.first.map { named($0.localName, $0.namespaceURI) } ?? "no root"
        return "the root element is \(found), and mapping \(name) reads \(expected): no records in it"
    }
}
