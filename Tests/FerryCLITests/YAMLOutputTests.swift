import FerryTesting
import Foundation
import Testing

/// `--to yaml` writes strings that every YAML reader reads back as the same strings: YAML 1.2
/// readers (ferry itself) and YAML 1.1 readers (PyYAML), which take `yes`, `on`, `12:30:00` or
/// `2016-10-01 00:00:00` for other types when they stand plain.
struct YAMLOutputTests {
    let cli = CLITests()

    /// Strings a YAML 1.1 or 1.2 reader would retype if written plain, keys among them, and
    /// plain ones that must stay readable.
    static let document = #"""
        {"a":"yes","b":"on","c":"2016-10-01 00:00:00","d":"12:30:00","e":"1_000","@xmlns":"urn:x",
        "f":"0x1F","g":"~","h":"","i":"null","j":"Yes","k":"1e3","l":".5","m":"+1","n":"y","o":"NO",
        "p":"off","q":"0b101","r":"-.inf","s":"2016-10-01","t":"190:20:30","u":"plain text","v":"a: b",
        "w":"-dash","x":"#c","y":"<<","z":"=","yes":"key","number":12,"boolean":true,"nothing":null,
        "list":["on","010",1.5]}
        """#

    @Test func aYAML11ReaderReadsBackEveryString() throws {
        let yaml = try cli.ferry(["convert", "--from", "json", "--to", "yaml"], stdin: Data(Self.document.utf8))
        #expect(yaml.status == 0, "\(yaml.stderr)")
        #expect(!yaml.stdout.contains("!"), "no tags: \(yaml.stdout)")
        #expect(yaml.stdout.contains("u: plain text"), "plain where nothing retypes it")
        let pyyaml = try Self.python(
            "import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin), sort_keys=True))", stdin: yaml.stdout)
        let expected = try Self.python(
            "import json, sys; print(json.dumps(json.load(sys.stdin), sort_keys=True))", stdin: Self.document)
        #expect(pyyaml == expected)
    }

    @Test func ferryReadsItsOwnYAMLBack() throws {
        let yaml = try cli.ferry(["convert", "--from", "json", "--to", "yaml"], stdin: Data(Self.document.utf8))
        let back = try cli.ferry(["convert", "--from", "yaml", "--to", "json"], stdin: Data(yaml.stdout.utf8))
        let original = try cli.ferry(["convert", "--from", "json", "--to", "json"], stdin: Data(Self.document.utf8))
        #expect(back.status == 0, "\(back.stderr)")
        #expect(back.stdout == original.stdout)
    }

    /// Runs python3 on a script with standard input; its standard output.
    static func python(_ script: String, stdin: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(Data(stdin.utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "python3 \(script)")
        return String(decoding: data, as: UTF8.self)
    }
}
