internal import CLibXML2
package import FerryCore

/// Streams the records of an XML export into batches of ``RecordSnapshots`` with libxml2's
/// SAX2 parser: each record is copied from the parser's events as it reads, with no libxml2
/// node built, linked and freed per element, attribute and text (most of what
/// ``XMLRecordReader`` costs beyond parsing itself).
///
/// It reads what ``XMLRecordReader`` reads, the elements at a record path with the header
/// attributes above them, under the same hardening: input pulled through ``MarkupGuard``, no
/// network, no entity substitution, every error fatal, and text bounded as libxml2's tree builder
/// bounds it (``XMLLimits/maximumTextBytes``). Its snapshots' selectors find simple paths only:
/// mappings with XPath expressions need ``XMLRecordReader``'s nodes.
///
/// Single-owner.
package final class XMLRecordBatchReader {
    private let parse: GuardedParse
    private let path: String
    /// What the parser's events update, reached from them through a pointer: no reference
    /// counted and no exclusive access checked per event.
    private let events: UnsafeMutablePointer<Events>

    /// Whether the document's root element is the first step of the record path.
    package var rootMatches: Bool { events.pointee.rootMatches }
    /// The root element's local name, once seen.
    package var rootName: String? { events.pointee.rootName }
    /// The root element's namespace URI, empty for none, once seen.
    package var rootNamespace: String? { events.pointee.rootNamespace }
    /// Header paths that matched only after the first record, with the line where: no record
    /// saw a value for them.
    package var lateHeaderPaths: [(path: NodePath, line: Int)] { events.pointee.headers.late }

    /// Prepares a reader.
    /// - Parameters:
    ///   - input: the document's bytes, read in chunks.
    ///   - path: the name used in locations (`file.xml`, `archive.zip!entry.xml`, `-`).
    ///   - recordPath: the element path from the root to each record.
    ///   - headerPaths: the elements and attributes outside the records whose values every
    ///     record sees (``XMLBinding/headerPaths``).
    ///   - batchSize: the records a batch holds.
    ///   - batchBytes: the bytes of text after which a batch is handed on with fewer records.
    package init(
        input: any ByteStream, path: String, recordPath: [NodePath.Name], headerPaths: [NodePath] = [],
        limits: XMLLimits = XMLLimits(), batchSize: Int, batchBytes: Int
    ) {
        parse = GuardedParse(input: input, path: path, limits: limits)
        self.path = path
        events = .allocate(capacity: 1)
        events.initialize(
            to: Events(
                parse: parse, recordPath: recordPath, headers: HeaderCapture(paths: headerPaths), limits: limits,
                batchSize: batchSize, batchBytes: batchBytes))
    }

    deinit {
        events.deinitialize(count: 1)
        events.deallocate()
    }

    /// Reads the whole document, handing each batch to `deliver` as it fills, in input order.
    /// - Throws: ``XMLReadError`` when the document is not well-formed, has a DOCTYPE, exceeds a
    ///   limit or cannot be read. Every record completed before the fault has been delivered; a
    ///   record the fault cut off is in the error's `interruptedRecord`.
    package func read(_ deliver: (RecordSnapshots) -> Void) throws(XMLReadError) {
        var handler = Events.handler()
        guard let parser = xmlCreatePushParserCtxt(&handler, events, nil, 0, path) else {
            throw XMLReadError(.io, "cannot create an XML parser", at: parse.location(line: 1, column: 1))
        }
        defer {
            xmlFreeDoc(parser.pointee.myDoc)
            xmlFreeParserCtxt(parser)
            events.pointee.parser = nil
        }
        events.pointee.parser = parser
        xmlCtxtUseOptions(parser, LibXML.untrustedOptions)
        withoutActuallyEscaping(deliver) { deliver in
            events.pointee.deliver = deliver
            defer { events.pointee.deliver = nil }
            push(to: parser)
        }
        var failure: XMLReadError?
        if parse.hasFailed || parser.pointee.wellFormed == 0 {
            failure = parse.failure(line: events.pointee.line)
            if events.pointee.batch.isBuildingRecord {
                failure?.interruptedRecord = events.pointee.batch.removeRecordCutOff()
            }
        }
        let last = events.pointee.batch
        events.pointee.batch = RecordSnapshots()
        if !last.isEmpty { deliver(last) }
        if let failure { throw failure }
    }

    /// Bytes read from the input at a time.
    private static let readSize = 4096
    /// Bytes handed to the parser at a time, as `xmlTextReader` hands them: libxml2's message
    /// for a fault depends on where its chunks end.
    private static let chunkSize = 512

    /// Feeds the parser the whole input, until its end or the first fault.
    ///
    /// The last bytes go with the end, as `xmlTextReader` hands them, so that a document cut off
    /// inside a record is reported as libxml2 reports it there ("Premature end of data in tag …").
    private func push(to parser: xmlParserCtxtPtr) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 2 * Self.readSize) { buffers in
            var (current, next) = (buffers.baseAddress!, buffers.baseAddress! + Self.readSize)
            var count = parse.read(into: UnsafeMutableRawBufferPointer(start: current, count: Self.readSize))
            while count >= 0 {
                // Read ahead, to know whether these bytes are the last.
                let nextCount =
                    count == 0 ? 0 : parse.read(into: UnsafeMutableRawBufferPointer(start: next, count: Self.readSize))
                let isLast = nextCount == 0
                var start = 0
                repeat {
                    let length = min(Self.chunkSize, count - start)
                    let terminate = isLast && start + length == count
                    current.withMemoryRebound(to: CChar.self, capacity: count) { bytes in
                        _ = xmlParseChunk(parser, bytes + start, Int32(length), terminate ? 1 : 0)
                    }
                    if parse.hasFailed || parser.pointee.wellFormed == 0 { return }
                    start += length
                } while start < count
                if isLast || nextCount < 0 { return }
                (current, next, count) = (next, current, nextCount)
            }
        }
    }
}

