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
    public static let version = 1

    /// Reads a whole XML document into its JSON form.
    /// - Throws: ``XMLReadError`` with the location of the fault.
    public static func json(fromXML input: any ByteStream, path: String, limits: XMLLimits = XMLLimits())
        throws(XMLReadError) -> JSONValue
    {
        let reader = XMLStreamReader(input: input, path: path, limits: limits)
        var stack: [ElementBuilder] = []
        var root: JSONValue?
        while try reader.read() {
            guard let node = reader.currentNode else { continue }
            switch reader.nodeType {
            case Int32(XML_READER_TYPE_ELEMENT.rawValue):
                let builder = ElementBuilder(name: qualifiedName(node), attributes: attributes(of: node))
                if reader.isEmptyElement {
                    finish(builder, into: &stack, root: &root)
                } else {
                    stack.append(builder)
                }
            case Int32(XML_READER_TYPE_END_ELEMENT.rawValue):
                if let builder = stack.popLast() { finish(builder, into: &stack, root: &root) }
            case Int32(XML_READER_TYPE_TEXT.rawValue), Int32(XML_READER_TYPE_CDATA.rawValue),
                Int32(XML_READER_TYPE_WHITESPACE.rawValue), Int32(XML_READER_TYPE_SIGNIFICANT_WHITESPACE.rawValue):
                if let content = node.pointee.content, !stack.isEmpty {
                    stack[stack.count - 1].items.append(.text(UnsafePointer(content).string))
                }
            default:
                continue
            }
        }
        guard let root else {
            throw XMLReadError(
                .notWellFormed, "the document has no root element", at: reader.location(line: 1, column: 1))
        }
        return root
    }

    private enum Item {
        case text(String)
        case element(String, JSONValue)
    }

    private struct ElementBuilder {
        let name: String
        let attributes: [(String, String)]
        var items: [Item] = []

        var value: JSONValue {
            let texts = items.compactMap { item -> String? in
                if case .text(let t) = item { return t }
                return nil
            }
            let text = texts.joined()
            let hasElements = items.contains { if case .element = $0 { true } else { false } }
            let significant = !text.unicodeScalars.allSatisfy { $0.properties.isWhitespace }
            if attributes.isEmpty && !hasElements { return .string(text) }
            var object = JSONObject()
            for (name, value) in attributes { object["@" + name] = .string(value) }
            if hasElements && significant {
                object["#mixed"] = .array(
                    items.map { item in
                        switch item {
                        case .text(let t): .string(t)
                        case .element(let name, let value): .object(JSONObject([(name, value)]))
                        }
                    })
                return .object(object)
            }
            for case .element(let name, let value) in items {
                switch object[name] {
                case nil: object[name] = value
                case .array(var values)? where isRepeated(name):
                    values.append(value)
                    object[name] = .array(values)
                case let first?: object[name] = .array([first, value])
                }
            }
            if significant { object["#text"] = .string(text) }
            return .object(object)
        }

        private func isRepeated(_ name: String) -> Bool {
            items.filter { if case .element(name, _) = $0 { true } else { false } }.count > 1
        }
    }

    private static func finish(_ builder: ElementBuilder, into stack: inout [ElementBuilder], root: inout JSONValue?) {
        if stack.isEmpty {
            root = .object(JSONObject([(builder.name, builder.value)]))
        } else {
            stack[stack.count - 1].items.append(.element(builder.name, builder.value))
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
    /// - Throws: ``XMLWriteError`` when the value does not have the convention's shape.
    public static func xml(fromJSON value: JSONValue) throws(XMLWriteError) -> [UInt8] {
        guard case .object(let document) = value, document.members.count == 1, let root = document.members.first else {
            throw XMLWriteError(message: "an XML document is a JSON object with exactly one member, the root element")
        }
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
        try writeElement(root.key, root.value, writer: writer)
        try check(xmlTextWriterEndDocument(writer))
        xmlFreeTextWriter(writer)
        freed = true
        guard let content = xmlBufferContent(buffer) else { return [] }
        return Array(UnsafeBufferPointer(start: content, count: Int(xmlBufferLength(buffer))))
    }

    private static func writeElement(_ name: String, _ value: JSONValue, writer: xmlTextWriterPtr) throws(XMLWriteError)
    {
        if case .array(let items) = value {
            for item in items { try writeElement(name, item, writer: writer) }
            return
        }
        guard !name.isEmpty, !name.hasPrefix("@"), !name.hasPrefix("#") else {
            throw XMLWriteError(message: "'\(name)' is not an element name")
        }
        try check(xmlTextWriterStartElement(writer, name))
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
                            try writeElement(only.key, only.value, writer: writer)
                        } else if let text = scalarText(item) {
                            try check(xmlTextWriterWriteString(writer, text))
                        }
                    }
                default:
                    try writeElement(member.key, member.value, writer: writer)
                }
            }
        default:
            if let text = scalarText(value), !text.isEmpty { try check(xmlTextWriterWriteString(writer, text)) }
        }
        try check(xmlTextWriterEndElement(writer))
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
