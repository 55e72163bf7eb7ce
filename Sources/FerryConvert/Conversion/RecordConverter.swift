public import FerryCore
import FerryXML
import Foundation
import Glibc

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
    /// Writes the lines of records without a problem straight from the mapping, when it can.
    private let lineWriter: RecordLineWriter?

    /// Prepares a conversion.
    /// - Parameter sourceOverride: replaces the mapping's `source` (`--source`).
    /// - Throws: ``PatternCompileError`` when a schema pattern does not compile.
    public init(mapping: Mapping, sourceOverride: String? = nil) throws(PatternCompileError) {
        self.mapping = mapping
        mapper = RecordMapper(mapping: mapping)
        validator = try RecordValidator(schema: mapping.schema, patternCompiler: ProjectLoader.patternCompiler)
        source = sourceOverride ?? mapping.source
        lineWriter = RecordLineWriter(mapper: mapper, validator: validator, source: source)
    }

    /// Converts one document.
    /// - Parameters:
    ///   - document: the input.
    ///   - report: counts and diagnostics, updated.
    ///   - inParallel: spread the work over threads so a large export uses every core: one parses
    ///     and copies each record out of libxml2's reader, two workers take the copies batch by
    ///     batch and map, validate and build each record with its id, and the calling thread runs
    ///     `emit` and `reject`. Records still arrive in input order; memory stays bounded (at most
    ///     16 batches of 32 records, or of 1 MiB of text, in flight). The workers run at a lower
    ///     priority than the reading thread, which cannot be split: when parsing is the slowest
    ///     step they leave it a core of its own.
    ///     Mappings with XPath expressions are always converted on the calling thread.
    ///   - emit: receives each converted record, in input order.
    ///   - reject: receives each rejected record, in input order.
    public func convert(
        _ document: InputSet.Document, report: inout ConversionReport, inParallel: Bool = false,
        emit: (CanonicalRecord) -> Void, reject: (Reject) -> Void
    ) {
        run(document, report: &report, inParallel: inParallel, linesOnWorkers: false, emit: emit, write: { _ in }, reject: reject)
    }

    /// Converts one document to canonical NDJSON: ``convert(_:report:inParallel:emit:reject:)``
    /// with each converted record written as one line by `write`. In parallel, the workers
    /// write the lines of their batches too, and `write` receives a batch's lines at once; a
    /// record without a problem is written straight from the mapping by ``RecordLineWriter``
    /// (the same bytes, with no tree built per record), one with a problem is mapped and
    /// validated the usual way for its reasons.
    /// - Parameter write: receives the lines of converted records, in input order.
    public func convertToNDJSON(
        _ document: InputSet.Document, report: inout ConversionReport, inParallel: Bool = false,
        write: ([UInt8]) -> Void, reject: (Reject) -> Void
    ) {
        var line: [UInt8] = []
        run(document, report: &report, inParallel: inParallel, linesOnWorkers: true, emit: { record in
            line.removeAll(keepingCapacity: true)
            Self.appendLine(record, to: &line)
            write(line)
        }, write: write, reject: reject)
    }

    private static func appendLine(_ record: CanonicalRecord, to lines: inout [UInt8]) {
        record.write(into: &lines)
        lines.append(0x0A)
    }

    /// - Parameter linesOnWorkers: in parallel, the workers write converted records as NDJSON
    ///   lines, handed to `write`, instead of handing the records to `emit`.
    private func run(
        _ document: InputSet.Document, report: inout ConversionReport, inParallel: Bool, linesOnWorkers: Bool,
        emit: (CanonicalRecord) -> Void, write: ([UInt8]) -> Void, reject: (Reject) -> Void
    ) {
        guard inParallel && mapping.xpathExpressions.isEmpty else {
            let xpaths = mapping.xpathExpressions.isEmpty
                ? nil : try? XPathProgram(expressions: mapping.xpathExpressions.map(\.expression), namespaces: mapping.namespaces)
            var headerTime = HeaderTime()
            let file = document.displayPath
            let ending = read(document) { record, reader in
                let text = { reader.text(of: record) }
                let step = map(record.node, selector: reader.selector(xpaths: xpaths), line: record.line, file: file,
                               headerTime: &headerTime, text: text)
                emitOrReject(decide(step, file: file, text: text), report: &report, emit: emit, write: write, reject: reject)
            } interrupted: { emitOrReject(.rejected($0), report: &report, emit: emit, write: write, reject: reject) }
            ending.add(to: &report)
            return
        }
        let copies = Handoff<Copied>(batchSize: 1, capacity: Self.batchesInFlight)
        let finished = InOrder<[Outcome]>(capacity: Self.batchesInFlight, producers: Self.workerCount)
        let input = HandedOver(document)
        let file = document.displayPath
        let reading = Thread { [self] in
            copies.run { deliver in
                readBatches(input.value) { deliver(.records($0)) } interrupted: { deliver(.cutOff($0)) }
            }
        }
        let workers = (0..<Self.workerCount).map { _ in
            Thread { [self] in
                // The reading thread cannot be split; when it is the slowest, the workers yield to it (on
                // Linux a process id of 0 names the calling thread).
                setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, Self.workerNiceness)
                var headerTime = HeaderTime()
                var scratch = RecordLineWriter.Scratch()
                let lineWriter = linesOnWorkers ? lineWriter : nil
                while let (number, items) = copies.takeNumbered() {
                    var outcomes: [Outcome] = []
                    var lines: [UInt8] = []
                    var lineCount = 0
                    func add(_ outcome: Outcome) {
                        guard linesOnWorkers else { return outcomes.append(outcome) }
                        switch outcome {
                        case .converted(let record):
                            Self.appendLine(record, to: &lines)
                            lineCount += 1
                        default:
                            // The lines before a reject are handed on before it, so both stay in input order.
                            if lineCount > 0 { outcomes.append(.lines(count: lineCount, bytes: lines)) }
                            (lines, lineCount) = ([], 0)
                            outcomes.append(outcome)
                        }
                    }
                    for item in items {
                        switch item {
                        case .records(let batch):
                            if !linesOnWorkers { outcomes.reserveCapacity(batch.count) }
                            batch.withView { view in
                                for index in 0..<view.count {
                                    let (node, selector) = (view.node(of: index), view.selector(of: index))
                                    if let lineWriter,
                                        lineWriter.appendLine(of: node, with: selector, headerTime: knownHeaderTime(&headerTime, node, selector),
                                                              to: &lines, scratch: &scratch)
                                    {
                                        lineCount += 1
                                        continue
                                    }
                                    // A record with a problem: mapped and validated the usual way, for every problem.
                                    let text = { batch.text(of: index) }
                                    add(decide(map(node, selector: selector, line: batch.line(of: index), file: file,
                                                   headerTime: &headerTime, text: text),
                                               file: file, text: text))
                                }
                            }
                        case .cutOff(let reject):
                            add(.rejected(reject))
                        }
                    }
                    if lineCount > 0 { outcomes.append(.lines(count: lineCount, bytes: lines)) }
                    finished.put(outcomes, number: number)
                }
                finished.producerEnded()
            }
        }
        for thread in [reading] + workers {
            thread.stackSize = 8 << 20
            thread.start()
        }
        while let outcomes = finished.next() {
            for outcome in outcomes { emitOrReject(outcome, report: &report, emit: emit, write: write, reject: reject) }
        }
        copies.ending?.add(to: &report)
    }

    /// Batches copied but not yet emitted, at most: what bounds the memory of a conversion.
    private static let batchesInFlight = 8
    /// Threads that map, validate and build records, batch by batch, beside the reading one.
    private static let workerCount = 2
    /// The workers' niceness (the reading thread keeps the process's): high enough that the reading
    /// thread gets a core of its own when it needs one (measured: 8 and above did the same).
    private static let workerNiceness: Int32 = 12
    /// Records copied per batch on their way from the reading thread to a worker.
    private static let snapshotBatchSize = 32
    /// Text a batch may hold before it is handed on with fewer records (large records).
    private static let snapshotBatchBytes = 1 << 20

    // MARK: - Reading and mapping

    /// One input record after mapping.
    fileprivate enum Step: Sendable {
        /// Mapped without a problem; validated when it is finished.
        case mapped(data: JSONObject, key: String?, time: String?, line: Int)
        case rejected(Reject)
    }

    /// One input record at the end: converted, or rejected with its reasons.
    fileprivate enum Outcome: Sendable {
        case converted(CanonicalRecord)
        /// Converted records already written as NDJSON lines: how many, and the bytes.
        case lines(count: Int, bytes: [UInt8])
        case rejected(Reject)
    }

    /// What the reading thread hands to the workers.
    fileprivate enum Copied: Sendable {
        /// Records copied out of the reader, in order.
        case records(RecordSnapshots)
        /// The record a fault cut off, rejected with the text read of it.
        case cutOff(Reject)
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

    /// The document's `time` when the mapping reads it from root attributes: worked out on the
    /// first record, then reused.
    fileprivate struct HeaderTime {
        var isKnown = false
        var time: RecordMapper.Time?
    }

    /// Reads every record of a document in order, handing each to `record` while the reader
    /// is on it, and a record cut off by a fault to `interrupted`.
    fileprivate func read(
        _ document: InputSet.Document, record: (XMLRecordReader.Record, XMLRecordReader) -> Void,
        interrupted: (Reject) -> Void
    ) -> Ending {
        let reader = XMLRecordReader(input: document.stream, path: document.displayPath, recordPath: mapping.xml.recordPath)
        var records = 0
        do {
            while let next = try reader.next() {
                records += 1
                record(next, reader)
            }
        } catch {
            return ending(of: document, failure: error, after: records, interrupted: interrupted)
        }
        return ending(of: document, rootMatches: reader.rootMatches, rootName: reader.rootName)
    }

    /// Reads every record of a document in order, copied batch by batch; a record cut off by a
    /// fault goes to `interrupted`.
    fileprivate func readBatches(
        _ document: InputSet.Document, batch: (RecordSnapshots) -> Void, interrupted: (Reject) -> Void
    ) -> Ending {
        let reader = XMLRecordBatchReader(input: document.stream, path: document.displayPath, recordPath: mapping.xml.recordPath,
                                          batchSize: Self.snapshotBatchSize, batchBytes: Self.snapshotBatchBytes)
        var records = 0
        do {
            try reader.read { copied in
                records += copied.count
                batch(copied)
            }
        } catch {
            return ending(of: document, failure: error, after: records, interrupted: interrupted)
        }
        return ending(of: document, rootMatches: reader.rootMatches, rootName: reader.rootName)
    }

    /// The end of a document a fault stopped: the record it cut off rejected, and the fault.
    private func ending(of document: InputSet.Document, failure: XMLReadError, after records: Int,
                        interrupted: (Reject) -> Void) -> Ending {
        if let (line, text) = failure.interruptedRecord {
            interrupted(Reject(problems: [RecordProblem(code: failure.kind.code, pointer: "",
                                                        message: "the record was cut off: \(failure.message)")],
                               file: document.displayPath, line: line, key: nil, input: text))
        }
        var ending = Ending()
        if document.isArchiveEntry && records == 0 && failure.location.line <= 1 && failure.location.column <= 1 {
            ending.warning = Diagnostic(.warning, code: "zip.skipped", message: "skipped: not an XML document",
                                        at: failure.location)
        } else {
            ending.malformed = failure.diagnostic
        }
        return ending
    }

    /// The end of a document read through: a warning when its root is not the record path's.
    private func ending(of document: InputSet.Document, rootMatches: Bool, rootName: String?) -> Ending {
        var ending = Ending()
        if !rootMatches {
            let expected = mapping.xml.recordPath.first?.localName ?? ""
            let message = "the root element is \(rootName ?? "missing"), not \(expected): no records in it"
            ending.warning = Diagnostic(.warning, code: document.isArchiveEntry ? "zip.skipped" : "xml.other-root",
                                        message: document.isArchiveEntry ? "skipped: \(message)" : message,
                                        at: DocumentLocation(path: document.displayPath, line: 1, column: 1))
        }
        return ending
    }

    /// Maps one record; a record the mapping cannot read is rejected here.
    /// - Parameter text: the record's text, asked for only when it is rejected.
    private func map(_ node: RecordNode, selector: some RecordSelector, line: Int, file: String,
                     headerTime: inout HeaderTime, text: () -> String) -> Step {
        let outcome = mapper.map(node, with: selector, headerTime: knownHeaderTime(&headerTime, node, selector))
        guard outcome.problems.isEmpty else {
            return .rejected(Reject(problems: outcome.problems, file: file, line: line, key: outcome.key, input: text()))
        }
        return .mapped(data: outcome.data, key: outcome.key, time: outcome.time, line: line)
    }

    /// The document's `time` read from root attributes, worked out on its first record.
    private func knownHeaderTime(_ headerTime: inout HeaderTime, _ node: RecordNode, _ selector: some RecordSelector)
        -> RecordMapper.Time?
    {
        if !headerTime.isKnown {
            headerTime = HeaderTime(isKnown: true, time: mapper.headerTime(of: node, with: selector))
        }
        return headerTime.time
    }

    // MARK: - Finishing: validation, envelope, id, counts

    /// Validates a mapped record and builds it with its id, or rejects it.
    /// - Parameter text: the record's text, asked for only when it is rejected.
    private func decide(_ step: Step, file: String, text: () -> String) -> Outcome {
        switch step {
        case .mapped(let data, let key, let time, let line):
            let problems = validator.validate(data)
            guard problems.isEmpty, let key else {
                return .rejected(Reject(problems: problems, file: file, line: line, key: key, input: text()))
            }
            return .converted(CanonicalRecord(
                type: mapping.schema.recordType, source: source, subject: key, dataschema: mapping.schema.dataschema,
                time: time, classification: validator.classification(of: data), data: data))
        case .rejected(let rejected):
            return .rejected(rejected)
        }
    }

    /// Hands a record to `emit` or `reject` (lines the workers wrote to `write`), and counts it.
    private func emitOrReject(_ outcome: Outcome, report: inout ConversionReport, emit: (CanonicalRecord) -> Void,
                              write: ([UInt8]) -> Void, reject: (Reject) -> Void) {
        switch outcome {
        case .converted(let record):
            report.converted += 1
            emit(record)
        case .lines(let count, let bytes):
            report.converted += count
            write(bytes)
        case .rejected(let rejected):
            report.rejected += 1
            reject(rejected)
        }
    }

    // MARK: - Threads

    /// A value the calling thread hands over to the reading thread, which alone uses it from then on.
    private final class HandedOver<Value>: @unchecked Sendable {
        let value: Value
        init(_ value: Value) { self.value = value }
    }

    /// Batches of items from one thread to the next, in order, with at most `capacity` batches
    /// waiting so memory stays flat when the next thread is slower.
    private final class Handoff<Item: Sendable>: @unchecked Sendable {
        private let batchSize: Int
        private let capacity: Int
        private let condition = NSCondition()
        private var waiting: [[Item]] = []
        private var ended = false
        /// The document's closing diagnostics; set before ``take()`` returns nil.
        private(set) var ending: Ending?

        init(batchSize: Int, capacity: Int) {
            self.batchSize = batchSize
            self.capacity = capacity
        }

        /// Runs the producing side: `produce` delivers items one by one and returns the ending.
        func run(_ produce: (_ deliver: (Item) -> Void) -> Ending) {
            var batch: [Item] = []
            batch.reserveCapacity(batchSize)
            let ending = produce { item in
                batch.append(item)
                if batch.count == batchSize {
                    put(batch)
                    batch.removeAll(keepingCapacity: true)
                }
            }
            if !batch.isEmpty { put(batch) }
            condition.lock()
            self.ending = ending
            ended = true
            condition.broadcast()
            condition.unlock()
        }

        private func put(_ batch: [Item]) {
            condition.lock()
            while waiting.count >= capacity { condition.wait() }
            waiting.append(batch)
            condition.broadcast()
            condition.unlock()
        }

        /// The next batch with its number (0, 1, 2, … in the order the producer delivered them),
        /// waiting for it; nil once the producer has ended and every batch was taken.
        func takeNumbered() -> (Int, [Item])? {
            condition.lock()
            defer { condition.unlock() }
            while waiting.isEmpty && !ended { condition.wait() }
            guard !waiting.isEmpty else { return nil }
            let batch = waiting.removeFirst()
            let number = taken
            taken += 1
            condition.broadcast()
            return (number, batch)
        }
        private var taken = 0
    }

    /// Results of several producers, handed out in the order of their numbers; a producer waits
    /// while its result is `capacity` or more ahead of the next one handed out.
    private final class InOrder<Result: Sendable>: @unchecked Sendable {
        private let capacity: Int
        private let condition = NSCondition()
        private var results: [Int: Result] = [:]
        private var nextNumber = 0
        private let producers: Int
        private var endedProducers = 0

        init(capacity: Int, producers: Int) {
            self.capacity = capacity
            self.producers = producers
        }

        /// Stores result number `number`.
        func put(_ result: Result, number: Int) {
            condition.lock()
            while number >= nextNumber + capacity { condition.wait() }
            results[number] = result
            condition.broadcast()
            condition.unlock()
        }

        /// Tells that a producer will put nothing more.
        func producerEnded() {
            condition.lock()
            endedProducers += 1
            condition.broadcast()
            condition.unlock()
        }

        /// The next result in order, waiting for it; nil once every producer has ended and
        /// every result was handed out.
        func next() -> Result? {
            condition.lock()
            defer { condition.unlock() }
            while results[nextNumber] == nil && endedProducers < producers { condition.wait() }
            guard let result = results.removeValue(forKey: nextNumber) else { return nil }
            nextNumber += 1
            condition.broadcast()
            return result
        }
    }
}
