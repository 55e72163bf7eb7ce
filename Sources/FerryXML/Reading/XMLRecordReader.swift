internal import CLibXML2
public import FerryCore

/// Streams the records of an XML export: every element at a mapping's record path, one at a
/// time, with the header attributes of the elements above it.
///
/// Built on libxml2's `xmlTextReader`: each record's subtree is expanded in C, handed to the
/// mapper through ``XMLRecordSelector``, and freed when the reader moves on, so memory does not
/// depend on the number of records. Documents with a DOCTYPE are refused; no entity is
/// substituted and nothing is loaded from the network.
///
/// A reader is single-owner: use it from one task and let it go when done. Records it returns
/// are valid only until the next call to ``next()``.
public final class XMLRecordReader {
    /// One record element, valid until the reader moves on.
    public struct Record {
        /// The record element.
        public let node: RecordNode
        /// The line where the record starts.
        public let line: Int
    }

    private let stream: XMLStreamReader
    private let recordPath: [NodePath.Name]
    private var matchedDepth = 0
    private var positionedOnNext = false
    private var mustSkipRecord = false
    private var lastLine = 0
    private var salvage: Salvage?
    /// An attribute of an element above the records, at its depth (0 for the root).
    public typealias HeaderAttribute = (depth: Int, name: NodePath.Name, value: String)
    private(set) var headerAttributes: [HeaderAttribute] = []
    private var sawRoot = false
    /// Whether the document's root element is the first step of the record path.
    public private(set) var rootMatches = true
    /// The root element's name as written, once seen.
    public private(set) var rootName: String?
    /// The root element's namespace URI, empty for none, once seen.
    public private(set) var rootNamespace: String?
    /// The values of the header paths, captured before the first record.
    private var headers: HeaderCapture
    /// Header paths that matched only after the first record, with the line where: no record
    /// saw a value for them.
    public var lateHeaderPaths: [(path: NodePath, line: Int)] { headers.late }

    /// Opens a reader.
    /// - Parameters:
    ///   - input: the document's bytes, read in chunks.
    ///   - path: the name used in locations (`file.xml`, `archive.zip!entry.xml`, `-`).
    ///   - recordPath: the element path from the root to each record.
    ///   - headerPaths: the elements and attributes outside the records whose values every
    ///     record sees (``XMLBinding/headerPaths``).
    public init(
        input: any ByteStream, path: String, recordPath: [NodePath.Name], headerPaths: [NodePath] = [],
        limits: XMLLimits = XMLLimits()
    ) {
        stream = XMLStreamReader(input: input, path: path, limits: limits)
        self.recordPath = recordPath
        headers = HeaderCapture(paths: headerPaths)
    }

    /// The selector that reads values out of the current record.
    public func selector(xpaths: XPathProgram?) -> XMLRecordSelector {
        XMLRecordSelector(headers: headerAttributes, headerValues: headers.values, xpaths: xpaths)
    }

    /// The value of a header attribute at an absolute path, among the attributes above a record.
    static func headerValue(at path: NodePath, in headers: [HeaderAttribute]) -> String? {
        guard let attribute = path.attribute else { return nil }
        let depth = path.elements.count - 1
        return headers.first { $0.depth == depth && $0.name.sameName(as: attribute) }?.value
    }

    /// Advances to the next record.
    /// - Returns: the record, or nil at the end of the document.
    /// - Throws: ``XMLReadError`` when the document is not well-formed, has a DOCTYPE,
    ///   exceeds a limit or cannot be read. Every record completed before the fault is returned
    ///   first; a record the fault cut off is in the error's `interruptedRecord`.
    public func next() throws(XMLReadError) -> Record? {
        if let salvage { return try salvageNext(salvage) }
        do {
            return try advance()
        } catch {
            // libxml2 parses ahead of the reader: records it completed before the fault are in the tree.
            let pending = Salvage(error: error, queue: recordsInTree(after: lastLine))
            salvage = pending
            return try salvageNext(pending)
        }
    }

