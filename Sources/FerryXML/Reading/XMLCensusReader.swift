internal import CLibXML2
public import FerryCore

/// Streams a whole XML document into a ``PathCensus``.
///
/// Every element and attribute, with its namespace, line and text, goes through the hardened
/// reader every Ferry XML input goes through. Memory stays flat however large the document.
public enum XMLCensusReader {
    /// Adds a document to a census.
    /// - Throws: ``XMLReadError`` with the fault's location; what came before it stays counted.
    public static func add(
        _ input: any ByteStream, path: String, to census: inout PathCensus, limits: XMLLimits = XMLLimits()
    ) throws(XMLReadError) {
        let reader = XMLStreamReader(input: input, path: path, limits: limits)
        census.beginDocument(path)
        defer { census.endDocument() }
        var sawRoot = false
        while try reader.read() {
            guard let node = reader.currentNode else { continue }
            switch reader.nodeType {
            case Int32(XML_READER_TYPE_ELEMENT.rawValue):
                sawRoot = true
                let line = Int(xmlGetLineNo(node))
                census.enterElement(
                    namespace: namespace(of: node.pointee.ns), local: name(node.pointee.name), line: line)
                var attribute = node.pointee.properties
                while let current = attribute {
                    census.attribute(
                        namespace: namespace(of: current.pointee.ns), local: name(current.pointee.name),
                        value: XMLElement.attributeValue(current), line: line)
                    attribute = current.pointee.next
                }
                if reader.isEmptyElement { census.exitElement() }
            case Int32(XML_READER_TYPE_END_ELEMENT.rawValue):
                census.exitElement()
            case Int32(XML_READER_TYPE_TEXT.rawValue), Int32(XML_READER_TYPE_CDATA.rawValue),
                Int32(XML_READER_TYPE_SIGNIFICANT_WHITESPACE.rawValue), Int32(XML_READER_TYPE_WHITESPACE.rawValue):
                if let content = node.pointee.content { census.text(UnsafePointer(content).string) }
            default:
                continue
            }
        }
        guard sawRoot else {
            throw XMLReadError(
                .notWellFormed, "the document has no root element", at: DocumentLocation(path: path, line: 1, column: 1)
            )
        }
    }

    private static func name(_ pointer: UnsafePointer<xmlChar>?) -> String {
        pointer.map { UnsafePointer($0).string } ?? ""
    }

    private static func namespace(of ns: xmlNsPtr?) -> String {
        ns?.pointee.href.map { UnsafePointer($0).string } ?? ""
    }
}
