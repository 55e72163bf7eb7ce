public import FerryCore
import FerryXML
import Foundation

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
    ///   - readingAhead: read, map and validate on a thread of its own while the calling thread
    ///     computes ids and runs `emit`, so a large export uses two cores. Records still arrive in
    ///     input order; memory stays bounded by a few hundred records in flight. Mappings with
    ///     XPath expressions are always converted on the calling thread.
    ///   - emit: receives each converted record, in input order.
    ///   - reject: receives each rejected record, in input order.
    public func convert(
        _ document: InputSet.Document, report: inout ConversionReport, readingAhead: Bool = false,
        emit: (CanonicalRecord) -> Void, reject: (Reject) -> Void
    ) {
        guard readingAhead && mapping.xpathExpressions.isEmpty else {
            let ending = read(document) { finish($0, report: &report, emit: emit, reject: reject) }
            ending.add(to: &report)
            return
        }
        let handoff = Handoff()
        let reading = ReadingWork(converter: self, document: document, handoff: handoff)
        let thread = Thread { reading.run() }
        thread.stackSize = 8 << 20
        thread.start()
        while let batch = handoff.take() {
            for step in batch { finish(step, report: &report, emit: emit, reject: reject) }
        }
        handoff.ending?.add(to: &report)
    }

    // MARK: - Reading: parse, map, validate

    /// What reading decided about one input record.
    fileprivate enum Step: Sendable {
        case converted(data: JSONObject, key: String, time: String?)
        case rejected(Reject)
    }

    /// The diagnostics about the document as a whole, known when reading ends.
    fileprivate struct Ending: Sendable {
        var malformed: Diagnostic?
        var warning: Diagnostic?

        func add(to report: inout ConversionReport) {
            if let malformed { report.malformed.append(malformed) }
            if let warning { report.warnings.append(warning) }
        }
    }

    /// Reads every record of a document, handing each one's outcome to `deliver` in input order.
    fileprivate func read(_ document: InputSet.Document, deliver: (Step) -> Void) -> Ending {
        let reader = XMLRecordReader(input: document.stream, path: document.displayPath, recordPath: mapping.xml.recordPath)
        let xpaths = mapping.xpathExpressions.isEmpty
            ? nil : try? XPathProgram(expressions: mapping.xpathExpressions.map(\.expression), namespaces: mapping.namespaces)
        let selector = reader.selector(xpaths: xpaths)
        var records = 0
        var ending = Ending()
        var headerTime: RecordMapper.Time?
        do {
            while let record = try reader.next() {
                records += 1
                if records == 1 { headerTime = mapper.headerTime(of: record.node, with: selector) }
                let outcome = mapper.map(record.node, with: selector, headerTime: headerTime)
                var problems = outcome.problems
                if problems.isEmpty { problems = validator.validate(outcome.data) }
                if problems.isEmpty, let key = outcome.key {
                    deliver(.converted(data: outcome.data, key: key, time: outcome.time))
                } else {
                    deliver(.rejected(Reject(problems: problems, file: document.displayPath, line: record.line,
                                             key: outcome.key, input: reader.text(of: record))))
                }
            }
        } catch {
            if let (line, text) = error.interruptedRecord {
                deliver(.rejected(Reject(problems: [RecordProblem(code: error.kind.code, pointer: "",
                                                                  message: "the record was cut off: \(error.message)")],
                                         file: document.displayPath, line: line, key: nil, input: text)))
            }
            if document.isArchiveEntry && records == 0 && error.location.line <= 1 && error.location.column <= 1 {
                ending.warning = Diagnostic(.warning, code: "zip.skipped", message: "skipped: not an XML document",
                                            at: error.location)
            } else {
                ending.malformed = error.diagnostic
            }
            return ending
        }
        if !reader.rootMatches {
            let expected = mapping.xml.recordPath.first?.localName ?? ""
            let message = "the root element is \(reader.rootName ?? "missing"), not \(expected): no records in it"
            ending.warning = Diagnostic(.warning, code: document.isArchiveEntry ? "zip.skipped" : "xml.other-root",
                                        message: document.isArchiveEntry ? "skipped: \(message)" : message,
                                        at: DocumentLocation(path: document.displayPath, line: 1, column: 1))
        }
        return ending
    }

    // MARK: - Finishing: envelope, id, counts

    private func finish(_ step: Step, report: inout ConversionReport, emit: (CanonicalRecord) -> Void,
                        reject: (Reject) -> Void) {
        switch step {
        case .converted(let data, let key, let time):
            emit(CanonicalRecord(
                type: mapping.schema.recordType, source: source, subject: key, dataschema: mapping.schema.dataschema,
                time: time, classification: validator.classification(of: data), data: data))
            report.converted += 1
        case .rejected(let rejected):
            report.rejected += 1
            reject(rejected)
        }
    }

    // MARK: - Reading ahead on a thread of its own

    /// The reading side's work; it owns the document's stream until it is done.
    private final class ReadingWork: @unchecked Sendable {
        let converter: RecordConverter
        let document: InputSet.Document
        let handoff: Handoff

        init(converter: RecordConverter, document: InputSet.Document, handoff: Handoff) {
            self.converter = converter
            self.document = document
            self.handoff = handoff
        }

        func run() {
            var batch: [Step] = []
            batch.reserveCapacity(Handoff.batchSize)
            let ending = converter.read(document) { step in
                batch.append(step)
                if batch.count == Handoff.batchSize {
                    handoff.put(batch)
                    batch.removeAll(keepingCapacity: true)
                }
            }
            if !batch.isEmpty { handoff.put(batch) }
            handoff.end(ending)
        }
    }

    /// Batches of steps from the reading thread to the finishing one, in order, with at most
    /// ``capacity`` batches waiting so memory stays flat when the finishing side is slower.
    private final class Handoff: @unchecked Sendable {
        static let batchSize = 64
        static let capacity = 8
        private let condition = NSCondition()
        private var waiting: [[Step]] = []
        private var ended = false
        /// The document's closing diagnostics; set before ``take()`` returns nil.
        private(set) var ending: Ending?

        func put(_ batch: [Step]) {
            condition.lock()
            while waiting.count >= Self.capacity { condition.wait() }
            waiting.append(batch)
            condition.broadcast()
            condition.unlock()
        }

        func end(_ ending: Ending) {
            condition.lock()
            self.ending = ending
            ended = true
            condition.broadcast()
            condition.unlock()
        }

        /// The next batch, waiting for it; nil once reading has ended and every batch was taken.
        func take() -> [Step]? {
            condition.lock()
            defer { condition.unlock() }
            while waiting.isEmpty && !ended { condition.wait() }
            guard !waiting.isEmpty else { return nil }
            let batch = waiting.removeFirst()
            condition.broadcast()
            return batch
        }
    }
}
