public import FerryCore
import FerryXML
import Foundation
#if canImport(Glibc)
    import Glibc
#endif

/// Converts legacy XML exports to canonical records through a mapping: read, then map, check
/// and write each record in one walk.
///
/// Every input record ends as exactly one output record or one ``Reject``.
public struct RecordConverter: Sendable {
    /// The mapping applied.
    public let mapping: Mapping
    /// The mapping compiled against its schema: what every record is walked through.
    private let plan: MappingPlan

    /// Prepares a conversion.
    /// - Parameters:
    ///   - sourceOverride: replaces the mapping's `source` (`--source`).
    ///   - patternCompiler: compiles the schema's patterns.
    /// - Throws: ``PatternCompileError`` when a schema pattern does not compile.
    public init(
        mapping: Mapping, sourceOverride: String? = nil,
        patternCompiler: any PatternCompiler = ProjectLoader.patternCompiler
    ) throws(PatternCompileError) {
        self.mapping = mapping
        let validator = try RecordValidator(schema: mapping.schema, patternCompiler: patternCompiler)
        plan = MappingPlan(mapping: mapping, validator: validator, source: sourceOverride ?? mapping.source)
    }

    /// Converts one document.
    /// - Parameters:
    ///   - document: the input.
    ///   - report: counts and diagnostics, updated.
    ///   - inParallel: spread the work over threads so a large export uses every core (see
    ///     ``run(_:report:inParallel:writesLines:emit:write:reject:)``). Records still arrive in
    ///     input order either way.
    ///   - emit: receives each converted record, in input order.
    ///   - reject: receives each rejected record, in input order.
    public func convert(
        _ document: InputSet.Document, report: inout ConversionReport, inParallel: Bool = false,
        emit: (CanonicalRecord) -> Void, reject: (Reject) -> Void
    ) {
        run(
            document, report: &report, inParallel: inParallel, writesLines: false, emit: emit, write: { _ in },
            reject: reject)
    }

    /// Converts one document to canonical NDJSON: ``convert(_:report:inParallel:emit:reject:)``
    /// with each converted record written as one line, straight from the mapping with no tree
    /// built per record.
    /// - Parameter write: receives the lines of converted records, several at once, in input order.
    public func convertToNDJSON(
        _ document: InputSet.Document, report: inout ConversionReport, inParallel: Bool = false,
        write: ([UInt8]) -> Void, reject: (Reject) -> Void
    ) {
        run(
            document, report: &report, inParallel: inParallel, writesLines: true, emit: { _ in }, write: write,
            reject: reject)
    }

