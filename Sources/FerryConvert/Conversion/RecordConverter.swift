public import FerryCore
import FerryXML

/// Converts legacy XML exports to canonical records through a mapping: read → map →
/// validate → write, one record at a time.
///
/// Every input record ends as exactly one output record or one ``Reject``.
public struct RecordConverter: Sendable {
    /// The mapping applied.
    public let mapping: Mapping
    private let mapper: RecordMapper
    private let validator: RecordValidator
    private let source: String

    /// Prepares a conversion.
    /// - Parameter sourceOverride: replaces the mapping's `source` (`--source`).
    /// - Throws: ``PatternCompileError`` when a schema pattern does not compile.
    public init(mapping: Mapping, sourceOverride: String? = nil) throws(PatternCompileError) {
        self.mapping = mapping
        mapper = RecordMapper(mapping: mapping)
        validator = try RecordValidator(schema: mapping.schema, patternCompiler: ProjectLoader.patternCompiler)
        source = sourceOverride ?? mapping.source
    }

    /// Converts one document.
    /// - Parameters:
    ///   - document: the input.
    ///   - report: counts and diagnostics, updated.
    ///   - emit: receives each converted record, in input order.
    ///   - reject: receives each rejected record, in input order.
    public func convert(
        _ document: InputSet.Document, report: inout ConversionReport,
        emit: (CanonicalRecord) -> Void, reject: (Reject) -> Void
    ) {
        let reader = XMLRecordReader(input: document.stream, path: document.displayPath, recordPath: mapping.xml.recordPath)
        let xpaths = mapping.xpathExpressions.isEmpty
            ? nil : try? XPathProgram(expressions: mapping.xpathExpressions.map(\.expression), namespaces: mapping.namespaces)
        let selector = reader.selector(xpaths: xpaths)
        var records = 0
        do {
            while let record = try reader.next() {
                records += 1
                let outcome = mapper.map(record.node, with: selector)
                var problems = outcome.problems
                if problems.isEmpty { problems = validator.validate(outcome.data) }
                if problems.isEmpty, let key = outcome.key {
                    emit(CanonicalRecord(
                        type: mapping.schema.recordType, source: source, subject: key,
                        dataschema: mapping.schema.dataschema, time: outcome.time,
                        classification: validator.classification(of: outcome.data), data: outcome.data))
                    report.converted += 1
                } else {
                    report.rejected += 1
                    reject(Reject(problems: problems, file: document.displayPath, line: record.line, key: outcome.key,
                                  input: reader.text(of: record)))
                }
            }
        } catch {
            if let (line, text) = error.interruptedRecord {
                report.rejected += 1
                reject(Reject(problems: [RecordProblem(code: error.kind.code, pointer: "",
                                                       message: "the record was cut off: \(error.message)")],
                              file: document.displayPath, line: line, key: nil, input: text))
            }
            if document.isArchiveEntry && records == 0 && error.location.line <= 1 && error.location.column <= 1 {
                report.warnings.append(Diagnostic(.warning, code: "zip.skipped", message: "skipped: not an XML document",
                                                  at: error.location))
            } else {
                report.malformed.append(error.diagnostic)
            }
            return
        }
        if !reader.rootMatches {
            let expected = mapping.xml.recordPath.first?.localName ?? ""
            let message = "the root element is \(reader.rootName ?? "missing"), not \(expected): no records in it"
            report.warnings.append(Diagnostic(.warning, code: document.isArchiveEntry ? "zip.skipped" : "xml.other-root",
                                              message: document.isArchiveEntry ? "skipped: \(message)" : message,
                                              at: DocumentLocation(path: document.displayPath, line: 1, column: 1)))
        }
    }
}
