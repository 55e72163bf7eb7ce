internal import CLibXML2
public import FerryCore

/// Writes canonical records as a mapping's XML format with libxml2's text writer: the root and
/// wrapper elements of the record path, one record element per record, in the format's encoding
/// (characters the encoding lacks become character references).
///
/// Output is produced incrementally: call ``takeOutput()`` after each record to pass the bytes on,
/// so memory does not grow with the number of records. Single-owner, not `Sendable`.
public final class XMLRecordWriter {
    private let mapping: Mapping
    private var buffer: xmlBufferPtr?
    private var writer: xmlTextWriterPtr?
    private var begun = false

    /// Creates a writer for a mapping that writes (its direction is `both` or `write`).
    public init(mapping: Mapping) {
        _ = LibXML.initialized
        self.mapping = mapping
        buffer = xmlBufferCreate()
        writer = buffer.flatMap { xmlNewTextWriterMemory($0, 0) }
        if let writer {
            xmlTextWriterSetIndent(writer, 1)
            xmlTextWriterSetIndentString(writer, "  ")
        }
    }

    deinit {
        if let writer { xmlFreeTextWriter(writer) }
        if let buffer { xmlBufferFree(buffer) }
    }

    /// Writes the XML declaration, the root with its namespaces and constant attributes, and the
    /// wrapper elements down to the records' parent.
    public func begin() throws(XMLWriteError) {
        guard let writer else { throw XMLWriteError(message: "cannot create an XML writer") }
        try check(xmlTextWriterStartDocument(writer, "1.0", mapping.xml.encoding, nil))
        declareEncodingAsTheMappingSpellsIt()
        let path = mapping.xml.recordPath
        guard let root = path.first else { throw XMLWriteError(message: "the mapping has no record path") }
        try check(xmlTextWriterStartElement(writer, qualifiedName(root)))
        if let defaultNamespace = mapping.xml.defaultNamespace {
            try check(xmlTextWriterWriteAttribute(writer, "xmlns", defaultNamespace))
        }
        for (prefix, uri) in mapping.namespaces where uri != mapping.xml.defaultNamespace && !uri.isEmpty {
            try check(xmlTextWriterWriteAttribute(writer, "xmlns:\(prefix)", uri))
        }
        for (name, value) in mapping.xml.rootAttributes {
            try check(xmlTextWriterWriteAttribute(writer, name, value))
        }
        for wrapper in path.dropFirst().dropLast() {
            try check(xmlTextWriterStartElement(writer, qualifiedName(wrapper)))
        }
        begun = true
    }

    /// Writes one record.
    /// - Throws: ``RecordProblems`` when the record cannot be written in this format (a value the
    ///   format requires is missing); nothing of the record is written then.
    public func write(_ data: JSONObject) throws(RecordProblems) {
        guard let recordName = mapping.xml.recordPath.last else { return }
        let element = OutputElement(name: recordName)
        var problems: [RecordProblem] = []
        var parts: [PartKey: PartValues] = [:]
        fill(element, bindings: mapping.fields, data: data, pointer: "/data", parts: &parts, problems: &problems)
        guard problems.isEmpty else { throw RecordProblems(problems) }
        do {
            try emit(element)
        } catch {
            throw RecordProblems([RecordProblem(code: "xml.write", pointer: "", message: error.message)])
        }
    }

    /// Closes every open element and ends the document.
    public func finish() throws(XMLWriteError) {
        guard let writer else { return }
        if !begun { try begin() }
        try check(xmlTextWriterEndDocument(writer))
    }

