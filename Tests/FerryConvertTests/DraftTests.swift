import FerryCheck
import FerryConvert
import FerryCore
import FerryTesting
import FerryXML
import Foundation
import Testing

/// `ferry draft`'s census, choices and files, on the register's real exports and on generated
/// samples with the variations real exports have.
struct DraftTests {
    static let zakupki = FerryTesting.packageRoot.deletingLastPathComponent()
        .appendingPathComponent("shared/spec/examples/zakupki")

    static var zakupkiSamples: [URL] {
        ((try? FileManager.default.contentsOfDirectory(atPath: zakupki.path)) ?? []).filter { $0.hasSuffix(".xml") }
            .sorted().map { zakupki.appendingPathComponent($0) }
    }

    static func census(_ documents: [(String, String)]) throws -> PathCensus {
        var census = PathCensus()
        for (name, text) in documents {
            try XMLCensusReader.add(MemoryByteStream(Array(text.utf8)), path: name, to: &census)
        }
        return census
    }

    static func census(files: [URL]) throws -> PathCensus {
        var census = PathCensus()
        for file in files {
            try XMLCensusReader.add(
                MemoryByteStream(FerryTesting.bytes(file)), path: file.lastPathComponent, to: &census)
        }
        return census
    }

    /// Writes a draft into a new directory and loads its mapping back.
    static func written(_ draft: ProjectDraft, samples: [URL]) throws -> (URL, ProjectDraft.Outcome, Mapping) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "ferry-draft-\(UUID().uuidString)")
        let outcome = try draft.write(to: directory, samples: samples.map(\.path))
        var loader = ProjectLoader()
        let loaded = loader.mapping(directory.appendingPathComponent(draft.mappingFile).path)
        let mapping = try #require(loaded, "\(loader.renderedDiagnostics())")
        return (directory, outcome, mapping)
    }

    static func records(_ mapping: Mapping, _ file: URL) throws -> (records: [JSONObject], rejects: [String]) {
        let converter = try RecordConverter(mapping: mapping)
        var report = ConversionReport()
        var lines: [JSONObject] = []
        var rejects: [String] = []
        converter.convertToNDJSON(
            InputSet.Document(displayPath: file.lastPathComponent, stream: MemoryByteStream(FerryTesting.bytes(file))),
            report: &report,
            write: { bytes in
                for line in bytes.split(separator: 0x0A) {
                    if case .object(let record)? = try? JSONParser.parseDocument(Array(line)) { lines.append(record) }
                }
            }, reject: { rejects.append("\($0.key ?? "-"): \($0.reason)") })
        return (lines, rejects)
    }

    // MARK: - The register's exports against the shipped mapping

    /// Every field the shipped mapping reads by a plain path, keyed by that path from the record
    /// (local names), with where its value lands in the record's data (`*` for list items).
    static func plainPathFields(_ bindings: [FieldBinding], inputPrefix: String = "", pointer: String = "")
        -> [String: String]
    {
        var result: [String: String] = [:]
        for binding in bindings {
            let fieldPointer = pointer + "/" + binding.field.name + (binding.field.isList ? "/*" : "")
            switch binding.rule.source {
            case .path(let path):
                result[inputPrefix + steps(path)] = fieldPointer
            case .object(let path, let children):
                result.merge(
                    plainPathFields(children, inputPrefix: inputPrefix + steps(path) + "/", pointer: fieldPointer)
                ) { first, _ in first }
            default:
                continue
            }
        }
        return result
    }

    static func steps(_ path: NodePath) -> String {
        (path.elements.map(\.localName) + (path.attribute.map { ["@" + $0.localName] } ?? [])).joined(separator: "/")
    }

    /// The values at a pointer with `*` for every item of a list, in order.
    static func values(at pointer: String, in value: JSONValue) -> [JSONValue] {
        var current = [value]
        for token in pointer.split(separator: "/") {
            current = current.flatMap { value -> [JSONValue] in
                if token == "*" { return value.arrayValue ?? [] }
                return value.objectValue?[String(token)].map { [$0] } ?? []
            }
        }
        return current
    }

    @Test func theDraftOfTheRegistersExportsReadsWhatTheShippedMappingReadsAlike() throws {
        let samples = Self.zakupkiSamples
        #expect(samples.count >= 2)
        let draft = try ProjectDraft(census: Self.census(files: samples), recordType: "procurement.contract")
        let (_, outcome, drafted) = try Self.written(draft, samples: samples)
        #expect(outcome.rejected == 0 && outcome.loadDiagnostics.isEmpty, "\(outcome.loadDiagnostics)")
        #expect(outcome.converted == samples.count)
        var loader = ProjectLoader()
        let loaded = loader.mapping(
            FerryTesting.packageRoot.appendingPathComponent("mappings/zakupki-contract.yaml").path)
        let shipped = try #require(loaded)
        let shippedFields = Self.plainPathFields(shipped.fields)
        let draftedFields = Self.plainPathFields(drafted.fields)
        let common = shippedFields.keys.filter { draftedFields[$0] != nil }.sorted()
        // Registry number, dates, the customer, suppliers' and items' values, the price, the period...
        #expect(common.count >= 15, "compared only \(common)")
        for sample in samples {
            let (shippedRecords, shippedRejects) = try Self.records(shipped, sample)
            let (draftedRecords, draftedRejects) = try Self.records(drafted, sample)
            #expect(shippedRejects.isEmpty && draftedRejects.isEmpty, "\(shippedRejects) \(draftedRejects)")
            try #require(shippedRecords.count == draftedRecords.count && !draftedRecords.isEmpty)
            for (shippedRecord, draftedRecord) in zip(shippedRecords, draftedRecords) {
                let (shippedData, draftedData) = (shippedRecord["data"] ?? .null, draftedRecord["data"] ?? .null)
                for path in common {
                    let expected = Self.values(at: shippedFields[path]!, in: shippedData)
                    let actual = Self.values(at: draftedFields[path]!, in: draftedData)
                    #expect(actual == expected, "\(sample.lastPathComponent): \(path)")
                }
            }
        }
    }

    @Test func theRegistersExportsGiveARecordPathAKeyAndTheMostRestrictiveMarking() throws {
        let draft = try ProjectDraft(
            census: Self.census(files: Self.zakupkiSamples), recordType: "procurement.contract")
        #expect(draft.mappingText.contains("records: \"export:export/export:contract\""), "\(draft.mappingText)")
        #expect(draft.mappingText.contains("default_namespace: types"))
        #expect(draft.mappingText.contains("quantity: { path: quantity, decimal: { exponent: true } }"))
        #expect(draft.schemaText.contains("ferry_marking: secret"))
        #expect(draft.schemaText.contains("identifier: true"))
        #expect(draft.decisions.first?.hasPrefix("records: export/contract: nothing repeats below the root") == true)
        // Digits that are codes stay text, leading zeros included; quantities are numbers.
        #expect(
            draft.schemaText.contains(
                "      inn:\n        required: true  # REVIEW: in every customer of the samples (2)\n        range: string"
            ))
    }

    // MARK: - Generated variations

    static let typesURI = "http://zakupki.gov.ru/223fz/types/1"
    static let purchaseURI = "http://zakupki.gov.ru/223fz/purchase/1"

    /// 223-FZ-like contracts: the types elements in their namespace (as the default), with
    /// `xmlns=""` on the body, or with no default at all; dates as dates and as midnight date-times.
    static func variation(_ index: Int) -> String {
        let (open, bodyAttribute): (String, String)
        switch index % 3 {
        case 0: (open, bodyAttribute) = ("xmlns=\"\(typesURI)\" xmlns:p=\"\(purchaseURI)\"", "")
        case 1: (open, bodyAttribute) = ("xmlns=\"\(typesURI)\" xmlns:p=\"\(purchaseURI)\"", " xmlns=\"\"")
        default: (open, bodyAttribute) = ("xmlns:p=\"\(purchaseURI)\"", "")
        }
        let date = index % 2 == 0 ? "2019-12-1\(index % 10)" : "2015-01-1\(index % 10)T00:00:00"
        return """
            <?xml version="1.0" encoding="UTF-8"?>
            <p:purchaseContract \(open)>
              <p:header><createDateTime>2020-0\(index % 9 + 1)-02T10:00:00+03:00</createDateTime></p:header>
              <p:body\(bodyAttribute)>
                <item>
                  <guid>0b7c-\(index)</guid>
                  <registrationNumber>5\(String(format: "%010d", index))</registrationNumber>
                  <contractDate>\(date)</contractDate>
                  <sum>1 234,5\(index % 10)</sum>
                  <customer><inn>77\(String(format: "%08d", index))</inn><name>Заказчик \(index)</name></customer>
                  <positions>
                    <position><name>Товар</name><qty>\(index + 1)</qty></position>
                    <position><name>Услуга</name><qty>1</qty></position>
                  </positions>
                </item>
              </p:body>
            </p:purchaseContract>
            """
    }

    @Test func oneMappingReadsSamplesWithAndWithoutTheTypesNamespaceAndBothDateForms() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "ferry-variations-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let samples = try (0..<6).map { index in
            let url = directory.appendingPathComponent("contract-\(index).xml")
            try Data(Self.variation(index).utf8).write(to: url)
            return url
        }
        let draft = try ProjectDraft(census: Self.census(files: samples), recordType: "purchase.contract")
        #expect(draft.mappingText.contains("types: [\"\(Self.typesURI)\", \"\"]"), "\(draft.mappingText)")
        #expect(draft.mappingText.contains("purchase: \"\(Self.purchaseURI)\""))
        #expect(draft.mappingText.contains("records: \"purchase:purchaseContract/purchase:body/item\""))
        #expect(draft.mappingText.contains("contract_date: { path: contractDate, date: \"YYYY-MM-DD[THH:mm:ss]\" }"))
        #expect(
            draft.mappingText.contains("sum: { path: sum, decimal: { point: \",\", grouping: [\" \", \"\\u00A0\"] } }"))
        #expect(draft.mappingText.contains("positions:\n    path: positions/position"))
        let (_, outcome, mapping) = try Self.written(draft, samples: samples)
        #expect(outcome.rejected == 0 && outcome.converted == 6 && outcome.loadDiagnostics.isEmpty)
        for (index, sample) in samples.enumerated() {
            let (records, rejects) = try Self.records(mapping, sample)
            #expect(rejects.isEmpty, "\(sample.lastPathComponent): \(rejects)")
            let data = try #require(records.first?["data"]?.objectValue)
            #expect(data["contract_date"]?.stringValue == (index % 2 == 0 ? "2019-12-1\(index)" : "2015-01-1\(index)"))
            #expect(data["customer"]?.objectValue?["inn"]?.stringValue == "77" + String(format: "%08d", index))
            #expect(data["positions"]?.arrayValue?.count == 2)
        }
    }

    @Test func repeatedRecordsBelowWrappersAreFoundAndTheKeyIsTheUniqueIdentifier() throws {
        let document = """
            <feed><meta><title>t</title></meta><entries>
            \((1...4).map { "<entry kind=\"a\"><id>A-\($0)</id><title>same</title><amount>1\($0).50</amount></entry>" }.joined())
            </entries></feed>
            """
        let draft = try ProjectDraft(census: Self.census([("feed.xml", document)]), recordType: "test.entry")
        #expect(draft.mappingText.contains("records: feed/entries/entry"), "\(draft.mappingText)")
        #expect(
            draft.decisions[0]
                == "records: feed/entries/entry: it repeats below feed/entries: up to 4 in one, 4 in 1 sample(s)")
        #expect(draft.decisions[1].hasPrefix("key: id (id): REVIEW: the key: once in every one of the 4 record(s)"))
        #expect(
            draft.schemaText.contains(
                "      amount:\n        required: true  # REVIEW: in every entry of the samples (4)\n        range: decimal"
            ))
        #expect(!draft.mappingText.contains("namespaces:"))
    }

    @Test func givenRecordsAndKeyPathsAreUsedAndWrongOnesSaySo() throws {
        let census = try Self.census([("a.xml", "<r><x><k>1</k><v>a</v></x><x><k>1</k><v>a</v></x></r>")])
        #expect(throws: DraftError.self) { try ProjectDraft(census: census, recordType: "t.x") }
        let keyed = try ProjectDraft(census: census, recordType: "t.x", keyPath: "v")
        #expect(keyed.schemaText.contains("      v:\n        identifier: true"))
        #expect(throws: DraftError.self) { try ProjectDraft(census: census, recordType: "t.x", recordsPath: "r/y") }
        #expect(throws: DraftError.self) { try ProjectDraft(census: census, recordType: "Not A Type") }
        let other = try Self.census([("a.xml", "<r><x><k>1</k></x></r>"), ("b.xml", "<s><x><k>2</k></x></s>")])
        #expect(throws: DraftError.self) { try ProjectDraft(census: other, recordType: "t.x") }
    }
}
