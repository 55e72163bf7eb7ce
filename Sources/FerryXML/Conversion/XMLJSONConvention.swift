internal import CLibXML2
public import FerryCore

/// Ferry's XML ⇄ JSON convention, version 1 (`docs/xml-json-convention.md`), used by
/// `ferry convert --from xml` and `--to xml` when no mapping is given.
///
/// - A document is an object with one member: the root element's qualified name.
/// - An element with neither attributes nor child elements is its text (a string, `""` when empty).
/// - Otherwise it is an object: attributes as `@name` (namespace declarations as `@xmlns` and
///   `@xmlns:p`), child elements by qualified name in order of first appearance, an array when a
///   name repeats, and `#text` for text beside attributes.
/// - Mixed content (text that is not only white space beside child elements) keeps its order in
///   `#mixed`: an array of strings and one-member objects.
/// - Comments and processing instructions are dropped; CDATA is text. All values are strings.
public enum XMLJSONConvention {
    /// The convention's version, written in the docs and checked by tests.
    public static let version = "1.1"

    /// How XML is read into JSON.
    public struct ReadOptions: Sendable {
        /// The depth of the elements given one by one, each as `{"name": value}`.
        ///
        /// The root is at depth 1; 0, the default, gives the whole document as one value. Content
        /// outside the elements at that depth is not given.
        public var itemDepth: Int
        /// Names of elements (as written, `prefix:local`) that are always arrays, also when one
        /// stands alone.
        public var forceList: Set<String>

        /// Options with their defaults: the whole document, no forced lists.
        public init(itemDepth: Int = 0, forceList: Set<String> = []) {
            self.itemDepth = itemDepth
            self.forceList = forceList
        }
    }

    /// Reads a whole XML document into its JSON form.
    /// - Throws: ``XMLReadError`` with the location of the fault.
    public static func json(fromXML input: any ByteStream, path: String, limits: XMLLimits = XMLLimits())
        throws(XMLReadError) -> JSONValue
    {
        var document: JSONValue?
        try json(fromXML: input, path: path, options: ReadOptions(), limits: limits) { document = $0 }
        guard let document else {
            throw XMLReadError(
                .notWellFormed, "the document has no root element", at: DocumentLocation(path: path, line: 1, column: 1)
            )
        }
        return document
    }