    /// The one driver: reads the document's records, converts each through the mapping's one walk
    /// (``RecordConversion``) and hands the outcomes on in input order.
    ///
    /// Mappings without XPath read with ``XMLRecordBatchReader``, which copies records into
    /// batches. Alone, the calling thread reads and converts batch after batch. In parallel, a
    /// reading thread hands the batches over (``Handoff``, at most `batchesInFlight` waiting) to
    /// `workerCount` workers, each with a ``RecordConversion`` of its own, and converts the oldest
    /// batch itself whenever `batchesInFlight` wait; the outcomes come back in batch order
    /// (``InOrder``) to the calling thread, which runs `emit`, `write` and `reject`. The workers
    /// run at a lower priority than the reading thread, which cannot be split: when parsing is
    /// the slowest step they leave it a core of its own. Mappings with
    /// XPath need libxml2's tree of each record: ``XMLRecordReader`` reads them on the calling
    /// thread, one record at a time, whatever `inParallel` says.
    /// - Parameter writesLines: converted records are written as NDJSON lines, handed to `write`,
    ///   instead of being handed to `emit`.
    private func run(
        _ document: InputSet.Document, report: inout ConversionReport, inParallel: Bool, writesLines: Bool,
        emit: (CanonicalRecord) -> Void, write: ([UInt8]) -> Void, reject: (Reject) -> Void
    ) {
        func handOn(_ outcomes: [RecordConversion.Outcome]) {
            for outcome in outcomes {
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
        }
        let file = document.displayPath
        let ending: Ending?
        if !mapping.xpathExpressions.isEmpty {
            let xpaths = try? XPathProgram(
                expressions: mapping.xpathExpressions.map(\.expression), namespaces: mapping.namespaces)
            var conversion = RecordConversion(plan: plan, file: file, writesLines: writesLines)
            ending = read(document) { record, reader in
                conversion.convert(
                    record.node, selector: reader.selector(xpaths: xpaths), line: record.line,
                    text: { reader.text(of: record) })
                handOn(conversion.takeOutcomes())
            } interrupted: {
                handOn([.rejected($0)])
            }
        } else if !inParallel {
            var conversion = RecordConversion(plan: plan, file: file, writesLines: writesLines)
            ending = readBatches(document) { batch in
                conversion.convert(.records(batch))
                handOn(conversion.takeOutcomes())
            } interrupted: {
                handOn([.rejected($0)])
            }
        } else {
            let copies = Handoff<RecordConversion.Input, Ending>(batchSize: 1, capacity: Self.batchesInFlight)
            // The reading thread converts too, when the workers fall behind: one more producer.
            let finished = InOrder<[RecordConversion.Outcome]>(
                capacity: Self.batchesInFlight, producers: Self.workerCount + 1)
            let input = HandedOver(document)
            let reading = Thread { [self, plan] in
                var conversion = RecordConversion(plan: plan, file: file, writesLines: writesLines)
                copies.run { deliver in
                    readBatches(input.value) {
                        deliver(.records($0))
                    } interrupted: {
                        deliver(.cutOff($0))
                    }
                } help: { number, items in
                    for item in items { conversion.convert(item) }
                    finished.put(conversion.takeOutcomes(), number: number)
                }
                finished.producerEnded()
            }
            let workers = (0..<Self.workerCount).map { _ in
                Thread { [plan] in
                    // On Linux a process id of 0 names the calling thread.
                    setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, Self.workerNiceness)
                    var conversion = RecordConversion(plan: plan, file: file, writesLines: writesLines)
                    while let (number, items) = copies.takeNumbered() {
                        for item in items { conversion.convert(item) }
                        finished.put(conversion.takeOutcomes(), number: number)
                    }
                    finished.producerEnded()
                }
            }
            for thread in [reading] + workers {
                thread.stackSize = 8 << 20
                thread.start()
            }
            while let outcomes = finished.next() { handOn(outcomes) }
            ending = copies.ending
        }
        ending?.add(to: &report)
    }

    /// Batches copied but not yet handed on, at most: what bounds the memory of a conversion.
    private static let batchesInFlight = 8
    /// Threads that map, validate and build records, batch by batch, beside the reading one
    /// (which converts too when they fall behind, so the two cores stay busy with two threads).
    private static let workerCount = 1
    /// The workers' niceness (the reading thread keeps the process's): high enough that the reading
    /// thread gets a core of its own when it needs one (measured: 8 and above did the same).
    private static let workerNiceness: Int32 = 12
    /// Records copied per batch.
    private static let snapshotBatchSize = 32
    /// Text a batch may hold before it is handed on with fewer records (large records).
    private static let snapshotBatchBytes = 1 << 20

    // MARK: - Reading

    /// The diagnostics about the document as a whole, known when reading ends.
    private struct Ending: Sendable {
        var malformed: Diagnostic?
        /// Warnings and notes: a skipped archive entry, no records, header paths met late.
        var warnings: [Diagnostic] = []
        /// The document was read through and held no record.
        var hadNoRecords = false

        func add(to report: inout ConversionReport) {
            if let malformed { report.malformed.append(malformed) }
            report.warnings += warnings
            if hadNoRecords { report.documentsWithoutRecords += 1 }
        }
    }

