internal import CLibXML2
public import FerryCore

/// Finds values in the records of an ``XMLRecordReader`` for the ``RecordMapper``: simple paths
/// by walking libxml2's nodes and comparing names as bytes, XPath through libxml2's engine.
///
/// A selector holds the header attributes above one record: make one per record.
public struct XMLRecordSelector: RecordSelector {
    private let headers: [XMLRecordReader.HeaderAttribute]
    private let xpaths: XPathProgram?

    init(headers: [XMLRecordReader.HeaderAttribute], xpaths: XPathProgram?) {
        self.headers = headers
        self.xpaths = xpaths
    }

    public func elements(at path: NodePath, from node: RecordNode) -> [RecordNode] {
        selectElements(path, from: XMLElement(node)).map(\.recordNode)
    }

    public func texts(at path: NodePath, from node: RecordNode) -> [String] {
        let element = XMLElement(node)
        if path.elements.isEmpty {
            // `@name` and `.` on the element itself: no selection needed.
            guard let attribute = path.attribute else { return [element.stringValue] }
            return element.attribute(attribute).map { [$0] } ?? []
        }
        if path.elements.count == 1 {
            // The common case, a child's text or attribute: read it while walking the children.
            var texts: [String] = []
            element.forEachChild(named: path.elements[0]) { child in
                if let attribute = path.attribute {
                    if let value = child.attribute(attribute) { texts.append(value) }
                } else {
                    texts.append(child.stringValue)
                }
            }
            return texts
        }
        let elements = selectElements(path, from: element)
        if let attribute = path.attribute { return elements.compactMap { $0.attribute(attribute) } }
        return elements.map(\.stringValue)
    }

    private func selectElements(_ path: NodePath, from element: XMLElement) -> [XMLElement] {
        if path.elements.count == 1 {
            var matches: [XMLElement] = []
            element.children(named: path.elements[0], into: &matches)
            return matches
        }
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
        XMLRecordReader.headerValue(at: path, in: headers)
    }

    public func xpathString(_ index: Int, from node: RecordNode) -> String? {
        let element = XMLElement(node)
        guard let xpaths, let document = element.node.pointee.doc else { return nil }
        return xpaths.string(index, node: element.node, document: document)
    }
}