    /// Writes the declaration's encoding name as the mapping spells it.
    ///
    /// libxml2 declares the name of the handler it encodes with; Ferry's table handlers for
    /// single-byte encodings are registered upper-cased (`WINDOWS-1251`), where iconv's took
    /// the name as asked for. Only the declaration is in the buffer yet, in ASCII.
    private func declareEncodingAsTheMappingSpellsIt() {
        let encoding = mapping.xml.encoding
        guard let writer, let buffer, ferry_single_byte_is_table_encoding(encoding) != 0,
            encoding != encoding.uppercased()
        else { return }
        xmlTextWriterFlush(writer)
        let written = Array(UnsafeBufferPointer(start: xmlBufferContent(buffer), count: Int(xmlBufferLength(buffer))))
        let declared = Array("encoding=\"\(encoding.uppercased())\"".utf8)
        guard let start = written.indices.first(where: { written[$0...].starts(with: declared) }) else { return }
        let fixed = written[..<start] + Array("encoding=\"\(encoding)\"".utf8) + written[(start + declared.count)...]
        xmlBufferEmpty(buffer)
        _ = fixed.withUnsafeBufferPointer { xmlBufferAdd(buffer, $0.baseAddress, Int32($0.count)) }
    }

    /// The bytes written since the last call.
    public func takeOutput() -> [UInt8] {
        guard let writer, let buffer else { return [] }
        xmlTextWriterFlush(writer)
        let count = Int(xmlBufferLength(buffer))
        guard count > 0, let content = xmlBufferContent(buffer) else { return [] }
        let bytes = Array(UnsafeBufferPointer(start: content, count: count))
        xmlBufferEmpty(buffer)
        return bytes
    }

    // MARK: - Building one record

    /// Parts of one value (`part:` rules) collected per element and path, joined once all are known.
    private struct PartKey: Hashable {
        let element: ObjectIdentifier
        let path: String
    }

    private struct PartValues {
        let element: OutputElement
        let path: NodePath
        let separator: String
        var texts: [Int: String] = [:]
    }

    private func fill(
        _ element: OutputElement, bindings: [FieldBinding], data: JSONObject, pointer: String,
        parts: inout [PartKey: PartValues], problems: inout [RecordProblem]
    ) {
        for binding in bindings {
            let fieldPointer = "\(pointer)/\(binding.field.name)"
            guard let value = data[binding.field.name] else {
                if binding.rule.isRequiredByFormat {
                    problems.append(
                        RecordProblem(
                            code: "mapping.required-by-format", pointer: fieldPointer,
                            message: "the format requires \(binding.field.name), and the record has none"))
                }
                continue
            }
            let items = binding.field.isList ? (value.arrayValue ?? []) : [value]
            for item in items {
                write(
                    item, rule: binding.rule, into: element, isRepeated: binding.field.isList, pointer: fieldPointer,
                    parts: &parts, problems: &problems)
            }
        }
        for (key, values) in parts where key.element == ObjectIdentifier(element) {
            let text = values.texts.keys.sorted().compactMap { values.texts[$0] }.joined(separator: values.separator)
            values.element.place(text, at: values.path, newLast: false)
            parts[key] = nil
        }
    }

    private func write(
        _ value: JSONValue, rule: FieldRule, into element: OutputElement, isRepeated: Bool, pointer: String,
        parts: inout [PartKey: PartValues], problems: inout [RecordProblem]
    ) {
        switch rule.source {
        case .object(let path, let nested):
            guard case .object(let object) = value else { return }
            let child = element.element(at: path.elements, newLast: isRepeated)
            fill(child, bindings: nested, data: object, pointer: pointer, parts: &parts, problems: &problems)
        case .path(let path):
            guard let text = text(of: value, rule: rule) else { return }
            element.place(text, at: path, newLast: isRepeated)
            if case .datetime(_?, let offsetRule?) = rule.parser, case .string(let s) = value,
                case .path(let offsetPath) = offsetRule.source
            {
                element.place(Self.offset(of: s), at: offsetPath, newLast: false)
            }
        case .part(let path, let index, let separator):
            guard let text = text(of: value, rule: rule) else { return }
            let key = PartKey(element: ObjectIdentifier(element), path: path.description)
            if parts[key] == nil {
                // Create the element now so it keeps its place among its siblings.
                _ = element.element(at: path.elements, newLast: false)
                parts[key] = PartValues(element: element, path: path, separator: separator)
            }
            parts[key]?.texts[index] = text
        default:
            break  // irreversible rules are refused when the mapping is loaded
        }
    }

