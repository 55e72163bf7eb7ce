public import FerryCore

/// Checks files of canonical records against the schemas (`ferry validate`): every problem of
/// every record, each with the record's position and a JSON pointer.
public struct RecordChecker {
    private let checker: EnvelopeChecker

    /// Prepares a check against a set of schemas.
    /// - Throws: ``PatternCompileError`` when a schema pattern does not compile.
    public init(schemas: [Schema]) throws(PatternCompileError) {
        var validators: [RecordValidator] = []
        for schema in schemas {
            validators.append(try RecordValidator(schema: schema, patternCompiler: ProjectLoader.patternCompiler))
        }
        checker = EnvelopeChecker(validators: validators)
    }

    /// Checks the records of one input.
    /// - Returns: one diagnostic per problem, located at the record's line.
    public func check(bytes: [UInt8], path: String, report: inout ConversionReport) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        do {
            var values = try JSONValueSequence(bytes: bytes, splitArray: true)
            var index = 0
            while let (value, line) = try values.next() {
                switch checker.check(value) {
                case .success:
                    report.converted += 1
                case .failure(let failure):
                    report.rejected += 1
                    let key =
                        value.objectValue?["subject"]?.stringValue.map { "record \($0)" } ?? "record #\(index + 1)"
                    for problem in failure.problems {
                        diagnostics.append(
                            Diagnostic(
                                .error, code: problem.code, message: "\(key): \(problem.pointer): \(problem.message)",
                                at: DocumentLocation(path: path, line: line, column: 1)))
                    }
                }
                index += 1
            }
        } catch {
            report.malformed.append(
                Diagnostic(
                    .error, code: "json.syntax", message: error.message,
                    at: DocumentLocation(path: path, line: error.line, column: error.column)))
        }
        return diagnostics
    }
}
