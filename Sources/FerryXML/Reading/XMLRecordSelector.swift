internal import CLibXML2
public import FerryCore

/// Finds values in the records of an ``XMLRecordReader`` for the ``RecordMapper``: simple paths
/// by walking libxml2's nodes and comparing names as bytes, XPath through libxml2's engine.
public struct XMLRecordSelector: RecordSelector {
    private unowned let reader: XMLRecordReader
    private let xpaths: XPathProgram?

    init(reader: XMLRecordReader, xpaths: XPathProgram?) {
        self.reader = reader
        self.xpaths = xpaths
    }

    public func elements(at path: NodePath, from node: RecordNode) -> [RecordNode] {
        selectElements(path, from: XMLElement(node)).map(\.recordNode)
    }

    public func texts(at path: NodePath, from node: RecordNode) -> [String] {
        let elements = selectElements(path, from: XMLElement(node))
        if let attribute = path.attribute { return elements.compactMap { $0.attribute(attribute) } }
        return elements.map(\.stringValue)
    }

    private func selectElements(_ path: NodePath, from element: XMLElement) -> [XMLElement] {
        var current = [element]
        for step in path.elements {
            var next: [XMLElement] = []
            for candidate in current { candidate.children(named: step, into: &next) }
            if next.isEmpty { return [] }
            current = next
        }
        return current
    }

    public func headerValue(at path: NodePath) -> String? {
        guard let attribute = path.attribute else { return nil }
        let depth = path.elements.count - 1
        return reader.headerAttributes.first {
            $0.depth == depth && $0.name.local == attribute.local && $0.name.namespace == attribute.namespace
        }?.value
    }

    public func xpathString(_ index: Int, from node: RecordNode) -> String? {
        let element = XMLElement(node)
        guard let xpaths, let document = element.node.pointee.doc else { return nil }
        return xpaths.string(index, node: element.node, document: document)
    }
}
