internal import CLibXML2
package import FerryCore

#if canImport(Glibc)
    import Glibc
#endif

/// Records copied out of libxml2's parser events (``XMLRecordBatchReader``) or tree
/// (``XMLRecordReader``) into a few flat buffers, so they can be mapped after the reader has
/// moved on, on another thread: every element, text (CDATA sections included), comment and
/// processing instruction of each record, with its attributes and namespace declarations, the
/// line where the record starts and the header attributes above it.
///
/// Copying a batch costs a handful of allocations however many records it holds, where a
/// libxml2 copy of each subtree would cost one per node.
package struct RecordSnapshots: Sendable {
    /// A span of ``bytes``.
    struct Span: Sendable {
        var start: Int
        var count: Int
        static let empty = Span(start: 0, count: 0)
    }

    enum Kind: UInt8, Sendable {
        case element, text, comment, instruction
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
        /// The values of the mapping's header paths outside the records (the document's, shared).
        var headerValues: [ObjectIdentifier: String]
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
    package init() {}

    /// The number of records in the batch.
    package var count: Int { records.count }

    /// The bytes of text the batch holds, so a batch of large records can be handed on early.
    package var textBytes: Int { bytes.count }

    /// Whether the batch holds no record.
    package var isEmpty: Bool { records.isEmpty }

    /// The line where record `index` starts in its input.
    package func line(of index: Int) -> Int { records[index].line }

    static func handle(_ node: Int) -> RecordNode { RecordNode(handle: UnsafeMutableRawPointer(bitPattern: node + 1)!) }

    static func index(_ node: RecordNode) -> Int { Int(bitPattern: node.handle) - 1 }

    // MARK: - Building from a parser's events

    /// The elements of the record being built, outermost first, each with its last child so far.
    private var openElements: [(node: Int, lastChild: Int)] = []

    /// Whether a record is being built (its start tag seen, its end tag not yet).
    var isBuildingRecord: Bool { !openElements.isEmpty }

    /// Starts a record at its start tag; ``startElement(name:prefix:namespace:declarations:attributes:)``
    /// follows for the record element itself.
    mutating func beginRecord(
        line: Int, headers: [XMLRecordReader.HeaderAttribute], headerValues: [ObjectIdentifier: String] = [:],
        documentHasEncoding: Bool
    ) {
        if records.isEmpty { self.documentHasEncoding = documentHasEncoding }
        records.append(Record(root: nodes.count, line: line, headers: headers, headerValues: headerValues))
    }

    /// Adds an element, as the record element or as a child of the innermost open element, and
    /// opens it.
    /// - Parameters:
    ///   - declarations: the namespace declarations as libxml2's SAX2 parser passes them:
    ///     prefix and URI, one pair after the other.
    ///   - attributes: the attributes as libxml2's SAX2 parser passes them: local name, prefix,
    ///     URI, start and end of the value, five after five.
    mutating func startElement(
        name: UnsafePointer<xmlChar>?, prefix: UnsafePointer<xmlChar>?, namespace: UnsafePointer<xmlChar>?,
        declarations: UnsafeBufferPointer<UnsafePointer<xmlChar>?>,
        attributes: UnsafeBufferPointer<UnsafePointer<xmlChar>?>
    ) {
        var element = Node(
            kind: .element, name: store(name), namespace: store(namespace), prefix: store(prefix),
            content: Span(start: -1, count: 0))
        let firstDeclaration = self.declarations.count
        for pair in stride(from: 0, to: declarations.count - 1, by: 2) {
            self.declarations.append(
                Declaration(prefix: store(declarations[pair]), href: store(declarations[pair + 1])))
        }
        element.declarations = firstDeclaration..<self.declarations.count
        let firstAttribute = self.attributes.count
        for attribute in stride(from: 0, to: attributes.count - 4, by: 5) {
            let value = SAX2AttributeValue(start: attributes[attribute + 3], end: attributes[attribute + 4])
            self.attributes.append(
                Attribute(
                    name: store(attributes[attribute]), namespace: store(attributes[attribute + 2]),
                    prefix: store(attributes[attribute + 1]), value: store(value)))
        }
        element.attributes = firstAttribute..<self.attributes.count
        open(element)
    }

    /// Adds an element whose names, declarations and attributes are stored, and opens it.
    mutating func open(_ element: Node) {
        openElements.append((add(element), -1))
    }

    /// Closes the innermost open element.
    /// - Returns: whether that ended the record.
    mutating func endElement() -> Bool {
        openElements.removeLast()
        return openElements.isEmpty
    }

    /// Adds character data to the innermost open element, joined to a text node just before it
    /// (as libxml2's tree builder joins the pieces it is handed; CDATA sections arrive as text).
    /// - Returns: the length of the text node it is now part of.
    mutating func appendText(_ text: UnsafeBufferPointer<UInt8>) -> Int {
        let last = openElements[openElements.count - 1].lastChild
        if last >= 0, nodes[last].kind == .text {
            bytes.append(contentsOf: text)
            nodes[last].content.count += text.count
            return nodes[last].content.count
        }
        add(Node(kind: .text, name: .empty, namespace: .empty, prefix: .empty, content: store(text)))
        return text.count
    }

    /// Adds a comment to the innermost open element.
    mutating func appendComment(_ text: UnsafePointer<xmlChar>?) {
        add(Node(kind: .comment, name: .empty, namespace: .empty, prefix: .empty, content: store(text)))
    }

    /// Adds a processing instruction to the innermost open element.
    mutating func appendInstruction(target: UnsafePointer<xmlChar>?, data: UnsafePointer<xmlChar>?) {
        add(
            Node(
                kind: .instruction, name: store(target), namespace: .empty, prefix: .empty,
                content: data.map { store($0) } ?? Span(start: -1, count: 0)))
    }

    /// Appends a node and links it below the innermost open element, if there is one.
    @discardableResult
    private mutating func add(_ node: Node) -> Int {
        let index = nodes.count
        nodes.append(node)
        if let (parent, last) = openElements.last {
            if last < 0 { nodes[parent].firstChild = index } else { nodes[last].nextSibling = index }
            openElements[openElements.count - 1].lastChild = index
        }
        return index
    }

    mutating func store(_ text: UnsafePointer<xmlChar>?) -> Span {
        guard let text else { return .empty }
        return store(
            UnsafeBufferPointer(start: text, count: strlen(UnsafeRawPointer(text).assumingMemoryBound(to: CChar.self))))
    }

    mutating func store(_ text: UnsafeBufferPointer<UInt8>) -> Span {
        let start = bytes.count
        bytes.append(contentsOf: text)
        return Span(start: start, count: text.count)
    }

    private mutating func store(_ value: SAX2AttributeValue) -> Span {
        if value.isLiteral { return store(value.bytes) }
        let start = bytes.count
        bytes.append(contentsOf: value.decoded)
        return Span(start: start, count: bytes.count - start)
    }

    /// Removes the record being built, which a fault cut off.
    /// - Returns: its first line and the text read of it.
    mutating func removeRecordCutOff() -> (line: Int, text: String) {
        let index = records.count - 1
        let cutOff = (records[index].line, text(of: index))
        records.removeLast()
        openElements.removeAll()
        return cutOff
    }

    // MARK: - Reading

    /// Calls `body` with the batch's buffers in place, so the mapper reads records without
    /// retaining and releasing the batch's arrays at every step.
    package func withView<Result>(_ body: (View) throws -> Result) rethrows -> Result {
        try bytes.withUnsafeBufferPointer { bytes in
            try nodes.withUnsafeBufferPointer { nodes in
                try attributes.withUnsafeBufferPointer { attributes in
                    try records.withUnsafeBufferPointer { records in
                        try withUnsafePointer(
                            to: View.Buffers(bytes: bytes, nodes: nodes, attributes: attributes, records: records)
                        ) {
                            try body(View(buffers: $0))
                        }
                    }
                }
            }
        }
    }

    /// The records of a batch, read in place; valid only inside ``RecordSnapshots/withView(_:)``.
    package struct View: ElementTree {
        struct Buffers {
            let bytes: UnsafeBufferPointer<UInt8>
            let nodes: UnsafeBufferPointer<Node>
            let attributes: UnsafeBufferPointer<Attribute>
            let records: UnsafeBufferPointer<Record>
        }

        /// The buffers behind one pointer, so that a selector holding the view fits in an
        /// existential's inline storage: copying it allocates and retains nothing.
        let buffers: UnsafePointer<Buffers>
        var bytes: UnsafeBufferPointer<UInt8> { buffers.pointee.bytes }
        var nodes: UnsafeBufferPointer<Node> { buffers.pointee.nodes }
        var attributes: UnsafeBufferPointer<Attribute> { buffers.pointee.attributes }
        var records: UnsafeBufferPointer<Record> { buffers.pointee.records }

        /// The number of records in the batch.
        package var count: Int { records.count }

        /// Record `index`'s element, for the mapper.
        package func node(of index: Int) -> RecordNode { RecordSnapshots.handle(records[index].root) }

        /// The selector that reads values out of record `index` (simple paths only).
        package func selector(of index: Int) -> SnapshotSelector { SnapshotSelector(view: self, record: index) }

        func string(_ span: Span) -> String {
            guard span.count > 0 else { return "" }
            return String(
                decoding: UnsafeBufferPointer(rebasing: bytes[span.start..<span.start + span.count]), as: UTF8.self)
        }

        private func equals(_ span: Span, _ expected: UnsafeBufferPointer<UInt8>) -> Bool {
            guard span.count == expected.count else { return false }
            return memcmp(bytes.baseAddress! + span.start, expected.baseAddress!, expected.count) == 0
        }

        /// Whether a stored namespace URI is one of a name's alternatives (the first is compared
        /// on the fast path already).
        private func isIn(_ namespace: Span, _ name: NodePath.Name) -> Bool {
            name.isIn(
                namespace: UnsafeBufferPointer(rebasing: bytes[namespace.start..<namespace.start + namespace.count]))
        }

        /// Calls `body` with each child element of `element` that has a name, in document order.
        func forEachChild(of element: Int, named name: NodePath.Name, _ body: (Int) -> Void) {
            name.local.withUnsafeBufferPointer { local in
                name.namespace.withUnsafeBufferPointer { namespace in
                    var child = nodes[element].firstChild
                    while child >= 0 {
                        let node = nodes[child]
                        if node.kind == .element && equals(node.name, local)
                            && ((node.namespace.count == 0 ? namespace.isEmpty : equals(node.namespace, namespace))
                                || (name.namespaces.count > 1 && isIn(node.namespace, name)))
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
                case .text:
                    if copied.content.count > 0 {
                        value.append(
                            contentsOf: UnsafeBufferPointer(
                                rebasing: bytes[copied.content.start..<copied.content.start + copied.content.count]))
                    }
                case .element: appendText(below: child, to: &value)
                case .comment, .instruction: break
                }
                child = copied.nextSibling
            }
        }

        /// Where the text of the one node a path selects is, when that node is an attribute or an
        /// element whose only child is a text; nil otherwise.
        func spanInPlace(at path: NodePath, from element: Int) -> Span? {
            var selected = element
            switch path.elements.count {
            case 0:
                break
            case 1:
                var count = 0
                path.unretainedElements[0]._withUnsafeGuaranteedRef { name in
                    forEachChild(of: element, named: name) { child in
                        selected = child
                        count += 1
                    }
                }
                guard count == 1 else { return nil }
            default:
                return nil
            }
            if let attribute = path.unretainedAttribute {
                return attribute._withUnsafeGuaranteedRef { attributeSpan(selected, $0) }
            }
            let first = nodes[selected].firstChild
            guard first >= 0, nodes[first].nextSibling < 0, nodes[first].kind == .text else { return nil }
            return nodes[first].content
        }

        func attribute(_ node: Int, _ name: NodePath.Name) -> String? {
            attributeSpan(node, name).map(string)
        }

        private func attributeSpan(_ node: Int, _ name: NodePath.Name) -> Span? {
            name.local.withUnsafeBufferPointer { local in
                name.namespace.withUnsafeBufferPointer { namespace in
                    for index in nodes[node].attributes {
                        let attribute = attributes[index]
                        let sameNamespace =
                            attribute.namespace.count == 0 ? namespace.isEmpty : equals(attribute.namespace, namespace)
                        if (sameNamespace || name.namespaces.count > 1 && isIn(attribute.namespace, name))
                            && equals(attribute.name, local)
                        {
                            return attribute.value
                        }
                    }
                    return nil
                }
            }
        }
    }
}

/// Finds values in ``RecordSnapshots`` for the ``RecordMapper``, as ``XMLRecordSelector`` does
/// in libxml2's nodes (simple paths only: XPath needs the whole document).
package struct SnapshotSelector: RecordSelector {
    let view: RecordSnapshots.View
    let record: Int

    package func elements(at path: NodePath, from node: RecordNode) -> [RecordNode] {
        view.elements(at: path, from: RecordSnapshots.index(node)).map(RecordSnapshots.handle)
    }

    package func texts(at path: NodePath, from node: RecordNode) -> [String] {
        view.texts(at: path, from: RecordSnapshots.index(node))
    }

    package func text(at path: NodePath, from node: RecordNode) -> SelectedText {
        view.text(at: path, from: RecordSnapshots.index(node))
    }

    package func headerValue(at path: NodePath) -> String? {
        XMLRecordReader.headerValue(at: path, in: view.records[record].headers)
            ?? view.records[record].headerValues[ObjectIdentifier(path)]
    }

    package func xpathString(_ index: Int, from node: RecordNode) -> String? { nil }

    package func withTextInPlace<Result>(
        at path: NodePath, from node: RecordNode,
        _ body: (UnsafeBufferPointer<UInt8>?) -> Result
    ) -> Result {
        guard let span = view.spanInPlace(at: path, from: RecordSnapshots.index(node)) else { return body(nil) }
        return body(UnsafeBufferPointer(rebasing: view.bytes[span.start..<span.start + span.count]))
    }
}
