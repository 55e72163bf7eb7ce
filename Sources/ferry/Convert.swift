public import ArgumentParser
import FerryConvert
import FerryCore
import FerryXML

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

            Exit status: 0 all converted; 1 some records rejected; 64 usage; 65 an input not \
            well-formed; 66 an input cannot be opened; 74 the output or the rejects file cannot be written \
            (a full device); 78 a schema or mapping is invalid. The highest wins.
            """
    )

    @Option(name: .shortAndLong, help: "A mapping file, or a name looked up as mappings/NAME.yaml.")
    var mapping: String?

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

    @Option(help: "Write rejected records to this file, one JSON line each.")
    var rejects: String?

    @Argument(help: "Input files or ZIP archives; - or none for standard input.")
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
        try runCommand { output, errors in try convert(output: output, errors: errors) }
    }

    private func convert(output: BufferedOutput, errors: BufferedOutput) throws {
        var report = ConversionReport()
        let inputs = InputSet(paths: files)
        guard let mappingReference = mapping else {
            let converter = FormatConverter(
                from: from ?? .json, to: to ?? .json,
                xmlReading: XMLJSONConvention.ReadOptions(itemDepth: itemDepth, forceList: Set(forceList)),
                xmlRoot: root)
            inputs.forEach(report: &report) { document, report in
                converter.convert(document, report: &report, write: output.write)
            }
            try finish(report, status: report.exitStatus, errors: errors)
            return
        }
        var loader = ProjectLoader()
        guard let mapping = loader.mapping(mappingReference) else {
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
                        write: output.write, reject: rejectSink.write)
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
                    document, report: &report, inParallel: true, write: output.write,
                    reject: rejectSink.write)
            }
        }
        var status = report.exitStatus
        if !rejectSink.finish() { status = max(status, .ioError) }
        try finish(report, status: status, errors: errors)
    }

    private func finish(_ report: ConversionReport, status: ExitStatus, errors: BufferedOutput) throws {
        for diagnostic in report.warnings + report.unopenable + report.malformed {
            errors.write(diagnostic.description + "\n")
        }
        if status != .success { throw ExitCode(status.rawValue) }
    }
}

extension FormatConverter.Format: ExpressibleByArgument {}

/// Where rejected records go: a file of JSON lines, or one diagnostic line each on standard error.
final class RejectSink {
    private let file: BufferedOutput?
    private let errors: BufferedOutput

    init(path: String?, errors: BufferedOutput) throws {
        self.errors = errors
        do {
            file = try path.map { path throws(InputOpenError) in try BufferedOutput(creating: path) }
        } catch {
            errors.write("error: cannot create the rejects file \(error.path): \(error.reason)\n")
            throw ExitCode(ExitStatus.noInput.rawValue)
        }
    }

    /// Writes what is buffered of the rejects file.
    /// - Returns: false, said on standard error, when the file could not be written.
    func finish() -> Bool {
        guard let file else { return true }
        return (try? file.finish(reportingTo: errors)) != nil
    }

    func write(_ reject: Reject) {
        if let file {
            file.write(JSONWriter().bytes(reject.jsonValue))
            file.write("\n")
        } else {
            errors.write(reject.diagnosticLine + "\n")
        }
    }
}