/// The state libxml2's SAX2 events update: the batch being filled, and where the parser is
/// against the record path.
private struct Events {
    let parse: GuardedParse
    let recordPath: [NodePath.Name]
    let limits: XMLLimits
    let batchSize: Int
    let batchBytes: Int
    var parser: xmlParserCtxtPtr?
    var deliver: ((RecordSnapshots) -> Void)?
    var batch = RecordSnapshots()
    /// The depth of the next element outside records (0 for the root), and the depth up to
    /// which the elements open match the record path.
    var depth = 0
    var matchedDepth = 0
    var headerAttributes: [XMLRecordReader.HeaderAttribute] = []
    /// The values of the header paths, captured before the first record.
    var headers: HeaderCapture
    var rootMatches = true
    var rootName: String?
    var rootNamespace: String?
    /// Set at the first error: libxml2 goes on after an error it can recover from; Ferry does not.
    var failed = false

    init(
        parse: GuardedParse, recordPath: [NodePath.Name], headers: HeaderCapture, limits: XMLLimits, batchSize: Int,
        batchBytes: Int
    ) {
        self.parse = parse
        self.recordPath = recordPath
        self.headers = headers
        self.limits = limits
        self.batchSize = batchSize
        self.batchBytes = batchBytes
    }

    var line: Int { Int(parser?.pointee.input?.pointee.line ?? 1) }

    /// Stops the parser at an error of Ferry's own.
    mutating func fail(_ kind: XMLReadError.Kind, _ message: String) {
        let column = parser.map { Int(xmlSAX2GetColumnNumber(UnsafeMutableRawPointer($0))) } ?? 1
        parse.keep(XMLReadError(kind, message, at: parse.location(line: line, column: max(column, 1))))
        failed = true
        xmlStopParser(parser)
    }

    mutating func startElement(
        name: UnsafePointer<xmlChar>?, prefix: UnsafePointer<xmlChar>?, namespace: UnsafePointer<xmlChar>?,
        declarations: UnsafeBufferPointer<UnsafePointer<xmlChar>?>,
        attributes: UnsafeBufferPointer<UnsafePointer<xmlChar>?>
    ) {
        guard !failed else { return xmlStopParser(parser) }
        if batch.isBuildingRecord {
            return batch.startElement(
                name: name, prefix: prefix, namespace: namespace, declarations: declarations,
                attributes: attributes)
        }
        if depth == 0 && rootName == nil {
            rootName = name.map { $0.string } ?? ""
            rootNamespace = namespace.map { $0.string } ?? ""
            rootMatches = !recordPath.isEmpty && recordPath[0].matches(local: name, namespace: namespace)
        }
        if !headers.isEmpty
            && !(depth == matchedDepth && depth == recordPath.count - 1
                && recordPath[depth].matches(local: name, namespace: namespace))
        {
            let capturedWithin = headers.elementStarts(
                namespace: namespace?.bytes ?? [], local: name?.bytes ?? [], depth: depth, line: line
            ) {
                stride(from: 0, to: attributes.count - 4, by: 5).map { index in
                    let value = SAX2AttributeValue(start: attributes[index + 3], end: attributes[index + 4])
                    let namespace: [UInt8] = attributes[index + 2]?.bytes ?? []
                    let local: [UInt8] = attributes[index]?.bytes ?? []
                    return (namespace, local, String(decoding: value.decoded, as: UTF8.self))
                }
            }
            if !capturedWithin {
                return fail(.limit, HeaderCapture.limitMessage)
            }
        }
        if depth == matchedDepth, depth < recordPath.count, recordPath[depth].matches(local: name, namespace: namespace)
        {
            if depth == recordPath.count - 1 {
                let encoding = parser?.pointee.encoding ?? parser?.pointee.input?.pointee.encoding
                headers.recordsBegan = true
                batch.beginRecord(
                    line: line, headers: headerAttributes, headerValues: headers.values,
                    documentHasEncoding: encoding != nil)
                return batch.startElement(
                    name: name, prefix: prefix, namespace: namespace, declarations: declarations,
                    attributes: attributes)
            }
            captureHeader(attributes)
            matchedDepth = depth + 1
        }
        depth += 1
    }

