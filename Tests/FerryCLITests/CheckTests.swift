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
            try FileManager.default.copyItem(at: FerryTesting.packageRoot.appendingPathComponent(name),
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
        #expect(failing.stdout.contains("Tests/Fixtures/snab2-requisition/example/output.ndjson:1:1: error: output.ndjson of case example differs from the actual output [fixture.mismatch]"),
                "\(failing.stdout)")
        #expect(failing.stdout.contains("\"priority\":2") && failing.stdout.contains("+ {"), "the diff shows both sides")
        let updated = try cli.ferry(["check", "--update"], in: project)
        #expect(updated.status == 0, "\(updated.stdout)")
        #expect(try String(contentsOf: expected, encoding: .utf8) == original)
    }

    @Test func failsForAMappingWithoutACaseAndReportsSARIF() throws {
        let project = try copyOfTheProject()
        try FileManager.default.removeItem(at: project.appendingPathComponent("Tests/Fixtures/zakupki-contract"))
        let mapping = project.appendingPathComponent("mappings/kadry-personnel.yaml")
        let text = try String(contentsOf: mapping, encoding: .utf8)
        try Data(text.replacingOccurrences(of: "  unit: ВоинскаяЧасть", with: "  unti: ВоинскаяЧасть").utf8).write(to: mapping)
        let result = try cli.ferry(["check", "--format", "sarif"], in: project)
        #expect(result.status == 1)
        let log = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(log["version"] as? String == "2.1.0")
        let run = try #require((log["runs"] as? [[String: Any]])?.first)
        #expect(run["columnKind"] as? String == "unicodeCodePoints")
        let results = try #require(run["results"] as? [[String: Any]])
        let rules = results.compactMap { $0["ruleId"] as? String }
        #expect(rules.contains("fixture.missing"))
        #expect(rules.contains("mapping.unknown-field"))
        let unknown = try #require(results.first { $0["ruleId"] as? String == "mapping.unknown-field" })
        let region = ((unknown["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])?["region"]
            as? [String: Any]
        #expect(region?["startLine"] as? Int == 30 && region?["startColumn"] as? Int == 3, "\(String(describing: region))")
    }

    @Test func exitsWith66WhenAPathCannotBeOpened() throws {
        #expect(try cli.ferry(["check", "/nonexistent/mappings"]).status == 66)
    }
}
