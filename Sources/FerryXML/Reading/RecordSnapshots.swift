internal import CLibXML2
import Glibc
public import FerryCore

/// Records copied out of an ``XMLRecordReader`` into a few flat buffers, so they can be mapped
/// after the reader has moved on, on another thread: every element, text, CDATA section,
/// comment and processing instruction of each record, with its attributes and namespace
/// declarations, the line where the record starts and the header attributes above it.
///
/// Copying a batch costs a handful of allocations however many records it holds, where a
/// libxml2 copy of each subtree would cost one per node.
public struct RecordSnapshots: Sendable {
    /// A span of ``bytes``.
    struct Span: Sendable {
        var start: Int
        var count: Int
        static let empty = Span(start: 0, count: 0)
    }

    enum Kind: UInt8, Sendable {
        case element, text, cdata, comment, instruction
    }

    /// A node; links are indexes into ``nodes`` (-1 for none).
    struct Node: Sendable {
        var kind: Kind
        /// Element local name, or instruction target.
        var name: Span
        /// Element namespace URI.
        var namespace: Span
        /// Element prefix as written.
        var prefix: Span
        /// Text, CDATA, comment or instruction content (`start` -1: none).
        var content: Span
        var firstChild: Int = -1
        var nextSibling: Int = -1
        var attributes: Range<Int> = 0..<0
        var declarations: Range<Int> = 0..<0
    }

    struct Attribute: Sendable {
        var name: Span
        var namespace: Span
        var prefix: Span
        var value: Span
    }

    struct Declaration: Sendable {
        var prefix: Span
        var href: Span
    }

    struct Record: Sendable {
        var root: Int
        var line: Int
        var headers: [XMLRecordReader.HeaderAttribute]
    }

    var bytes: [UInt8] = []
    var nodes: [Node] = []
    var attributes: [Attribute] = []
    var declarations: [Declaration] = []
    var records: [Record] = []
    /// Whether the export declared its encoding; libxml2 then writes non-ASCII attribute
    /// characters as they are, otherwise as character references.
    var documentHasEncoding = false

    /// Creates an empty batch.
    public init() {}

    /// The number of records in the batch.
    public var count: Int { records.count }

    /// The bytes of text the batch holds, so a batch of large records can be handed on early.
    public var textBytes: Int { bytes.count }

    /// Whether the batch holds no record.
    public var isEmpty: Bool { records.isEmpty }

    /// The line where record `index` starts in its input.
    public func line(of index: Int) -> Int { records[index].line }

    static func handle(_ node: Int) -> RecordNode { RecordNode(handle: UnsafeMutableRawPointer(bitPattern: node + 1)!) }

    static func index(_ node: RecordNode) -> Int { Int(bitPattern: node.handle) - 1 }

    // MARK: - Copying from libxml2

    /// Appends a record's subtree.
    mutating func append(_ element: xmlNodePtr, line: Int, headers: [XMLRecordReader.HeaderAttribute]) {
        if records.isEmpty { documentHasEncoding = element.pointee.doc?.pointee.encoding != nil }
        records.append(Record(root: copy(element), line: line, headers: headers))
    }

