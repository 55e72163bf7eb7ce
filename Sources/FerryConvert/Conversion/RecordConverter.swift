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
    /// Writes the data of the mapping's records; pass it to ``CanonicalRecord/write(into:using:)``.
    public let dataWriter: SchemaJSONWriter

    /// Prepares a conversion.
    /// - Parameter sourceOverride: replaces the mapping's `source` (`--source`).
    /// - Throws: ``PatternCompileError`` when a schema pattern does not compile.
    public init(mapping: Mapping, sourceOverride: String? = nil) throws(PatternCompileError) {
        self.mapping = mapping
        mapper = RecordMapper(mapping: mapping)
        validator = try RecordValidator(schema: mapping.schema, patternCompiler: ProjectLoader.patternCompiler)
        source = sourceOverride ?? mapping.source
        dataWriter = SchemaJSONWriter(schema: mapping.schema)
    }

    /// Converts one document.
    /// - Parameters:
    ///   - document: the input.
    ///   - report: counts and diagnostics, updated.
    ///   - onThreeThreads: spread the work over three threads — one parses and copies each record
    ///     out of libxml2's reader, one maps the copies, and the calling thread validates,
    ///     computes ids and runs `emit` — so a large export uses every core. Records still
    ///     arrive in input order; memory stays bounded (at most 16 batches of 32 records, or of
    ///     1 MiB of text, in flight).
    ///     Mappings with XPath expressions are always converted on the calling thread.
    ///   - emit: receives each converted record, in input order.
    ///   - reject: receives each rejected record, in input order.
    public func convert(
        _ document: InputSet.Document, report: inout ConversionReport, onThreeThreads: Bool = false,
        emit: (CanonicalRecord) -> Void, reject: (Reject) -> Void
    ) {
        guard onThreeThreads && mapping.xpathExpressions.isEmpty else {
            let xpaths = mapping.xpathExpressions.isEmpty
                ? nil : try? XPathProgram(expressions: mapping.xpathExpressions.map(\.expression), namespaces: mapping.namespaces)
            var headerTime = HeaderTime()
            let file = document.displayPath
            let ending = read(document) { record, reader in
                let text = { reader.text(of: record) }
                finish(map(record.node, selector: reader.selector(xpaths: xpaths), line: record.line, file: file,
                           headerTime: &headerTime, text: text),
                       file: file, text: text, report: &report, emit: emit, reject: reject)
            } interrupted: { finish(.rejected($0), file: file, text: { "" }, report: &report, emit: emit, reject: reject) }
            ending.add(to: &report)
            return
        }
        let copies = Handoff<Copied>(batchSize: 1, capacity: 8)
        let mapped = Handoff<MappedBatch>(batchSize: 1, capacity: 6)
        let input = HandedOver(document)
        let file = document.displayPath
        let reading = Thread { [self] in
            copies.run { deliver in
                var batch = RecordSnapshots()
                let ending = read(input.value) { record, reader in
                    reader.snapshot(record, into: &batch)
                    if batch.count == Self.snapshotBatchSize || batch.textBytes > Self.snapshotBatchBytes {
                        deliver(.records(batch))
                        batch = RecordSnapshots()
                    }
                } interrupted: { cutOff in
                    if !batch.isEmpty { deliver(.records(batch)) }
                    batch = RecordSnapshots()
                    deliver(.cutOff(cutOff))
                }
                if !batch.isEmpty { deliver(.records(batch)) }
                return ending
            }
        }
        let mapping = Thread { [self] in
            mapped.run { deliver in
                var headerTime = HeaderTime()
                while let items = copies.take() {
                    for item in items {
                        switch item {
                        case .records(let batch):
                            var steps: [Step] = []
                            steps.reserveCapacity(batch.count)
                            batch.withView { view in
                                for index in 0..<view.count {
                                    steps.append(map(view.node(of: index), selector: view.selector(of: index), line: batch.line(of: index),
                                                     file: file, headerTime: &headerTime, text: { batch.text(of: index) }))
                                }
                            }
                            deliver(MappedBatch(steps: steps, copies: batch))
                        case .cutOff(let reject):
                            deliver(MappedBatch(steps: [.rejected(reject)], copies: RecordSnapshots()))
                        }
                    }
                }
                return copies.ending ?? Ending()
            }
        }
        for thread in [reading, mapping] {
            thread.stackSize = 8 << 20
            thread.start()
        }
        while let items = mapped.take() {
            for item in items {
                for (index, step) in item.steps.enumerated() {
                    finish(step, file: file, text: { item.copies.text(of: index) }, report: &report, emit: emit, reject: reject)
                }
            }
        }
        mapped.ending?.add(to: &report)
    }

    /// Records copied per batch on their way from the reading thread to the mapping one.
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

    /// A batch of records after mapping, with the copies their text comes from should
    /// validation reject one.
    fileprivate struct MappedBatch: Sendable {
        let steps: [Step]
        let copies: RecordSnapshots
    }

    /// What the reading thread hands to the mapping one.
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
        var ending = Ending()
        do {
            while let next = try reader.next() {
                records += 1
                record(next, reader)
            }
        } catch {
            if let (line, text) = error.interruptedRecord {
                interrupted(Reject(problems: [RecordProblem(code: error.kind.code, pointer: "",
                                                            message: "the record was cut off: \(error.message)")],
                                   file: document.displayPath, line: line, key: nil, input: text))
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

    /// Maps one record; a record the mapping cannot read is rejected here.
    /// - Parameter text: the record's text, asked for only when it is rejected.
    private func map(_ node: RecordNode, selector: some RecordSelector, line: Int, file: String,
                     headerTime: inout HeaderTime, text: () -> String) -> Step {
        if !headerTime.isKnown {
            headerTime = HeaderTime(isKnown: true, time: mapper.headerTime(of: node, with: selector))
        }
        let outcome = mapper.map(node, with: selector, headerTime: headerTime.time)
        guard outcome.problems.isEmpty else {
            return .rejected(Reject(problems: outcome.problems, file: file, line: line, key: outcome.key, input: text()))
        }
        return .mapped(data: outcome.data, key: outcome.key, time: outcome.time, line: line)
    }

    // MARK: - Finishing: validation, envelope, id, counts

    /// Validates a mapped record and emits it, or rejects it. On three threads this runs on the
    /// calling one, which would otherwise wait for the mapping thread, the slowest of the three.
    /// - Parameter text: the record's text, asked for only when it is rejected.
    private func finish(_ step: Step, file: String, text: () -> String, report: inout ConversionReport,
                        emit: (CanonicalRecord) -> Void, reject: (Reject) -> Void) {
        switch step {
        case .mapped(let data, let key, let time, let line):
            let problems = validator.validate(data)
            guard problems.isEmpty, let key else {
                report.rejected += 1
                reject(Reject(problems: problems, file: file, line: line, key: key, input: text()))
                return
            }
            emit(CanonicalRecord(
                type: mapping.schema.recordType, source: source, subject: key, dataschema: mapping.schema.dataschema,
                time: time, classification: validator.classification(of: data), data: data, writer: dataWriter))
            report.converted += 1
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

        /// The next batch, waiting for it; nil once the producer has ended and every batch was taken.
        func take() -> [Item]? {
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
