import FerryTesting
import Foundation
import Testing

/// `ferry check` as a schema maintainer and CI run it.
struct CheckTests {
    let cli = CLITests()

    @Test func theProjectsOwnSchemasAndMappingsAreClean() throws {
        let result = try cli.ferry(["check", "--quiet"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("3 schemas, 4 mappings"), "\(result.stderr)")
    }

    /// A copy of the project's schemas, mappings and fixtures to break.
    func copyOfTheProject() throws -> URL {
        let directory = try cli.temporaryDirectory()
        for name in ["schemas", "mappings", "Tests"] {
            try FileManager.default.copyItem(
                at: FerryTesting.packageRoot.appendingPathComponent(name),
                to: directory.appendingPathComponent(name))
        }
        return directory
    }

    @Test func reportsAMismatchingFixtureWithADiffAndUpdatesIt() throws {
        let project = try copyOfTheProject()
        let expected = project.appendingPathComponent("Tests/Fixtures/snab2-requisition/example/output.ndjson")
        let original = try String(contentsOf: expected, encoding: .utf8)
        try Data(original.replacingOccurrences(of: "\"priority\":1", with: "\"priority\":2").utf8).write(to: expected)
        let failing = try cli.ferry(["check"], in: project)
        #expect(failing.status == 1)
        #expect(
            failing.stdout.contains(
                "Tests/Fixtures/snab2-requisition/example/output.ndjson:1:1: error: output.ndjson of case example differs from the actual output [fixture.mismatch]"
            ),
            "\(failing.stdout)")
        #expect(
            failing.stdout.contains("\"priority\":2") && failing.stdout.contains("+ {"), "the diff shows both sides")
        let updated = try cli.ferry(["check", "--update"], in: project)
        #expect(updated.status == 0, "\(updated.stdout)")
        #expect(try String(contentsOf: expected, encoding: .utf8) == original)
    }

    @Test func saysAnExpectedFileIsMissingAndThatUpdateWritesIt() throws {
        let project = try copyOfTheProject()
        let expected = project.appendingPathComponent("Tests/Fixtures/snab2-requisition/example/output.ndjson")
        try FileManager.default.removeItem(at: expected)
        let failing = try cli.ferry(["check"], in: project)
        #expect(failing.status == 1)
        #expect(
            failing.stdout.contains(
                "output.ndjson:1:1: error: case example has no output.ndjson, and the mapping gives one: "
                    + "ferry check --update writes it from the actual output [fixture.mismatch]"), "\(failing.stdout)")
        #expect(try cli.ferry(["check", "--update"], in: project).status == 0)
        #expect(FileManager.default.fileExists(atPath: expected.path))
    }

    @Test func failsForAMappingWithoutACaseAndReportsSARIF() throws {
        let project = try copyOfTheProject()
        try FileManager.default.removeItem(at: project.appendingPathComponent("Tests/Fixtures/zakupki-contract"))
        let mapping = project.appendingPathComponent("mappings/kadry-personnel.yaml")
        let text = try String(contentsOf: mapping, encoding: .utf8)
        try Data(text.replacingOccurrences(of: "  unit: ВоинскаяЧасть", with: "  unti: ВоинскаяЧасть").utf8).write(
            to: mapping)
        let result = try cli.ferry(["check", "--format", "sarif"], in: project)
        #expect(result.status == 1)
        let log = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(log["version"] as? String == "2.1.0")
        let run = try #require((log["runs"] as? [[String: Any]])?.first)
        #expect(run["columnKind"] as? String == "unicodeCodePoints")
        let driver = ((run["tool"] as? [String: Any])?["driver"] as? [String: Any]) ?? [:]
        #expect(driver["informationUri"] == nil, "no documentation installed beside a build: none made up")
        let results = try #require(run["results"] as? [[String: Any]])
        let rules = results.compactMap { $0["ruleId"] as? String }
        #expect(rules.contains("fixture.missing"))
        #expect(rules.contains("mapping.unknown-field"))
        let unknown = try #require(results.first { $0["ruleId"] as? String == "mapping.unknown-field" })
        let region =
            ((unknown["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])?["region"]
            as? [String: Any]
        #expect(
            region?["startLine"] as? Int == 30 && region?["startColumn"] as? Int == 3, "\(String(describing: region))")
    }

    @Test func exitsWith66WhenAPathCannotBeOpened() throws {
        #expect(try cli.ferry(["check", "/nonexistent/mappings"]).status == 66)
    }
}

/// Input coverage: what a mapping would lose.
struct CoverageTests {
    let cli = CLITests()

    /// The line of the first occurrence of a text.
    static func line(of text: String, in document: String) -> Int {
        guard let range = document.range(of: text) else { return 0 }
        return document[..<range.lowerBound].count { $0 == "\n" } + 1
    }

    @Test func aSampleOfAnotherRootIsSaidSoNamingBothRoots() throws {
        let directory = try cli.temporaryDirectory()
        let sample = directory.appendingPathComponent("other.xml")
        try Data(#"<other xmlns="urn:o"><x/></other>"#.utf8).write(to: sample)
        let result = try cli.ferry(["check", "-m", "kadry-personnel", "--sample", sample.path])
        #expect(result.status == 1)
        #expect(
            result.stdout.contains(
                "\(sample.path):1:1: error: the root element is other in urn:o, and mapping kadry-personnel reads "
                    + "Выгрузка (no namespace): no records in it [xml.other-root]"), "\(result.stdout)")
    }

    @Test func reportsInputNoRuleReadsByTheMappingsPolicy() throws {
        let directory = try cli.temporaryDirectory()
        let sample = directory.appendingPathComponent("sample.xml")
        let example = String(
            decoding: FerryTesting.bytes(
                FerryTesting.fixtures.appendingPathComponent("kadry-personnel/utf8-bom/input.xml")),
            as: UTF8.self)
        let extended = example.replacingOccurrences(
            of: "<Имя>Анна</Имя>",
            with: "<Имя>Анна</Имя><Прозвище вид=\"позывной\">Сова</Прозвище>")
        try Data(extended.utf8).write(to: sample)
        let warned = try cli.ferry(["check", "-m", "kadry-personnel", "--sample", sample.path])
        #expect(warned.status == 0, "a warning does not fail the check")
        #expect(warned.stdout.contains("Прозвище                  1  unmapped"), "\(warned.stdout)")
        #expect(warned.stdout.contains("Прозвище/@вид             1  unmapped"))
        #expect(warned.stdout.contains("Фамилия                   2  consumed"))
        #expect(
            warned.stdout.contains(
                "\(sample.path):\(Self.line(of: "<Прозвище", in: extended)):1: warning: input Прозвище (seen 1× in the "
                    + "samples) is read by no rule of kadry-personnel"),
            "at the sample's first occurrence: \(warned.stdout)")
        #expect(warned.stdout.contains("add it to the ignore: list of xml: in"), "names the key to use")
        let json = try cli.ferry(["check", "-m", "kadry-personnel", "--sample", sample.path, "--format", "json"])
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let paths = try #require(document["paths"] as? [[String: Any]])
        let nickname = try #require(paths.first { $0["path"] as? String == "Прозвище" })
        #expect(nickname["seen"] as? Int == 1 && nickname["use"] as? String == "unmapped")
        #expect(nickname["files"] as? [String] == [sample.path])
        #expect((document["diagnostics"] as? [[String: Any]])?.first?["code"] as? String == "coverage.unmapped")
        #expect(
            !warned.stdout.contains("warning: input Прозвище/@вид"), "only the topmost unmapped path is a diagnostic")

        let strict = directory.appendingPathComponent("strict.yaml")
        let mapping = try String(
            contentsOf: FerryTesting.packageRoot.appendingPathComponent("mappings/kadry-personnel.yaml"),
            encoding: .utf8
        )
        .replacingOccurrences(
            of: "  records: Выгрузка/Сотрудники/Сотрудник",
            with: "  records: Выгрузка/Сотрудники/Сотрудник\n  unmapped: error"
        )
        .replacingOccurrences(of: "schema: ../schemas/", with: "schema: \(FerryTesting.packageRoot.path)/schemas/")
        try Data(mapping.utf8).write(to: strict)
        let failed = try cli.ferry(["check", "-m", strict.path, "--sample", sample.path, "--format", "json"])
        #expect(failed.status == 1)
        #expect(failed.stdout.contains("\"code\":\"coverage.unmapped\""), "\(failed.stdout)")

        let ignoring = directory.appendingPathComponent("ignoring.yaml")
        try Data(
            mapping.replacingOccurrences(of: "  unmapped: error", with: "  unmapped: error\n  ignore: [Прозвище]").utf8
        )
        .write(to: ignoring)
        let ignored = try cli.ferry(["check", "-m", ignoring.path, "--sample", sample.path])
        #expect(ignored.status == 0, "\(ignored.stdout)")
        #expect(ignored.stdout.contains("Прозвище/@вид             1  ignored"))

        // The same by wildcards: any depth, any namespace, any attribute.
        for pattern in ["\"**/Прозвище\"", "\"*:Прозвище\"", "\"*\""] {
            try Data(
                mapping.replacingOccurrences(of: "  unmapped: error", with: "  unmapped: error\n  ignore: [\(pattern)]")
                    .utf8
            )
            .write(to: ignoring)
            let wildcard = try cli.ferry(["check", "-m", ignoring.path, "--sample", sample.path])
            #expect(wildcard.status == 0, "\(pattern): \(wildcard.stdout)")
            #expect(wildcard.stdout.contains("Прозвище/@вид             1  ignored"), "\(pattern)")
        }
    }
}

