import FerryCore
import FerryXML

/// One thread's share of a conversion: records, one after the other, through the mapping's one
/// walk into outcomes, in input order.
///
/// The calling thread owns one when it converts alone; each worker owns one in parallel. A
/// record with a problem is walked a second time, collecting every problem it has.
struct RecordConversion {
    /// One input record at the end: converted, or rejected with its reasons.
    enum Outcome: Sendable {
        case converted(CanonicalRecord)
        /// Converted records written as NDJSON lines: how many, and the bytes.
        case lines(count: Int, bytes: [UInt8])
        case rejected(Reject)
    }

    /// What a reader hands over to be converted.
    enum Input: Sendable {
        /// Records copied out of the reader, in order.
        case records(RecordSnapshots)
        /// The record a fault cut off, rejected with the text read of it.
        case cutOff(Reject)
    }

    private let plan: MappingPlan
    private let file: String
    /// Converted records are written as canonical NDJSON lines rather than built as records.
    private let writesLines: Bool
    /// The document's `time` read from root attributes, worked out on its first record.
    private var headerTime: RecordMapper.Time?
    private var knowsHeaderTime = false
    private var output = CanonicalBytesOutput()
    private var outcomes: [Outcome] = []
    private var lines: [UInt8] = []
    private var lineCount = 0

    /// Starts converting the records of the input named `file` (in rejects) through `plan`.
    init(plan: MappingPlan, file: String, writesLines: Bool) {
        self.plan = plan
        self.file = file
        self.writesLines = writesLines
    }

    /// Converts every record of `input`.
    mutating func convert(_ input: Input) {
        switch input {
        case .records(let batch):
            if !writesLines { outcomes.reserveCapacity(outcomes.count + batch.count) }
            batch.withView { view in
                for index in 0..<view.count {
                    convert(
                        view.node(of: index), selector: view.selector(of: index), line: batch.line(of: index),
                        text: { batch.text(of: index) })
                }
            }
        case .cutOff(let reject):
            add(.rejected(reject))
        }
    }

    /// Converts one record.
    /// - Parameter text: the record's text, asked for only when it is rejected.
    mutating func convert(_ node: RecordNode, selector: some RecordSelector, line: Int, text: () -> String) {
        if !knowsHeaderTime {
            (headerTime, knowsHeaderTime) = (plan.headerTime(of: node, with: selector), true)
        }
        if writesLines {
            if plan.appendLine(of: node, with: selector, headerTime: headerTime, to: &lines, output: &output) {
                lineCount += 1
                return
            }
        } else if let record = plan.canonicalRecord(of: node, with: selector, headerTime: headerTime) {
            return add(.converted(record))
        }
        let (problems, key) = plan.problems(of: node, with: selector, headerTime: headerTime)
        add(.rejected(Reject(problems: problems, file: file, line: line, key: key, input: text())))
    }

    /// The outcomes since the last call, in input order.
    mutating func takeOutcomes() -> [Outcome] {
        flushLines()
        defer { outcomes = [] }
        return outcomes
    }

    private mutating func add(_ outcome: Outcome) {
        // The lines before a reject are handed on before it, so both stay in input order.
        flushLines()
        outcomes.append(outcome)
    }

    private mutating func flushLines() {
        guard lineCount > 0 else { return }
        outcomes.append(.lines(count: lineCount, bytes: lines))
        (lines, lineCount) = ([], 0)
    }
}
