import FerryCore
import FerryTesting
import FerryYAML
import Testing

struct YAMLTests {
    @Test func locatesNodesInUnicodeScalarColumns() throws {
        let text = "имя: значение\nсписок:\n  - Звание: капитан\n"
        let document = try #require(try YAMLLoader.loadAll(Array(text.utf8), path: "f.yaml").first)
        let value = try #require(document["имя"])
        #expect(value.location.line == 1 && value.location.column == 6)
        let rank = try #require(document["список"]?.items?.first?["Звание"])
        #expect(rank.location.line == 3 && rank.location.column == 13)
    }

    @Test func reportsSyntaxErrorsWithTheirPosition() {
        let text = "ключ: [1, 2\nдругой: 3\n"
        do {
            _ = try YAMLLoader.loadAll(Array(text.utf8), path: "bad.yaml")
            Issue.record("accepted unterminated flow sequence")
        } catch {
            #expect(error.location.path == "bad.yaml")
            #expect(error.location.line == 2)
            #expect(error.message.contains("flow sequence"), "\(error.message)")
        }
    }

    @Test(arguments: [
        ("a: ~", "{\"a\":null}"), ("a: Null", "{\"a\":null}"), ("a:", "{\"a\":null}"),
        ("a: True", "{\"a\":true}"), ("a: yes", "{\"a\":\"yes\"}"), ("a: 'true'", "{\"a\":\"true\"}"),
        ("a: 0o17", "{\"a\":15}"), ("a: 0x1F", "{\"a\":31}"), ("a: -12", "{\"a\":-12}"),
        ("a: 1.50", "{\"a\":1.50}"), ("a: 1e3", "{\"a\":1000}"), ("a: .5", "{\"a\":0.5}"),
        ("a: 012", "{\"a\":12}"), ("a: !!str 12", "{\"a\":\"12\"}"), ("a: 1_000", "{\"a\":\"1_000\"}"),
        ("a: [1, b, {c: d}]", "{\"a\":[1,\"b\",{\"c\":\"d\"}]}"),
        ("a: &x [1]\nb: *x", "{\"a\":[1],\"b\":[1]}"),
    ])
    func typesScalarsByTheCoreSchema(_ yaml: String, _ json: String) throws {
        let document = try #require(try YAMLLoader.loadAll(Array(yaml.utf8), path: "-").first)
        let value = try YAMLCoreSchema.jsonValue(document)
        #expect(String(decoding: JSONWriter().bytes(value), as: UTF8.self) == json)
    }

    @Test func refusesValuesJSONCannotHold() throws {
        for yaml in ["a: .inf", "a: .nan", "? [1]\n: 2", "a: 1\na: 2"] {
            let document = try #require(try YAMLLoader.loadAll(Array(yaml.utf8), path: "-").first)
            #expect(throws: YAMLError.self, "\(yaml)") { try YAMLCoreSchema.jsonValue(document) }
        }
    }

    @Test func refusesAliasBombsWithBoundedWork() {
        var yaml = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1..<12 {
            let previous = "*a\(level - 1)"
            yaml += "a\(level): &a\(level) [\(Array(repeating: previous, count: 10).joined(separator: ", "))]\n"
        }
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            #expect(throws: YAMLError.self) { try YAMLLoader.loadAll(Array(yaml.utf8), path: "bomb.yaml") }
        }
        #expect(elapsed < .seconds(30), "guards against a hang, not a benchmark")
    }

    @Test func refusesDeepNesting() {
        let yaml = String(repeating: "[", count: 100_000)
        #expect(throws: YAMLError.self) { try YAMLLoader.loadAll(Array(yaml.utf8), path: "deep.yaml") }
    }

    @Test func readsEveryDocumentOfAStream() throws {
        let documents = try YAMLLoader.loadAll(Array("---\na: 1\n---\n- 2\n...\n---\nx\n".utf8), path: "-")
        #expect(documents.count == 3)
        #expect(documents[2].scalar == "x")
    }

    @Test func emitsYAMLThatReadsBackToTheSameJSON() throws {
        let original = try JSONParser.parseDocument(
            Array(
                #"{"s":"true","n":"12","z":"","u":"Ёлка: ель","list":[1.50,null,false,{"k":[]}],"e":{}}"#.utf8))
        let emitter = YAMLEmitter()
        try emitter.emit(original)
        let yaml = try emitter.finish()
        let reread = try YAMLCoreSchema.jsonValue(try #require(try YAMLLoader.loadAll(yaml, path: "-").first))
        #expect(reread == original, "\(String(decoding: yaml, as: UTF8.self))")
    }
}
