import FerryCore

/// Everything the gateway keeps, behind one protocol so the embedded SQLite store and a
/// PostgreSQL driver are interchangeable: inbound documents with their records and rejects,
/// idempotency keys, the delivery queue, the audit chain and its signed checkpoints.
///
/// Each method is one transaction: a document, its records, its delivery jobs and its audit
/// entries are committed together or not at all, so a crash never leaves half of a document.
public protocol GatewayStore: DocumentQueue, AuditLog, ReviewStore, ConsoleSessionStore {
    /// Commits an inbound document.
    ///
    /// Records whose id is already stored are kept as duplicates (no new jobs): a client that
    /// retries a document after losing the answer changes nothing. A document with an
    /// idempotency key already used by its sender is not committed again: the earlier document
    /// is returned, or ``StoreError/idempotencyConflict(documentID:)`` when the bodies differ.
    func commit(_ document: InboundDocument) async throws -> CommitOutcome

    /// The document an idempotency key of a sender names, with its body's hash.
    func idempotencyKey(sender: String, key: String) async throws -> (documentID: String, bodySHA256: String)?

    /// A stored document with its records, rejects and their delivery state.
    func document(_ id: String) async throws -> StoredDocument?

    /// Documents matching a query, newest first.
    func documents(_ query: DocumentQuery) async throws -> [DocumentSummary]

    /// How many documents were received, and how many of their records had each outcome
    /// (`accepted`, `duplicate`, `rejected`), keyed `documents` and by outcome.
    func documentCounts() async throws -> [String: Int]

    /// Stored records by id (their bodies are nil once retention removed them).
    func records(_ ids: [String]) async throws -> [String: StoredRecord]

    /// Which of the ids are stored records (without reading the records).
    func storedRecordIDs(_ ids: [String]) async throws -> Set<String>

    /// Marks leased jobs delivered, blocked, held (with the reason, since `now`) or in review
    /// (opening the review, its approvals cleared) and appends the audit entries, in one
    /// transaction; `now` becomes the last delivery of the delivered jobs' destinations.
    func finishDelivery(
        delivered: [String], blocked: [String], held: [String: String], review: [ReviewOpening], now: Double,
        time: String, audit: [AuditEvent]
    ) async throws

    /// When each destination last took a delivery and last failed one, as `finishDelivery` and
    /// `failDelivery` noted them; destinations without either are absent.
    func destinationActivity() async throws -> [String: DestinationActivity]

    /// Records a failed attempt of leased jobs and appends the audit entries, in one
    /// transaction; each job is rescheduled or dead-lettered by the retry policy, and `now` and
    /// the error become the last failure of the jobs' destinations.
    /// - Returns: each job's new state.
    func failDelivery(
        jobIDs: [String], error: String, now: Double, random: Double, time: String,
        audit: [AuditEvent]
    ) async throws -> [String: DeliveryJob.State]

    /// An operator's action on a job — a dead letter made pending again with its attempts reset
    /// (`retry`) or removed, releasing the jobs of its key behind it (`purge`); a held job made
    /// pending, to be decided again at delivery (`redecide`) — and its audit entry naming the
    /// job's destination and records, in one transaction.
    /// - Parameter audit: the entry, from the job's destination and record ids.
    /// - Throws: ``QueueError`` when the job is not in the action's ``OperatorAction/requiredState``.
    func act(
        on id: String, _ action: OperatorAction, now: Double, time: String,
        audit: @escaping @Sendable (_ destination: String, _ recordIDs: [String]) -> AuditEvent) async throws

    /// Stores a signed checkpoint of the chain head.
    func addCheckpoint(_ checkpoint: AuditCheckpoint) async throws

    /// The checkpoint with the highest sequence, or nil before the first.
    func lastCheckpoint() async throws -> AuditCheckpoint?

    /// Every stored checkpoint, by increasing sequence (verification cross-checks them with the
    /// checkpoint files and the chain).
    func checkpoints() async throws -> [AuditCheckpoint]

    /// Deletes the audit entries before a checkpointed entry (the signed checkpoint stands for
    /// them); the chain and its verification go on from the checkpointed entry.
    /// - Returns: the number of entries deleted.
    /// - Throws: ``QueueError`` when no checkpoint has that sequence.
    func pruneAudit(through sequence: Int) async throws -> Int

    /// Removes record bodies and rejected inputs received before a time whose deliveries are
    /// all finished; ids, hashes and the audit stay.
    /// - Returns: the number of bodies removed.
    func removeBodies(receivedBefore time: String) async throws -> Int

    /// Jobs not yet delivered (pending, leased, dead-lettered, held or in review).
    func queueDepth() async throws -> Int

    /// Proves the store accepts a write now (readiness).
    func probeWritable() async throws

    /// The store's own upkeep while it is open, until the task is cancelled: PostgreSQL's
    /// connection pool runs here (no operation reaches the database while it does not), SQLite
    /// copies its write-ahead log into the database file beside the writers; a store that needs
    /// none returns at once.
    ///
    /// The gateway runs it as the first service of its service group, so it stops last; a
    /// command or a test runs it for a scope with ``withUpkeep(_:)``.
    func maintain() async

    /// Makes the store ready for work once ``maintain()`` runs: PostgreSQL applies the
    /// migrations it lacks (SQLite did on opening).
    /// - Throws: ``StoreError`` when the database cannot be reached or migrated.
    func prepare() async throws
}

/// What an operator does with a dead-lettered or held job.
public enum OperatorAction: String, Sendable {
    case retry, purge, redecide

    /// The state a job must be in for the action.
    public var requiredState: DeliveryJob.State {
        switch self {
        case .retry, .purge: .deadLettered
        case .redecide: .held
        }
    }
}

extension GatewayStore {
    /// No upkeep.
    public func maintain() async {}

    /// Nothing to prepare.
    public func prepare() async throws {}
}
