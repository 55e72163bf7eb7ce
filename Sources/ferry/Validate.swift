import ArgumentParser
import FerryConvert
import FerryCore

/// `ferry validate`: checks canonical records against the schemas.
struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check canonical records (NDJSON or a JSON array) against the schemas.",
        discussion: """
            Every problem is reported on standard error as FILE:LINE:1: error: record KEY: POINTER: \
            message [code]. Exit status: 0 all valid; 1 some invalid; 65 not JSON; 66 an input cannot \
            be opened; 78 a schema is invalid.
            """
    )

    @Option(help: "The directory of schema files.")
    var schemas = "schemas"

    @Argument(help: "Files of canonical records; - or none for standard input.")
    var files: [String] = []

    func run() throws {
        let errors = BufferedOutput.standardError()
        defer { errors.flush() }
        try withExitStatus(errors: errors) { try validate(errors: errors) }
    }

    private func validate(errors: BufferedOutput) throws {
        var loader = ProjectLoader()
        let loaded = loader.schemas(inDirectory: schemas)
        guard !loader.diagnostics.hasErrors else {
            errors.write(loader.renderedDiagnostics(minimum: .warning) + "\n")
            throw ExitCode(ExitStatus.configuration.rawValue)
        }
        let checker = try RecordChecker(schemas: loaded)
        var report = ConversionReport()
        InputSet(paths: files).forEach(report: &report) { document, report in
            var stream = document.stream
            do {
                let bytes = try stream.readAll()
                for diagnostic in checker.check(bytes: bytes, path: document.displayPath, report: &report) {
                    errors.write(diagnostic.description + "\n")
                }
            } catch {
                report.unopenable.append(Diagnostic(.error, code: "io.read", message: "cannot read: \(error)",
                                                    at: DocumentLocation(path: document.displayPath, line: 1, column: 1)))
            }
        }
        for diagnostic in report.unopenable + report.malformed { errors.write(diagnostic.description + "\n") }
        if report.exitStatus != .success { throw ExitCode(report.exitStatus.rawValue) }
    }
}
