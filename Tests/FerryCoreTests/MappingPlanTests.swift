import FerryCore
import Testing

/// A flat record for the walk: each path (`@ID`, `NAME`) with the texts it selects, in place of
/// an XML reader, so the mapper and the walk are tested on their own.
struct FlatRecord: RecordSelector {
    let values: [String: [String]]

    static var node: RecordNode { RecordNode(handle: UnsafeMutableRawPointer(bitPattern: 1)!) }

    private static func key(_ path: NodePath) -> String {
        path.elements.map(\.localName).joined(separator: "/") + (path.attribute.map { "@\($0.localName)" } ?? "")
    }

    func elements(at path: NodePath, from node: RecordNode) -> [RecordNode] { path.isSelf ? [node] : [] }
    func texts(at path: NodePath, from node: RecordNode) -> [String] { values[Self.key(path)] ?? [] }
    func text(at path: NodePath, from node: RecordNode) -> SelectedText { SelectedText(texts(at: path, from: node)) }
    func headerValue(at path: NodePath) -> String? { nil }
    func xpathString(_ index: Int, from node: RecordNode) -> String? { nil }
}

/// A mapping compiled against its schema and walked over records: values mapped by their rules
/// (dates, codes, decimal commas), checked against their fields, and every problem named by
/// the pointer of its field.
struct MappingPlanTests {
    static let schema = SchemaAndValidatorTests.schema(
        attributes: [
            ("request_id", ["identifier": "true", "required": "true", "range": "string"]),
            ("priority", ["range": "integer", "required": "true", "minimum_value": "1"]),
            ("needed", ["range": "date"]), ("quantity", ["range": "decimal"]), ("status", ["range": "Status"]),
        ],
        enums: [("Status", ["permissible_values": ["draft": [:], "approved": [:]]])])

    static let mapping: Tree = [
        "ferry_mapping": "1", "name": "test-request", "schema": "test.yaml", "source": "urn:test:system",
        "xml": ["records": "LIST/REQ"],
        "fields": [
            "request_id": "@ID", "priority": "@PRIO",
            "needed": ["path": "@NEED", "date": "DD.MM.YYYY"],
            "quantity": ["path": "@QTY", "decimal": ["point": ","]],
            "status": ["path": "@ST", "code": "statuses"],
        ],
        "codes": ["statuses": ["values": ["ЧЕР": "draft", "УТВ": "approved"]]],
    ]

    static func plan() throws -> MappingPlan {
        var diagnostics = DiagnosticList()
        let schema = try #require(SchemaLoader().load(Self.schema.node(), diagnostics: &diagnostics))
        let mapping = try #require(
            MappingLoader().load(Self.mapping.node(path: "mapping.yaml"), schema: schema, diagnostics: &diagnostics))
        #expect(!diagnostics.hasErrors, "\(diagnostics.diagnostics)")
        let validator = try RecordValidator(schema: schema, patternCompiler: RegexPatterns())
        return MappingPlan(mapping: mapping, validator: validator, source: mapping.source)
    }

    static let good = ["@ID": ["r-1"], "@PRIO": ["2"], "@NEED": ["08.11.2026"], "@QTY": ["12,5"], "@ST": ["утв"]]

    @Test func aRecordIsMappedByItsRules() throws {
        let plan = try Self.plan()
        let record = try #require(
            plan.canonicalRecord(of: FlatRecord.node, with: FlatRecord(values: Self.good), headerTime: nil))
        #expect(record.subject == "r-1")
        #expect(record.data["priority"] == .integer(2))
        #expect(record.data["needed"] == .string("2026-11-08"))
        #expect(record.data["quantity"] == .number(try #require(ExactDecimal(parsing: "12.5"))))
        #expect(record.data["status"] == .string("approved"))
        // The walk writing canonical bytes gives the same record as the one building it.
        var lines: [UInt8] = []
        var output = CanonicalBytesOutput()
        #expect(
            plan.appendLine(
                of: FlatRecord.node, with: FlatRecord(values: Self.good), headerTime: nil, to: &lines, output: &output))
        #expect(lines == record.jsonBytes + [0x0A])
    }

    @Test func everyProblemIsNamedByItsFieldsPointer() throws {
        let plan = try Self.plan()
        var values = Self.good
        values["@NEED"] = ["31.02.2026"]
        values["@PRIO"] = ["0"]
        values["@ST"] = ["неизвестно"]
        values["@ID"] = nil
        let selector = FlatRecord(values: values)
        #expect(plan.canonicalRecord(of: FlatRecord.node, with: selector, headerTime: nil) == nil)
        let (problems, key) = plan.problems(of: FlatRecord.node, with: selector, headerTime: nil)
        #expect(key == nil)
        #expect(Set(problems.map(\.pointer)).isSuperset(of: ["/data/needed", "/data/status"]))
        // The mapping's problems first, then the schema's about what could be read: the missing
        // id and the priority below its minimum, not the needed date that did not parse.
        let firstSchemaProblem = try #require(problems.firstIndex { !$0.code.hasPrefix("mapping.") })
        #expect(problems[..<firstSchemaProblem].allSatisfy { $0.code.hasPrefix("mapping.") }, "\(problems)")
        #expect(problems[firstSchemaProblem...].map(\.pointer) == ["/data/request_id", "/data/priority"])
        values["@NEED"] = Self.good["@NEED"]
        values["@ST"] = Self.good["@ST"]
        let schemaProblems = plan.problems(of: FlatRecord.node, with: FlatRecord(values: values), headerTime: nil)
        #expect(schemaProblems.problems.map(\.pointer) == ["/data/request_id", "/data/priority"])
    }
}
