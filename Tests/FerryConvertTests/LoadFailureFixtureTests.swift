import FerryConvert
import FerryCore
import FerryTesting
import Foundation
import Testing

/// Mappings that must fail to load, kept as files (`Tests/Fixtures/load-failures/<case>/`): each
/// case's `mapping.yaml` and the exact `path:line:column` lines it must produce, warnings
/// included, in `expected.diagnostics`.
struct LoadFailureFixtureTests {
    static let directory = FerryTesting.fixtures.appendingPathComponent("load-failures")

    static var cases: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).sorted()
    }

    @Test func thereAreCases() {
        #expect(Self.cases.count >= 5)
    }

    @Test(arguments: cases)
    func aBrokenMappingIsReportedWhereItIsBroken(_ name: String) throws {
        let caseDirectory = Self.directory.appendingPathComponent(name)
        var loader = ProjectLoader()
        let mapping = loader.mapping(caseDirectory.appendingPathComponent("mapping.yaml").path)
        #expect(mapping == nil, "the mapping must not load")
        let actual = loader.diagnostics.diagnostics.filter { $0.severity >= .warning }
            .map { $0.description.replacingOccurrences(of: caseDirectory.path + "/", with: "") }
        let expected = String(
            decoding: FerryTesting.bytes(caseDirectory.appendingPathComponent("expected.diagnostics")), as: UTF8.self
        )
        .split(separator: "\n").map(String.init)
        #expect(actual == expected, "\n\(actual.joined(separator: "\n"))")
    }
}
