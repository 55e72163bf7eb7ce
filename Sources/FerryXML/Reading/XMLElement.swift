internal import CLibXML2
import FerryCore

/// An element of a record being read; valid only while its reader stays on that record.
struct XMLElement {
    let node: xmlNodePtr

    init(_ node: xmlNodePtr) { self.node = node }

    init(_ node: RecordNode) { self.node = node.handle.assumingMemoryBound(to: xmlNode.self) }

    /// The element as the mapper's opaque handle.
    var recordNode: RecordNode { RecordNode(handle: UnsafeMutableRawPointer(node)) }

    /// Whether the element has the namespace URI and local name of `name`.
    func matches(_ name: NodePath.Name) -> Bool {
        name.matches(
            local: node.pointee.name.map(UnsafePointer.init),
            namespace: node.pointee.ns?.pointee.href.map(UnsafePointer.init))
    }

    /// Calls `body` with each child element that has a name, in document order.
    func forEachChild(named name: NodePath.Name, _ body: (XMLElement) -> Void) {
        var child = node.pointee.children
        while let current = child {
            if current.pointee.type == XML_ELEMENT_NODE, XMLElement(current).matches(name) { body(XMLElement(current)) }
            child = current.pointee.next
        }
    }

    /// The value of an attribute, when present.
    func attribute(_ name: NodePath.Name) -> String? {
        var attribute = node.pointee.properties
        while let current = attribute {
            if let local = current.pointee.name, UnsafePointer(local).equals(name.local) {
                if name.matches(local: local, namespace: current.pointee.ns?.pointee.href.map(UnsafePointer.init)) {
                    return Self.attributeValue(current)
                }
            }
            attribute = current.pointee.next
        }
        return nil
    }

    /// The element's string value: the text of all its descendants, CDATA included.
    var stringValue: String {
        // The common case, one text child, needs no copy in C.
        if let child = node.pointee.children, child.pointee.next == nil, child.pointee.type == XML_TEXT_NODE,
            let content = child.pointee.content
        {
            return UnsafePointer(content).string
        }
        if node.pointee.children == nil { return "" }
        guard let content = xmlNodeGetContent(node) else { return "" }
        defer { ferry_xmlFree(content) }
        return UnsafePointer(content).string
    }

    static func attributeValue(_ attribute: xmlAttrPtr) -> String {
        if let child = attribute.pointee.children, child.pointee.next == nil, let content = child.pointee.content {
            return UnsafePointer(content).string
        }
        guard let content = xmlNodeGetContent(UnsafeMutableRawPointer(attribute).assumingMemoryBound(to: xmlNode.self))
        else {
            return ""
        }
        defer { ferry_xmlFree(content) }
        return UnsafePointer(content).string
    }
}