    /// Reads an XML document into its JSON form, streaming.
    ///
    /// `emit` gets the document, or with ``ReadOptions/itemDepth`` each element at that depth as
    /// soon as it ends, so memory holds one item at a time. Linear in the document's size, however
    /// many siblings share a name.
    /// - Throws: ``XMLReadError`` with the location of the fault; the items before it were given.
    public static func json(
        fromXML input: any ByteStream, path: String, options: ReadOptions, limits: XMLLimits = XMLLimits(),
        emit: (JSONValue) -> Void
    ) throws(XMLReadError) {
        let reader = XMLStreamReader(input: input, path: path, limits: limits)
        let itemDepth = max(options.itemDepth, 1)
        /// The elements open inside the current item (or the document), outermost first.
        var stack: [ElementBuilder] = []
        /// How deep the reader is: the number of elements open, counting those above the items.
        var depth = 0
        var sawRoot = false
        func finish(_ builder: ElementBuilder) {
            let value = builder.value(forceList: options.forceList)
            if stack.isEmpty {
                var item = JSONObject()
                item.appendNew(builder.name, value)
                emit(.object(item))
            } else {
                stack[stack.count - 1].add(builder.name, value)
            }
        }
        while try reader.read() {
            guard let node = reader.currentNode else { continue }
            switch reader.nodeType {
            case Int32(XML_READER_TYPE_ELEMENT.rawValue):
                sawRoot = true
                depth += 1
                if depth >= itemDepth {
                    stack.append(ElementBuilder(name: qualifiedName(node), attributes: attributes(of: node)))
                }
                if reader.isEmptyElement {
                    if depth >= itemDepth, let builder = stack.popLast() { finish(builder) }
                    depth -= 1
                }
            case Int32(XML_READER_TYPE_END_ELEMENT.rawValue):
                if depth >= itemDepth, let builder = stack.popLast() { finish(builder) }
                depth -= 1
            case Int32(XML_READER_TYPE_TEXT.rawValue), Int32(XML_READER_TYPE_CDATA.rawValue),
                Int32(XML_READER_TYPE_WHITESPACE.rawValue), Int32(XML_READER_TYPE_SIGNIFICANT_WHITESPACE.rawValue):
                if let content = node.pointee.content, !stack.isEmpty {
                    stack[stack.count - 1].add(text: UnsafePointer(content).string)
                }
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

    /// Text or a child element of an element, in document order.
    private enum Item {
        case text(String)
        case element(String, JSONValue)
    }

    /// An element being read.
    ///
    /// It keeps its attributes, its children grouped by name, its text, and all of its content in
    /// order for when it turns out to be mixed. Each addition takes constant time.
    private struct ElementBuilder {
        let name: String
        let attributes: [(String, String)]
        /// The child elements' names in order of first appearance.
        private var names: [String] = []
        /// Each child name's values, in document order.
        private var values: [String: [JSONValue]] = [:]
        /// The text, joined.
        private var text = ""
        /// Text and elements in document order, for mixed content.
        private var content: [Item] = []

        init(name: String, attributes: [(String, String)]) {
            self.name = name
            self.attributes = attributes
        }

        mutating func add(_ name: String, _ value: JSONValue) {
            if values[name, default: []].isEmpty { names.append(name) }
            values[name, default: []].append(value)
            content.append(.element(name, value))
        }

        mutating func add(text piece: String) {
            text += piece
            content.append(.text(piece))
        }

        func value(forceList: Set<String>) -> JSONValue {
            let significant = !text.unicodeScalars.allSatisfy { $0.properties.isWhitespace }
            if attributes.isEmpty && names.isEmpty { return .string(text) }
            var object = JSONObject()
            for (name, value) in attributes { object.appendNew("@" + name, .string(value)) }
            if !names.isEmpty && significant {
                object.appendNew(
                    "#mixed",
                    .array(
                        content.map { item in
                            switch item {
                            case .text(let text): return .string(text)
                            case .element(let name, let value):
                                var child = JSONObject()
                                child.appendNew(name, value)
                                return .object(child)
                            }
                        }))
                return .object(object)
            }
            for name in names {
                let all = values[name] ?? []
                object.appendNew(name, all.count == 1 && !forceList.contains(name) ? all[0] : .array(all))
            }
            if significant { object.appendNew("#text", .string(text)) }
            return .object(object)
        }
    }

    private static func qualifiedName(_ node: xmlNodePtr) -> String {
        let local = node.pointee.name.map { UnsafePointer($0).string } ?? ""
        if let prefix = node.pointee.ns?.pointee.prefix { return "\(UnsafePointer(prefix).string):\(local)" }
        return local
    }

    private static func attributes(of node: xmlNodePtr) -> [(String, String)] {
        var result: [(String, String)] = []
        var namespace = node.pointee.nsDef
        while let current = namespace {
            let name = current.pointee.prefix.map { "xmlns:\(UnsafePointer($0).string)" } ?? "xmlns"
            result.append((name, current.pointee.href.map { UnsafePointer($0).string } ?? ""))
            namespace = current.pointee.next
        }
        var attribute = node.pointee.properties
        while let current = attribute {
            let local = current.pointee.name.map { UnsafePointer($0).string } ?? ""
            let name = current.pointee.ns?.pointee.prefix.map { "\(UnsafePointer($0).string):\(local)" } ?? local
            result.append((name, XMLElement.attributeValue(current)))
            attribute = current.pointee.next
        }
        return result
    }

    // MARK: - JSON to XML

    /// Writes a JSON value in the convention as an XML document in UTF-8.
    /// - Parameter root: the root element to wrap the value in: an object's members become its
    ///   attributes and children, a scalar its text, an array's items its content in turn (objects
    ///   as their members' elements, scalars as text). Without it, the value must be an object with
    ///   one member, the root element.
    /// - Throws: ``XMLWriteError`` when the value does not have the convention's shape.
    public static func xml(fromJSON value: JSONValue, root rootName: String? = nil) throws(XMLWriteError) -> [UInt8] {
        var document: JSONObject
        if let rootName {
            document = JSONObject()
            if case .array(let items) = value {
                var content = JSONObject()
                content.appendNew("#mixed", .array(items))
                document.appendNew(rootName, .object(content))
            } else {
                document.appendNew(rootName, value)
            }
        } else {
            guard case .object(let object) = value, object.members.count == 1 else {
                throw XMLWriteError(
                    message: "an XML document is a JSON object with exactly one member, the root element "
                        + "(--root NAME wraps any other value)")
            }
            document = object
        }
        guard let root = document.members.first else { throw XMLWriteError(message: "no root element") }
        _ = LibXML.initialized
        guard let buffer = xmlBufferCreate() else { throw XMLWriteError(message: "out of memory") }
        defer { xmlBufferFree(buffer) }
        guard let writer = xmlNewTextWriterMemory(buffer, 0) else {
            throw XMLWriteError(message: "cannot create a writer")
        }
        var freed = false
        defer { if !freed { xmlFreeTextWriter(writer) } }
        xmlTextWriterSetIndent(writer, 1)
        xmlTextWriterSetIndentString(writer, "  ")
        try check(xmlTextWriterStartDocument(writer, "1.0", "UTF-8", nil))
        try writeElement(root.key, root.value, writer: writer, indents: true)
        try check(xmlTextWriterEndDocument(writer))
        xmlFreeTextWriter(writer)
        freed = true
        guard let content = xmlBufferContent(buffer) else { return [] }
        return Array(UnsafeBufferPointer(start: content, count: Int(xmlBufferLength(buffer))))
    }

    /// Writes an element; inside an element with mixed content nothing is indented, so that
    /// its text comes back exactly as it was read.
    private static func writeElement(
        _ name: String, _ value: JSONValue, writer: xmlTextWriterPtr, indents: Bool
    ) throws(XMLWriteError) {
        if case .array(let items) = value {
            for item in items { try writeElement(name, item, writer: writer, indents: indents) }
            return
        }
        guard !name.isEmpty, !name.hasPrefix("@"), !name.hasPrefix("#") else {
            throw XMLWriteError(message: "'\(name)' is not an element name")
        }
        try check(xmlTextWriterStartElement(writer, name))
        let indentsContent = indents && !hasMixedContent(value)
        if indents && !indentsContent { xmlTextWriterSetIndent(writer, 0) }
        switch value {
        case .object(let object):
            for member in object.members where member.key.hasPrefix("@") {
                guard let text = scalarText(member.value) else {
                    throw XMLWriteError(message: "attribute \(member.key) must be a scalar")
                }
                try check(xmlTextWriterWriteAttribute(writer, String(member.key.dropFirst()), text))
            }
            for member in object.members where !member.key.hasPrefix("@") {
                switch member.key {
                case "#text":
                    try check(xmlTextWriterWriteString(writer, scalarText(member.value) ?? ""))
                case "#mixed":
                    for item in member.value.arrayValue ?? [] {
                        if case .object(let child) = item, let only = child.members.first, child.members.count == 1 {
                            try writeElement(only.key, only.value, writer: writer, indents: indentsContent)
                        } else if let text = scalarText(item) {
                            try check(xmlTextWriterWriteString(writer, text))
                        }
                    }
                default:
                    try writeElement(member.key, member.value, writer: writer, indents: indentsContent)
                }
            }
        default:
            if let text = scalarText(value), !text.isEmpty { try check(xmlTextWriterWriteString(writer, text)) }
        }
        try check(xmlTextWriterEndElement(writer))
        if indents && !indentsContent {
            // The line break libxml2 writes after an end tag only while it indents, written before
            // indenting is back on, so that the writer still indents what follows.
            try check(xmlTextWriterWriteRaw(writer, "\n"))
            xmlTextWriterSetIndent(writer, 1)
        }
    }

    /// Whether an element's value holds text beside child elements: a `#mixed` with a text in it,
    /// or `#text` beside elements.
    private static func hasMixedContent(_ value: JSONValue) -> Bool {
        guard case .object(let object) = value else { return false }
        var hasText = false
        var hasElements = false
        for member in object.members where !member.key.hasPrefix("@") {
            switch member.key {
            case "#text": hasText = true
            case "#mixed":
                for item in member.value.arrayValue ?? [] {
                    if case .object = item { hasElements = true } else { hasText = true }
                }
            default: hasElements = true
            }
        }
        return hasText && hasElements
    }

    private static func scalarText(_ value: JSONValue) -> String? {
        switch value {
        case .string(let s): s
        case .number(let n): n.text
        case .bool(let b): b ? "true" : "false"
        case .null: ""
        default: nil
        }
    }

    private static func check(_ status: Int32) throws(XMLWriteError) {
        if status < 0 { throw XMLWriteError(message: "libxml2's text writer failed") }
    }
}
