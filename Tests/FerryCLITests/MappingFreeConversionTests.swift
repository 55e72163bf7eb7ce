import FerryTesting
import Foundation
import Testing

/// `ferry convert --from xml` and `--to xml` without a mapping, as an xq user runs them.
struct MappingFreeConversionTests {
    let cli = CLITests()

    @Test func itemsStreamOneLineEachWithForcedLists() throws {
        let xml =
            "<orders><order id=\"1\"><line>a</line></order><order id=\"2\"><line>b</line><line>c</line></order></orders>"
        let result = try cli.ferry(
            ["convert", "--from", "xml", "--to", "ndjson", "--item-depth", "2", "--force-list", "line"],
            stdin: Data(xml.utf8))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(
            result.stdoutLines == [
                #"{"order":{"@id":"1","line":["a"]}}"#, #"{"order":{"@id":"2","line":["b","c"]}}"#,
            ])
    }

    @Test func aRootWrapsAnArrayForXML() throws {
        let result = try cli.ferry(
            ["convert", "--from", "json", "--to", "xml", "--root", "orders"],
            stdin: Data(#"[{"order":{"@id":"1"}},{"order":{"@id":"2"}}]"#.utf8))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(
            result.stdout
                == "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<orders>\n  <order id=\"1\"/>\n  <order id=\"2\"/>\n</orders>\n"
        )
        let unwrapped = try cli.ferry(["convert", "--from", "json", "--to", "xml"], stdin: Data("[1,2]".utf8))
        #expect(unwrapped.status == 65)
        #expect(unwrapped.stderr.contains("--root NAME wraps any other value"), "\(unwrapped.stderr)")
    }

    @Test func mixedContentSurvivesTheRoundTripThroughPipes() throws {
        let xml = #"<doc><p>See <a href="x">link</a> now.</p><list><li>one</li></list></doc>"#
        let json = try cli.ferry(["convert", "--from", "xml", "--to", "json"], stdin: Data(xml.utf8))
        let back = try cli.ferry(["convert", "--from", "json", "--to", "xml"], stdin: Data(json.stdout.utf8))
        #expect(back.stdout.contains(#"<p>See <a href="x">link</a> now.</p>"#), "\(back.stdout)")
    }

    @Test(arguments: [
        (["--from", "json", "--to", "xml", "--item-depth", "2"], "--item-depth and --force-list read XML"),
        (["--from", "xml", "--to", "json", "--root", "r"], "--root wraps XML output"),
        (["--from", "xml", "--to", "json", "--item-depth=-1"], "--item-depth is a depth"),
        (["-m", "kadry-personnel", "--item-depth", "2"], "convert without a mapping"),
    ])
    func optionsThatDoNotApplyAreUsageErrors(_ arguments: [String], _ message: String) throws {
        let result = try cli.ferry(["convert"] + arguments)
        #expect(result.status == 64)
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }
}
