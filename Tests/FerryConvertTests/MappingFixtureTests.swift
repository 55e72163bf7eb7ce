import FerryConvert
import FerryCore
import FerryTesting
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

/// Runs every mapping's fixture cases (`Tests/Fixtures/<mapping>/<case>/`) as golden tests.
///
/// Reading cases hold `input.xml` and the expected `output.ndjson` and, when records are
/// rejected, `rejects.ndjson`; writing cases hold `input.ndjson` and the expected `output.xml`.
/// `RECORD_GOLDEN=1 swift test` rewrites the expected files (and fails, so a recording is never
/// mistaken for a pass).
struct MappingFixtureTests {
    static let mappingNames: [String] = {
        let directory = FerryTesting.packageRoot.appendingPathComponent("mappings").path
        return ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted()
    }()

    static let cases: [FixtureCase] = mappingNames.flatMap { mapping in
        let directory = FerryTesting.fixtures.appendingPathComponent(mapping)
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).sorted()
        return names.map { FixtureCase(mapping: mapping, name: $0) }
    }

    @Test func everyMappingHasACase() {
        #expect(Self.mappingNames.count >= 4)
        for mapping in Self.mappingNames {
            #expect(Self.cases.contains { $0.mapping == mapping }, "mappings/\(mapping).yaml has no fixture case")
        }
    }

    @Test(arguments: cases)
    func fixture(_ fixture: FixtureCase) throws {
        let mapping = try loadMapping(fixture.mapping)
        let directory = fixture.directory
        if FileManager.default.fileExists(atPath: directory.appendingPathComponent("input.xml").path) {
            try checkReading(mapping, directory: directory)
        } else {
            try checkWriting(mapping, directory: directory)
        }
    }

    /// Reading must give the same bytes whatever size of chunks the input arrives in.
    private func checkReading(_ mapping: Mapping, directory: URL) throws {
        let input = FerryTesting.bytes(directory.appendingPathComponent("input.xml"))
        let converter = try RecordConverter(mapping: mapping)
        var results: [(output: [UInt8], rejects: [UInt8], report: ConversionReport)] = []
        for chunkSize in [1, 7, 4096, input.count] {
            var output: [UInt8] = []
            var rejects: [UInt8] = []
            var report = ConversionReport()
            let document = InputSet.Document(displayPath: "input.xml", stream: ChunkedByteStream(input, chunkSize: chunkSize),
                                             isArchiveEntry: false)
            converter.convert(document, report: &report, emit: { record in
                output += JSONWriter().bytes(record.jsonValue) + [0x0A]
            }, reject: { reject in
                rejects += JSONWriter().bytes(reject.jsonValue) + [0x0A]
            })
            #expect(report.malformed.isEmpty, "\(report.malformed)")
            results.append((output, rejects, report))
        }
        let first = results[0]
        for other in results.dropFirst() {
            #expect(other.output == first.output, "output depends on the input's chunk size")
            #expect(other.rejects == first.rejects, "rejects depend on the input's chunk size")
        }
        try expectGolden(first.output, directory.appendingPathComponent("output.ndjson"))
        try expectGolden(first.rejects, directory.appendingPathComponent("rejects.ndjson"))
        let recordsIn = Self.countRecords(in: input, mapping: mapping)
        #expect(first.report.converted + first.report.rejected == recordsIn, "records out + rejects = records in")
    }

    private func checkWriting(_ mapping: Mapping, directory: URL) throws {
        let input = FerryTesting.bytes(directory.appendingPathComponent("input.ndjson"))
        var output: [UInt8] = []
        var rejects: [UInt8] = []
        var report = ConversionReport()
        try ReverseConverter(mapping: mapping).convert(
            bytes: input, path: "input.ndjson", report: &report, write: { output += $0 },
            reject: { rejects += JSONWriter().bytes($0.jsonValue) + [0x0A] })
        #expect(report.malformed.isEmpty)
        try expectGolden(output, directory.appendingPathComponent("output.xml"))
        try expectGolden(rejects, directory.appendingPathComponent("rejects.ndjson"))
    }

    /// Counts record elements with Foundation's SAX parser, independently of the reader under test.
    static func countRecords(in input: [UInt8], mapping: Mapping) -> Int {
        let counter = ElementCounter(path: mapping.xml.recordPath.map { ($0.namespaceURI, $0.localName) })
        let parser = XMLParser(data: Data(input))
        parser.shouldProcessNamespaces = true
        parser.delegate = counter
        parser.parse()
        return counter.count
    }

    private func expectGolden(_ actual: [UInt8], _ url: URL, sourceLocation: SourceLocation = #_sourceLocation) throws {
        if FerryTesting.isRecording {
            FerryTesting.record(actual, to: url)
            Issue.record("recorded \(url.lastPathComponent); run again without RECORD_GOLDEN", sourceLocation: sourceLocation)
            return
        }
        let expected = FerryTesting.bytes(url)
        if actual != expected {
            let a = String(decoding: actual, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            let e = String(decoding: expected, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            var diff: [String] = []
            for index in 0..<max(a.count, e.count) where (index < a.count ? a[index] : nil) != (index < e.count ? e[index] : nil) {
                if index < e.count { diff.append("- \(e[index])") }
                if index < a.count { diff.append("+ \(a[index])") }
            }
            Issue.record("\(url.path) differs:\n\(diff.prefix(20).joined(separator: "\n"))", sourceLocation: sourceLocation)
        }
    }
}

/// Counts elements at a path of (namespace, local name) steps from the root.
final class ElementCounter: NSObject, XMLParserDelegate {
    let path: [(String, String)]
    var stack: [(String, String)] = []
    var count = 0

    init(path: [(String, String)]) { self.path = path }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        stack.append((namespaceURI ?? "", name))
        if stack.count == path.count && zip(stack, path).allSatisfy({ $0 == $1 }) { count += 1 }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        stack.removeLast()
    }
}

/// One fixture case.
struct FixtureCase: CustomTestStringConvertible, Sendable {
    let mapping: String
    let name: String
    var directory: URL { FerryTesting.fixtures.appendingPathComponent(mapping).appendingPathComponent(name) }
    var testDescription: String { "\(mapping)/\(name)" }
}

/// Loads a shipped mapping, failing the test with its diagnostics when it does not load.
func loadMapping(_ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Mapping {
    var loader = ProjectLoader()
    let path = FerryTesting.packageRoot.appendingPathComponent("mappings/\(name).yaml").path
    let mapping = loader.mapping(path)
    #expect(!loader.diagnostics.hasErrors, "\(loader.renderedDiagnostics())", sourceLocation: sourceLocation)
    return try #require(mapping, sourceLocation: sourceLocation)
}
