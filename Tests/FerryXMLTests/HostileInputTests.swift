import FerryCore
import FerryTesting
import FerryXML
import Foundation
import Testing

/// Untrusted XML gets a clear error, in bounded time, and loads nothing from outside.
struct HostileInputTests {
    static let recordPath = [
        NodePath.Name(namespace: "", local: "r", prefix: nil),
        NodePath.Name(namespace: "", local: "e", prefix: nil),
    ]

    /// Reads every record with both readers and returns the error that stopped the node
    /// reader; the batch reader (parallel conversion) must stop with the same kind of error at
    /// the same place.
    func failure(of document: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> XMLReadError? {
        let error = nodeReaderFailure(of: document, sourceLocation: sourceLocation)
        let batchError = batchReaderFailure(of: document, sourceLocation: sourceLocation)
        #expect(batchError?.kind == error?.kind, "\(String(describing: batchError))", sourceLocation: sourceLocation)
        #expect(
            batchError?.location == error?.location, "\(String(describing: batchError))", sourceLocation: sourceLocation
        )
        return error
    }

    func nodeReaderFailure(of document: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> XMLReadError? {
        let reader = XMLRecordReader(
            input: MemoryByteStream(document), path: "hostile.xml", recordPath: Self.recordPath)
        do {
            while try reader.next() != nil {}
            Issue.record("the document was accepted", sourceLocation: sourceLocation)
            return nil
        } catch {
            return error
        }
    }

    func batchReaderFailure(of document: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> XMLReadError? {
        let reader = XMLRecordBatchReader(
            input: MemoryByteStream(document), path: "hostile.xml", recordPath: Self.recordPath,
            batchSize: 32, batchBytes: 1 << 20)
        do {
            try reader.read { _ in }
            Issue.record("the document was accepted", sourceLocation: sourceLocation)
            return nil
        } catch {
            return error
        }
    }

    @Test func refusesBillionLaughs() {
        var doctype = "<!DOCTYPE r [<!ENTITY l0 \"ha\">"
        for level in 1...10 {
            doctype += "<!ENTITY l\(level) \"" + String(repeating: "&l\(level - 1);", count: 10) + "\">"
        }
        doctype += "]>"
        let document = Array("<?xml version=\"1.0\"?>\n\(doctype)\n<r><e>&l10;</e></r>".utf8)
        let error = failure(of: document)
        #expect(error?.kind == .doctype)
        #expect(error?.location.line == 2)
    }

    @Test func neverReadsLocalFilesThroughExternalEntities() throws {
        let secret = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-secret-\(UUID().uuidString)")
        try Data("TOP-SECRET".utf8).write(to: secret)
        defer { try? FileManager.default.removeItem(at: secret) }
        for entity in [
            "<!ENTITY x SYSTEM \"file://\(secret.path)\">",
            "<!ENTITY % p SYSTEM \"file://\(secret.path)\"> %p;",
            "<!ENTITY x SYSTEM \"http://127.0.0.1:9/x\">",
        ] {
            let document = Array("<?xml version=\"1.0\"?><!DOCTYPE r [\(entity)]><r><e>&x;</e></r>".utf8)
            let error = failure(of: document)
            #expect(error?.kind == .doctype, "\(entity)")
            #expect(!(error?.description.contains("TOP-SECRET") ?? false))
        }
    }

    @Test func boundsNesting() {
        let document = Array(("<r>" + String(repeating: "<e>", count: 100_000)).utf8)
        let error = failure(of: document)
        #expect(error?.kind == .limit || error?.kind == .notWellFormed)
        #expect(error?.message.contains("deep") ?? false, "\(String(describing: error))")
    }

    @Test func stopsAttributeFloodsBeforeLibxml2SeesTheTag() {
        var tag = "<r><e"
        for index in 0..<100_000 { tag += " a\(index)=\"\"" }
        let document = Array((tag + "/></r>").utf8)
        let clock = ContinuousClock()
        var error: XMLReadError?
        let elapsed = clock.measure { error = failure(of: document) }
        #expect(error?.kind == .limit)
        #expect(error?.message.contains("attributes") ?? false)
        #expect(elapsed < .seconds(5), "guards against libxml2's quadratic attribute check, not a benchmark")
    }

    @Test func reportsBytesThatDoNotMatchTheDeclaredEncoding() {
        let document =
            Array("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<r>\n<e>".utf8) + [0xC8, 0xE2, 0xE0]
            + Array("</e></r>".utf8)
        let error = failure(of: document)
        #expect(error?.kind == .encoding || error?.kind == .notWellFormed)
        #expect(error?.location.line == 3)
    }

    @Test func saysAnEmptyDocumentIsEmpty() {
        let error = failure(of: [])
        #expect(error?.kind == .notWellFormed)
        #expect(error?.message == "the document is empty")
    }

    @Test func saysTheInputEndsInsideOpenElements() {
        // libxml2's reader calls this "Extra content at the end of the document".
        let error = failure(of: Array("<?xml version=\"1.0\"?>\n<r>\n<e><a>1</a>\n".utf8))
        #expect(error?.kind == .notWellFormed)
        #expect(error?.message == "premature end of data: the input ends inside 2 open elements")
    }

    @Test func keepsLibxml2sWordsForContentAfterTheRoot() {
        #expect(failure(of: Array("<r><e/></r><r/>".utf8))?.message == "Extra content at the end of the document")
        // A second root cut off is still content after the root, not a premature end.
        #expect(failure(of: Array("<r><e/></r><r>".utf8))?.message == "Extra content at the end of the document")
    }

    @Test func cutsOffTheRecordATruncationStrikes() throws {
        let document = Array("<r>\n<e><a>1</a></e>\n<e><a>2</a>".utf8)
        let reader = XMLRecordReader(input: MemoryByteStream(document), path: "cut.xml", recordPath: Self.recordPath)
        #expect(try reader.next()?.line == 2)
        do {
            _ = try reader.next()
            Issue.record("a truncated record was returned whole")
        } catch {
            #expect(error.kind == .notWellFormed)
            #expect(error.interruptedRecord?.line == 3)
            #expect(error.interruptedRecord?.text.contains("<a>2</a>") ?? false)
        }
    }

    @Test func keepsEveryCompleteRecordLibxml2ParsedAheadOfAFault() throws {
        // Small records all fit in the chunk libxml2 parses at once, fault included.
        let document = Array("<r>\n<e>1</e>\n<e>2</e>\n<e>3</e>\n<e>4</x>\n</r>".utf8)
        let reader = XMLRecordReader(input: MemoryByteStream(document), path: "ahead.xml", recordPath: Self.recordPath)
        var lines: [Int] = []
        do {
            while let record = try reader.next() { lines.append(record.line) }
            Issue.record("the fault was not reported")
        } catch {
            #expect(error.kind == .notWellFormed)
            #expect(error.interruptedRecord?.line == 5)
        }
        #expect(lines == [2, 3, 4])
    }

    @Test func refusesUndeclaredNamespacePrefixes() {
        let error = failure(of: Array("<r><x:e/></r>".utf8))
        #expect(error?.kind == .notWellFormed)
    }

    @Test func boundsAHugeTextNode() throws {
        let document =
            Array("<r><e id=\"1\">a</e>\n<e id=\"2\">".utf8) + Array(repeating: UInt8(ascii: "a"), count: 12_000_000)
            + Array("</e></r>".utf8)
        // libxml2's tree builder refuses the text node; the batch reader counts it itself.
        #expect(nodeReaderFailure(of: document)?.kind == .notWellFormed)
        var delivered: [RecordSnapshots] = []
        let reader = XMLRecordBatchReader(
            input: MemoryByteStream(document), path: "hostile.xml", recordPath: Self.recordPath,
            batchSize: 32, batchBytes: 1 << 20)
        let error = #expect(throws: XMLReadError.self) { try reader.read { delivered.append($0) } }
        #expect(error?.kind == .limit)
        #expect(error?.message == "a text is longer than 10000000 bytes")
        #expect(error?.location.line == 2)
        #expect(error?.interruptedRecord?.line == 2, "the record it cut off")
        #expect(delivered.map(\.count) == [1], "the record before it")
    }
}
