import CLibXML2
import FerryCore
@testable import FerryXML
import Foundation
import Testing

/// The single-byte encodings of legacy exports are decoded and encoded by Ferry's tables, not
/// through iconv, and mean exactly what they meant through iconv: every byte, every character,
/// and the same error where iconv had one.
struct SingleByteEncodingTests {
    static let encodings = [
        "KOI8-R", "KOI8-U", "CP866", "windows-1250", "windows-1251", "windows-1252", "windows-1253", "windows-1254",
        "windows-1256", "windows-1257",
    ]

    /// iconv's conversion of `bytes`, or nil where iconv refuses them.
    static func iconvConvert(_ bytes: [UInt8], from source: String, to target: String) -> [UInt8]? {
        let converter = iconv_open(target, source)
        guard converter != iconv_t(bitPattern: -1) else { return nil }
        defer { iconv_close(converter) }
        var input = bytes.map { CChar(bitPattern: $0) }
        var output = [CChar](repeating: 0, count: bytes.count * 8 + 16)
        return input.withUnsafeMutableBufferPointer { inputBuffer in
            output.withUnsafeMutableBufferPointer { outputBuffer in
                var inPointer = inputBuffer.baseAddress
                var outPointer = outputBuffer.baseAddress
                var inLeft = inputBuffer.count
                var outLeft = outputBuffer.count
                guard iconv(converter, &inPointer, &inLeft, &outPointer, &outLeft) != -1, inLeft == 0 else {
                    return nil
                }
                return outputBuffer.prefix(outputBuffer.count - outLeft).map { UInt8(bitPattern: $0) }
            }
        }
    }

    /// The handler libxml2 finds for an encoding once Ferry has set libxml2 up.
    static func handler(_ encoding: String) throws -> xmlCharEncodingHandler {
        _ = LibXML.initialized
        let found = try #require(xmlFindCharEncodingHandler(encoding))
        return found.pointee
    }

    @Test(arguments: encodings)
    func everyByteDecodesAsIconvDecodesIt(_ encoding: String) throws {
        let handler = try Self.handler(encoding)
        // Ferry's handler, not iconv's: libxml2's iconv handlers have no input function.
        let decode = try #require(handler.input, "\(encoding) is decoded through iconv")
        for byte in UInt8(1)...UInt8(255) {
            var output = [UInt8](repeating: 0, count: 8)
            var outputLength = Int32(output.count)
            var inputLength: Int32 = 1
            let result = decode(&output, &outputLength, [byte], &inputLength)
            if let expected = Self.iconvConvert([byte], from: encoding, to: "UTF-8") {
                #expect(result == Int32(expected.count), "\(encoding) 0x\(String(byte, radix: 16))")
                #expect(Array(output.prefix(Int(outputLength))) == expected, "\(encoding) 0x\(String(byte, radix: 16))")
            } else {
                #expect(result == -2, "\(encoding) 0x\(String(byte, radix: 16)) is undefined")
            }
        }
    }

    @Test(arguments: encodings)
    func everyCharacterEncodesAsIconvEncodesItAndOneItLacksStops(_ encoding: String) throws {
        let handler = try Self.handler(encoding)
        let encode = try #require(handler.output)
        // Every character of the encoding, as UTF-8, with ASCII between them.
        var text: [UInt8] = []
        for byte in UInt8(0x20)...UInt8(0xFF) where byte != 0x7F {
            if let character = Self.iconvConvert([byte], from: encoding, to: "UTF-8") { text += character }
        }
        let expected = try #require(Self.iconvConvert(text, from: "UTF-8", to: encoding))
        var output = [UInt8](repeating: 0, count: text.count)
        var outputLength = Int32(output.count)
        var inputLength = Int32(text.count)
        #expect(encode(&output, &outputLength, text, &inputLength) == Int32(expected.count))
        #expect(Array(output.prefix(Int(outputLength))) == expected && inputLength == Int32(text.count))
        // A character the encoding lacks stops the block just before it (libxml2 then writes a
        // character reference); one cut at the block's end is left for the next block.
        let lacking = Array("ab\u{1D11E}c".utf8)
        outputLength = Int32(output.count)
        inputLength = Int32(lacking.count)
        #expect(encode(&output, &outputLength, lacking, &inputLength) == -2)
        #expect(inputLength == 2 && outputLength == 2)
        let cut = Array("ab".utf8) + Array("\u{00E9}".utf8).prefix(1)
        outputLength = Int32(output.count)
        inputLength = Int32(cut.count)
        #expect(encode(&output, &outputLength, cut, &inputLength) == 2 && inputLength == 2)
    }

    @Test(arguments: ["windows-1255", "windows-1258"])
    func anEncodingWhoseMarksIconvComposesStaysWithIconv(_ encoding: String) throws {
        #expect(try Self.handler(encoding).input == nil)
    }

    @Test func aDocumentInKOI8RReadsAsThroughIconvAndAnUndefinedByteIsAnError() throws {
        let text = "Пулково, склад 3: ёлка, Ёж"
        let body = try #require(
            Self.iconvConvert(Array("<r a=\"\(text)\">\(text)</r>".utf8), from: "UTF-8", to: "KOI8-R"))
        let document = Array("<?xml version=\"1.0\" encoding=\"KOI8-R\"?>".utf8) + body
        let value = try XMLJSONConvention.json(fromXML: MemoryByteStream(document), path: "r.xml")
        #expect(
            value
                == .object(JSONObject([("r", .object(JSONObject([("@a", .string(text)), ("#text", .string(text))])))])))
        // 0x98 is undefined in windows-1251: an encoding error at its place, as through iconv.
        let undefined =
            Array("<?xml version=\"1.0\" encoding=\"windows-1251\"?>\n<r>ab".utf8) + [0x98] + Array("</r>".utf8)
        #expect(throws: XMLReadError.self) {
            try XMLJSONConvention.json(fromXML: MemoryByteStream(undefined), path: "r.xml")
        }
    }
}