    /// A warning for each header path that matched only after the first record began, where
    /// it matched: the records saw no value for it.
    private static func lateHeaderWarnings(_ late: [(path: NodePath, line: Int)], in document: InputSet.Document)
        -> [Diagnostic]
    {
        late.map { path, line in
            Diagnostic(
                .warning, code: "xml.late-header",
                message: "\(path) comes after the first record: the records before it and after it see no value "
                    + "for it (header values are read before the first record)",
                at: DocumentLocation(path: document.displayPath, line: line, column: 1))
        }
    }

    /// Reads every record of a document in order, handing each to `record` while the reader
    /// is on it, and a record cut off by a fault to `interrupted`.
    private func read(
        _ document: InputSet.Document, record: (XMLRecordReader.Record, XMLRecordReader) -> Void,
        interrupted: (Reject) -> Void
    ) -> Ending {
        let reader = XMLRecordReader(
            input: document.stream, path: document.displayPath, recordPath: mapping.xml.recordPath,
            headerPaths: mapping.xml.headerPaths)
        var records = 0
        do {
            while let next = try reader.next() {
                records += 1
                record(next, reader)
            }
        } catch {
            return ending(of: document, failure: error, after: records, interrupted: interrupted)
        }
        return ending(
            of: document, records: records, rootMatches: reader.rootMatches, rootName: reader.rootName,
            rootNamespace: reader.rootNamespace, lateHeaderPaths: reader.lateHeaderPaths)
    }

    /// Reads every record of a document in order, copied batch by batch; a record cut off by a
    /// fault goes to `interrupted`.
    private func readBatches(
        _ document: InputSet.Document, batch: (RecordSnapshots) -> Void, interrupted: (Reject) -> Void
    ) -> Ending {
        let reader = XMLRecordBatchReader(
            input: document.stream, path: document.displayPath, recordPath: mapping.xml.recordPath,
            headerPaths: mapping.xml.headerPaths, batchSize: Self.snapshotBatchSize, batchBytes: Self.snapshotBatchBytes
        )
        var records = 0
        do {
            try reader.read { copied in
                records += copied.count
                batch(copied)
            }
        } catch {
            return ending(of: document, failure: error, after: records, interrupted: interrupted)
        }
        return ending(
            of: document, records: records, rootMatches: reader.rootMatches, rootName: reader.rootName,
            rootNamespace: reader.rootNamespace, lateHeaderPaths: reader.lateHeaderPaths)
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
            ending.warnings.append(
                Diagnostic(.warning, code: "zip.skipped", message: "skipped: not an XML document", at: failure.location)
            )
        } else {
            ending.malformed = failure.diagnostic
        }
        return ending
    }

    /// The end of a document read through: when its root is not the record path's, an error
    /// (`xml.other-root`) for a file and a warning (`zip.skipped`) for a ZIP entry, which holds
    /// other documents beside the exports as a rule; a note (`xml.no-records`) when the root is
    /// right and no record is in it; a warning for each header path met only after the first record.
    private func ending(
        of document: InputSet.Document, records: Int, rootMatches: Bool, rootName: String?, rootNamespace: String?,
        lateHeaderPaths: [(path: NodePath, line: Int)]
    ) -> Ending {
        var ending = Ending()
        ending.hadNoRecords = records == 0
        let location = DocumentLocation(path: document.displayPath, line: 1, column: 1)
        if rootMatches {
            if records == 0 {
                let path = mapping.xml.recordPath.map(\.localName).joined(separator: "/")
                ending.warnings.append(
                    Diagnostic(
                        .note, code: "xml.no-records", message: "no records at \(path) in this document", at: location))
            }
        } else {
            let message = mapping.otherRootMessage(rootName: rootName, rootNamespace: rootNamespace)
            if document.isArchiveEntry {
                ending.warnings.append(
                    Diagnostic(.warning, code: "zip.skipped", message: "skipped: \(message)", at: location))
            } else {
                ending.malformed = Diagnostic(.error, code: "xml.other-root", message: message, at: location)
            }
        }
        ending.warnings += Self.lateHeaderWarnings(lateHeaderPaths, in: document)
        return ending
    }
}
