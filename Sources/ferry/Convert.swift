public import ArgumentParser
import FerryConvert
import FerryCore
import FerryXML

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `ferry convert`: legacy XML to canonical NDJSON through a mapping, back with `--reverse`,
/// or between XML, JSON, NDJSON and YAML without one.
struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Convert exports to canonical records (NDJSON), records back to XML, or between formats.",
        discussion: """
            With -m, each FILE (or ZIP archive of files; - or none for standard input) is read as the \
            mapping's XML format and every record is written to standard output as one canonical JSON \
            line, in input order. Records that do not convert go to --rejects, or to standard error.

            With -m and --reverse, canonical records (NDJSON or a JSON array) are written as one XML \
            document in the mapping's format.

            Without -m, --from and --to convert between xml, json, ndjson and yaml \
            (see docs/xml-json-convention.md).

            At the end, a summary line on standard error (files, records, rejects, files without \
            records) when it is a terminal or with --summary; -q says nothing but errors.

            Exit status: 0 all converted; 1 some records rejected; 64 usage; 65 an input not \
            well-formed, or a file whose root is not the mapping's; 66 an input cannot be opened; 73 the \
            -o or --rejects file cannot be created; 74 the output or the rejects file cannot be written \
            (a full device); 78 a schema or mapping is invalid. The highest wins.
            """
    )

    @Option(
        name: .shortAndLong,
        help: "A mapping file, or a name looked up as mappings/NAME.yaml along the search path (see --project).",
        completion: ProjectOptions.mappingCompletion)
    var mapping: String?

    @OptionGroup var projectOptions: ProjectOptions

    @Flag(help: "Write canonical records as the mapping's XML format.")
    var reverse = false

    @Option(help: "Input format without a mapping: xml, json, ndjson or yaml.")
    var from: FormatConverter.Format?

    @Option(help: "Output format without a mapping: json, ndjson, yaml or xml.")
    var to: FormatConverter.Format?

    @Option(
        help: ArgumentHelp(
            "Without -m, from XML: write each element at depth N (the root is 1) as one JSON value, "
                + "{\"name\": value}, as soon as it ends; 0 writes the whole document.",
            valueName: "N"))
    var itemDepth = 0

    @Option(
        name: .customLong("force-list"),
        help: ArgumentHelp(
            "Without -m, from XML: elements of this name are always arrays (repeatable).", valueName: "NAME"))
    var forceList: [String] = []

    @Option(
        help: ArgumentHelp(
            "Without -m, to XML: wrap each value in this root element (for an array, a scalar or an object "
                + "with several members).", valueName: "NAME"))
    var root: String?

    @Option(help: "The records' source URI, instead of the mapping's.")
    var source: String?

    @Option(
        help: ArgumentHelp(
            "Write rejected records to this file, one JSON line each; - writes them to standard error.",
            valueName: "FILE"),
        completion: .file())
    var rejects: String?

    @Option(
        name: .shortAndLong,
        help: ArgumentHelp(
            "Write to FILE instead of standard output: under a temporary name, renamed into place when the "
                + "conversion succeeds (records rejected included), removed when it fails.",
            valueName: "FILE"),
        completion: .file())
    var output: String?

    @Flag(help: "Say on standard error what was converted (always when standard error is a terminal).")
    var summary = false

    @Flag(name: .shortAndLong, help: "Say nothing but errors: no summary, no warnings, no notes.")
    var quiet = false

    @Argument(help: "Input files or ZIP archives; - or none for standard input.", completion: .file())
    var files: [String] = []

    /// What is wrong with the options that go together, checked at the start of `run()` rather than in
    /// `validate()`: argument-parser runs `validate()` before it looks for unknown options, and a
    /// misspelt `--mappping` must be named as unknown, not reported as a missing `-m`.
    private func optionCombinationProblem() -> String? {
        if mapping == nil {
            guard from != nil, to != nil else {
                return "give -m MAPPING, or both --from and --to"
            }
            if reverse || source != nil || rejects != nil {
                return "--reverse, --source and --rejects need -m MAPPING"
            }
            if (itemDepth != 0 || !forceList.isEmpty) && from != .xml {
                return "--item-depth and --force-list read XML: give --from xml"
            }
            if itemDepth < 0 { return "--item-depth is a depth: 0 for the whole document, 1 for the root, …" }
            if root != nil && to != .xml { return "--root wraps XML output: give --to xml" }
        } else if from != nil || to != nil {
            return "--from and --to convert without a mapping; drop -m or drop them"
        } else if itemDepth != 0 || !forceList.isEmpty || root != nil {
            return "--item-depth, --force-list and --root convert without a mapping; drop -m or drop them"
        }
        if reverse && files.count > 1 {
            return "--reverse writes one XML document: give one input"
        }
        return nil
    }

    func run() throws {
        if let problem = optionCombinationProblem() {
            // Said as argument-parser says a validate() error, with convert's usage.
            let errors = BufferedOutput.standardError()
            errors.write(
                "Error: \(problem)\nUsage: \(Ferry.usageString(for: Convert.self))\n"
                    + "  See 'ferry convert --help' for more information.\n")
            errors.flush()
            throw ExitCode(ExitStatus.usage.rawValue)
        }
        try runCommand { standardOutput, errors in
            var file: AtomicOutputFile?
            if let output {
                do throws(InputOpenError) {
                    file = try AtomicOutputFile(path: output)
                } catch {
                    errors.write("ferry: error: cannot create \(error.path): \(error.reason)\n")
                    throw ExitCode(ExitStatus.cannotCreate.rawValue)
                }
            }
            defer { file?.discard() }
            var status = try convert(output: file?.output ?? standardOutput, errors: errors)
            if let file, status <= .rejects {
                do { try file.commit(reportingTo: errors) } catch { status = .ioError }
            }
            if status != .success { throw ExitCode(status.rawValue) }
        }
    }

    /// Converts every input and reports on standard error.
    /// - Returns: the exit status.
    private func convert(output: BufferedOutput, errors: BufferedOutput) throws -> ExitStatus {
        var report = ConversionReport()
        var inputs = InputSet(paths: files)
        let progress = quiet ? nil : ProgressLine.startIfTerminal(totalBytes: inputs.totalBytes)
        defer { progress?.stop() }
        if let progress { inputs.onRead = { progress.read($0) } }
        let write: ([UInt8]) -> Void =
            if let progress {
                { bytes in
                    progress.wrote(bytes)
                    output.write(bytes)
                }
            } else {
                output.write
            }
        guard let mappingReference = mapping else {
            let converter = FormatConverter(
                from: from ?? .json, to: to ?? .json,
                xmlReading: XMLJSONConvention.ReadOptions(itemDepth: itemDepth, forceList: Set(forceList)),
                xmlRoot: root)
            inputs.forEach(report: &report) { document, report in
                converter.convert(document, report: &report, write: write)
            }
            return finish(report, status: report.exitStatus, errors: errors)
        }
        var loader = ProjectLoader()
        guard let mapping = loader.mapping(mappingReference, searchPath: projectOptions.searchPath) else {
            errors.write(loader.renderedDiagnostics(minimum: .warning) + "\n")
            throw ExitCode(ExitStatus.configuration.rawValue)
        }
        let rejectSink = try RejectSink(path: rejects, errors: errors)
        if reverse {
            guard mapping.direction.writes else {
                errors.write(
                    "\(mapping.path): error: mapping \(mapping.name) only reads (direction: read); it cannot write XML [mapping.direction]\n"
                )
                throw ExitCode(ExitStatus.configuration.rawValue)
            }
            let converter = try ReverseConverter(mapping: mapping)
            inputs.forEach(report: &report) { document, report in
                var stream = document.stream
                do {
                    let bytes = try stream.readAll()
                    try converter.convert(
                        bytes: bytes, path: document.displayPath, report: &report,
                        write: write, reject: rejectSink.write)
                } catch {
                    report.malformed.append(
                        Diagnostic(
                            .error, code: "convert.reverse", message: "\(error)",
                            at: DocumentLocation(path: document.displayPath, line: 1, column: 1)))
                }
            }
        } else {
            let converter = try RecordConverter(mapping: mapping, sourceOverride: source)
            inputs.forEach(report: &report) { document, report in
                converter.convertToNDJSON(
                    document, report: &report, inParallel: true, write: write,
                    reject: rejectSink.write)
            }
        }
        var status = report.exitStatus
        if !rejectSink.finish() { status = max(status, .ioError) }
        return finish(report, status: status, errors: errors)
    }

    /// Says what happened: the warnings and notes (unless `--quiet`), the errors, and the summary
    /// when asked for or when standard error is a terminal.
    private func finish(_ report: ConversionReport, status: ExitStatus, errors: BufferedOutput) -> ExitStatus {
        for diagnostic in (quiet ? [] : report.warnings) + report.unopenable + report.malformed {
            errors.write(diagnostic.description + "\n")
        }
        if !quiet && (summary || isatty(2) == 1) {
            var parts = [
                counted(report.documents, "file"), counted(report.converted, "record"),
                counted(report.rejected, "reject"),
            ]
            if report.documentsWithoutRecords > 0 {
                parts.append("\(counted(report.documentsWithoutRecords, "file")) without records")
            }
            errors.write("ferry convert: \(parts.joined(separator: ", "))\n")
        }
        return status
    }
}

