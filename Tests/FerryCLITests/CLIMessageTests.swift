import FerryTesting
import Foundation
import Testing

/// What the CLI says when it is used wrongly: each message names the problem once, in one line,
/// with the status a script can act on.
struct CLIMessageTests {
    let cli = CLITests()

    @Test func aMisspeltOptionIsNamedAsUnknown() throws {
        let result = try cli.ferry(["convert", "--mappping", "kadry-personnel", "input.xml"])
        #expect(result.status == 64)
        #expect(
            result.stderr.hasPrefix("Error: Unknown option '--mappping'. Did you mean '--mapping'?"), "\(result.stderr)"
        )
    }

    @Test func optionsThatDoNotGoTogetherAreAUsageErrorWithConvertsUsage() throws {
        let result = try cli.ferry(["convert", "input.xml"])
        #expect(result.status == 64)
        #expect(result.stderr.hasPrefix("Error: give -m MAPPING, or both --from and --to\nUsage: ferry convert "))
    }

    @Test func aMissingOperatorTokenIsSaidPlainly() throws {
        let result = try cli.ferry(["queue", "list", "--url", "http://127.0.0.1:9"])
        #expect(result.status == 64)
        #expect(result.stderr == "ferry queue: error: set FERRY_TOKEN or --token-file to an operator token\n")
    }

    @Test func schemaDiffOfTwoRecordTypesIsAUsageError() throws {
        let result = try cli.ferry([
            "schema", "diff", "schemas/personnel-record.yaml", "schemas/logistics-requisition.yaml",
        ])
        #expect(result.status == 64)
        #expect(result.stdout.isEmpty, "no change list for unrelated schemas")
        #expect(
            result.stderr.contains(
                "schemas/personnel-record.yaml describes personnel.record and schemas/logistics-requisition.yaml "
                    + "logistics.requisition"), "\(result.stderr)")
    }

    @Test func schemaDiffCountsInTheSingular() throws {
        let old = FerryTesting.packageRoot.appendingPathComponent("schemas/logistics-requisition.yaml")
        let text = try String(contentsOf: old, encoding: .utf8)
        let changed = try cli.temporaryDirectory().appendingPathComponent("logistics-requisition.yaml")
        // One change: priority's upper bound widened.
        try Data(text.replacingOccurrences(of: "maximum_value: 5", with: "maximum_value: 6").utf8).write(to: changed)
        let result = try cli.ferry(["schema", "diff", old.path, changed.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdoutLines.last == "1 change, 0 breaking; version 1.0.0 → 1.0.0", "\(result.stdout)")
    }

    @Test func anXMLFileWithoutAnXSDIsToldToGiveOne() throws {
        let input = cli.fixture("snab2-requisition/example/input.xml").path
        let result = try cli.ferry(["validate", input])
        #expect(result.status == 65)
        #expect(result.stderr.contains("\(input):1:1: error: an XML document, not canonical records: give --xsd"))
        #expect(result.stderr.hasSuffix("[validate.xml-input]\n"))
    }

    @Test func aMissingXSDIsNamed() throws {
        let input = cli.fixture("snab2-requisition/example/input.xml").path
        let result = try cli.ferry(["validate", "--xsd", "/nonexistent/contract.xsd", input])
        #expect(result.status == 66)
        #expect(
            result.stderr == "/nonexistent/contract.xsd: error: cannot open the XML Schema: no such file [io.open]\n")
    }

    @Test func aFileOfAnotherRootIsADataErrorNamingBothRoots() throws {
        let result = try cli.ferry(
            ["convert", "-m", "snab2-requisition", "-"], stdin: Data(#"<other xmlns="urn:o"><x/></other>"#.utf8))
        #expect(result.status == 65)
        #expect(
            result.stderr
                == "-:1:1: error: the root element is other in urn:o, and mapping snab2-requisition reads REQLIST "
                + "(no namespace): no records in it [xml.other-root]\n")
    }

    @Test func anExportWithoutRecordsIsANoteNotAFailure() throws {
        let result = try cli.ferry(
            ["convert", "-m", "snab2-requisition", "-"],
            stdin: Data(#"<?xml version="1.0" encoding="UTF-8"?><REQLIST GEN="01.01.2026 10:00"/>"#.utf8))
        #expect(result.status == 0)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr == "-:1:1: note: no records at REQLIST/REQ in this document [xml.no-records]\n")
    }
}
