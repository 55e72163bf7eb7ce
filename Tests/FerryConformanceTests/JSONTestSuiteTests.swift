import FerryCore
import FerryTesting
import Foundation
import Testing

/// nst/JSONTestSuite against Ferry's JSON reader: every `y_` file accepted, every `n_` file
/// rejected with an error that has a position, no crash or hang on any `i_` file.
struct JSONTestSuiteTests {
    static let directory = FerryTesting.conformance?.appendingPathComponent("JSONTestSuite/test_parsing")

    @Test func runsTheSuite() throws {
        let directory = try #require(Self.directory, "../shared/conformance/JSONTestSuite is absent")
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".json") }
            .sorted()
        #expect(names.count > 300)
        var passed = 0
        var failures: [String] = []
        var implementationDefined = (accepted: 0, rejected: 0)
        for name in names {
            let bytes = FerryTesting.bytes(directory.appendingPathComponent(name))
            // As `ferry convert --from json` reads: repeated member names allowed, the last wins.
            let result = Result { try JSONParser.parseDocument(bytes, rejectsDuplicateNames: false) }
            switch (name.prefix(2), result) {
            case ("y_", .success), ("n_", .failure):
                passed += 1
            case ("i_", .success):
                passed += 1
                implementationDefined.accepted += 1
            case ("i_", .failure):
                passed += 1
                implementationDefined.rejected += 1
            case ("y_", .failure(let error)):
                failures.append("\(name): rejected: \(error)")
            default:
                failures.append("\(name): accepted")
            }
        }
        print(
            "JSONTestSuite: \(passed) passed, \(failures.count) failed "
                + "(i_ files: \(implementationDefined.accepted) accepted, \(implementationDefined.rejected) rejected)")
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }

    @Test func rejectsWithAPosition() throws {
        let directory = try #require(Self.directory, "../shared/conformance/JSONTestSuite is absent")
        let bytes = FerryTesting.bytes(directory.appendingPathComponent("n_array_comma_and_number.json"))
        #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parseDocument(bytes) }
        do {
            _ = try JSONParser.parseDocument(bytes)
        } catch {
            #expect(error.line == 1 && error.column == 2, "\(error)")
        }
    }
}
