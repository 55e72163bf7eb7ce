import FerryTesting
import Foundation
import Testing

/// The exported JSON Schema, checked by an independent validator (Python's `jsonschema`).
struct JSONSchemaExportTests {
    let cli = CLITests()

    /// A Python that has `jsonschema`: the one on PATH, or Debian's.
    static let python: String? = ["python3", "/usr/bin/python3"].first { candidate in
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [candidate, "-c", "import jsonschema"]
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }

    /// Validates records and returns one line per record: "ok" or "invalid: …".
    /// - Parameter standard: validate as most validators do: standard keywords only, numbers as
    ///   binary floats.
    func validate(type: String, records: [String], standard: Bool = false) throws -> [String] {
        let python = try #require(
            Self.python, "no Python with jsonschema; scripts/install-deps.sh installs python3-jsonschema")
        let directory = try cli.temporaryDirectory()
        let schema = try cli.ferry(["schema", "export", "--format", "json-schema", type])
        #expect(schema.status == 0, "\(schema.stderr)")
        let schemaFile = directory.appendingPathComponent("schema.json")
        try Data(schema.stdout.utf8).write(to: schemaFile)
        let recordsFile = directory.appendingPathComponent("records.ndjson")
        try Data((records.joined(separator: "\n") + "\n").utf8).write(to: recordsFile)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            [python, FerryTesting.packageRoot.appendingPathComponent("scripts/validate-json-schema.py").path]
            + (standard ? ["--standard"] : []) + [schemaFile.path, recordsFile.path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus != 2, "the exported schema is not valid JSON Schema 2020-12")
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    func fixtureRecords(_ mapping: String) -> [String] {
        let directory = FerryTesting.fixtures.appendingPathComponent(mapping)
        let cases = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return cases.sorted().flatMap { name in
            String(
                decoding: FerryTesting.bytes(directory.appendingPathComponent("\(name)/output.ndjson")), as: UTF8.self
            )
            .split(separator: "\n").map(String.init)
        }
    }

    @Test(arguments: [
        ("personnel.record", "kadry-personnel"), ("procurement.contract", "zakupki-contract"),
        ("logistics.requisition", "snab2-requisition"),
    ])
    func acceptsEveryConvertedRecord(_ type: String, _ mapping: String) throws {
        let records = fixtureRecords(mapping)
        #expect(!records.isEmpty)
        let results = try validate(type: type, records: records)
        #expect(results == Array(repeating: "ok", count: records.count), "\(results)")
    }

    /// One mutation per kind of constraint, each applied to a valid record.
    @Test func rejectsEachKindOfViolation() throws {
        let person = try #require(fixtureRecords("kadry-personnel").last)  // ВГ-000042, discharged
        let mutations: [(String, String, String)] = [
            ("pattern", "\"service_number\":\"ВГ-000042\"", "\"service_number\":\"BГ-000042\""),
            ("enum", "\"rank\":\"captain\"", "\"rank\":\"admiral\""),
            ("required", "\"first_name\":\"Анна\",", ""),
            ("minimum", "\"monthly_pay\":78000", "\"monthly_pay\":-1"),
            ("fraction digits", "\"monthly_pay\":78000", "\"monthly_pay\":78000.005"),
            ("type", "\"monthly_pay\":78000", "\"monthly_pay\":\"78000\""),
            ("unknown field", "\"rank\":\"captain\"", "\"rank\":\"captain\",\"nickname\":\"x\""),
            ("conditional rule", "\"service_end\":\"2026-10-31\",", ""),
            ("date format", "\"birth_date\":\"1990-11-02\"", "\"birth_date\":\"02.11.1990\""),
            ("length", "\"last_name\":\"Смирнова\"", "\"last_name\":\"\(String(repeating: "Я", count: 101))\""),
            ("classification", "\"classification\":\"internal\"", "\"classification\":\"public\""),
            ("dataschema", "personnel.record:1", "personnel.record:2"),
        ]
        var records: [String] = []
        for (name, from, to) in mutations {
            #expect(person.contains(from), "mutation \(name) does not apply")
            records.append(person.replacingOccurrences(of: from, with: to))
        }
        let results = try validate(type: "personnel.record", records: records)
        for (index, (name, _, _)) in mutations.enumerated() {
            #expect(results[index].hasPrefix("invalid"), "\(name) was accepted")
        }
        let requisition = try #require(fixtureRecords("snab2-requisition").first)
        let more = [
            requisition.replacingOccurrences(of: "\"quantity\":120", with: "\"quantity\":0"),  // exclusive minimum
            requisition.replacingOccurrences(of: "\"lat\":59.9386", with: "\"lat\":90.5"),  // maximum
            requisition.replacingOccurrences(of: "\"priority\":1", with: "\"priority\":1.5"),  // integer
        ]
        #expect(try validate(type: "logistics.requisition", records: more).allSatisfy { $0.hasPrefix("invalid") })
        let contract = try #require(fixtureRecords("zakupki-contract").first { $0.contains("\"defense_order\":true") })
        let declassified = contract.replacingOccurrences(
            of: "\"classification\":\"restricted\"", with: "\"classification\":\"public\"")
        #expect(
            try validate(type: "procurement.contract", records: [contract, declassified]) == [
                "ok", "invalid: /classification: 'restricted' was expected",
            ])
    }

    /// Fraction digits are Ferry's own keyword, not `multipleOf`: a validator reading binary
    /// floats accepts every valid amount, and one that reads the keyword still refuses a third digit.
    @Test func fractionDigitsDoNotFailValidAmountsUnderBinaryFloats() throws {
        let person = try #require(fixtureRecords("kadry-personnel").last)
        let amounts = ["10430.37", "0.07", "78000.1"].map {
            person.replacingOccurrences(of: "\"monthly_pay\":78000", with: "\"monthly_pay\":\($0)")
        }
        #expect(amounts.allSatisfy { $0 != person })
        #expect(try validate(type: "personnel.record", records: amounts, standard: true) == ["ok", "ok", "ok"])
        #expect(try validate(type: "personnel.record", records: amounts) == ["ok", "ok", "ok"])
        let export = try cli.ferry(["schema", "export", "--format", "json-schema", "personnel.record"])
        #expect(!export.stdout.contains("multipleOf"))
        #expect(export.stdout.contains("\"x-ferry-maxFractionDigits\":2"))
    }
}
