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
        public let element: XMLElement
        /// The line where the record starts.
        public let line: Int
    }

    private let stream: XMLStreamReader
    private let recordPath: [NodePath.Name]
    private var matchedDepth = 0
    private var positionedOnNext = false
    private var mustSkipRecord = false
    private(set) var headerAttributes: [(depth: Int, name: NodePath.Name, value: String)] = []
    private var sawRoot = false
    /// Whether the document's root element is the first step of the record path.
    public private(set) var rootMatches = true
    /// The root element's name as written, once seen.
    public private(set) var rootName: String?

    /// Opens a reader.
    /// - Parameters:
    ///   - input: the document's bytes, read in chunks.
    ///   - path: the name used in locations (`file.xml`, `archive.zip!entry.xml`, `-`).
    ///   - recordPath: the element path from the root to each record.
    public init(input: any ByteStream, path: String, recordPath: [NodePath.Name], limits: XMLLimits = XMLLimits()) {
        stream = XMLStreamReader(input: input, path: path, limits: limits)
        self.recordPath = recordPath
    }

    /// The selector that reads values out of this reader's records.
    public func selector(xpaths: XPathProgram?) -> XMLRecordSelector {
        XMLRecordSelector(reader: self, xpaths: xpaths)
    }

    /// Advances to the next record.
    /// - Returns: the record, or nil at the end of the document.
    /// - Throws: ``XMLReadError`` when the document is not well-formed, has a DOCTYPE,
    ///   exceeds a limit or cannot be read. Records before the fault were returned already;
    ///   a record the fault cut off is in the error's `interruptedRecord`.
    public func next() throws(XMLReadError) -> Record? {
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
                    rootMatches = !recordPath.isEmpty && XMLElement(node).matches(recordPath[0])
                }
                guard depth == matchedDepth, depth < recordPath.count, XMLElement(node).matches(recordPath[depth]) else {
                    continue
                }
                if depth == recordPath.count - 1 { return try record(node) }
                captureHeader(node, depth: depth)
                if !stream.isEmptyElement { matchedDepth = depth + 1 }
            case Int32(XML_READER_TYPE_END_ELEMENT.rawValue):
                if depth < matchedDepth { matchedDepth = depth }
            default:
                continue
            }
        }
    }

    private func record(_ node: xmlNodePtr) throws(XMLReadError) -> Record {
        let line = Int(xmlGetLineNo(node))
        let expanded: xmlNodePtr
        do {
            expanded = try stream.expand()
        } catch {
            // The fault cut this record off: it goes to the rejects with what was read of it.
            var interrupted = error
            interrupted.interruptedRecord = (line, XMLStreamReader.dump(node))
            throw interrupted
        }
        mustSkipRecord = true
        return Record(element: XMLElement(expanded), line: line)
    }

    private func captureHeader(_ node: xmlNodePtr, depth: Int) {
        headerAttributes.removeAll { $0.depth >= depth }
        var attribute = node.pointee.properties
        while let current = attribute {
            if let name = current.pointee.name {
                let namespace = current.pointee.ns?.pointee.href.map { UnsafePointer($0).string } ?? ""
                headerAttributes.append((depth, NodePath.Name(namespace: namespace, local: UnsafePointer(name).string,
                                                              prefix: nil), XMLElement.attributeValue(current)))
            }
            attribute = current.pointee.next
        }
    }

    /// The record's text as serialized XML in UTF-8, for the rejects file.
    public func text(of record: Record) -> String { XMLStreamReader.dump(record.element.node) }
}
