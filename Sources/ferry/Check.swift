public import ArgumentParser
import FerryConvert
import FerryCore
import Foundation

/// `ferry check`: the schema maintainers' linter and fixture runner.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check schemas and mappings, and run every mapping's fixture cases.",
        discussion: """
            Loads every schema and mapping in the given directories (default: schemas and mappings) \
            and reports all problems as PATH:LINE:COLUMN: error|warning|note: message [code], with the \
            source line and a caret. Each mapping's cases in --fixtures/<mapping>/<case>/ run as golden \
            tests; a mapping without a case is an error; --update rewrites the expected files.

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

    @Argument(help: "Directories or files to check (default: schemas mappings).")
    var paths: [String] = []

    func run() throws {
        let output = OutputStream.standardOutput()
        let errors = OutputStream.standardError()
        defer {
            output.flush()
            errors.flush()
        }
        try withExitStatus(errors: errors) {
            let checker = ProjectChecker(paths: paths.isEmpty ? ["schemas", "mappings"] : paths,
                                         fixtures: URL(fileURLWithPath: fixtures), update: update)
            let report = checker.run()
            let shown = report.diagnostics.filter { !quiet || $0.severity != .note }
            output.write(DiagnosticFormatter.format(shown, as: format, sources: report.sources))
            if format == .text {
                let count = { (severity: Diagnostic.Severity) in report.diagnostics.filter { $0.severity == severity }.count }
                errors.write("ferry check: \(report.schemaCount) schemas, \(report.mappingCount) mappings, "
                             + "\(report.caseCount) fixture cases; \(count(.error)) errors, \(count(.warning)) warnings, "
                             + "\(count(.note)) notes\n")
            }
            if report.couldNotOpen { throw ExitCode(ExitStatus.noInput.rawValue) }
            if report.hasErrors { throw ExitCode(ExitStatus.rejects.rawValue) }
        }
    }
}

extension DiagnosticFormatter.Format: ExpressibleByArgument {}
