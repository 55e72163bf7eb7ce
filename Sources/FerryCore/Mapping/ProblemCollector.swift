/// Where a ``MappingPlan`` walk puts the problems it finds: the walk is generic over it, so one
/// walk either stops at the first problem (``FirstProblemStops``, the fast way through records
/// without a problem) or goes on and collects every problem with its pointer
/// (``EveryProblem``, for a reject's reasons).
///
/// A problem is one of two kinds, as a reader meets them: the mapping could not read a value
/// (`mapping.*`), or the mapped data breaks its schema (`record.*`). A reject lists both, the
/// mapping's first, leaving out the schema problems that only repeat a value that could not be
/// read (a required field missing because its value did not parse says nothing new).
package protocol ProblemCollector {
    /// What the walk throws to stop: `Never` when it never stops.
    associatedtype Failure: Error

    /// Takes a problem of reading a value; the problem is built only when it is kept.
    mutating func mappingProblem(_ problem: @autoclosure () -> RecordProblem) throws(Failure)

    /// Takes a problem of the mapped data against its schema.
    mutating func recordProblem(_ problem: @autoclosure () -> RecordProblem) throws(Failure)

    /// A position among the record problems taken so far, for ``recordProblem(_:before:)``.
    var recordProblemMark: Int { get }

    /// Takes a problem of the mapped data to stand before those taken since `mark`: a list's
    /// own problems (its length) come before its items', as a validator reading the finished
    /// list reports them.
    mutating func recordProblem(_ problem: @autoclosure () -> RecordProblem, before mark: Int) throws(Failure)
}

/// Stops the walk at the first problem, without building it: a record with a problem is then
/// walked again with ``EveryProblem`` for its reasons.
package struct FirstProblemStops: ProblemCollector {
    /// Thrown at the first problem.
    package struct Stopped: Error {}

    package typealias Failure = Stopped

    /// Creates the policy.
    package init() {}

    package func mappingProblem(_ problem: @autoclosure () -> RecordProblem) throws(Stopped) { throw Stopped() }

    package func recordProblem(_ problem: @autoclosure () -> RecordProblem) throws(Stopped) { throw Stopped() }

    package var recordProblemMark: Int { 0 }

    package func recordProblem(_ problem: @autoclosure () -> RecordProblem, before mark: Int) throws(Stopped) {
        throw Stopped()
    }
}

/// Collects every problem of a record, each with its JSON pointer, in the order a reader of
/// the record meets them.
package struct EveryProblem: ProblemCollector {
    package typealias Failure = Never

    private var mapping: [RecordProblem] = []
    private var record: [RecordProblem] = []

    /// Creates an empty collection.
    package init() {}

    /// The record's problems: those of reading its values, then those of its data against the
    /// schema, but for those that only repeat a value that could not be read: a required field,
    /// a rule or a list length at or above it.
    package var problems: [RecordProblem] {
        guard !mapping.isEmpty else { return record }
        let unread = mapping.map(\.pointer)
        return mapping
            + record.filter { problem in !unread.contains { Self.isConsequence(problem, ofUnreadValueAt: $0) } }
    }

    /// Whether a schema problem follows from a value that could not be read at `pointer`: the
    /// field is then missing (`record.required`, a rule requiring it) or a list is shorter.
    private static func isConsequence(_ problem: RecordProblem, ofUnreadValueAt pointer: String) -> Bool {
        switch problem.code {
        case "record.required", "record.rule":
            problem.pointer == pointer
        case "record.min-items":
            pointer.hasPrefix(problem.pointer + "/")
        default:
            false
        }
    }

    package mutating func mappingProblem(_ problem: @autoclosure () -> RecordProblem) { mapping.append(problem()) }

    package mutating func recordProblem(_ problem: @autoclosure () -> RecordProblem) { record.append(problem()) }

    package var recordProblemMark: Int { record.count }

    package mutating func recordProblem(_ problem: @autoclosure () -> RecordProblem, before mark: Int) {
        record.insert(problem(), at: mark)
    }
}
