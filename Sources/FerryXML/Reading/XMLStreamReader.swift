internal import CLibXML2
import FerryCore

/// The hardened libxml2 `xmlTextReader` every Ferry XML reader stands on: input pulled through
/// ``MarkupGuard`` (DOCTYPE, depth and start-tag limits), no network, no entity substitution,
/// and the first error kept with its line and column.
///
/// Single-owner; freed on deinit.
final class XMLStreamReader {
    private(set) var reader: xmlTextReaderPtr?
    private let parse: GuardedParse
    /// XML Schema validity errors, collected (validation goes on after them) when a schema is set.
    var validityErrors: [XMLReadError] { parse.validityErrors }

    /// Opens a reader; with a schema, libxml2 validates while it streams.
    init(input: any ByteStream, path: String, limits: XMLLimits, schema: xmlSchemaPtr? = nil) {
        parse = GuardedParse(input: input, path: path, limits: limits)
        let context = Unmanaged.passUnretained(parse).toOpaque()
        reader = xmlReaderForIO(
            { context, buffer, length in
                guard let context, let buffer else { return -1 }
                let parse = Unmanaged<GuardedParse>.fromOpaque(context).takeUnretainedValue()
                return Int32(parse.read(into: UnsafeMutableRawBufferPointer(start: buffer, count: Int(length))))
            }, nil, context, path, nil, LibXML.untrustedOptions)
        if let reader {
            xmlTextReaderSetStructuredErrorHandler(
                reader,
                { context, error in
                    guard let context, let error else { return }
                    Unmanaged<GuardedParse>.fromOpaque(context).takeUnretainedValue().keep(error)
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
        guard let reader else {
            throw XMLReadError(.io, "cannot create an XML reader", at: location(line: 1, column: 1))
        }
        let status = xmlTextReaderRead(reader)
        // Every error is fatal, the recoverable ones (namespace errors among them) included.
        if status < 0 || parse.hasFailed { throw failure() }
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
            throw XMLReadError(
                .doctype, "the document has a DOCTYPE; exports have none, so it is refused as a whole",
                at: location(line: Int(xmlTextReaderGetParserLineNumber(reader)), column: 1))
        default:
            break
        }
    }

    /// The node type of the current node.
    var nodeType: Int32 { reader.map { xmlTextReaderNodeType($0) } ?? 0 }
    /// The depth of the current node, 0 for the root.
    var depth: Int { reader.map { Int(xmlTextReaderDepth($0)) } ?? 0 }
    /// The document libxml2 is building, once parsing has started.
    ///
    /// Asking for it makes the reader keep it, so this reader frees it itself when it goes.
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
        parse.failure(line: Int(reader.map { xmlTextReaderGetParserLineNumber($0) } ?? 1))
    }

    func location(line: Int, column: Int) -> DocumentLocation { parse.location(line: line, column: column) }
}

extension String {
    func trimmingTrailingNewlines() -> String {
        var text = self[...]
        while text.last == "\n" || text.last == "\r" { text = text.dropLast() }
        return String(text)
    }
}
