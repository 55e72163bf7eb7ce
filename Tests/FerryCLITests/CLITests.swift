import FerryTesting
import Foundation
import Testing
import ZIPFoundation

/// Runs the built `ferry` binary through real pipes, as a user's shell does.
struct CLITests {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        var stdoutLines: [String] { stdout.split(separator: "\n").map(String.init) }
    }

    static let binary: URL = {
        let directory = Bundle.main.bundleURL.deletingLastPathComponent()
        let candidates = [
            directory.appendingPathComponent("ferry"),
            Bundle.main.bundleURL.appendingPathComponent("ferry"),
            FerryTesting.packageRoot.appendingPathComponent(".build/debug/ferry"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
    }()

    static let examples = FerryTesting.packageRoot.deletingLastPathComponent().appendingPathComponent(
        "shared/spec/examples")

    /// Runs ferry in the package root with arguments and standard input.
    func ferry(
        _ arguments: [String], stdin: Data = Data(), in directory: URL = FerryTesting.packageRoot,
        environment: [String: String] = [:]
    ) throws -> Result {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.filter { $0.key != "FERRY_TOKEN" }
            .merging(environment) { _, new in new }
        process.currentDirectoryURL = directory
        return try run(process, stdin: stdin)
    }

    /// Runs a bash command line with `$FERRY` set to the built binary, in the package root.
    func shell(_ script: String) throws -> CLITests.Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", script]
        process.environment = ProcessInfo.processInfo.environment.merging(["FERRY": Self.binary.path]) { $1 }
        process.currentDirectoryURL = FerryTesting.packageRoot
        return try run(process, stdin: Data())
    }

    /// Runs a process through pipes to its end: its status, standard output and standard error.
    private func run(_ process: Process, stdin: Data) throws -> Result {
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        input.fileHandleForWriting.write(stdin)
        try input.fileHandleForWriting.close()
        let outData = output.fileHandleForReading.readDataToEndOfFile()
        let errData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }

    func fixture(_ path: String) -> URL { FerryTesting.fixtures.appendingPathComponent(path) }

    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func convertsAFileByMappingName() throws {
        let result = try ferry(["convert", "-m", "kadry-personnel", fixture("kadry-personnel/example/input.xml").path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(
            result.stdout
                == String(decoding: FerryTesting.bytes(fixture("kadry-personnel/example/output.ndjson")), as: UTF8.self)
        )
        #expect(result.stderr.isEmpty)
    }

    @Test func readsStandardInput() throws {
        let input = try Data(contentsOf: fixture("snab2-requisition/example/input.xml"))
        let result = try ferry(["convert", "-m", "mappings/snab2-requisition.yaml", "-"], stdin: input)
        #expect(result.status == 0)
        #expect(
            result.stdout
                == String(
                    decoding: FerryTesting.bytes(fixture("snab2-requisition/example/output.ndjson")), as: UTF8.self))
    }

    @Test func overridesTheSource() throws {
        let plain = try ferry(["convert", "-m", "kadry-personnel", fixture("kadry-personnel/example/input.xml").path])
        let other = try ferry([
            "convert", "-m", "kadry-personnel", "--source", "urn:ferry:system:kadry-2",
            fixture("kadry-personnel/example/input.xml").path,
        ])
        #expect(other.status == 0)
        #expect(other.stdout.contains("\"source\":\"urn:ferry:system:kadry-2\""))
        #expect(plain.stdoutLines.first != other.stdoutLines.first, "a different source gives a different id")
    }

    @Test func writesRejectsWithReasonsAndLosesNothing() throws {
        let directory = try temporaryDirectory()
        let rejects = directory.appendingPathComponent("rejects.ndjson")
        let input = fixture("kadry-personnel/faulty-records/input.xml")
        let result = try ferry(["convert", "-m", "kadry-personnel", "--rejects", rejects.path, input.path])
        #expect(result.status == 1)
        let rejectLines = String(decoding: FerryTesting.bytes(rejects), as: UTF8.self).split(separator: "\n")
        #expect(result.stdoutLines.count + rejectLines.count == 7)
        let first = try #require(try JSONSerialization.jsonObject(with: Data(rejectLines[0].utf8)) as? [String: Any])
        #expect(first["file"] as? String == input.path)
        #expect(first["line"] as? Int == 4)
        #expect(first["key"] as? String == "ДЕ-000001")
        #expect((first["reason"] as? String)?.contains("/data/birth_date") ?? false)
        #expect((first["input"] as? String)?.contains("31.02.2000") ?? false)
    }

    @Test func reportsRejectsOnStandardErrorWithoutARejectsFile() throws {
        let input = fixture("kadry-personnel/faulty-records/input.xml")
        let result = try ferry(["convert", "-m", "kadry-personnel", input.path])
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 6)
        #expect(
            lines.first?.hasPrefix("\(input.path):4:1: error: record ДЕ-000001 rejected: /data/birth_date") ?? false,
            "\(result.stderr)")
    }

    @Test func exitsWithUsageErrors() throws {
        #expect(try ferry(["convert"]).status == 64)
        #expect(try ferry(["convert", "-m", "kadry-personnel", "--from", "xml", "--to", "json"]).status == 64)
        #expect(try ferry(["convert", "--from", "xml", "--to", "csv"]).status == 64)
        #expect(try ferry(["frobnicate"]).status == 64)
    }

    @Test func exitsWith65OnMalformedInputAfterWritingTheRecordsBeforeIt() throws {
        let directory = try temporaryDirectory()
        let whole = FerryTesting.bytes(fixture("kadry-personnel/example/input.xml"))
        // Cut inside the second record.
        let truncated = directory.appendingPathComponent("truncated.xml")
        try Data(whole[0..<(whole.count - 200)]).write(to: truncated)
        let rejects = directory.appendingPathComponent("rejects.ndjson")
        let result = try ferry(["convert", "-m", "kadry-personnel", "--rejects", rejects.path, truncated.path])
        #expect(result.status == 65)
        #expect(result.stdoutLines.count == 1)
        #expect(result.stderr.contains("\(truncated.path):"), "\(result.stderr)")
        let reject = String(decoding: FerryTesting.bytes(rejects), as: UTF8.self)
        #expect(reject.contains("\"line\":28") && reject.contains("cut off"), "\(reject)")
        #expect(reject.contains("\"reason\":\"the record was cut off: "), "a whole record's reason: \(reject)")
    }

    @Test func exitsWith65OnADoctype() throws {
        let document = Data(
            "<?xml version=\"1.0\"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>\n<x>&e;</x>".utf8)
        let result = try ferry(["convert", "-m", "kadry-personnel", "-"], stdin: document)
        #expect(result.status == 65)
        #expect(result.stderr.contains("-:2:1: error: the document has a DOCTYPE"), "\(result.stderr)")
        #expect(!result.stdout.contains("root:"))
    }

    @Test func exitsWith66AndStillConvertsTheOtherInputs() throws {
        let result = try ferry([
            "convert", "-m", "kadry-personnel", "/nonexistent/export.xml",
            fixture("kadry-personnel/example/input.xml").path,
        ])
        #expect(result.status == 66)
        #expect(result.stdoutLines.count == 2)
        #expect(result.stderr.contains("/nonexistent/export.xml:1:1: error: cannot open"))
    }

    @Test func theHighestStatusWins() throws {
        let result = try ferry(
            ["convert", "-m", "kadry-personnel", "/nonexistent/export.xml", "-"],
            stdin: Data("<broken".utf8))
        #expect(result.status == 66)
    }

    @Test func exitsWith78OnAnInvalidMappingAndConvertsNothing() throws {
        let directory = try temporaryDirectory()
        let mapping = try String(
            contentsOf: FerryTesting.packageRoot.appendingPathComponent("mappings/kadry-personnel.yaml"),
            encoding: .utf8
        )
        .replacingOccurrences(of: "  last_name: Фамилия", with: "  lastname: Фамилия")
        .replacingOccurrences(of: "schema: ../schemas/", with: "schema: \(FerryTesting.packageRoot.path)/schemas/")
        let file = directory.appendingPathComponent("broken.yaml")
        try Data(mapping.utf8).write(to: file)
        let result = try ferry(["convert", "-m", file.path, fixture("kadry-personnel/example/input.xml").path])
        #expect(result.status == 78)
        #expect(result.stdout.isEmpty)
        #expect(
            result.stderr.contains(
                "\(file.path):24:3: error: field lastname is not in PersonnelRecord; did you mean 'last_name'?"),
            "\(result.stderr)")
        #expect(result.stderr.contains("required field last_name has no rule"))
    }

    @Test func readsZipArchivesInArchiveOrder() throws {
        let directory = try temporaryDirectory()
        let archiveURL = directory.appendingPathComponent("contracts.zip")
        let archive = try Archive(url: archiveURL, accessMode: .create)
        let entries: [(String, Data)] = [
            ("b.xml", try Data(contentsOf: fixture("zakupki-contract/example/input.xml"))),
            ("readme.txt", Data("not xml".utf8)),
            ("other.xml", Data("<?xml version=\"1.0\"?><other/>".utf8)),
            ("a.xml", try Data(contentsOf: fixture("zakupki-contract/many-products/input.xml"))),
        ]
        for (name, data) in entries {
            try archive.addEntry(
                with: name, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate,
                provider: { position, size in data.subdata(in: Int(position)..<Int(position) + size) })
        }
        let result = try ferry(["convert", "-m", "zakupki-contract", archiveURL.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdoutLines.count == 2)
        #expect(result.stdoutLines.first?.contains("3312100001816000003") ?? false, "archive order, not name order")
        #expect(result.stderr.contains("\(archiveURL.path)!readme.txt:1:1: warning: skipped"), "\(result.stderr)")
        #expect(result.stderr.contains("\(archiveURL.path)!other.xml:1:1: warning: skipped"), "\(result.stderr)")
    }

    @Test func aRecordsTripThroughCanonicalReproducesTheSocialFundExample() throws {
        let canonical = try ferry([
            "convert", "-m", "kadry-personnel", Self.examples.appendingPathComponent("kadry-export.xml").path,
        ])
        #expect(canonical.status == 0)
        let notices = try ferry(
            ["convert", "-m", "social-fund-discharge", "--reverse"], stdin: Data(canonical.stdout.utf8))
        #expect(notices.status == 1, "the first record has no service_end and is rejected")
        #expect(notices.stderr.contains("АБ-123456 rejected: /data/service_end: the format requires service_end"))
        let directory = try temporaryDirectory()
        let produced = directory.appendingPathComponent("produced.xml")
        try Data(notices.stdout.utf8).write(to: produced)
        #expect(
            try canonicalXML(produced)
                == canonicalXML(Self.examples.appendingPathComponent("social-fund-discharge.xml")))
    }

    @Test func writingBackInWindows1251DeclaresItAsTheMappingSpellsItAndReferencesWhatItLacks() throws {
        // Ω is not in windows-1251: the export carries it as a character reference, and writing
        // back does the same.
        let ivanov: [UInt8] = [0xC8, 0xE2, 0xE0, 0xED, 0xEE, 0xE2]  // Иванов in windows-1251
        var export = Array(
            try Data(contentsOf: FerryTesting.fixtures.appendingPathComponent("kadry-personnel/example/input.xml")))
        let name = try #require(export.firstRange(of: ivanov + Array("</".utf8)))
        export.insert(contentsOf: Array("&#937;".utf8), at: name.lowerBound + ivanov.count)
        let directory = try temporaryDirectory()
        let input = directory.appendingPathComponent("export.xml")
        let xml = directory.appendingPathComponent("written.xml")
        try Data(export).write(to: input)
        let written = try shell(
            "\"$FERRY\" convert -m kadry-personnel '\(input.path)' | \"$FERRY\" convert -m kadry-personnel --reverse > '\(xml.path)'"
        )
        #expect(written.status == 0, "\(written.stderr)")
        let bytes = Array(try Data(contentsOf: xml))
        #expect(bytes.starts(with: Array("<?xml version=\"1.0\" encoding=\"windows-1251\"?>".utf8)))
        #expect(
            bytes.firstRange(of: ivanov + Array("&#937;</".utf8)) != nil, "\(String(decoding: bytes, as: UTF8.self))")
    }

    /// XML canonicalization by Python's standard library, independent of libxml2.
    func canonicalXML(_ file: URL) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c",
            "import sys, xml.etree.ElementTree as E; sys.stdout.write(E.canonicalize(from_file=sys.argv[1], strip_text=True))",
            file.path,
        ]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return String(decoding: data, as: UTF8.self)
    }

    @Test func validatesCanonicalRecordsAndPointsAtEachProblem() throws {
        let records = String(
            decoding: FerryTesting.bytes(fixture("kadry-personnel/example/output.ndjson")), as: UTF8.self)
        let valid = try ferry(["validate", "-"], stdin: Data(records.utf8))
        #expect(valid.status == 0, "\(valid.stderr)")
        let tampered = records.replacingOccurrences(of: "\"rank\":\"captain\"", with: "\"rank\":\"admiral\"")
        let invalid = try ferry(["validate", "-"], stdin: Data(tampered.utf8))
        #expect(invalid.status == 1)
        #expect(
            invalid.stderr.contains("-:2:1: error: record ВГ-000042: /data/rank: not a code of Rank"),
            "\(invalid.stderr)")
        #expect(invalid.stderr.contains("/id: id does not match"), "a changed record must get a new id")
        #expect(try ferry(["validate", "-"], stdin: Data("{\"a\":".utf8)).status == 65)
    }

    /// A member beside the canonical envelope, a sender's own or one in Ferry's name, is a
    /// problem with its pointer: what validates is exactly what the gateway delivers.
    @Test func validateRefusesMembersBesideTheEnvelope() throws {
        let records = String(
            decoding: FerryTesting.bytes(fixture("snab2-requisition/example/output.ndjson")), as: UTF8.self)
        let extended = records.replacingOccurrences(
            of: "\"classification\":\"internal\",\"data\"",
            with: "\"classification\":\"internal\",\"notes\":{\"requested_by\":\"в/ч 54321\"},"
                + "\"ferryoriginid\":\"00\",\"data\"")
        #expect(extended != records)
        let result = try ferry(["validate", "-"], stdin: Data(extended.utf8))
        #expect(result.status == 1)
        #expect(
            result.stderr.contains(
                "-:1:1: error: record З-2026-00017: /notes: notes is not a member of the canonical envelope"),
            "\(result.stderr)")
        #expect(result.stderr.contains("/ferryoriginid: ferryoriginid is not a member"))
        #expect(!result.stderr.contains("в/ч"), "problems name members, never their values")
    }

    @Test func convertsBetweenFormatsWithoutAMapping() throws {
        let yaml = "---\nname: Ёлка\ncount: 012\nok: true\n---\n- 1.50\n- null\n"
        let json = try ferry(["convert", "--from", "yaml", "--to", "json"], stdin: Data(yaml.utf8))
        #expect(json.status == 0)
        #expect(json.stdoutLines == [#"{"name":"Ёлка","count":12,"ok":true}"#, "[1.50,null]"])
        let xml = try ferry(
            ["convert", "--from", "json", "--to", "xml"],
            stdin: Data(##"{"r":{"@id":"1","e":["a","b"],"t":{"#text":"x","@k":"v"}}}"##.utf8))
        #expect(xml.status == 0)
        let back = try ferry(["convert", "--from", "xml", "--to", "json"], stdin: Data(xml.stdout.utf8))
        #expect(back.stdout == ##"{"r":{"@id":"1","e":["a","b"],"t":{"@k":"v","#text":"x"}}}"## + "\n")
        let broken = try ferry(["convert", "--from", "json", "--to", "yaml"], stdin: Data("[1,".utf8))
        #expect(broken.status == 65)
        #expect(broken.stderr.contains("-:1:4: error:"), "\(broken.stderr)")
    }
}