    /// Copies a node and what is below it; returns its index, or -1 for nodes a record cannot
    /// hold once parsed without a DOCTYPE (entity references, for one).
    private mutating func copy(_ node: xmlNodePtr) -> Int {
        let kind: Kind
        switch node.pointee.type {
        case XML_ELEMENT_NODE: kind = .element
        case XML_TEXT_NODE: kind = .text
        case XML_CDATA_SECTION_NODE: kind = .cdata
        case XML_COMMENT_NODE: kind = .comment
        case XML_PI_NODE: kind = .instruction
        default: return -1
        }
        let index = nodes.count
        var copied = Node(kind: kind, name: .empty, namespace: .empty, prefix: .empty, content: Span(start: -1, count: 0))
        if kind == .element || kind == .instruction { copied.name = store(node.pointee.name) }
        if kind != .element, let content = node.pointee.content { copied.content = store(content) }
        if kind == .element {
            if let namespace = node.pointee.ns {
                copied.namespace = store(namespace.pointee.href)
                copied.prefix = store(namespace.pointee.prefix)
            }
            let firstDeclaration = declarations.count
            var declaration = node.pointee.nsDef
            while let current = declaration {
                declarations.append(Declaration(prefix: store(current.pointee.prefix), href: store(current.pointee.href)))
                declaration = current.pointee.next
            }
            copied.declarations = firstDeclaration..<declarations.count
            let firstAttribute = attributes.count
            var attribute = node.pointee.properties
            while let current = attribute {
                let namespace = current.pointee.ns
                attributes.append(Attribute(
                    name: store(current.pointee.name), namespace: store(namespace?.pointee.href),
                    prefix: store(namespace?.pointee.prefix), value: storeValue(current)))
                attribute = current.pointee.next
            }
            copied.attributes = firstAttribute..<attributes.count
        }
        nodes.append(copied)
        var previous: Int = -1
        var child = node.pointee.children
        while kind == .element, let current = child {
            let copiedChild = copy(current)
            if copiedChild >= 0 {
                if previous < 0 { nodes[index].firstChild = copiedChild } else { nodes[previous].nextSibling = copiedChild }
                previous = copiedChild
            }
            child = current.pointee.next
        }
        return index
    }

    private mutating func store(_ text: UnsafePointer<xmlChar>?) -> Span {
        guard let text else { return .empty }
        let start = bytes.count
        let count = strlen(UnsafeRawPointer(text).assumingMemoryBound(to: CChar.self))
        bytes.append(contentsOf: UnsafeBufferPointer(start: text, count: count))
        return Span(start: start, count: count)
    }

    /// An attribute's value: its one text child as is, or its children's text joined by libxml2.
    private mutating func storeValue(_ attribute: xmlAttrPtr) -> Span {
        if let child = attribute.pointee.children, child.pointee.next == nil, let content = child.pointee.content {
            return store(content)
        }
        return store(XMLElement.attributeValue(attribute))
    }

    private mutating func store(_ text: String) -> Span {
        let start = bytes.count
        bytes.append(contentsOf: text.utf8)
        return Span(start: start, count: bytes.count - start)
    }

    // MARK: - Reading

    /// Calls `body` with the batch's buffers in place, so the mapper reads records without
    /// retaining and releasing the batch's arrays at every step.
    public func withView<Result>(_ body: (View) throws -> Result) rethrows -> Result {
        try bytes.withUnsafeBufferPointer { bytes in
            try nodes.withUnsafeBufferPointer { nodes in
                try attributes.withUnsafeBufferPointer { attributes in
                    try records.withUnsafeBufferPointer { records in
                        try body(View(bytes: bytes, nodes: nodes, attributes: attributes, records: records))
                    }
                }
            }
        }
    }

    /// The records of a batch, read in place; valid only inside ``RecordSnapshots/withView(_:)``.
    public struct View: ElementTree {
        let bytes: UnsafeBufferPointer<UInt8>
        let nodes: UnsafeBufferPointer<Node>
        let attributes: UnsafeBufferPointer<Attribute>
        let records: UnsafeBufferPointer<Record>

        /// The number of records in the batch.
        public var count: Int { records.count }

        /// Record `index`'s element, for the mapper.
        public func node(of index: Int) -> RecordNode { RecordSnapshots.handle(records[index].root) }

        /// The selector that reads values out of record `index` (simple paths only).
        public func selector(of index: Int) -> SnapshotSelector { SnapshotSelector(view: self, headers: records[index].headers) }

