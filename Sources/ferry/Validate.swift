import ArgumentParser
import FerryConvert
import FerryCore
import FerryXML
import Foundation

/// `ferry validate`: checks canonical records against the schemas.
struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check canonical records against the schemas, or XML exports against an XML Schema.",
        discussion: """
            Every problem is reported on standard error as FILE:LINE:COLUMN: error: … [code]: for \
            canonical records (NDJSON or a JSON array) with the record's key and JSON pointer; with \
            --xsd, each XML file (or ZIP entry) is validated against the XSD by libxml2 while it \
            streams. An XML file without --xsd is an error that says to give one. Exit status: 0 all \
            valid; 1 some invalid; 65 not well-formed (or XML without --xsd); 66 an input or the XSD \
            cannot be opened; 78 a schema is invalid.
            """
    )

    @Option(help: "Validate XML files against this XML Schema (XSD) instead.", completion: .file(extensions: ["xsd"]))
    var xsd: String?

    @Option(help: "The directory of schema files (default: schemas/ of the first project on the search path).")
    var schemas: String?

    @OptionGroup var projectOptions: ProjectOptions

    @Argument(help: "Files of canonical records; - or none for standard input.", completion: .file())
    var files: [String] = []

    func run() throws {
        try runCommand { _, errors in try validate(errors: errors) }
    }

    private func validate(errors: BufferedOutput) throws {
        if let xsd { return try validateXML(against: xsd, errors: errors) }
        var loader = ProjectLoader()
        let loaded = loader.schemas(inDirectory: schemas ?? projectOptions.searchPath.schemaDirectory ?? "schemas")
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
                if Self.looksLikeXML(bytes) {
                    report.malformed.append(
                        Diagnostic(
                            .error, code: "validate.xml-input",
                            message: "an XML document, not canonical records: give --xsd SCHEMA.xsd to validate "
                                + "it against an XML Schema, or convert it first (ferry convert -m MAPPING)",
                            at: DocumentLocation(path: document.displayPath, line: 1, column: 1)))
                    return
                }
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

    /// Whether input starts as XML does (`<` after white space and a byte order mark), where
    /// canonical records start with `{` or `[`.
    static func looksLikeXML(_ bytes: [UInt8]) -> Bool {
        let start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        let first = bytes[start...].first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }
        return first == UInt8(ascii: "<")
    }

    private func validateXML(against xsd: String, errors: BufferedOutput) throws {
        guard FileManager.default.isReadableFile(atPath: xsd) else {
            let reason = FileManager.default.fileExists(atPath: xsd) ? "permission denied" : "no such file"
            errors.write("\(xsd): error: cannot open the XML Schema: \(reason) [io.open]\n")
            throw ExitCode(ExitStatus.noInput.rawValue)
        }
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