    private func advance() throws(XMLReadError) -> Record? {
        if mustSkipRecord {
            // The last record stayed expanded while the caller read it; move past it now.
            mustSkipRecord = false
            guard try stream.skipSubtree() else { return nil }
            positionedOnNext = true
        }
        while true {
            if positionedOnNext {
                positionedOnNext = false
            } else if try !stream.read() {
                return nil
            }
            let depth = stream.depth
            switch stream.nodeType {
            case Int32(XML_READER_TYPE_ELEMENT.rawValue):
                guard let node = stream.currentNode else { continue }
                if depth == 0 && !sawRoot {
                    sawRoot = true
                    rootName = node.pointee.name.map { UnsafePointer($0).string }
                    rootNamespace = node.pointee.ns?.pointee.href.map { UnsafePointer($0).string } ?? ""
                    rootMatches = !recordPath.isEmpty && XMLElement(node).matches(recordPath[0])
                }
                let onRecordPath =
                    depth == matchedDepth && depth < recordPath.count && XMLElement(node).matches(recordPath[depth])
                if onRecordPath && depth == recordPath.count - 1 {
                    headers.recordsBegan = true
                    let expanded = try stream.expand()
                    mustSkipRecord = true
                    return record(expanded)
                }
                if !headers.isEmpty { try captureHeaderValues(node, depth: depth) }
                guard onRecordPath else { continue }
                captureHeader(node, depth: depth)
                if !stream.isEmptyElement { matchedDepth = depth + 1 }
            case Int32(XML_READER_TYPE_END_ELEMENT.rawValue):
                if depth < matchedDepth { matchedDepth = depth }
                if !headers.isEmpty { headers.elementEnds(depth: depth) }
            case Int32(XML_READER_TYPE_TEXT.rawValue), Int32(XML_READER_TYPE_CDATA.rawValue),
                Int32(XML_READER_TYPE_WHITESPACE.rawValue), Int32(XML_READER_TYPE_SIGNIFICANT_WHITESPACE.rawValue):
                guard !headers.isEmpty, let content = stream.currentNode?.pointee.content else { continue }
                let text = UnsafePointer(content).bytes
                let within = text.withUnsafeBufferPointer { headers.text($0) }
                if !within { throw headerLimit(line: Int(xmlGetLineNo(stream.currentNode))) }
            default:
                continue
            }
        }
    }

    private func record(_ node: xmlNodePtr) -> Record {
        let line = Int(xmlGetLineNo(node))
        lastLine = line
        return Record(node: XMLElement(node).recordNode, line: line)
    }

    /// What is left to return after a fault.
    private struct Salvage {
        let error: XMLReadError
        var queue: [xmlNodePtr]
    }

    /// Returns the next record completed before the fault, or throws the fault, with the record
    /// it cut off when it struck inside one.
    private func salvageNext(_ pending: Salvage) throws(XMLReadError) -> Record? {
        var pending = pending
        guard !pending.queue.isEmpty else { throw pending.error }
        let node = pending.queue.removeFirst()
        salvage = pending
        if Self.isClosed(node) { return record(node) }
        salvage = Salvage(error: pending.error, queue: [])
        var interrupted = pending.error
        let line = Int(xmlGetLineNo(node))
        interrupted.interruptedRecord = (line, RecordSnapshots(copying: node, line: line).text(of: 0))
        throw interrupted
    }

    /// The record elements still in libxml2's tree that start after `line`, in document order.
    private func recordsInTree(after line: Int) -> [xmlNodePtr] {
        guard let first = recordPath.first, let root = stream.document.flatMap({ xmlDocGetRootElement($0) }),
            XMLElement(root).matches(first)
        else { return [] }
        var level = [XMLElement(root)]
        for step in recordPath.dropFirst() {
            var next: [XMLElement] = []
            for element in level { element.forEachChild(named: step) { next.append($0) } }
            level = next
        }
        return level.map(\.node).filter { Int(xmlGetLineNo($0)) > line }
    }

