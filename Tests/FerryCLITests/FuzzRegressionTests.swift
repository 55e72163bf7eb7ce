import FerryTesting
import Foundation
import Testing

/// Replays the fuzz seed corpora and every input a fuzzer ever flagged (`Fuzz/Crashes/`)
/// through the fuzz targets in a normal build: none may crash again.
struct FuzzRegressionTests {
    let cli = CLITests()

    static let replayer = CLITests.binary.deletingLastPathComponent().appendingPathComponent("ferry-fuzz")

    @Test(arguments: ["xml-records", "json", "yaml", "mapping"])
    func replaysTheCorpusAndEveryFinding(_ target: String) throws {
        var inputs: [String] = []
        for folder in ["Fuzz/Corpus/\(target)", "Fuzz/Crashes/\(target)"] {
            let directory = FerryTesting.packageRoot.appendingPathComponent(folder)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            inputs += names.sorted().map { directory.appendingPathComponent($0).path }
        }
        #expect(!inputs.isEmpty)
        let process = Process()
        process.executableURL = Self.replayer
        process.arguments = [target] + inputs
        process.currentDirectoryURL = FerryTesting.packageRoot
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(
            process.terminationReason == .exit && process.terminationStatus == 0,
            "\(target) crashed on a replayed input")
        #expect(String(decoding: data, as: UTF8.self).contains("\(target): \(inputs.count) inputs replayed"))
    }
}
