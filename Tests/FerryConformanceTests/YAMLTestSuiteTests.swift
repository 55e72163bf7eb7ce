import FerryCore
import FerryTesting
import FerryYAML
import Foundation
import Testing

/// yaml/yaml-test-suite against `ferry convert --from yaml --to json`: each case with expected
/// JSON must give equal JSON, each error case must fail with a positioned error.
///
/// libyaml is a YAML 1.1 parser; the 1.2 cases it gets wrong are listed with the reason in
/// `yaml-known-failures.txt`, and the suite fails on any case that is neither passing nor listed.
struct YAMLTestSuiteTests {
    static let directory = FerryTesting.conformance?.appendingPathComponent("yaml-test-suite/data")
    static let knownFailuresFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("yaml-known-failures.txt")

    /// Case directories: `data/<id>/` or `data/<id>/<nn>/`, each holding `in.yaml`.
    static func cases(in directory: URL) -> [(id: String, url: URL)] {
        let ids = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).sorted()
        return ids.flatMap { id -> [(String, URL)] in
            let url = directory.appendingPathComponent(id)
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("in.yaml").path) { return [(id, url)] }
            let variants = ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).sorted()
            return variants.map { ("\(id)/\($0)", url.appendingPathComponent($0)) }
                .filter { FileManager.default.fileExists(atPath: $0.1.appendingPathComponent("in.yaml").path) }
        }
    }

    /// The outcome of one case: nil when it passes, else why not.
    static func run(_ url: URL) -> String? {
        let input = FerryTesting.bytes(url.appendingPathComponent("in.yaml"))
        let expectsError = FileManager.default.fileExists(atPath: url.appendingPathComponent("error").path)
        let expectedFile = url.appendingPathComponent("in.json")
        guard FileManager.default.fileExists(atPath: expectedFile.path) else {
            // No JSON form (complex keys, …): the documents must load, or fail for an error case.
            let loaded = Result { try YAMLLoader.loadAll(input, path: "in.yaml") }
            switch (loaded, expectsError) {
            case (.success, true): return "accepted, but the case is an error case"
            case (.failure(let error), false): return "rejected: \(error)"
            default: return nil
            }
        }
        let result = Result { () throws -> [JSONValue] in
            try YAMLLoader.loadAll(input, path: "in.yaml").map { try YAMLCoreSchema.jsonValue($0) }
        }
        if expectsError {
            if case .success = result { return "accepted, but the case is an error case" }
            return nil
        }
        let actual: [JSONValue]
        switch result {
        case .failure(let error): return "rejected: \(error)"
        case .success(let values): actual = values
        }
        var expected: [JSONValue] = []
        var parser = JSONParser(bytes: FerryTesting.bytes(expectedFile), rejectsDuplicateNames: false)
        do {
            while !parser.isAtEnd() { expected.append(try parser.parseValue()) }
        } catch {
            return "in.json unreadable: \(error)"
        }
        guard actual.count == expected.count else { return "\(actual.count) documents, expected \(expected.count)" }
        for (a, e) in zip(actual, expected) where !Self.equal(a, e) {
            return
                "got \(String(decoding: JSONWriter().bytes(a), as: UTF8.self).prefix(120)), expected \(String(decoding: JSONWriter().bytes(e), as: UTF8.self).prefix(120))"
        }
        return nil
    }

    /// JSON equality with numbers compared by value (`1.0` equals `1`) and members in any order.
    static func equal(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.number(let x), .number(let y)): return x.isEqualInValue(to: y)
        case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy { equal($0, $1) }
        case (.object(let x), .object(let y)):
            return x.members.count == y.members.count
                && x.members.allSatisfy { member in
                    y[member.key].map { equal(member.value, $0) } ?? false
                }
        default: return a == b
        }
    }

    static func knownFailures() -> [String: String] {
        let text = String(decoding: FerryTesting.bytes(knownFailuresFile), as: UTF8.self)
        var result: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ", maxSplits: 1)
            if let id = parts.first { result[String(id)] = parts.count > 1 ? String(parts[1]) : "" }
        }
        return result
    }

    @Test func runsTheSuite() throws {
        let directory = try #require(Self.directory, "../shared/conformance/yaml-test-suite is absent")
        let cases = Self.cases(in: directory)
        #expect(cases.count > 300)
        let known = Self.knownFailures()
        var passed = 0, listed = 0
        var unexpected: [String] = []
        var fixed: [String] = []
        for (id, url) in cases {
            let failure = Self.run(url)
            switch (failure, known[id]) {
            case (nil, nil): passed += 1
            case (nil, _?): fixed.append(id)
            case (_?, _?): listed += 1
            case (let reason?, nil): unexpected.append("\(id): \(reason)")
            }
        }
        print(
            "yaml-test-suite: \(passed) passed, \(unexpected.count + fixed.count) failed, \(listed) skipped "
                + "(known libyaml 1.1 differences, listed in yaml-known-failures.txt)")
        #expect(unexpected.isEmpty, "failing and not listed:\n\(unexpected.joined(separator: "\n"))")
        #expect(fixed.isEmpty, "listed as failing but passing now; remove from the list: \(fixed)")
    }
}
