public import FerryCore
public import FerryXML

/// Converts canonical records back to a mapping's XML format: check → write, one record at a
/// time.
///
/// Records that are invalid, of another type, or lack what the format requires are
/// rejected with reasons; the others are written.
public struct ReverseConverter {
    private let mapping: Mapping
    private let checker: EnvelopeChecker

    /// Prepares a conversion for a mapping that writes.
    /// - Throws: ``PatternCompileError`` when a schema pattern does not compile.
    public init(mapping: Mapping) throws(PatternCompileError) {
        self.mapping = mapping
        checker = EnvelopeChecker(validators: [
            try RecordValidator(schema: mapping.schema, patternCompiler: ProjectLoader.patternCompiler)
        ])
    }

    /// Converts the records of one input (NDJSON or a JSON array) into one XML document, handed to
    /// `write` piece by piece as records are written.
    /// - Throws: ``XMLWriteError`` when the writer fails.
    public func convert(
        bytes: [UInt8], path: String, report: inout ConversionReport, write: ([UInt8]) -> Void, reject: (Reject) -> Void
    ) throws(XMLWriteError) {
        let writer = XMLRecordWriter(mapping: mapping)
        try writer.begin()
        do {
            var values = try JSONValueSequence(bytes: bytes, splitArray: true)
            while let (value, line) = try values.next() {
                let key = value.objectValue?["subject"]?.stringValue
                let input = String(decoding: JSONWriter().bytes(value), as: UTF8.self)
                func refuse(_ problems: [RecordProblem]) {
                    report.rejected += 1
                    reject(Reject(problems: problems, file: path, line: line, key: key, input: input))
                }
                switch checker.check(value) {
                case .failure(let failure):
                    refuse(failure.problems)
                case .success(let record):
                    guard record.type == mapping.schema.recordType else {
                        refuse([
                            RecordProblem(
                                code: "record.type-mismatch", pointer: "/type",
                                message: "the mapping writes \(mapping.schema.recordType), not \(record.type)")
                        ])
                        continue
                    }
                    do {
                        try writer.write(record.data)
                        report.converted += 1
                        write(writer.takeOutput())
                    } catch {
                        refuse(error.problems)
                    }
                }
            }
        } catch {
            report.malformed.append(
                Diagnostic(
                    .error, code: "json.syntax", message: error.message,
                    at: DocumentLocation(path: path, line: error.line, column: error.column)))
        }
        try writer.finish()
        write(writer.takeOutput())
    }
}
