import FerryTesting
import Foundation
import Testing

/// `ferry draft` as a schema maintainer onboarding a format runs it.
struct DraftCommandTests {
    let cli = CLITests()

    var zakupkiSamples: [String] {
        let directory = CLITests.examples.appendingPathComponent("zakupki")
        return ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter {
            $0.hasSuffix(".xml")
        }.sorted().map { directory.appendingPathComponent($0).path }
    }

    @Test func draftsAProjectThatFerryCheckAndLinkMLAccept() throws {
        let project = try cli.temporaryDirectory()
        let drafted = try cli.ferry(
            ["draft", "--type", "procurement.contract", "--out", project.path] + zakupkiSamples)
        #expect(drafted.status == 0, "\(drafted.stderr)")
        #expect(drafted.stdout.isEmpty)
        #expect(drafted.stderr.contains("ferry draft: records: export/contract: "), "\(drafted.stderr)")
        #expect(drafted.stderr.contains("ferry draft: 2 records converted; review the lines marked REVIEW"))
        for file in [
            "schemas/procurement-contract.yaml", "mappings/procurement-contract.yaml",
            "Tests/Fixtures/procurement-contract/contract_2366200608816001262_30400522/output.ndjson",
        ] {
            #expect(FileManager.default.fileExists(atPath: project.appendingPathComponent(file).path), "\(file)")
        }
        let checked = try cli.ferry(["check"], in: project)
        #expect(checked.status == 0, "\(checked.stdout)\(checked.stderr)")
        #expect(
            checked.stderr.contains("1 schema, 1 mapping, 2 fixture cases; 0 errors, 0 warnings"), "\(checked.stderr)")
        // The drafted schema is the LinkML profile ferry's own schemas are.
        let linkml = try cli.shell(
            "scripts/check-linkml.sh '\(project.appendingPathComponent("schemas/procurement-contract.yaml").path)'")
        #expect(linkml.status == 0, "\(linkml.stdout)\(linkml.stderr)")
        #expect(linkml.stdout.contains("no errors") && linkml.stdout.contains("loads"))
        // The drafted mapping converts the samples with ferry convert as well.
        let converted = try cli.ferry(
            ["convert", "-m", project.appendingPathComponent("mappings/procurement-contract.yaml").path]
                + zakupkiSamples)
        #expect(converted.status == 0, "\(converted.stderr)")
        #expect(converted.stdoutLines.count == 2)
    }

    @Test func refusesADirectoryThatIsNotEmptyUnlessForced() throws {
        let project = try cli.temporaryDirectory()
        try Data("mine".utf8).write(to: project.appendingPathComponent("notes.txt"))
        let refused = try cli.ferry(
            ["draft", "--type", "procurement.contract", "--out", project.path] + zakupkiSamples)
        #expect(refused.status == 64)
        #expect(refused.stderr.contains("is not empty; give an empty directory, or --force"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: project.appendingPathComponent("schemas").path))
        let forced = try cli.ferry(
            ["draft", "--type", "procurement.contract", "--out", project.path, "--force"] + zakupkiSamples)
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(try String(contentsOf: project.appendingPathComponent("notes.txt"), encoding: .utf8) == "mine")
    }

    @Test func saysWhatIsWrongWithTheSamplesOrTheOptions() throws {
        let project = try cli.temporaryDirectory()
        let broken = project.appendingPathComponent("broken.xml")
        try Data("<export><contract><id>1</id></contract>".utf8).write(to: broken)
        let malformed = try cli.ferry([
            "draft", "--type", "a.b", "--out", project.appendingPathComponent("out").path, broken.path,
        ])
        #expect(malformed.status == 65)
        #expect(malformed.stderr.contains("broken.xml:1:"), "\(malformed.stderr)")
        let missing = try cli.ferry([
            "draft", "--type", "a.b", "--out", project.appendingPathComponent("out").path, "/nonexistent.xml",
        ])
        #expect(missing.status == 66, "\(missing.stderr)")
        let badType = try cli.ferry(
            ["draft", "--type", "Contract", "--out", project.appendingPathComponent("out").path] + zakupkiSamples)
        #expect(badType.status == 65)
        #expect(
            badType.stderr.contains("--type Contract: a record type is lower-case words joined by dots"),
            "\(badType.stderr)")
        let badRecords = try cli.ferry(
            [
                "draft", "--type", "a.b", "--records", "export/nothing", "--out",
                project.appendingPathComponent("out").path,
            ]
                + zakupkiSamples)
        #expect(badRecords.status == 65)
        #expect(
            badRecords.stderr.contains("--records export/nothing: the samples have no element nothing below export"))
    }
}
