import ArgumentParser
import FerryConvert
import FerryCore
import FerryXML

/// `ferry validate`: checks canonical records against the schemas.
struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check canonical records against the schemas, or XML exports against an XML Schema.",
        discussion: """
            Every problem is reported on standard error as FILE:LINE:COLUMN: error: … [code]: for \
            canonical records (NDJSON or a JSON array) with the record's key and JSON pointer; with \
            --xsd, each XML file (or ZIP entry) is validated against the XSD by libxml2 while it \
            streams. Exit status: 0 all valid; 1 some invalid; 65 not well-formed; 66 an input \
            cannot be opened; 78 a schema is invalid.
            """
    )

    @Option(help: "Validate XML files against this XML Schema (XSD) instead.")
    var xsd: String?

    @Option(help: "The directory of schema files.")
    var schemas = "schemas"

    @Argument(help: "Files of canonical records; - or none for standard input.")
    var files: [String] = []

    func run() throws {
        try runCommand { _, errors in try validate(errors: errors) }
    }

    private func validate(errors: BufferedOutput) throws {
        if let xsd { return try validateXML(against: xsd, errors: errors) }
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
                report.unopenable.append(
                    Diagnostic(
                        .error, code: "io.read", message: "cannot read: \(error)",
                        at: DocumentLocation(path: document.displayPath, line: 1, column: 1)))
            }
        }
        for diagnostic in report.unopenable + report.malformed { errors.write(diagnostic.description + "\n") }
        if report.exitStatus != .success { throw ExitCode(report.exitStatus.rawValue) }
    }

    private func validateXML(against xsd: String, errors: BufferedOutput) throws {
        let validator: XSDValidator
        do {
            validator = try XSDValidator(schemaPath: xsd)
        } catch {
            errors.write("\(error.diagnostic)\n")
            throw ExitCode(ExitStatus.configuration.rawValue)
        }
        var report = ConversionReport()
        InputSet(paths: files).forEach(report: &report) { document, report in
            do throws(XMLReadError) {
                let problems = try validator.validate(document.stream, path: document.displayPath)
                if problems.isEmpty { report.converted += 1 } else { report.rejected += 1 }
                for problem in problems { errors.write("\(problem.diagnostic)\n") }
            } catch {
                report.malformed.append(error.diagnostic)
            }
        }
        for diagnostic in report.unopenable + report.malformed { errors.write(diagnostic.description + "\n") }
        if report.exitStatus != .success { throw ExitCode(report.exitStatus.rawValue) }
    }
}
