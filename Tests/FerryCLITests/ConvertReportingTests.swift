import FerryTesting
import Foundation
import Testing

/// What `ferry convert` says about a run and where it writes: `-o`, `--rejects -`, the summary,
/// `-q`, and the progress line a terminal gets.
struct ConvertReportingTests {
    let cli = CLITests()
    let faulty = "Tests/Fixtures/kadry-personnel/faulty-records/input.xml"
    let example = "Tests/Fixtures/kadry-personnel/example/input.xml"

    /// The files of a directory, hidden ones included.
    func files(in directory: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
    }

    @Test func anOutputFileAppearsWholeOnSuccess() throws {
        let directory = try cli.temporaryDirectory()
        let file = directory.appendingPathComponent("records.ndjson")
        let result = try cli.ferry(["convert", "-m", "kadry-personnel", "-o", file.path, example])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.isEmpty)
        let expected = try cli.ferry(["convert", "-m", "kadry-personnel", example]).stdout
        #expect(try String(contentsOf: file, encoding: .utf8) == expected)
        #expect(try files(in: directory) == ["records.ndjson"], "no temporary file left")
    }

    @Test func aFailedConversionLeavesAnEarlierOutputFileAsItWas() throws {
        let directory = try cli.temporaryDirectory()
        let file = directory.appendingPathComponent("records.ndjson")
        try Data("earlier\n".utf8).write(to: file)
        let truncated = directory.appendingPathComponent("truncated.xml")
        let whole = FerryTesting.bytes(cli.fixture("kadry-personnel/example/input.xml"))
        try Data(whole[0..<(whole.count - 200)]).write(to: truncated)
        let result = try cli.ferry(["convert", "-m", "kadry-personnel", "-o", file.path, truncated.path])
        #expect(result.status == 65)
        #expect(try String(contentsOf: file, encoding: .utf8) == "earlier\n")
        #expect(try files(in: directory) == ["records.ndjson", "truncated.xml"], "no temporary file left")
    }

    @Test func rejectsToADashAreJSONLinesOnStandardError() throws {
        let result = try cli.ferry(["convert", "-m", "kadry-personnel", "--rejects", "-", faulty])
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 6)
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["reason"] is String && object?["line"] is Int, "\(line)")
        }
        #expect(!FileManager.default.fileExists(atPath: FerryTesting.packageRoot.appendingPathComponent("-").path))
    }

    @Test func theSummarySaysWhatWasConverted() throws {
        let result = try cli.ferry(
            ["convert", "-m", "kadry-personnel", "--summary", "--rejects", "/dev/null", example, faulty])
        #expect(result.status == 1)
        let converted = result.stdoutLines.count
        #expect(result.stderr == "ferry convert: 2 files, \(converted) records, 6 rejects\n")
    }

    @Test func anOutputThatIsNotARegularFileIsWrittenInPlace() throws {
        let result = try cli.ferry(["convert", "-m", "kadry-personnel", "-o", "/dev/null", example])
        #expect(result.status == 0, "\(result.stderr)")
        let attributes = try FileManager.default.attributesOfItem(atPath: "/dev/null")
        #expect(attributes[.type] as? FileAttributeType == .typeCharacterSpecial, "/dev/null is still a device")
    }

    @Test func anExistingOutputKeepsItsPermissionsAndALinkStaysALink() throws {
        let directory = try cli.temporaryDirectory()
        let file = directory.appendingPathComponent("records.ndjson")
        try Data("earlier\n".utf8).write(to: file)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
        let link = directory.appendingPathComponent("latest.ndjson")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: file)
        let result = try cli.ferry(["convert", "-m", "kadry-personnel", "-o", link.path, example])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link.path) == file.path)
        #expect(try String(contentsOf: file, encoding: .utf8).hasPrefix("{\"specversion\""))
        let permissions = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
        #expect(permissions == 0o600)
        #expect(try files(in: directory) == ["latest.ndjson", "records.ndjson"], "no temporary file left")
    }

    @Test func anInterruptedConversionLeavesNoTemporaryFile() throws {
        let directory = try cli.temporaryDirectory()
        let export = try Self.generatedExport(in: directory)
        let process = Process()
        process.executableURL = CLITests.binary
        process.arguments = [
            "convert", "-m", "snab2-requisition", "-o", directory.appendingPathComponent("out.ndjson").path,
            export.path,
        ]
        process.currentDirectoryURL = FerryTesting.packageRoot
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Wait (bounded) until the temporary file is there, then interrupt as Ctrl-C does.
        let deadline = Date().addingTimeInterval(20)
        while try !files(in: directory).contains(where: { $0.hasPrefix(".out.ndjson.ferry-") }), Date() < deadline,
            process.isRunning
        {
            usleep(10_000)
        }
        let wasWriting = process.isRunning
        process.interrupt()
        process.waitUntilExit()
        // On a loaded machine the conversion may finish before the signal lands: then its output
        // is whole. Either way, no temporary file is left.
        if process.terminationStatus == 0 {
            #expect(try files(in: directory) == ["export.xml", "out.ndjson"], "a finished conversion's output")
        } else if wasWriting {
            #expect(process.terminationStatus == 130)
            #expect(try files(in: directory) == ["export.xml"], "nothing half-written left")
        }
        #expect(try !files(in: directory).contains { $0.hasPrefix(".out.ndjson.ferry-") })
    }

    /// An 8 MB format C export: long enough to take more than a second in a debug build.
    static func generatedExport(in directory: URL) throws -> URL {
        let export = directory.appendingPathComponent("export.xml")
        let generate = Process()
        generate.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        generate.arguments = ["python3", "Benchmarks/generate.py", "c", "8", export.path]
        generate.currentDirectoryURL = FerryTesting.packageRoot
        generate.standardOutput = FileHandle.nullDevice
        try generate.run()
        generate.waitUntilExit()
        try #require(generate.terminationStatus == 0, "Benchmarks/generate.py failed")
        return export
    }

    @Test func quietSaysOnlyErrors() throws {
        let empty = #"<?xml version="1.0" encoding="UTF-8"?><REQLIST GEN="01.01.2026 10:00"/>"#
        let noted = try cli.ferry(["convert", "-m", "snab2-requisition", "--summary", "-"], stdin: Data(empty.utf8))
        #expect(noted.stderr.contains("[xml.no-records]") && noted.stderr.contains("ferry convert: 1 file"))
        let note = try cli.ferry(
            ["convert", "-m", "snab2-requisition", "-q", "--summary", "-"], stdin: Data(empty.utf8))
        #expect(note.status == 0)
        #expect(note.stderr.isEmpty, "no note, no summary: \(note.stderr)")
        let failing = try cli.ferry(
            ["convert", "-m", "snab2-requisition", "-q", "-"], stdin: Data("<REQLIST><REQ".utf8))
        #expect(failing.status == 65)
        #expect(failing.stderr.contains("error:"), "errors are never silenced")
    }

    @Test func aTerminalSeesProgressOnALongConversion() throws {
        let directory = try cli.temporaryDirectory()
        let export = try Self.generatedExport(in: directory)
        // script gives ferry a terminal for standard error; standard output still goes nowhere.
        let result = try cli.shell(
            "script -qfec \"\\\"$FERRY\\\" convert -m snab2-requisition '\(export.path)' > /dev/null\" /dev/null")
        #expect(result.status == 0, "\(result.stdout)")
        #expect(result.stdout.contains(" of "), "bytes of the total: \(result.stdout)")
        #expect(result.stdout.contains("records/s"))
        #expect(result.stdout.contains("ferry convert: 1 file, "), "the summary, on a terminal")
        let piped = try cli.ferry(["convert", "-m", "snab2-requisition", export.path])
        #expect(!piped.stderr.contains("records/s"), "never in a pipe")
    }
}