    private func text(of value: JSONValue, rule: FieldRule) -> String? {
        switch (rule.parser, value) {
        case (.decimal(let format), .number(let n)):
            return format.point == "."
                ? n.text : n.text.map { $0 == "." ? format.point : $0 }.reduce(into: "") { $0.append($1) }
        case (.boolean(let trueWords, let falseWords), .bool(let b)):
            return b ? trueWords.first ?? "true" : falseWords.first ?? "false"
        case (.date(let pattern?), .string(let s)):
            guard let date = CalendarDate(iso: s[...]) else { return s }
            return pattern.format(DatePattern.Parts(date: date))
        case (.datetime(let pattern?, _), .string(let s)):
            guard let parts = DatePattern.Parts(rfc3339: s[...]) else { return s }
            return pattern.format(parts)
        case (.zonedDatetime(let pattern, let zone), .string(let s)):
            // Local time in the zone, whatever offset the record's instant was written with.
            guard let parts = DatePattern.Parts(rfc3339: s[...]), let offset = DateTimeText.offsetSeconds(of: s[...])
            else { return s }
            return pattern.format(zone.localTime(of: parts, offset: offset))
        case (.code(let table), .string(let s)):
            return table.word(for: s) ?? s
        case (_, .string(let s)): return s
        case (_, .number(let n)): return n.text
        case (_, .bool(let b)): return b ? "true" : "false"
        default: return nil
        }
    }

    /// The offset of an RFC 3339 date-time: `+03:00`, or `Z`.
    static func offset(of dateTime: String) -> String {
        if dateTime.hasSuffix("Z") || dateTime.hasSuffix("z") { return "Z" }
        return String(dateTime.suffix(6))
    }

    // MARK: - Emitting

    private func emit(_ element: OutputElement) throws(XMLWriteError) {
        guard let writer else { return }
        try check(xmlTextWriterStartElement(writer, qualifiedName(element.name)))
        for (name, value) in element.attributes {
            try check(xmlTextWriterWriteAttribute(writer, qualifiedName(name), value))
        }
        if let text = element.text { try check(xmlTextWriterWriteString(writer, text)) }
        for child in element.children { try emit(child) }
        try check(xmlTextWriterEndElement(writer))
    }

    private func qualifiedName(_ name: NodePath.Name) -> String {
        if name.namespace.isEmpty || name.namespaceURI == mapping.xml.defaultNamespace { return name.localName }
        return name.prefix.map { "\($0):\(name.localName)" } ?? name.localName
    }

    private func check(_ status: Int32) throws(XMLWriteError) {
        if status < 0 {
            throw XMLWriteError(message: "libxml2's text writer failed (encoding \(mapping.xml.encoding))")
        }
    }
}

/// An element being assembled for one record before it is written.
private final class OutputElement {
    let name: NodePath.Name
    var attributes: [(NodePath.Name, String)] = []
    var children: [OutputElement] = []
    var text: String?

    init(name: NodePath.Name) { self.name = name }

    /// The element at a path below this one, created as needed; `newLast` makes a new last step
    /// (a repeated element) while intermediate elements are shared.
    func element(at steps: [NodePath.Name], newLast: Bool) -> OutputElement {
        var current = self
        for (index, step) in steps.enumerated() {
            let isLast = index == steps.count - 1
            if !(isLast && newLast), let existing = current.children.last(where: { $0.name == step }) {
                current = existing
            } else {
                let child = OutputElement(name: step)
                current.children.append(child)
                current = child
            }
        }
        return current
    }

    /// Writes text at a path: the last element's text, or an attribute.
    func place(_ text: String, at path: NodePath, newLast: Bool) {
        if let attribute = path.attribute {
            element(at: path.elements, newLast: newLast).attributes.append((attribute, text))
        } else {
            element(at: path.elements, newLast: newLast).text = text
        }
    }
}

/// Why XML could not be written.
public struct XMLWriteError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
