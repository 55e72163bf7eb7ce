import CLibXML2
import FerryConvert
import FerryCore
import FerryTesting
import FerryXML
import Foundation
import Testing

/// Records copied from the parser's events (to be mapped on another thread) read exactly as
/// libxml2's own nodes of the same records do, and both readers' records are written back as
/// libxml2's `xmlNodeDump` writes them.
struct RecordSnapshotsTests {
    static func name(_ local: String, _ namespace: String = "") -> NodePath.Name {
        NodePath.Name(namespace: namespace, local: local, prefix: nil)
    }

    /// Records of every kind of node a document without a DOCTYPE can hold, at `r/e`.
    static let kinds = """
        <r xmlns:up="urn:above" a="1">
          <e id="1" note="tab&#9;newline&#10;cr&#13;quote&quot;apos'lt&lt;gt&gt;amp&amp;" кириллица="значение 😀">
            <!-- a comment -->  <?target some data?><?bare?>
            <name>Петров &amp; сын &lt;ООО&gt; &#13; line 😀</name>
            <cdata><![CDATA[ <raw> & ]]></cdata><empty/><empty2></empty2><emptycdata><![CDATA[]]></emptycdata>
            <mixed>one<b>two</b>three<![CDATA[four]]><!--not text--></mixed>
            <up:prefixed up:attr="x">v</up:prefixed>
            <d xmlns="urn:default" xmlns:own="urn:it's"><own:x own:y="z">w</own:x></d>
          </e>
          <e id="2"/>
          <e id="4"><name>a</name><name/><name Код="k">c</name></e>
          <e id="3">   </e>
        </r>
        """

    /// Each document with the path to its records: the crafted one with and without an encoding
    /// declaration (libxml2 then writes attributes' non-ASCII characters as references), and
    /// every fixture input with its mapping's record path.
    static func documents() throws -> [(label: String, bytes: [UInt8], recordPath: [NodePath.Name])] {
        let crafted = [name("r"), name("e")]
        var documents = [
            ("kinds, UTF-8 declared", Array(("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + kinds).utf8), crafted),
            ("kinds, no declaration", Array(kinds.utf8), crafted),
        ]
        for mapping in MappingFixtureTests.mappingNames {
            let directory = FerryTesting.fixtures.appendingPathComponent(mapping)
            for fixture in ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).sorted() {
                let input = directory.appendingPathComponent("\(fixture)/input.xml")
                guard let data = FileManager.default.contents(atPath: input.path) else { continue }
                documents.append(("\(mapping)/\(fixture)", Array(data), try loadMapping(mapping).xml.recordPath))
            }
        }
        return documents
    }

    @Test func aCopiedRecordSerializesAsLibxml2DoesAndReadsTheSameValues() throws {
        let documents = try Self.documents()
        #expect(documents.count >= 8)
        for (label, bytes, recordPath) in documents {
            let reader = XMLRecordReader(input: MemoryByteStream(bytes), path: "doc.xml", recordPath: recordPath)
            var expected: [(text: String, line: Int, values: [[String]])] = []
            while let record = try reader.next() {
                expected.append(
                    (reader.text(of: record), record.line, Self.values(record.node, reader.selector(xpaths: nil))))
            }
            #expect(!expected.isEmpty, "\(label): no records")
            // Batches of two, so that records are read across batches too.
            var copied: [(text: String, line: Int, values: [[String]])] = []
            try XMLRecordBatchReader(
                input: MemoryByteStream(bytes), path: "doc.xml", recordPath: recordPath,
                batchSize: 2, batchBytes: 1 << 20
            ).read { batch in
                #expect(batch.count <= 2)
                for index in 0..<batch.count {
                    let values = batch.withView { Self.values($0.node(of: index), $0.selector(of: index)) }
                    copied.append((batch.text(of: index), batch.line(of: index), values))
                }
            }
            #expect(copied.count == expected.count, "\(label)")
            let dumped = Self.dumps(bytes, recordPath: recordPath)
            #expect(dumped.count == expected.count, "\(label)")
            for (index, (record, copy)) in zip(expected, copied).enumerated() {
                #expect(copy.text == dumped[index], "\(label), record \(index + 1)")
                #expect(record.text == dumped[index], "\(label), record \(index + 1)")
                #expect(copy.line == record.line, "\(label), record \(index + 1)")
                #expect(copy.values == record.values, "\(label), record \(index + 1)")
            }
        }
    }

    /// Each record of a document as libxml2 serializes it, parsed whole: what the one renderer
    /// must write.
    static func dumps(_ bytes: [UInt8], recordPath: [NodePath.Name]) -> [String] {
        // Pushed, as the readers push their input: parsed at once with xmlReadMemory, an empty CDATA
        // section would become an empty text node.
        guard let parser = xmlCreatePushParserCtxt(nil, nil, nil, 0, "doc.xml") else { return [] }
        xmlCtxtUseOptions(parser, Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOCDATA.rawValue))
        bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { _ = xmlParseChunk(parser, $0.baseAddress, Int32($0.count), 1) }
        }
        let document = parser.pointee.myDoc
        xmlFreeParserCtxt(parser)
        guard let document else { return [] }
        defer { xmlFreeDoc(document) }
        func matches(_ node: xmlNodePtr, _ name: NodePath.Name) -> Bool {
            let local = node.pointee.name.map { String(cString: $0) } ?? ""
            let namespace = node.pointee.ns?.pointee.href.map { String(cString: $0) } ?? ""
            return node.pointee.type == XML_ELEMENT_NODE && local == name.localName
                && namespace == name.namespaceURI
        }
        guard let root = xmlDocGetRootElement(document), let first = recordPath.first, matches(root, first) else {
            return []
        }
        var level = [root]
        for step in recordPath.dropFirst() {
            level = level.flatMap { parent in
                sequence(first: parent.pointee.children, next: { $0?.pointee.next }).compactMap { $0 }.filter {
                    matches($0, step)
                }
            }
        }
        return level.map { node in
            let buffer = xmlBufferCreate()
            defer { xmlBufferFree(buffer) }
            xmlNodeDump(buffer, document, node, 0, 0)
            return xmlBufferContent(buffer).map { String(cString: $0) } ?? ""
        }
    }

