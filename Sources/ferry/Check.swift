public import ArgumentParser
import FerryCheck
import FerryConvert
import FerryCore
import FerryGateway
import FerryXML
import Foundation

/// `ferry check`: the schema maintainers' linter and fixture runner.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check schemas and mappings, and run every mapping's fixture cases.",
        discussion: """
            Loads every schema and mapping in the given directories (default: schemas and mappings) \
            and reports all problems as PATH:LINE:COLUMN: error|warning|note: message [code], with the \
            source line and a caret. Each mapping's cases in --fixtures/<mapping>/<case>/ run as golden \
            tests; a mapping without a case is an error; --update rewrites the expected files. Input \
            that no rule reads and xml.ignore does not list is reported by the mapping's xml.unmapped \
            policy (error, warn or ignore). With --sample FILE… and --mapping, prints for those exports \
            every element and attribute path with how often it was seen and whether it was consumed, \
            ignored on purpose or left unmapped.

            Exit status: 0 clean (warnings and notes allowed); 1 an error was found; 66 a path cannot \
            be opened.
            """
    )

    @Option(help: "Output format: text, json or sarif (SARIF 2.1.0).")
    var format: DiagnosticFormatter.Format = .text

    @Option(help: "The directory of fixture cases.")
    var fixtures = "Tests/Fixtures"

    @Flag(help: "Rewrite the expected fixture files with the actual output.")
    var update = false

    @Flag(help: "Report errors and warnings only, not notes.")
    var quiet = false

    @Option(
        name: .customLong("sample"), parsing: .upToNextOption,
        help: "Exports (or ZIP archives) to report input coverage for.")
    var samples: [String] = []

    @Option(
        name: .shortAndLong, help: "The mapping the samples are read with (a file, or a name; see --project).",
        completion: ProjectOptions.mappingCompletion)
    var mapping: String?

    @OptionGroup var projectOptions: ProjectOptions

    @Argument(help: "Directories or files to check (default: schemas mappings).")
    var paths: [String] = []

    func validate() throws {
        if !samples.isEmpty && mapping == nil { throw ValidationError("--sample needs --mapping") }
        if samples.isEmpty && mapping != nil { throw ValidationError("--mapping goes with --sample") }
    }

    func run() throws {
        try runCommand { output, errors in
            if let mapping { return try reportCoverage(mapping, output: output, errors: errors) }
            var checker = ProjectChecker(
                paths: paths.isEmpty ? ["schemas", "mappings"] : paths,
                fixtures: URL(fileURLWithPath: fixtures), update: update)
            var gatewaySources: [String: String] = [:]
            checker.checkGatewayConfiguration = { path, document in
                let (diagnostics, sources) = GatewayConfigurationCheck.check(path: path, document: document)
                gatewaySources.merge(sources) { first, _ in first }
                return diagnostics
            }
            var report = checker.run()
            report.sources.merge(gatewaySources) { first, _ in first }
            let shown = report.diagnostics.filter { !quiet || $0.severity != .note }
            output.write(
                DiagnosticFormatter.format(
                    shown, as: format, sources: report.sources,
                    documentation: ProjectOptions.installedDocumentation))
            if format == .text {
                let count = { (severity: Diagnostic.Severity) in
                    report.diagnostics.filter { $0.severity == severity }.count
                }
                errors.write(
                    "ferry check: \(counted(report.schemaCount, "schema")), \(counted(report.mappingCount, "mapping")), "
                        + "\(counted(report.caseCount, "fixture case")); \(counted(count(.error), "error")), "
                        + "\(counted(count(.warning), "warning")), \(counted(count(.note), "note"))\n")
            }
            if report.couldNotOpen { throw ExitCode(ExitStatus.noInput.rawValue) }
            if report.hasErrors { throw ExitCode(ExitStatus.rejects.rawValue) }
        }
    }

    /// `--sample`: the coverage table of the sample exports, and the unmapped paths by policy.
    private func reportCoverage(_ reference: String, output: BufferedOutput, errors: BufferedOutput) throws {
        var loader = ProjectLoader()
        guard let mapping = loader.mapping(reference, searchPath: projectOptions.searchPath) else {
            errors.write(loader.renderedDiagnostics(minimum: .warning) + "\n")
            throw ExitCode(ExitStatus.configuration.rawValue)
        }
        var coverage = CoverageReport(mapping: mapping)
        var report = ConversionReport()
        InputSet(paths: samples).forEach(report: &report) { document, report in
            if let problem = coverage.add(document) { report.malformed.append(problem) }
        }
        let diagnostics = report.unopenable + report.malformed + coverage.diagnostics(samples: "the samples")
        switch format {
        case .text:
            output.write(coverage.table + "\n")
            output.write(DiagnosticFormatter.format(diagnostics, as: .text, sources: loader.sources))
        case .json:
            // The table and the diagnostics in one document.
            let formatted = DiagnosticFormatter.format(diagnostics, as: .json, sources: loader.sources)
            let parsed = (try? JSONParser.parseDocument(Array(formatted.utf8))) ?? .array([])
            let document = JSONObject([("paths", coverage.json), ("diagnostics", parsed)])
            output.write(JSONWriter().bytes(.object(document)) + [0x0A])
        case .sarif:
            output.write(
                DiagnosticFormatter.format(
                    diagnostics, as: .sarif, sources: loader.sources,
                    documentation: ProjectOptions.installedDocumentation))
        }
        if !report.unopenable.isEmpty { throw ExitCode(ExitStatus.noInput.rawValue) }
        if diagnostics.contains(where: { $0.severity == .error }) { throw ExitCode(ExitStatus.rejects.rawValue) }
    }
}

extension DiagnosticFormatter.Format: ExpressibleByArgument {}
