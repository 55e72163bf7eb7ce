internal import CLibXML2
public import FerryCore

/// Finds values in the records of an ``XMLRecordReader`` for the ``RecordMapper``: simple paths
/// by walking libxml2's nodes and comparing names as bytes, XPath through libxml2's engine.
///
/// A selector holds the header attributes above one record: make one per record.
public struct XMLRecordSelector: RecordSelector {
    private let headers: [XMLRecordReader.HeaderAttribute]
    private let headerValues: [ObjectIdentifier: String]
    private let xpaths: XPathProgram?

    init(
        headers: [XMLRecordReader.HeaderAttribute], headerValues: [ObjectIdentifier: String], xpaths: XPathProgram?
    ) {
        self.headers = headers
        self.headerValues = headerValues
        self.xpaths = xpaths
    }

    public func elements(at path: NodePath, from node: RecordNode) -> [RecordNode] {
        LibXMLTree().elements(at: path, from: XMLElement(node)).map(\.recordNode)
    }

    public func texts(at path: NodePath, from node: RecordNode) -> [String] {
        LibXMLTree().texts(at: path, from: XMLElement(node))
    }

    public func text(at path: NodePath, from node: RecordNode) -> SelectedText {
        LibXMLTree().text(at: path, from: XMLElement(node))
    }

    public func headerValue(at path: NodePath) -> String? {
        XMLRecordReader.headerValue(at: path, in: headers) ?? headerValues[ObjectIdentifier(path)]
    }

    public func xpathString(_ index: Int, from node: RecordNode) -> String? {
        let element = XMLElement(node)
        guard let xpaths, let document = element.node.pointee.doc else { return nil }
        return xpaths.string(index, node: element.node, document: document)
    }
}
