import FerryCore
import FerryXML
import Testing

/// Header values: elements and attributes outside the records that every record sees, read
/// alike by both record readers.
struct HeaderValueTests {
    static func name(_ local: String) -> NodePath.Name { NodePath.Name(namespace: "", local: local, prefix: nil) }
    static let recordPath = [name("r"), name("body"), name("e")]
    static let created = NodePath(
        elements: [name("r"), name("header"), name("created")], attribute: nil, isAbsolute: true,
        description: "/r/header/created")
    static let kind = NodePath(
        elements: [name("r"), name("header"), name("source")], attribute: name("kind"), isAbsolute: true,
        description: "/r/header/source/@kind")
    static let total = NodePath(
        elements: [name("r"), name("footer"), name("total")], attribute: nil, isAbsolute: true,
        description: "/r/footer/total")
    static let paths = [created, kind, total]

    static let document = Array(
        """
        <r><header><source kind="register">SRC</source><created>2019-12-16<!-- c --><![CDATA[T10:00]]></created>\
        </header><body><e>1</e><e>2</e></body><footer><total>2</total></footer></r>
        """.utf8)

    /// What the node reader's selectors give for each record: the three paths' values.
    func nodeReaderValues() throws -> [[String?]] {
        let reader = XMLRecordReader(
            input: MemoryByteStream(Self.document), path: "h.xml", recordPath: Self.recordPath, headerPaths: Self.paths)
        var values: [[String?]] = []
        while try reader.next() != nil {
            let selector = reader.selector(xpaths: nil)
            values.append(Self.paths.map { selector.headerValue(at: $0) })
        }
        #expect(reader.lateHeaderPaths.map(\.path.description) == ["/r/footer/total"])
        return values
    }

    @Test func bothReadersGiveEveryRecordTheHeaderValuesBeforeIt() throws {
        let expected: [[String?]] = Array(repeating: ["2019-12-16T10:00", "register", nil], count: 2)
        #expect(try nodeReaderValues() == expected)
        let batchReader = XMLRecordBatchReader(
            input: MemoryByteStream(Self.document), path: "h.xml", recordPath: Self.recordPath,
            headerPaths: Self.paths, batchSize: 1, batchBytes: 1 << 20)
        var values: [[String?]] = []
        try batchReader.read { batch in
            batch.withView { view in
                for index in 0..<view.count {
                    let selector = view.selector(of: index)
                    values.append(Self.paths.map { selector.headerValue(at: $0) })
                }
            }
        }
        #expect(values == expected)
        #expect(batchReader.lateHeaderPaths.map(\.path.description) == ["/r/footer/total"])
    }

    @Test func headerValuesAreBounded() {
        let long = String(repeating: "x", count: 70_000)
        let document = Array("<r><header><created>\(long)</created></header><body><e>1</e></body></r>".utf8)
        let reader = XMLRecordReader(
            input: MemoryByteStream(document), path: "h.xml", recordPath: Self.recordPath, headerPaths: Self.paths)
        #expect(throws: XMLReadError.self) { _ = try reader.next() }
        let batchReader = XMLRecordBatchReader(
            input: MemoryByteStream(document), path: "h.xml", recordPath: Self.recordPath, headerPaths: Self.paths,
            batchSize: 1, batchBytes: 1 << 20)
        #expect(throws: XMLReadError.self) { try batchReader.read { _ in } }
    }
}
