import FerryCheck
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
        let runner = FixtureRunner(mapping: try loadMapping(fixture.mapping))
        let reference = try runner.run(fixture.directory, update: FerryTesting.isRecording)
        if FerryTesting.isRecording {
            Issue.record("recorded \(fixture.testDescription); run again without RECORD_GOLDEN")
            return
        }
        #expect(reference.problems.isEmpty, "\(reference.problems)")
        for mismatch in reference.mismatches {
            let diff = FixtureRunner.diff(expected: mismatch.expected, actual: mismatch.actual)
            Issue.record("\(fixture.testDescription)/\(mismatch.file) differs:\n\(diff)")
        }
        let input = fixture.directory.appendingPathComponent("input.xml")
        guard FileManager.default.fileExists(atPath: input.path) else { return }
        // Reading must give the same bytes whatever size of chunks the input arrives in, the whole
        // input at once included.
        for chunkSize in [1, 7, 4096, Int.max] {
            let chunked = try runner.run(fixture.directory, chunkSize: chunkSize)
            #expect(
                chunked.comparisons.map(\.actual) == reference.comparisons.map(\.actual),
                "output depends on the input's chunk size (\(chunkSize))")
        }
        let recordsIn = Self.countRecords(in: FerryTesting.bytes(input), mapping: runner.mapping)
        #expect(reference.recordsOut == recordsIn, "records out + rejects = records in")
    }

    /// Counts record elements with Foundation's SAX parser, independently of the reader under test.
    static func countRecords(in input: [UInt8], mapping: Mapping) -> Int {
        let counter = ElementCounter(path: mapping.xml.recordPath.map { ($0.namespaceURI, $0.localName) })
        let parser = XMLParser(data: Data(input))
        parser.shouldProcessNamespaces = true
        parser.delegate = counter
        _ = parser.parse()
        return counter.count
    }
}

/// Counts elements at a path of (namespace, local name) steps from the root.
final class ElementCounter: NSObject, XMLParserDelegate {
    let path: [(String, String)]
    var stack: [(String, String)] = []
    var count = 0

    init(path: [(String, String)]) { self.path = path }

    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
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