    /// Whether libxml2 has seen an element's end tag: the tree builder adds a following node,
    /// here or above, only after it.
    private static func isClosed(_ node: xmlNodePtr) -> Bool {
        var current: xmlNodePtr? = node
        while let element = current, element.pointee.type == XML_ELEMENT_NODE {
            if element.pointee.next != nil { return true }
            current = element.pointee.parent
        }
        return false
    }

    /// Hands an element outside the records to the header values.
    private func captureHeaderValues(_ node: xmlNodePtr, depth: Int) throws(XMLReadError) {
        let line = Int(xmlGetLineNo(node))
        let within = headers.elementStarts(
            namespace: node.pointee.ns?.pointee.href.map { UnsafePointer($0).bytes } ?? [],
            local: node.pointee.name.map { UnsafePointer($0).bytes } ?? [], depth: depth, line: line
        ) {
            var attributes: [(namespace: [UInt8], local: [UInt8], value: String)] = []
            var attribute = node.pointee.properties
            while let current = attribute {
                attributes.append(
                    (
                        current.pointee.ns?.pointee.href.map { UnsafePointer($0).bytes } ?? [],
                        current.pointee.name.map { UnsafePointer($0).bytes } ?? [], XMLElement.attributeValue(current)
                    ))
                attribute = current.pointee.next
            }
            return attributes
        }
        if !within { throw headerLimit(line: line) }
        if stream.isEmptyElement { headers.elementEnds(depth: depth) }
    }

    private func headerLimit(line: Int) -> XMLReadError {
        XMLReadError(
            .limit, HeaderCapture.limitMessage,
            at: stream.location(line: line, column: 1))
    }

    private func captureHeader(_ node: xmlNodePtr, depth: Int) {
        headerAttributes.removeAll { $0.depth >= depth }
        var attribute = node.pointee.properties
        while let current = attribute {
            if let name = current.pointee.name {
                let namespace = current.pointee.ns?.pointee.href.map { UnsafePointer($0).string } ?? ""
                headerAttributes.append(
                    (
                        depth,
                        NodePath.Name(
                            namespace: namespace, local: UnsafePointer(name).string,
                            prefix: nil), XMLElement.attributeValue(current)
                    ))
            }
            attribute = current.pointee.next
        }
    }

    /// Counts every element and attribute path below a record, for coverage reports.
    public func countPaths(of record: Record, into coverage: inout InputCoverage) {
        var names: [InputCoverage.Name] = []
        Self.countPaths(below: XMLElement(record.node).node, names: &names, into: &coverage)
    }

    private static func countPaths(
        below node: xmlNodePtr, names: inout [InputCoverage.Name], into coverage: inout InputCoverage
    ) {
        var attribute = node.pointee.properties
        while let current = attribute {
            let local = current.pointee.name.map { UnsafePointer($0).string } ?? ""
            let namespace = current.pointee.ns?.pointee.href.map { UnsafePointer($0).string } ?? ""
            coverage.visit(elements: names, attribute: (namespace, local), line: Int(xmlGetLineNo(node)))
            attribute = current.pointee.next
        }
        var child = node.pointee.children
        while let current = child {
            if current.pointee.type == XML_ELEMENT_NODE {
                let local = current.pointee.name.map { UnsafePointer($0).string } ?? ""
                let namespace = current.pointee.ns?.pointee.href.map { UnsafePointer($0).string } ?? ""
                names.append((namespace, local))
                coverage.visit(elements: names, attribute: nil, line: Int(xmlGetLineNo(current)))
                countPaths(below: current, names: &names, into: &coverage)
                names.removeLast()
            }
            child = current.pointee.next
        }
    }

    /// The record's text as serialized XML in UTF-8, for the rejects file: written by the one
    /// renderer, as the batch reader's records are.
    public func text(of record: Record) -> String {
        RecordSnapshots(copying: XMLElement(record.node).node, line: record.line).text(of: 0)
    }
}