        func string(_ span: Span) -> String {
            guard span.count > 0 else { return "" }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[span.start..<span.start + span.count]), as: UTF8.self)
        }

        private func equals(_ span: Span, _ expected: UnsafeBufferPointer<UInt8>) -> Bool {
            guard span.count == expected.count else { return false }
            return memcmp(bytes.baseAddress! + span.start, expected.baseAddress!, expected.count) == 0
        }

        /// Calls `body` with each child element of `element` that has a name, in document order.
        func forEachChild(of element: Int, named name: NodePath.Name, _ body: (Int) -> Void) {
            name.local.withUnsafeBufferPointer { local in
                name.namespace.withUnsafeBufferPointer { namespace in
                    var child = nodes[element].firstChild
                    while child >= 0 {
                        let node = nodes[child]
                        if node.kind == .element && equals(node.name, local)
                            && (node.namespace.count == 0 ? namespace.isEmpty : equals(node.namespace, namespace))
                        {
                            body(child)
                        }
                        child = node.nextSibling
                    }
                }
            }
        }

        /// The string value of an element: the text and CDATA below it, in document order.
        func stringValue(_ node: Int) -> String {
            let first = nodes[node].firstChild
            if first >= 0, nodes[first].nextSibling < 0, nodes[first].kind == .text {
                return string(nodes[first].content)
            }
            var value: [UInt8] = []
            appendText(below: node, to: &value)
            return String(decoding: value, as: UTF8.self)
        }

        private func appendText(below node: Int, to value: inout [UInt8]) {
            var child = nodes[node].firstChild
            while child >= 0 {
                let copied = nodes[child]
                switch copied.kind {
                case .text, .cdata:
                    if copied.content.count > 0 {
                        value.append(contentsOf: UnsafeBufferPointer(
                            rebasing: bytes[copied.content.start..<copied.content.start + copied.content.count]))
                    }
                case .element: appendText(below: child, to: &value)
                case .comment, .instruction: break
                }
                child = copied.nextSibling
            }
        }

        func attribute(_ node: Int, _ name: NodePath.Name) -> String? {
            let found: Span? = name.local.withUnsafeBufferPointer { local in
                name.namespace.withUnsafeBufferPointer { namespace in
                    for index in nodes[node].attributes {
                        let attribute = attributes[index]
                        let sameNamespace = attribute.namespace.count == 0 ? namespace.isEmpty : equals(attribute.namespace, namespace)
                        if sameNamespace && equals(attribute.name, local) { return attribute.value }
                    }
                    return nil
                }
            }
            return found.map(string)
        }
    }

    // MARK: - Writing a record back as text

    /// Record `index` serialized as XML in UTF-8, byte for byte as libxml2's `xmlNodeDump`
    /// writes the subtree it was copied from (for the rejects file).
    public func text(of index: Int) -> String {
        var out: [UInt8] = []
        write(records[index].root, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private func append(_ span: Span, to out: inout [UInt8]) {
        if span.count > 0 { out.append(contentsOf: bytes[span.start..<span.start + span.count]) }
    }

    private func appendQualified(_ prefix: Span, _ name: Span, to out: inout [UInt8]) {
        if prefix.count > 0 {
            append(prefix, to: &out)
            out.append(UInt8(ascii: ":"))
        }
        append(name, to: &out)
    }

    private func write(_ node: Int, to out: inout [UInt8]) {
        let copied = nodes[node]
        switch copied.kind {
        case .text:
            escapeContent(copied.content, to: &out)
        case .cdata:
            out.append(contentsOf: "<![CDATA[".utf8)
            append(copied.content, to: &out)
            out.append(contentsOf: "]]>".utf8)
        case .comment:
            out.append(contentsOf: "<!--".utf8)
            append(copied.content, to: &out)
            out.append(contentsOf: "-->".utf8)
        case .instruction:
            out.append(contentsOf: "<?".utf8)
            append(copied.name, to: &out)
            if copied.content.start >= 0 {
                out.append(UInt8(ascii: " "))
                append(copied.content, to: &out)
            }
            out.append(contentsOf: "?>".utf8)
        case .element:
            out.append(UInt8(ascii: "<"))
            appendQualified(copied.prefix, copied.name, to: &out)
            for index in copied.declarations {
                let declaration = declarations[index]
                out.append(contentsOf: " xmlns".utf8)
                if declaration.prefix.count > 0 {
                    out.append(UInt8(ascii: ":"))
                    append(declaration.prefix, to: &out)
                }
                // A namespace URI holds no quotes (the reader refuses one that does).
                out.append(contentsOf: "=\"".utf8)
                append(declaration.href, to: &out)
                out.append(UInt8(ascii: "\""))
            }
            for index in copied.attributes {
                let attribute = attributes[index]
                out.append(UInt8(ascii: " "))
                appendQualified(attribute.prefix, attribute.name, to: &out)
                out.append(contentsOf: "=\"".utf8)
                escapeAttribute(attribute.value, to: &out)
                out.append(UInt8(ascii: "\""))
            }
            guard copied.firstChild >= 0 else {
                out.append(contentsOf: "/>".utf8)
                return
            }
            out.append(UInt8(ascii: ">"))
            var child = copied.firstChild
            while child >= 0 {
                write(child, to: &out)
                child = nodes[child].nextSibling
            }
            out.append(contentsOf: "</".utf8)
            appendQualified(copied.prefix, copied.name, to: &out)
            out.append(UInt8(ascii: ">"))
        }
    }

    /// Text as libxml2 escapes it: `<`, `>`, `&` and carriage returns.
    private func escapeContent(_ span: Span, to out: inout [UInt8]) {
        for offset in 0..<span.count {
            let byte = bytes[span.start + offset]
            switch byte {
            case UInt8(ascii: "<"): out.append(contentsOf: "&lt;".utf8)
            case UInt8(ascii: ">"): out.append(contentsOf: "&gt;".utf8)
            case UInt8(ascii: "&"): out.append(contentsOf: "&amp;".utf8)
            case 0x0D: out.append(contentsOf: "&#13;".utf8)
            default: out.append(byte)
            }
        }
    }

    /// An attribute value as libxml2 escapes it; without a declared encoding, characters beyond
    /// ASCII become hexadecimal character references.
    private func escapeAttribute(_ span: Span, to out: inout [UInt8]) {
        var offset = 0
        while offset < span.count {
            let byte = bytes[span.start + offset]
            switch byte {
            case 0x0A: out.append(contentsOf: "&#10;".utf8)
            case 0x0D: out.append(contentsOf: "&#13;".utf8)
            case 0x09: out.append(contentsOf: "&#9;".utf8)
            case UInt8(ascii: "\""): out.append(contentsOf: "&quot;".utf8)
            case UInt8(ascii: "<"): out.append(contentsOf: "&lt;".utf8)
            case UInt8(ascii: ">"): out.append(contentsOf: "&gt;".utf8)
            case UInt8(ascii: "&"): out.append(contentsOf: "&amp;".utf8)
            case 0x80... where !documentHasEncoding:
                let width = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : 2
                var scalar = UInt(byte) & (width == 2 ? 0x1F : width == 3 ? 0x0F : 0x07)
                for next in 1..<width where offset + next < span.count {
                    scalar = scalar << 6 | UInt(bytes[span.start + offset + next] & 0x3F)
                }
                out.append(contentsOf: "&#x\(String(scalar, radix: 16, uppercase: true));".utf8)
                offset += width
                continue
            default: out.append(byte)
            }
            offset += 1
        }
    }
}

/// Finds values in ``RecordSnapshots`` for the ``RecordMapper``, as ``XMLRecordSelector`` does
/// in libxml2's nodes (simple paths only: XPath needs the whole document).
public struct SnapshotSelector: RecordSelector {
    let view: RecordSnapshots.View
    let headers: [XMLRecordReader.HeaderAttribute]

    public func elements(at path: NodePath, from node: RecordNode) -> [RecordNode] {
        view.elements(at: path, from: RecordSnapshots.index(node)).map(RecordSnapshots.handle)
    }

    public func texts(at path: NodePath, from node: RecordNode) -> [String] {
        view.texts(at: path, from: RecordSnapshots.index(node))
    }

    public func text(at path: NodePath, from node: RecordNode) -> SelectedText {
        view.text(at: path, from: RecordSnapshots.index(node))
    }

    public func headerValue(at path: NodePath) -> String? {
        XMLRecordReader.headerValue(at: path, in: headers)
    }

    public func xpathString(_ index: Int, from node: RecordNode) -> String? { nil }
}
