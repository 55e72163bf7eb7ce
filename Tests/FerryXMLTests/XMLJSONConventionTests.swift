import FerryCore
import FerryTesting
import FerryXML
import Foundation
import Testing

/// The XML ⇄ JSON convention (`docs/xml-json-convention.md`): what a document becomes, streamed
/// item by item, and what comes back from its JSON form.
struct XMLJSONConventionTests {
    func json(_ xml: String, _ options: XMLJSONConvention.ReadOptions = .init()) throws -> [String] {
        var values: [String] = []
        try XMLJSONConvention.json(fromXML: MemoryByteStream(Array(xml.utf8)), path: "test.xml", options: options) {
            values.append(String(decoding: JSONWriter().bytes($0), as: UTF8.self))
        }
        return values
    }

    func xml(_ value: JSONValue, root: String? = nil) throws -> String {
        String(decoding: try XMLJSONConvention.xml(fromJSON: value, root: root), as: UTF8.self)
    }

    @Test func siblingsOfOneNameBecomeOneArrayInDocumentOrder() throws {
        let count = 20_000
        let items = (0..<count).map { "<e>\($0)</e>" }.joined()
        let values = try json("<r><a>first</a>\(items)<z/></r>")
        let expected = (0..<count).map { "\"\($0)\"" }.joined(separator: ",")
        #expect(values == [#"{"r":{"a":"first","e":["# + expected + #"],"z":""}}"#])
    }

    @Test func itemsAtADepthComeOneByOneAndNothingAroundThem() throws {
        let document = "<r a=\"1\">text<e k=\"x\">one</e><f><e>two</e></f><e>three</e></r>"
        #expect(
            try json(document, .init(itemDepth: 2)) == [
                ##"{"e":{"@k":"x","#text":"one"}}"##, #"{"f":{"e":"two"}}"#, #"{"e":"three"}"#,
            ])
        #expect(try json(document, .init(itemDepth: 3)) == [#"{"e":"two"}"#])
        #expect(try json(document, .init(itemDepth: 1)) == json(document), "depth 1 is the root: the document")
        #expect(try json(document, .init(itemDepth: 9)).isEmpty, "no element that deep")
    }

    @Test func forcedListsAreArraysAlsoAlone() throws {
        let values = try json("<r><e>one</e><f>x</f><f>y</f><g>z</g></r>", .init(forceList: ["e", "f"]))
        #expect(values == [#"{"r":{"e":["one"],"f":["x","y"],"g":"z"}}"#])
    }

    /// Documents with mixed content at several depths, and element-only content around it, each
    /// with its elements whose content is mixed, as written.
    static let mixedDocuments: [(document: String, mixed: [String])] = [
        (#"<para>See <a href="x">link</a> now.</para>"#, [#"<para>See <a href="x">link</a> now.</para>"#]),
        (
            "<doc><title>T</title><p>One <b>bold <i>and</i> more</b> text.</p><end>e</end></doc>",
            ["<p>One <b>bold <i>and</i> more</b> text.</p>"]
        ),
        (
            "<doc><list><li>x</li><li>y <em>z</em> </li></list><note>  spaced  <b/>  </note></doc>",
            ["<li>y <em>z</em> </li>", "<note>  spaced  <b/>  </note>"]
        ),
        (
            "<a><b><c><d>deep <e>mixed</e>\n text</d></c></b><f>g</f></a>",
            ["<d>deep <e>mixed</e>\n text</d>"]
        ),
        ("<p>Line one<br/>\nLine two<br/>\n  indented</p>", ["<p>Line one<br/>\nLine two<br/>\n  indented</p>"]),
    ]

    @Test(arguments: mixedDocuments)
    func mixedContentComesBackExactly(_ document: String, _ mixed: [String]) throws {
        let value = try #require(try json(document).first)
        let written = try xml(try JSONParser.parseDocument(Array(value.utf8)))
        #expect(try json(written) == [value], "the JSON form survives XML → JSON → XML → JSON")
        for element in mixed {
            #expect(written.contains(element), "written as read: \(element) in \(written)")
        }
    }

    @Test func elementOnlyContentIsIndented() throws {
        let written = try xml(try JSONParser.parseDocument(Array(#"{"r":{"a":"1","b":{"c":"2"}}}"#.utf8)))
        #expect(
            written
                == "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<r>\n  <a>1</a>\n  <b>\n    <c>2</c>\n  </b>\n</r>\n")
    }

    @Test func aRootWrapsAnyValue() throws {
        let array = try JSONParser.parseDocument(Array(#"[{"a":"1"},{"b":{"@k":"v"}}]"#.utf8))
        #expect(try json(try xml(array, root: "top")) == [#"{"top":{"a":"1","b":{"@k":"v"}}}"#])
        let object = try JSONParser.parseDocument(Array(#"{"a":"1","b":"2"}"#.utf8))
        #expect(try json(try xml(object, root: "top")) == [#"{"top":{"a":"1","b":"2"}}"#])
        #expect(try json(try xml(.string("text"), root: "top")) == [#"{"top":"text"}"#])
        #expect(throws: XMLWriteError.self) { try xml(object) }
    }

    /// The real exports: their JSON form survives a trip through XML.
    @Test(arguments: ["kadry-export.xml", "logistics.xml", "social-fund-discharge.xml"] + Self.zakupki)
    func realExportsSurviveTheRoundTrip(_ name: String) throws {
        let url = FerryTesting.packageRoot.deletingLastPathComponent().appendingPathComponent(
            "shared/spec/examples/\(name)")
        var first: JSONValue?
        try XMLJSONConvention.json(
            fromXML: MemoryByteStream(FerryTesting.bytes(url)), path: name, options: .init()
        ) { first = $0 }
        let value = try #require(first)
        let written = try XMLJSONConvention.xml(fromJSON: value)
        var again: JSONValue?
        try XMLJSONConvention.json(fromXML: MemoryByteStream(written), path: name, options: .init()) { again = $0 }
        #expect(again == value)
    }

    static let zakupki = [
        "zakupki/contract_2366200608816001262_30400522.xml", "zakupki/contract_3312100001816000003_25649142.xml",
    ]
}