    mutating func endElement() {
        guard !failed else { return }
        guard batch.isBuildingRecord else {
            depth -= 1
            matchedDepth = min(matchedDepth, depth)
            if !headers.isEmpty { headers.elementEnds(depth: depth) }
            return
        }
        guard batch.endElement() else { return }
        if batch.count >= batchSize || batch.textBytes > batchBytes {
            deliver?(batch)
            batch = RecordSnapshots()
        }
    }

    mutating func characters(_ text: UnsafeBufferPointer<UInt8>) {
        guard !failed, !text.isEmpty else { return }
        guard batch.isBuildingRecord else {
            if !headers.isEmpty && !headers.text(text) {
                fail(.limit, HeaderCapture.limitMessage)
            }
            return
        }
        if batch.appendText(text) > limits.maximumTextBytes {
            fail(.limit, "a text is longer than \(limits.maximumTextBytes) bytes")
        }
    }

    private mutating func captureHeader(_ attributes: UnsafeBufferPointer<UnsafePointer<xmlChar>?>) {
        headerAttributes.removeAll { $0.depth >= depth }
        for attribute in stride(from: 0, to: attributes.count - 4, by: 5) {
            guard let local = attributes[attribute] else { continue }
            let value = SAX2AttributeValue(start: attributes[attribute + 3], end: attributes[attribute + 4])
            headerAttributes.append(
                (
                    depth,
                    NodePath.Name(
                        namespace: attributes[attribute + 2].map { $0.string } ?? "",
                        local: local.string, prefix: nil),
                    String(decoding: value.decoded, as: UTF8.self)
                ))
        }
    }

    /// The handler that forwards libxml2's SAX2 events to the ``Events`` in the parser's user data.
    static func handler() -> xmlSAXHandler {
        func events(_ context: UnsafeMutableRawPointer?) -> UnsafeMutablePointer<Events> {
            context!.assumingMemoryBound(to: Events.self)
        }
        var handler = xmlSAXHandler()
        handler.initialized = XML_SAX2_MAGIC
        handler.startElementNs = {
            context, name, prefix, namespace, declarationCount, declarations, attributeCount, _, attributes in
            events(context).pointee.startElement(
                name: name, prefix: prefix, namespace: namespace,
                declarations: UnsafeBufferPointer(
                    start: declarations.map { UnsafePointer($0) }, count: 2 * Int(declarationCount)),
                attributes: UnsafeBufferPointer(
                    start: attributes.map { UnsafePointer($0) }, count: 5 * Int(attributeCount)))
        }
        handler.endElementNs = { context, _, _, _ in events(context).pointee.endElement() }
        handler.characters = { context, text, length in
            events(context).pointee.characters(UnsafeBufferPointer(start: text, count: text == nil ? 0 : Int(length)))
        }
        handler.ignorableWhitespace = handler.characters
        handler.comment = { context, text in
            let events = events(context)
            if !events.pointee.failed && events.pointee.batch.isBuildingRecord {
                events.pointee.batch.appendComment(text)
            }
        }
        handler.processingInstruction = { context, target, data in
            let events = events(context)
            if !events.pointee.failed && events.pointee.batch.isBuildingRecord {
                events.pointee.batch.appendInstruction(target: target, data: data)
            }
        }
        handler.internalSubset = { context, _, _, _ in
            events(context).pointee.fail(
                .doctype, "the document has a DOCTYPE; exports have none, so it is refused as a whole")
        }
        handler.serror = { context, error in
            guard let error else { return }
            let events = events(context)
            if events.pointee.parse.keep(UnsafePointer(error)) { events.pointee.failed = true }
        }
        return handler
    }
}

/// An attribute value as libxml2's SAX2 parser hands it over: the bytes between two pointers,
/// where each `&` of the value stands written as `&#38;` (its tree builder turns them back).
struct SAX2AttributeValue {
    let bytes: UnsafeBufferPointer<UInt8>

    init(start: UnsafePointer<xmlChar>?, end: UnsafePointer<xmlChar>?) {
        guard let start, let end else {
            bytes = UnsafeBufferPointer(start: nil, count: 0)
            return
        }
        bytes = UnsafeBufferPointer(start: start, count: end - start)
    }

    /// Whether the bytes are the value as is.
    var isLiteral: Bool { !bytes.contains(UInt8(ascii: "&")) }

    /// The value, each `&#38;` read as `&`.
    var decoded: [UInt8] {
        let reference = Array("&#38;".utf8)
        var value: [UInt8] = []
        value.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "&"), bytes[index...].starts(with: reference) {
                value.append(UInt8(ascii: "&"))
                index += reference.count
            } else {
                value.append(bytes[index])
                index += 1
            }
        }
        return value
    }
}