/// `ferry schema diff` on a version pair with known changes.
struct SchemaDiffTests {
    let cli = CLITests()
    let old = FerryTesting.fixtures.appendingPathComponent("schema-diff/personnel-v1.yaml").path
    let new = FerryTesting.fixtures.appendingPathComponent("schema-diff/personnel-v1.1-breaking.yaml").path

    @Test func listsExactlyTheChangesAndFailsWithoutANewMajorVersion() throws {
        let result = try cli.ferry(["schema", "diff", old, new])
        #expect(result.status == 1)
        #expect(
            result.stdoutLines == [
                "breaking: snils: became required",
                "breaking: rank: enum code colonel removed",
                "compatible: callsign: new optional field",
                "breaking: position: marking lowered from restricted to internal: releases more",
                "compatible: status: enum code retired added",
                "breaking: address.postal_code: pattern tightened or changed to ^[1-9][0-9]{5}$",
                "breaking: awards.awarded_on: field removed",
                "flagged: monthly_pay: marking raised from restricted to secret: fewer destinations receive it",
                "8 changes, 5 breaking; version 1.0.0 → 1.1.0",
            ])
        #expect(result.stderr.contains("5 breaking changes need a new major version (1 → 2) [schema.breaking-change]"))
    }

    @Test func acceptsBreakingChangesUnderANewMajorVersion() throws {
        let directory = try cli.temporaryDirectory()
        let major = directory.appendingPathComponent("v2.yaml")
        let text = try String(contentsOfFile: new, encoding: .utf8).replacingOccurrences(
            of: "version: 1.1.0", with: "version: 2.0.0")
        try Data(text.utf8).write(to: major)
        #expect(try cli.ferry(["schema", "diff", old, major.path]).status == 0)
        let same = try cli.ferry(["schema", "diff", old, old])
        #expect(same.status == 0)
        #expect(same.stdoutLines == ["0 changes, 0 breaking; version 1.0.0 → 1.0.0"])
    }
}

