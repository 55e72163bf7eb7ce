internal import CLibXML2

#if canImport(Glibc)
    import Glibc
#endif

/// Records copied from libxml2's tree, so the records an ``XMLRecordReader`` reads are written
/// back by the one renderer (``RecordSnapshots/text(of:)``) as the batch reader's are.
extension RecordSnapshots {
    /// A batch of one: the record element `node` and everything below it, copied from
    /// libxml2's tree (a record a fault cut off holds what was read of it).
    init(copying node: xmlNodePtr, line: Int) {
        self.init()
        beginRecord(line: line, headers: [], documentHasEncoding: node.pointee.doc?.pointee.encoding != nil)
        copy(node)
    }

    private mutating func copy(_ node: xmlNodePtr) {
        switch node.pointee.type {
        case XML_ELEMENT_NODE:
            var element = Node(
                kind: .element, name: store(node.pointee.name), namespace: store(node.pointee.ns?.pointee.href),
                prefix: store(node.pointee.ns?.pointee.prefix), content: Span(start: -1, count: 0))
            let firstDeclaration = declarations.count
            var declaration = node.pointee.nsDef
            while let current = declaration {
                declarations.append(
                    Declaration(prefix: store(current.pointee.prefix), href: store(current.pointee.href)))
                declaration = current.pointee.next
            }
            element.declarations = firstDeclaration..<declarations.count
            let firstAttribute = attributes.count
            var attribute = node.pointee.properties
            while let current = attribute {
                let value = Array(XMLElement.attributeValue(current).utf8)
                attributes.append(
                    Attribute(
                        name: store(current.pointee.name), namespace: store(current.pointee.ns?.pointee.href),
                        prefix: store(current.pointee.ns?.pointee.prefix),
                        value: value.withUnsafeBufferPointer { store($0) }))
                attribute = current.pointee.next
            }
            element.attributes = firstAttribute..<attributes.count
            open(element)
            var child = node.pointee.children
            while let current = child {
                copy(current)
                child = current.pointee.next
            }
            _ = endElement()
        case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
            guard let content = node.pointee.content else { return }
            _ = appendText(
                UnsafeBufferPointer(
                    start: content, count: strlen(UnsafeRawPointer(content).assumingMemoryBound(to: CChar.self))))
        case XML_COMMENT_NODE:
            appendComment(node.pointee.content)
        case XML_PI_NODE:
            appendInstruction(target: node.pointee.name, data: node.pointee.content)
        default:
            break
        }
    }
}
