import FerryConvert
public import FerryCore
import FerryXML
public import Foundation

/// Runs a mapping's fixture cases (`<fixtures>/<mapping>/<case>/`) as golden tests.
///
/// A reading case holds `input.xml`, the expected `output.ndjson` and, when records are
/// rejected, `rejects.ndjson`; a writing case holds `input.ndjson` and the expected
/// `output.xml` (and `rejects.ndjson`). Rejects name their file `input.xml` / `input.ndjson`,
/// so expectations do not depend on where the repository is.
public struct FixtureRunner {
    /// The outcome of one case.
    public struct Outcome: Sendable {
        /// The case's directory.
        public var directory: URL
        /// Expected and actual bytes of each file compared, by file name.
        public var comparisons: [(file: String, expected: [UInt8], actual: [UInt8])]
        /// Diagnostics the run itself produced (a malformed input, an unreadable file).
        public var problems: [Diagnostic]
        /// Records converted plus records rejected.
        public var recordsOut: Int

        /// The files whose actual bytes differ from the expected ones.
        public var mismatches: [(file: String, expected: [UInt8], actual: [UInt8])] {
            comparisons.filter { $0.expected != $0.actual }
        }
    }

    /// The mapping whose cases run.
    public let mapping: Mapping

    /// Creates a runner.
    public init(mapping: Mapping) { self.mapping = mapping }

    /// The case directories of this mapping under a fixtures directory, in name order.
    public func cases(in fixtures: URL) -> [URL] {
        let directory = fixtures.appendingPathComponent(mapping.name)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.sorted().map { directory.appendingPathComponent($0) }.filter { url in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
        }
    }

    /// Runs one case, reading its input in chunks of `chunkSize` bytes.
    /// - Parameter update: rewrite the expected files with the actual output.
    public func run(_ directory: URL, chunkSize: Int = 1 << 16, update: Bool = false) throws -> Outcome {
        let xmlInput = directory.appendingPathComponent("input.xml")
        var outcome: Outcome
        if FileManager.default.fileExists(atPath: xmlInput.path) {
            outcome = try runReading(xmlInput, chunkSize: chunkSize)
        } else {
            outcome = try runWriting(directory.appendingPathComponent("input.ndjson"))
        }
        outcome.directory = directory
        if update {
            for comparison in outcome.comparisons where comparison.expected != comparison.actual {
                let url = directory.appendingPathComponent(comparison.file)
                if comparison.actual.isEmpty {
                    try? FileManager.default.removeItem(at: url)
                } else {
                    try Data(comparison.actual).write(to: url)
                }
            }
        }
        return outcome
    }

    private func runReading(_ input: URL, chunkSize: Int) throws -> Outcome {
        let bytes = [UInt8](try Data(contentsOf: input))
        let converter = try RecordConverter(mapping: mapping)
        var output: [UInt8] = []
        var rejects: [UInt8] = []
        var report = ConversionReport()
        let document = InputSet.Document(
            displayPath: "input.xml", stream: ChunkedByteStream(bytes, chunkSize: chunkSize))
        let writer = JSONWriter()
        // As `ferry convert` converts: in parallel, each record written as its line.
        converter.convertToNDJSON(
            document, report: &report, inParallel: true, write: { output += $0 },
            reject: { rejects += writer.bytes($0.jsonValue) + [0x0A] })
        return Self.outcome(input, outputFile: "output.ndjson", output: output, rejects: rejects, report: report)
    }

    private func runWriting(_ input: URL) throws -> Outcome {
        let bytes = [UInt8](try Data(contentsOf: input))
        var output: [UInt8] = []
        var rejects: [UInt8] = []
        var report = ConversionReport()
        let writer = JSONWriter()
        try ReverseConverter(mapping: mapping).convert(
            bytes: bytes, path: "input.ndjson", report: &report, write: { output += $0 },
            reject: { rejects += writer.bytes($0.jsonValue) + [0x0A] })
        return Self.outcome(input, outputFile: "output.xml", output: output, rejects: rejects, report: report)
    }

    /// The actual output and rejects of a case beside the expected files of its directory.
    private static func outcome(
        _ input: URL, outputFile: String, output: [UInt8], rejects: [UInt8], report: ConversionReport
    ) -> Outcome {
        let directory = input.deletingLastPathComponent()
        return Outcome(
            directory: directory,
            comparisons: [
                (outputFile, contents(directory, outputFile), output),
                ("rejects.ndjson", contents(directory, "rejects.ndjson"), rejects),
            ],
            problems: report.malformed + report.unopenable, recordsOut: report.converted + report.rejected)
    }

    private static func contents(_ directory: URL, _ name: String) -> [UInt8] {
        (try? Data(contentsOf: directory.appendingPathComponent(name))).map { [UInt8]($0) } ?? []
    }

    /// A line diff of expected and actual text, `-` for expected lines and `+` for actual ones.
    public static func diff(expected: [UInt8], actual: [UInt8], limit: Int = 20) -> String {
        let e = String(decoding: expected, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        let a = String(decoding: actual, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        var lines: [String] = []
        for index in 0..<max(a.count, e.count) {
            let expectedLine = index < e.count ? e[index] : nil
            let actualLine = index < a.count ? a[index] : nil
            guard expectedLine != actualLine else { continue }
            if let expectedLine { lines.append("- \(expectedLine)") }
            if let actualLine { lines.append("+ \(actualLine)") }
        }
        let shown = lines.prefix(limit).joined(separator: "\n")
        return lines.count > limit ? shown + "\n… \(lines.count - limit) more lines differ" : shown
    }
}