/// `ferry validate --xsd`: the register's exports against their XSD, with libxml2's validator.
struct XSDValidationTests {
    let cli = CLITests()
    static let zakupki = CLITests.examples.appendingPathComponent("zakupki")
    static let xsd = zakupki.appendingPathComponent("xsd-8.0/fcsExport.xsd").path

    @Test func theRealExportsValidate() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.zakupki.path).filter {
            $0.hasSuffix(".xml")
        }
        #expect(files.count >= 2)
        let result = try cli.ferry(
            ["validate", "--xsd", Self.xsd] + files.map { Self.zakupki.appendingPathComponent($0).path }
                + [FerryTesting.fixtures.appendingPathComponent("zakupki-contract/windows-1251/input.xml").path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty)
    }

    @Test func reportsEachViolationWithItsLine() throws {
        let directory = try cli.temporaryDirectory()
        let original = try String(
            contentsOf: Self.zakupki.appendingPathComponent("contract_3312100001816000003_25649142.xml"),
            encoding: .utf8)
        let broken = directory.appendingPathComponent("broken.xml")
        try Data(
            original.replacingOccurrences(
                of: "<signDate>2016-01-22</signDate>", with: "<signDate>22.01.2016</signDate>"
            )
            .utf8
        ).write(to: broken)
        let result = try cli.ferry(["validate", "--xsd", Self.xsd, broken.path])
        #expect(result.status == 1)
        #expect(
            result.stderr.hasPrefix(
                "\(broken.path):76:1: error: Element '{http://zakupki.gov.ru/oos/types/1}signDate'"),
            "\(result.stderr)")
        #expect(result.stderr.contains("[xsd.invalid]"))
        #expect(
            try cli.ferry(["validate", "--xsd", broken.path, broken.path]).status == 78, "an XML file is not a schema")
    }
}

/// `ferry check` on gateway configurations.
struct GatewayCheckTests {
    let cli = CLITests()

    @Test func checksTheDemoConfigurationAndReportsAnError() throws {
        let clean = try cli.ferry(["check", "examples/gateway/ferry.yaml"])
        #expect(clean.status == 0, "\(clean.stdout)\(clean.stderr)")
        let directory = try cli.temporaryDirectory()
        let broken = directory.appendingPathComponent("ferry.yaml")
        let text = String(
            decoding: FerryTesting.bytes(
                FerryTesting.packageRoot.appendingPathComponent("examples/gateway/ferry.yaml")),
            as: UTF8.self
        )
        .replacingOccurrences(of: "../../", with: FerryTesting.packageRoot.path + "/")
        .replacingOccurrences(of: "    clearance: public", with: "    clearance: open")
        try Data(text.utf8).write(to: broken)
        let result = try cli.ferry(["check", broken.path])
        #expect(result.status == 1)
        let line =
            try #require(
                text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex {
                    $0.hasSuffix("clearance: open")
                }) + 1
        #expect(
            result.stdout.contains(
                "\(broken.path):\(line):16: error: clearance is public, internal, restricted or secret [gateway.clearance]"
            ),
            "\(result.stdout)")
    }
}
