import FerryCore
import FerryTesting
import FerryYAML
import Foundation
import Testing

/// Release by marking: over random records and every clearance, nothing above the clearance
/// ever leaves, and what leaves carries an id over the data it holds.
struct RecordReleaseTests {
    /// The repository's schemas, read with the YAML loader and the schema loader alone.
    static func schemas() throws -> [Schema] {
        let directory = FerryTesting.packageRoot.appendingPathComponent("schemas")
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".yaml") }
        var diagnostics = DiagnosticList()
        let schemas = try names.sorted().compactMap { name in
            let path = directory.appendingPathComponent(name).path
            let document = try #require(
                try YAMLLoader.loadAll(FerryTesting.bytes(URL(fileURLWithPath: path)), path: path).first)
            return SchemaLoader(patternCompiler: RegexPatterns()).load(document, diagnostics: &diagnostics)
        }
        #expect(!diagnostics.hasErrors, "\(diagnostics.diagnostics)")
        #expect(schemas.count == names.count)
        return schemas
    }

    /// A random value for a field: any shape the schema allows, optional fields present or not.
    static func value(for field: FieldDefinition, using random: inout FerryTesting.SplitMix64, depth: Int = 0)
        -> JSONValue
    {
        func scalar() -> JSONValue {
            switch field.type {
            case .string: return .string("значение-\(random.next() % 1000)")
            case .integer: return .number(ExactDecimal(parsing: String(random.next() % 5 + 1)[...])!)
            case .decimal: return .number(ExactDecimal(parsing: "\(random.next() % 1000).\(random.next() % 100)"[...])!)
            case .boolean: return .bool(random.next() % 2 == 0)
            case .date: return .string("2020-0\(random.next() % 9 + 1)-1\(random.next() % 9)")
            case .datetime: return .string("2026-11-25T10:00:00+03:00")
            case .enumeration(let e): return .string(e.codes[Int(random.next() % UInt64(e.codes.count))])
            case .object(let type): return .object(object(of: type, using: &random, depth: depth + 1))
            }
        }
        guard field.isList else { return scalar() }
        return .array((0..<(Int(random.next() % 3) + 1)).map { _ in scalar() })
    }

    static func object(of type: ObjectType, using random: inout FerryTesting.SplitMix64, depth: Int = 0) -> JSONObject {
        var object = JSONObject()
        for field in type.fields where field.isRequired || random.next() % 3 != 0 {
            object[field.name] = value(for: field, using: &random, depth: depth)
        }
        if object.isEmpty, let first = type.fields.first {
            object[first.name] = value(for: first, using: &random, depth: depth)
        }
        return object
    }

    @Test func nothingAboveTheClearanceEverLeaves() throws {
        let schemas = try Self.schemas()
        let release = RecordRelease(schemas: schemas)
        let validators = try schemas.map {
            try RecordValidator(schema: $0, patternCompiler: RegexPatterns())
        }
        var random = FerryTesting.SplitMix64(state: 20261125)
        var released = 0, blocked = 0, stripped = 0
        for round in 0..<600 {
            let validator = validators[round % validators.count]
            let schema = validator.schema
            let data = Self.object(of: schema.root, using: &random)
            let key = data[schema.keyField]?.stringValue ?? "k"
            let record = CanonicalRecord(
                type: schema.recordType, source: "urn:ferry:system:test", subject: key,
                dataschema: schema.dataschema, time: nil,
                classification: validator.classification(of: data), data: data)
            for clearance in Marking.allCases {
                switch release.decide(record, clearance: clearance) {
                case .blocked:
                    blocked += 1
                    #expect(record.classification > clearance, "a record at or below the clearance was blocked")
                case .released(let out, let removed):
                    released += 1
                    #expect(out.classification <= clearance)
                    for (marking, pointer) in FerryTesting.markings(of: out.data, type: schema.root) {
                        #expect(
                            marking.map { $0 <= clearance } ?? false,
                            "\(pointer) (\(String(describing: marking))) left for \(clearance)")
                    }
                    #expect(out.id == CanonicalRecord.id(source: out.source, type: out.type, data: out.data))
                    if removed.isEmpty {
                        #expect(out == record)
                    } else {
                        stripped += 1
                        #expect(out.id != record.id)
                        // Nothing in what leaves is computed from the removed fields: not the
                        // original id, nor a member beside the canonical envelope.
                        let bytes = String(decoding: out.jsonBytes, as: UTF8.self)
                        #expect(!bytes.contains(record.id))
                        #expect(
                            FerryTesting.hasExactlyTheCanonicalEnvelope(
                                try #require(try JSONParser.parseDocument(out.jsonBytes).objectValue)))
                        let original = Set(FerryTesting.markings(of: record.data, type: schema.root).map(\.1))
                        #expect(
                            removed.allSatisfy { original.contains($0) }, "removed names only fields the record had")
                    }
                }
            }
        }
        #expect(released > 0 && blocked > 0 && stripped > 0, "the generator must exercise every outcome")
    }

    @Test func stripsTheSpecifiedFieldsForAnInternalDestination() throws {
        let release = RecordRelease(schemas: try Self.schemas())
        let line = String(
            decoding: FerryTesting.bytes(
                FerryTesting.fixtures.appendingPathComponent("kadry-personnel/example/output.ndjson")),
            as: UTF8.self
        ).split(separator: "\n")[0]
        let checker = EnvelopeChecker(
            validators: try Self.schemas().map {
                try RecordValidator(schema: $0, patternCompiler: RegexPatterns())
            })
        let record = try checker.check(try JSONParser.parseDocument(Array(line.utf8))).get()
        guard case .released(let out, let removed) = release.decide(record, clearance: .internal) else {
            Issue.record("an internal record was blocked for an internal destination")
            return
        }
        #expect(removed == ["/data/unit", "/data/position", "/data/monthly_pay"])
        #expect(out.data["unit"] == nil && out.data["position"] == nil && out.data["monthly_pay"] == nil)
        #expect(out.data["last_name"] == .string("Иванов"))
        guard case .blocked = release.decide(record, clearance: .public) else {
            Issue.record("an internal record reached a public destination")
            return
        }
        let unknown = CanonicalRecord(
            type: "unknown.type", source: "urn:x", subject: "1", dataschema: "urn:x", time: nil,
            classification: .public, data: JSONObject())
        guard case .blocked = release.decide(unknown, clearance: .secret) else {
            Issue.record("a record without a schema was released: release must fail closed")
            return
        }
    }

    /// A record whose `subject` or `classification` would reveal a field above the clearance
    /// is blocked, not released with the field removed.
    @Test func blocksWhatTheEnvelopeWouldRevealOfARemovedField() throws {
        let schemas = try Self.schemas()
        var personnel = try #require(schemas.first { $0.recordType == "personnel.record" })
        let contract = try #require(schemas.first { $0.recordType == "procurement.contract" })
        let line = String(
            decoding: FerryTesting.bytes(
                FerryTesting.fixtures.appendingPathComponent("kadry-personnel/example/output.ndjson")),
            as: UTF8.self
        ).split(separator: "\n")[0]
        let envelope = try #require(try JSONParser.parseDocument(Array(line.utf8)).objectValue)
        let data = try #require(envelope["data"]?.objectValue)
        let unit = try #require(data["unit"]?.stringValue)
        func record(subject: String) -> CanonicalRecord {
            CanonicalRecord(
                type: personnel.recordType, source: "urn:ferry:system:kadry", subject: subject,
                dataschema: personnel.dataschema, time: nil, classification: .internal, data: data)
        }
        guard case .released = RecordRelease(schemas: [personnel]).decide(record(subject: "x"), clearance: .internal)
        else {
            Issue.record("the shipped personnel schema releases to an internal destination")
            return
        }

        // The key is the secret unit: the subject would carry it.
        var keyedByUnit = personnel
        keyedByUnit.keyField = "unit"
        guard
            case .blocked(let reason) = RecordRelease(schemas: [keyedByUnit]).decide(
                record(subject: unit), clearance: .internal)
        else {
            Issue.record("a record whose subject is a secret field was released to an internal destination")
            return
        }
        #expect(reason.contains("key field unit") && !reason.contains(unit))
        guard case .released = RecordRelease(schemas: [keyedByUnit]).decide(record(subject: unit), clearance: .secret)
        else {
            Issue.record("a destination cleared for the key must receive the record")
            return
        }

        // A marking rule tests the secret unit: the classification would tell whether it fired.
        var rule = try #require(contract.markingRules.first)
        rule.conditions[0].field = "unit"
        personnel.markingRules = [rule]
        guard
            case .blocked(let ruleReason) = RecordRelease(schemas: [personnel]).decide(
                record(subject: "x"), clearance: .restricted)
        else {
            Issue.record("a record classified by a rule on a secret field was released to a restricted destination")
            return
        }
        #expect(ruleReason.contains("tests unit"))
    }
}

/// The schemas' patterns through Foundation's regular expressions: FerryCore's tests stay clear
/// of libxml2, whose XML Schema regular expressions the gateway uses.
struct RegexPatterns: PatternCompiler {
    struct Matcher: PatternMatcher, @unchecked Sendable {
        // NSRegularExpression is immutable and documented as safe to use from any thread.
        let expression: NSRegularExpression

        func matches(_ value: String) -> Bool {
            expression.firstMatch(in: value, range: NSRange(value.startIndex..., in: value)) != nil
        }

        func matches(utf8 value: UnsafeBufferPointer<UInt8>) -> Bool {
            matches(String(decoding: value, as: UTF8.self))
        }
    }

    func compile(_ pattern: String) throws(PatternCompileError) -> any PatternMatcher {
        do {
            return Matcher(expression: try NSRegularExpression(pattern: pattern))
        } catch {
            throw PatternCompileError(message: "\(pattern): \(error)")
        }
    }
}
