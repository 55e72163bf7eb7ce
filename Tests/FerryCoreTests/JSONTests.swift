import Crypto
import FerryCore
import Testing

struct JSONTests {
    @Test func writesStringsAsRFC8785Does() {
        var bytes: [UInt8] = []
        JSONWriter.writeString("a\"b\\c/d\u{1}\u{1F}\n\tЁ€😀\u{7F}", into: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == "\"a\\\"b\\\\c/d\\u0001\\u001f\\n\\tЁ€😀\u{7F}\"")
    }

    @Test func canonicalFormSortsByUTF16AndShortensNumbers() throws {
        let value = try JSONParser.parseDocument(
            Array(
                #"{"b":1.50,"\ufb33":1,"a":[true,null],"\u20ac":0,"😀":-0.0,"aa":1E2}"#.utf8))
        let canonical = String(decoding: JSONWriter(form: .canonical).bytes(value), as: UTF8.self)
        // RFC 8785 §3.2.3: U+1F600 is D83D DE00 in UTF-16, so it sorts after U+20AC and before
        // U+FB33, although UTF-8 byte order would put U+FB33 first.
        #expect(canonical == #"{"a":[true,null],"aa":100,"b":1.5,"€":0,"😀":0,"דּ":1}"#)
        let ordered = String(decoding: JSONWriter().bytes(value), as: UTF8.self)
        #expect(ordered == #"{"b":1.50,"דּ":1,"a":[true,null],"€":0,"😀":0.0,"aa":100}"#)
    }

    @Test func writesTheEnvelopeInTheCanonicalModelsOrder() throws {
        let data = JSONObject([
            ("z", .number(try #require(ExactDecimal(parsing: "7.50")))), ("a", .string("Ё\"\n")),
            ("o", .object(JSONObject([("k", .array([.bool(true), .null]))]))),
        ])
        var record = CanonicalRecord(
            type: "t.r", source: "urn:x", subject: "k\u{1}", dataschema: "urn:s:1", time: nil,
            classification: .internal, data: data)
        let head =
            #"{"specversion":"1.0","type":"t.r","source":"urn:x","subject":"k\u0001","id":"\#(record.id)","dataschema":"urn:s:1","#
        let dataText = #""data":{"z":7.50,"a":"Ё\"\n","o":{"k":[true,null]}}}"#
        #expect(
            String(decoding: record.jsonBytes, as: UTF8.self)
                == head + #""datacontenttype":"application/json","classification":"internal","# + dataText)
        record.time = "2026-11-25T12:00:00+03:00"
        #expect(
            String(decoding: record.jsonBytes, as: UTF8.self)
                == head
                + #""time":"2026-11-25T12:00:00+03:00","datacontenttype":"application/json","classification":"internal","#
                + dataText)
        let written = try #require(try JSONParser.parseDocument(record.jsonBytes).objectValue)
        #expect(written.keys == CanonicalRecord.envelopeMembers, "every member the canonical model names, and no other")
    }

    @Test func recordIdHashesSourceTypeAndCanonicalData() throws {
        let data = JSONObject([("z", .number(try #require(ExactDecimal(parsing: "7.50")))), ("a", .string("Ё"))])
        let id = CanonicalRecord.id(source: "urn:x", type: "t.r", data: data)
        let expectedInput = Array("urn:x\nt.r\n{\"a\":\"Ё\",\"z\":7.5}".utf8)
        let expected = SHA256.hash(data: expectedInput).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        #expect(id == expected)
        #expect(id.count == 64)
    }

    @Test(arguments: [
        ("[1,2", 1, 5, "expected ',' or ']'"),
        ("{\"a\":1,\"a\":2}", 1, 8, "duplicate member name"),
        ("[01]", 1, 3, "leading zeros"),
        ("{\n  \"ключ\": tru}", 2, 11, "invalid literal"),
        ("\"\\ud800\"", 1, 8, "lone high surrogate"),
        ("[1] 2", 1, 5, "unexpected content"),
        ("1e99999", 1, 1, "out of range"),
    ])
    func reportsSyntaxErrorsWhereTheyAre(_ input: String, line: Int, column: Int, message: String) {
        do {
            _ = try JSONParser.parseDocument(Array(input.utf8))
            Issue.record("accepted \(input)")
        } catch {
            #expect(error.line == line && error.column == column, "\(error)")
            #expect(error.message.contains(message), "\(error.message)")
        }
    }

    @Test func refusesDeepNestingWithoutRecursingForever() {
        let deep = Array(repeating: UInt8(ascii: "["), count: 100_000)
        #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parseDocument(deep) }
    }

    @Test func refusesInvalidUTF8InStrings() {
        #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parseDocument([0x22, 0xFF, 0x22]) }
    }
}
