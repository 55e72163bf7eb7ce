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
    /// The mapping compiled against its schema: what every record is walked through.
    private let plan: MappingPlan

    /// Prepares a conversion.
    /// - Parameter sourceOverride: replaces the mapping's `source` (`--source`).
    /// - Throws: ``PatternCompileError`` when a schema pattern does not compile.
    public init(mapping: Mapping, sourceOverride: String? = nil) throws(PatternCompileError) {
        self.mapping = mapping
        let validator = try RecordValidator(schema: mapping.schema, patternCompiler: ProjectLoader.patternCompiler)
        plan = MappingPlan(mapping: mapping, validator: validator, source: sourceOverride ?? mapping.source)
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
        run(
            document, report: &report, inParallel: inParallel, linesOnWorkers: false, emit: emit, write: { _ in },
            reject: reject)
    }

    /// Converts one document to canonical NDJSON: ``convert(_:report:inParallel:emit:reject:)``
    /// with each converted record written as one line by `write`.
    ///
    /// In parallel, the workers write the lines of their batches too, and `write` receives a
    /// batch's lines at once, each written straight from the mapping with no tree built per
    /// record.
    /// - Parameter write: receives the lines of converted records, in input order.
    public func convertToNDJSON(
        _ document: InputSet.Document, report: inout ConversionReport, inParallel: Bool = false,
        write: ([UInt8]) -> Void, reject: (Reject) -> Void
    ) {
        var line: [UInt8] = []
        run(
            document, report: &report, inParallel: inParallel, linesOnWorkers: true,
            emit: { record in
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
            let xpaths =
                mapping.xpathExpressions.isEmpty
                ? nil
                : try? XPathProgram(
                    expressions: mapping.xpathExpressions.map(\.expression), namespaces: mapping.namespaces)
            var headerTime = HeaderTime()
            let file = document.displayPath
            let ending = read(document) { record, reader in
                let outcome = self.outcome(
                    of: record.node, selector: reader.selector(xpaths: xpaths), line: record.line, file: file,
                    headerTime: &headerTime, text: { reader.text(of: record) })
                emitOrReject(outcome, report: &report, emit: emit, write: write, reject: reject)
            } interrupted: {
                emitOrReject(.rejected($0), report: &report, emit: emit, write: write, reject: reject)
            }
            ending.add(to: &report)
            return
        }
        let copies = Handoff<Copied>(batchSize: 1, capacity: Self.batchesInFlight)
        let finished = InOrder<[Outcome]>(capacity: Self.batchesInFlight, producers: Self.workerCount)
        let input = HandedOver(document)
        let file = document.displayPath
        let reading = Thread { [self] in
            copies.run { deliver in
                readBatches(input.value) {
                    deliver(.records($0))
                } interrupted: {
                    deliver(.cutOff($0))
                }
            }
        }
        let workers = (0..<Self.workerCount).map { _ in
            Thread { [self] in
                // The reading thread cannot be split; when it is the slowest, the workers yield to it (on
                // Linux a process id of 0 names the calling thread).
                setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, Self.workerNiceness)
                var headerTime = HeaderTime()
                var output = CanonicalBytesOutput()
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
                                    let line = batch.line(of: index)
                                    guard linesOnWorkers else {
                                        add(
                                            outcome(
                                                of: node, selector: selector, line: line, file: file,
                                                headerTime: &headerTime, text: { batch.text(of: index) }))
                                        continue
                                    }
                                    let time = knownHeaderTime(&headerTime, node, selector)
                                    if plan.appendLine(
                                        of: node, with: selector, headerTime: time, to: &lines, output: &output)
                                    {
                                        lineCount += 1
                                    } else {
                                        add(
                                            rejection(
                                                of: node, selector: selector, line: line, file: file,
                                                headerTime: time, text: { batch.text(of: index) }))
                                    }
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
        let reader = XMLRecordReader(
            input: document.stream, path: document.displayPath, recordPath: mapping.xml.recordPath)
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
        let reader = XMLRecordBatchReader(
            input: document.stream, path: document.displayPath, recordPath: mapping.xml.recordPath,
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
    private func ending(
        of document: InputSet.Document, failure: XMLReadError, after records: Int,
        interrupted: (Reject) -> Void
    ) -> Ending {
        if let (line, text) = failure.interruptedRecord {
            interrupted(
                Reject(
                    problems: [
                        RecordProblem(
                            code: failure.kind.code, pointer: "",
                            message: "the record was cut off: \(failure.message)")
                    ],
                    file: document.displayPath, line: line, key: nil, input: text))
        }
        var ending = Ending()
        if document.isArchiveEntry && records == 0 && failure.location.line <= 1 && failure.location.column <= 1 {
            ending.warning = Diagnostic(
                .warning, code: "zip.skipped", message: "skipped: not an XML document",
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
            ending.warning = Diagnostic(
                .warning, code: document.isArchiveEntry ? "zip.skipped" : "xml.other-root",
                message: document.isArchiveEntry ? "skipped: \(message)" : message,
                at: DocumentLocation(path: document.displayPath, line: 1, column: 1))
        }
        return ending
    }

    /// Converts one record, or rejects it with every problem it has: a record with a problem
    /// is walked a second time, collecting them all.
    /// - Parameter text: the record's text, asked for only when it is rejected.
    private func outcome(
        of node: RecordNode, selector: some RecordSelector, line: Int, file: String,
        headerTime: inout HeaderTime, text: () -> String
    ) -> Outcome {
        let time = knownHeaderTime(&headerTime, node, selector)
        if let record = plan.canonicalRecord(of: node, with: selector, headerTime: time) { return .converted(record) }
        return rejection(of: node, selector: selector, line: line, file: file, headerTime: time, text: text)
    }

    /// Rejects a record that has a problem, with every problem it has.
    private func rejection(
        of node: RecordNode, selector: some RecordSelector, line: Int, file: String, headerTime: RecordMapper.Time?,
        text: () -> String
    ) -> Outcome {
        let (problems, key) = plan.problems(of: node, with: selector, headerTime: headerTime)
        return .rejected(Reject(problems: problems, file: file, line: line, key: key, input: text()))
    }

    /// The document's `time` read from root attributes, worked out on its first record.
    private func knownHeaderTime(_ headerTime: inout HeaderTime, _ node: RecordNode, _ selector: some RecordSelector)
        -> RecordMapper.Time?
    {
        if !headerTime.isKnown {
            headerTime = HeaderTime(isKnown: true, time: plan.headerTime(of: node, with: selector))
        }
        return headerTime.time
    }

    // MARK: - Counting

    /// Hands a record to `emit` or `reject` (lines the workers wrote to `write`), and counts it.
    private func emitOrReject(
        _ outcome: Outcome, report: inout ConversionReport, emit: (CanonicalRecord) -> Void,
        write: ([UInt8]) -> Void, reject: (Reject) -> Void
    ) {
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
