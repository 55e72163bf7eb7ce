/// The gateway's delivery queue.
///
/// It is one protocol so the embedded SQLite store and PostgreSQL share its semantics (and one
/// contract test suite):
///
/// - Jobs of one destination and key are delivered in the order they were enqueued; a job waits
///   while an earlier job of its key is unfinished, including a dead-lettered one.
/// - A claim leases jobs to one worker; a lease that expires (the worker died) makes the job
///   claimable again, so nothing accepted is lost and a job runs on one worker at a time.
/// - A failure schedules a retry by the ``RetryPolicy``, or dead-letters the job; operators
///   retry or purge dead letters.
///
/// Times are seconds since the reference date, passed in, so tests control the clock.
public protocol DocumentQueue: Sendable {
    /// Adds jobs, each after every job already queued.
    func enqueue(_ jobs: [DeliveryJob]) async throws

    /// Leases up to `limit` jobs that are due and first in line for their key; with
    /// `oneDestinationExcept`, only jobs of one destination — the one of the earliest such job
    /// whose destination is not in the set — so that a worker holds one destination's batch.
    func claim(limit: Int, now: Double, leaseSeconds: Double, oneDestinationExcept excluded: Set<String>?) async throws
        -> [DeliveryJob]

    /// Marks a leased job delivered.
    func complete(_ id: String) async throws

    /// Records a failed attempt: the job is retried after the policy's delay, or dead-lettered.
    /// - Returns: the job's new state.
    @discardableResult
    func fail(_ id: String, error: String, now: Double, random: Double) async throws -> DeliveryJob.State

    /// Jobs in a state, in queue order.
    func jobs(in state: DeliveryJob.State) async throws -> [DeliveryJob]

    /// For each job, how many later jobs of its destination and key are unfinished: the records
    /// waiting behind it.
    func waitingCounts(behind jobs: [DeliveryJob]) async throws -> [String: Int]

    /// How many jobs each destination has in each state, and how many of its unfinished jobs
    /// have failed an attempt (keyed `failing`).
    func jobCounts() async throws -> [String: [String: Int]]

    /// For each destination with pending jobs, when its oldest pending job became due.
    func oldestPending() async throws -> [String: Double]

    /// Makes a dead-lettered job pending again, with its attempts reset (an operator's retry).
    func retry(_ id: String, now: Double) async throws

    /// Removes a dead-lettered job, releasing the jobs of its key behind it (an operator's purge).
    func purge(_ id: String) async throws
}

extension DocumentQueue {
    /// Leases up to `limit` jobs that are due and first in line for their key, of any destination.
    public func claim(limit: Int, now: Double, leaseSeconds: Double) async throws -> [DeliveryJob] {
        try await claim(limit: limit, now: now, leaseSeconds: leaseSeconds, oneDestinationExcept: nil)
    }
}

/// A queue operation on a job that does not exist or is not in the state it needs.
public struct QueueError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kinds of queue error.
    public enum Code: String, Sendable {
        /// No job has the id.
        case noJob = "queue.no-job"
        /// The job is in another state than the operation needs (a retry of a job not dead-lettered).
        case wrongState = "queue.wrong-state"
        /// No audit checkpoint has the sequence an operation names.
        case noCheckpoint = "queue.no-checkpoint"
    }

    /// The kind of error.
    public let code: Code
    /// What happened, for people.
    public let message: String

    /// Creates an error of a kind.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