    /// What a selector reads from a record: its own text, and each listed child's text, the
    /// `Код` attribute of each such child, and the listed attributes.
    static func values(_ node: RecordNode, _ selector: some RecordSelector) -> [[String]] {
        func path(_ elements: [NodePath.Name], _ attribute: NodePath.Name? = nil) -> NodePath {
            NodePath(elements: elements, attribute: attribute, isAbsolute: false, description: "")
        }
        // Every read goes through both ways of reading texts, which must agree.
        func read(_ path: NodePath, from node: RecordNode) -> [String] {
            let texts = selector.texts(at: path, from: node)
            let single: [String] =
                switch selector.text(at: path, from: node) {
                case .none: []
                case .one(let text): [text]
                case .several(let several): several.count > 1 ? several : ["(several with fewer than two)"]
                }
            #expect(
                single == texts,
                "text(at:) and texts(at:) differ at \(path.elements.map(\.localName)) @\(path.attribute?.localName ?? "")"
            )
            return texts
        }
        var values = [read(path([]), from: node)]
        let children = [
            "name", "cdata", "empty", "empty2", "emptycdata", "mixed", "b", "Фамилия", "Имя", "Адрес", "Награды",
            "ДенежноеДовольствие", "Позиция", "Количество", "Получатель",
        ]
        for child in children {
            values.append(read(path([name(child)]), from: node))
            values.append(
                selector.elements(at: path([name(child)]), from: node).flatMap {
                    read(path([], name("Код")), from: $0)
                })
        }
        values.append(read(path([name("Адрес"), name("Регион")]), from: node))
        values.append(read(path([name("Награды"), name("Награда")], name("Дата")), from: node))
        for attribute in ["id", "note", "кириллица", "ЛичныйНомер", "Номер", "Индекс"] {
            values.append(read(path([], name(attribute)), from: node))
        }
        values.append(read(path([name("prefixed", "urn:above")], name("attr", "urn:above")), from: node))
        let own = "urn:it's"
        values.append(read(path([name("d", "urn:default"), name("x", own)], name("y", own)), from: node))
        return values
    }
}