extension FormatConverter.Format: ExpressibleByArgument {}

/// Where rejected records go: a file of JSON lines (standard error's stream for `-`), or one
/// diagnostic line each on standard error.
final class RejectSink {
    /// Where the JSON lines go, when they are asked for.
    private let lines: BufferedOutput?
    /// Whether ``lines`` is a file of its own.
    private let isFile: Bool
    private let errors: BufferedOutput

    init(path: String?, errors: BufferedOutput) throws {
        self.errors = errors
        isFile = path != nil && path != "-"
        do {
            lines = try path.map { path throws(InputOpenError) in
                path == "-" ? errors : try BufferedOutput(creating: path)
            }
        } catch {
            errors.write("ferry: error: cannot create the rejects file \(error.path): \(error.reason)\n")
            throw ExitCode(ExitStatus.cannotCreate.rawValue)
        }
    }

    /// Writes what is buffered of the rejects file.
    /// - Returns: false, said on standard error, when the file could not be written.
    func finish() -> Bool {
        guard isFile, let lines else { return true }
        return (try? lines.finish(reportingTo: errors)) != nil
    }

    func write(_ reject: Reject) {
        if let lines {
            lines.write(JSONWriter().bytes(reject.jsonValue))
            lines.write("\n")
        } else {
            errors.write(reject.diagnosticLine + "\n")
        }
    }
}
