internal import CLibXML2
import FerryCore

/// The hardened libxml2 `xmlTextReader` every Ferry XML reader stands on: input pulled through
/// ``MarkupGuard`` (DOCTYPE, depth and start-tag limits), no network, no entity substitution,
/// and the first error kept with its line and column.
///
/// Single-owner; freed on deinit.
final class XMLStreamReader {
    private(set) var reader: xmlTextReaderPtr?
    private var guarded: MarkupGuard
    let path: String
    private var inputError: (any Error)?
    private var firstError: (message: String, line: Int, column: Int, code: Int32)?
    /// XML Schema validity errors, collected (validation goes on after them) when a schema is set.
    private(set) var validityErrors: [XMLReadError] = []

    /// Opens a reader; with a schema, libxml2 validates while it streams.
    init(input: any ByteStream, path: String, limits: XMLLimits, schema: xmlSchemaPtr? = nil) {
        _ = LibXML.initialized
        ferry_discard_generic_errors()
        guarded = MarkupGuard(input, limits: limits, path: path)
        self.path = path
        let context = Unmanaged.passUnretained(self).toOpaque()
        reader = xmlReaderForIO({ context, buffer, length in
            guard let context, let buffer else { return -1 }
            let this = Unmanaged<XMLStreamReader>.fromOpaque(context).takeUnretainedValue()
            do {
                return Int32(try this.guarded.read(into: UnsafeMutableRawBufferPointer(start: buffer, count: Int(length))))
            } catch {
                this.inputError = error
                return -1
            }
        }, nil, context, path, nil, LibXML.untrustedOptions)
        if let reader {
            xmlTextReaderSetStructuredErrorHandler(reader, { context, error in
                guard let context, let error else { return }
                let this = Unmanaged<XMLStreamReader>.fromOpaque(context).takeUnretainedValue()
                guard error.pointee.level.rawValue >= XML_ERR_ERROR.rawValue else { return }
                let message = error.pointee.message.map { String(cString: $0) } ?? "not well-formed"
                if error.pointee.domain == Int32(XML_FROM_SCHEMASV.rawValue) {
                    this.validityErrors.append(XMLReadError(
                        .invalid, message.trimmingTrailingNewlines(),
                        at: this.location(line: max(Int(error.pointee.line), 1), column: max(Int(error.pointee.int2), 1))))
                    return
                }
                guard this.firstError == nil else { return }
                this.firstError = (message.trimmingTrailingNewlines(), Int(error.pointee.line), Int(error.pointee.int2),
                                   error.pointee.code)
            }, context)
            if let schema { xmlTextReaderSetSchema(reader, schema) }
        }
    }

    deinit {
        if let reader { xmlFreeTextReader(reader) }
        if let documentTaken { xmlFreeDoc(documentTaken) }
    }

    /// Moves to the next node.
    /// - Returns: false at the end of the document.
    /// - Throws: ``XMLReadError`` for a fault, a DOCTYPE or an element nested too deep.
    func read() throws(XMLReadError) -> Bool {
        guard let reader else { throw XMLReadError(.io, "cannot create an XML reader", at: location(line: 1, column: 1)) }
        let status = xmlTextReaderRead(reader)
        // Every error is fatal, the recoverable ones (namespace errors among them) included.
        if status < 0 || firstError != nil || inputError != nil { throw failure() }
        guard status == 1 else { return false }
        try checkCurrentNode()
        return true
    }

    /// Moves past the current node's subtree (after an expand).
    /// - Returns: false at the end of the document.
    func skipSubtree() throws(XMLReadError) -> Bool {
        guard let reader else { return false }
        switch xmlTextReaderNext(reader) {
        case 1:
            try checkCurrentNode()
            return true
        case 0: return false
        default: throw failure()
        }
    }

    private func checkCurrentNode() throws(XMLReadError) {
        guard let reader else { return }
        switch xmlTextReaderNodeType(reader) {
        case Int32(XML_READER_TYPE_DOCUMENT_TYPE.rawValue):
            throw XMLReadError(.doctype, "the document has a DOCTYPE; exports have none, so it is refused as a whole",
                               at: location(line: Int(xmlTextReaderGetParserLineNumber(reader)), column: 1))
        default:
            break
        }
    }

    /// The node type of the current node.
    var nodeType: Int32 { reader.map { xmlTextReaderNodeType($0) } ?? 0 }
    /// The depth of the current node, 0 for the root.
    var depth: Int { reader.map { Int(xmlTextReaderDepth($0)) } ?? 0 }
    /// The document libxml2 is building, once parsing has started. Asking for it makes the
    /// reader keep it, so this reader frees it itself when it goes.
    var document: xmlDocPtr? {
        if documentTaken == nil { documentTaken = reader.flatMap { xmlTextReaderCurrentDoc($0) } }
        return documentTaken
    }
    private var documentTaken: xmlDocPtr?
    /// The current node.
    var currentNode: xmlNodePtr? { reader.flatMap { xmlTextReaderCurrentNode($0) } }
    /// Whether the current element is written `<a/>`.
    var isEmptyElement: Bool { reader.map { xmlTextReaderIsEmptyElement($0) == 1 } ?? false }

    /// The current node's subtree, complete, or the failure that cut it off.
    func expand() throws(XMLReadError) -> xmlNodePtr {
        guard let reader, let node = xmlTextReaderExpand(reader) else { throw failure() }
        return node
    }

    /// The error that stopped the reader, with its location.
    func failure() -> XMLReadError {
        if let guardFailure = guarded.failure { return guardFailure }
        if let inputError { return XMLReadError(.io, "cannot read input: \(inputError)", at: location(line: 1, column: 1)) }
        guard let (message, line, column, code) = firstError else {
            // libxml2 reports encoding conversion failures only on its generic channel.
            return XMLReadError(.notWellFormed, "the document is not well-formed, or its bytes do not match its declared encoding",
                                at: location(line: Int(reader.map { xmlTextReaderGetParserLineNumber($0) } ?? 1), column: 1))
        }
        let kind: XMLReadError.Kind = switch code {
        case Int32(XML_ERR_INVALID_ENCODING.rawValue), Int32(XML_ERR_UNKNOWN_ENCODING.rawValue),
            Int32(XML_ERR_UNSUPPORTED_ENCODING.rawValue), Int32(XML_I18N_CONV_FAILED.rawValue):
            .encoding
        default: .notWellFormed
        }
        return XMLReadError(kind, message, at: location(line: max(line, 1), column: max(column, 1)))
    }

    func location(line: Int, column: Int) -> DocumentLocation {
        DocumentLocation(path: path, line: line, column: column)
    }

    /// A node serialized as XML in UTF-8.
    static func dump(_ node: xmlNodePtr) -> String {
        guard let buffer = xmlBufferCreate() else { return "" }
        defer { xmlBufferFree(buffer) }
        xmlNodeDump(buffer, node.pointee.doc, node, 0, 0)
        guard let content = xmlBufferContent(buffer) else { return "" }
        return content.string
    }
}

extension String {
    func trimmingTrailingNewlines() -> String {
        var text = self[...]
        while text.last == "\n" || text.last == "\r" { text = text.dropLast() }
        return String(text)
    }
}
