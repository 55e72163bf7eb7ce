public import FerryCore

/// Everything the gateway keeps, behind one protocol so the embedded SQLite store and a
/// PostgreSQL driver are interchangeable: inbound documents with their records and rejects,
/// idempotency keys, the delivery queue, the audit chain and its signed checkpoints.
///
/// Each method is one transaction: a document, its records, its delivery jobs and its audit
/// entries are committed together or not at all, so a crash never leaves half of a document.
public protocol GatewayStore: DocumentQueue, AuditLog {
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

    /// Stored records by id (their bodies are nil once retention removed them).
    func records(_ ids: [String]) async throws -> [String: StoredRecord]

    /// Which of the ids are stored records (without reading the records).
    func storedRecordIDs(_ ids: [String]) async throws -> Set<String>

    /// Marks leased jobs delivered or blocked and appends the audit entries, in one transaction.
    func finishDelivery(delivered: [String], blocked: [String], time: String, audit: [AuditEvent]) async throws

    /// Records a failed attempt of leased jobs and appends the audit entries, in one
    /// transaction; each job is rescheduled or dead-lettered by the retry policy.
    /// - Returns: each job's new state.
    func failDelivery(
        jobIDs: [String], error: String, now: Double, random: Double, time: String,
        audit: [AuditEvent]
    ) async throws -> [String: DeliveryJob.State]

    /// An operator's action on a dead-lettered job — made pending again with its attempts reset
    /// (`retry`) or removed, releasing the jobs of its key behind it (`purge`) — and its audit
    /// entry naming the job's destination and records, in one transaction.
    /// - Parameter audit: the entry, from the job's destination and record ids.
    /// - Throws: ``QueueError`` when the job is not dead-lettered.
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

    /// Jobs not yet delivered (pending, leased or dead-lettered).
    func queueDepth() async throws -> Int

    /// Proves the store accepts a write now (readiness).
    func probeWritable() async throws
}

/// What an operator does with a dead-lettered job.
public enum OperatorAction: String, Sendable {
    case retry, purge
}

/// An audit event before it is chained: what happened and its particulars (never field values).
public struct AuditEvent: Sendable {
    public var kind: String
    public var details: JSONObject

    /// Creates an event.
    public init(_ kind: String, _ details: JSONObject) {
        self.kind = kind
        self.details = details
    }
}

/// An inbound document as the gateway decided it, ready to commit.
public struct InboundDocument: Sendable {
    /// A record accepted from the document, with its routing.
    public struct Record: Sendable {
        public var id: String
        public var type: String
        public var key: String
        /// The canonical record as received and checked (JSON, members in schema order).
        public var body: [UInt8]
        /// What routing and release decided for each destination.
        public var routing: [Routing]

        public init(id: String, type: String, key: String, body: [UInt8], routing: [Routing]) {
            self.id = id
            self.type = type
            self.key = key
            self.body = body
            self.routing = routing
        }
    }

    /// One destination's decision for a record: released (a delivery job follows) or blocked.
    public struct Routing: Sendable, Hashable {
        public var destination: String
        public var released: Bool
        /// Names of fields removed for the destination, or the reason it is blocked.
        public var removedFields: [String]
        public var blockedReason: String?
        /// The id of the record as released to the destination, when fields were removed (it
        /// differs from the record's own): the link from what a destination holds back to the
        /// record it came from, kept here and never sent.
        public var releasedID: String?

        public init(
            destination: String, released: Bool, removedFields: [String] = [], blockedReason: String? = nil,
            releasedID: String? = nil
        ) {
            self.destination = destination
            self.released = released
            self.removedFields = removedFields
            self.blockedReason = blockedReason
            self.releasedID = releasedID
        }
    }

    /// A record that was not accepted, kept with everything needed to fix it.
    public struct Reject: Sendable {
        public var position: Int
        public var line: Int
        public var key: String?
        public var reason: String
        /// The record's original text (operators only).
        public var input: String?

        public init(position: Int, line: Int, key: String?, reason: String, input: String?) {
            self.position = position
            self.line = line
            self.key = key
            self.reason = reason
            self.input = input
        }
    }

    public var id: String
    public var sender: String
    /// RFC 3339 time of receipt.
    public var receivedAt: String
    /// Seconds since the reference date, for the delivery jobs' schedule.
    public var now: Double
    /// Lowercase hex SHA-256 of the request body.
    public var bodySHA256: String
    public var idempotencyKey: String?
    /// Accepted records, in input order, with their positions.
    public var records: [(position: Int, record: Record)]
    public var rejects: [Reject]
    /// Audit events of the receipt and of each decision, appended in order.
    public var audit: [AuditEvent]

    public init(
        id: String, sender: String, receivedAt: String, now: Double, bodySHA256: String, idempotencyKey: String?,
        records: [(position: Int, record: Record)], rejects: [Reject], audit: [AuditEvent]
    ) {
        self.id = id
        self.sender = sender
        self.receivedAt = receivedAt
        self.now = now
        self.bodySHA256 = bodySHA256
        self.idempotencyKey = idempotencyKey
        self.records = records
        self.rejects = rejects
        self.audit = audit
    }

    /// The delivery job id of a record for a destination: one job per pair, whatever retries.
    public static func jobID(record: String, destination: String) -> String { "\(record)/\(destination)" }
}

/// What committing a document did.
public enum CommitOutcome: Sendable, Equatable {
    /// Committed; the ids of records that were already stored (kept as duplicates, no new jobs).
    case committed(duplicates: Set<String>)
    /// The idempotency key was used before for the same body: that document stands.
    case replayed(documentID: String)
}

/// A stored record.
public struct StoredRecord: Sendable {
    public var id: String
    public var type: String
    public var key: String
    public var sender: String
    public var documentID: String
    /// The canonical record, or nil after retention removed it.
    public var body: [UInt8]?

    public init(id: String, type: String, key: String, sender: String, documentID: String, body: [UInt8]?) {
        self.id = id
        self.type = type
        self.key = key
        self.sender = sender
        self.documentID = documentID
        self.body = body
    }
}

/// A stored document and the state of each of its records.
public struct StoredDocument: Sendable {
    /// One input record's outcome.
    public struct Entry: Sendable {
        public enum Outcome: String, Sendable {
            case accepted, duplicate, rejected
        }

        public var position: Int
        public var outcome: Outcome
        public var recordID: String?
        public var key: String?
        public var line: Int?
        public var reason: String?
        public var input: String?
        /// Per destination: `blocked`, or the delivery job's state, the fields removed and the
        /// released record's id when it differs from the record's.
        public var destinations: [Destination]
        /// True when no route matched the record.
        public var unrouted: Bool

        public init(
            position: Int, outcome: Outcome, recordID: String?, key: String?, line: Int?, reason: String?,
            input: String?, destinations: [Destination], unrouted: Bool
        ) {
            self.position = position
            self.outcome = outcome
            self.recordID = recordID
            self.key = key
            self.line = line
            self.reason = reason
            self.input = input
            self.destinations = destinations
            self.unrouted = unrouted
        }
    }

    public var id: String
    public var sender: String
    public var receivedAt: String
    public var bodySHA256: String
    public var entries: [Entry]

    public init(id: String, sender: String, receivedAt: String, bodySHA256: String, entries: [Entry]) {
        self.id = id
        self.sender = sender
        self.receivedAt = receivedAt
        self.bodySHA256 = bodySHA256
        self.entries = entries
    }
}

extension StoredDocument.Entry {
    /// A record's state at one destination.
    public struct Destination: Sendable, Hashable {
        public var destination: String
        /// `blocked`, `purged`, or the delivery job's state.
        public var state: String
        public var removedFields: [String]
        /// The id of the record as released there, when fields were removed.
        public var releasedID: String?

        public init(destination: String, state: String, removedFields: [String], releasedID: String?) {
            self.destination = destination
            self.state = state
            self.removedFields = removedFields
            self.releasedID = releasedID
        }
    }

    /// An entry as a store driver reads it back: its routing as stored (``StoredText/routing(_:)``)
    /// and the states of the document's delivery jobs by job id.
    ///
    /// A released destination whose job is gone was purged by an operator.
    public init(
        storedPosition position: Int, outcome text: String, recordID: String?, key: String?, line: Int?,
        reason: String?, input: String?, routing routingText: String, jobStates: [String: String]
    ) {
        let routing = StoredText.routing(from: routingText)
        let outcome = Outcome(rawValue: text) ?? .rejected
        self.init(
            position: position, outcome: outcome, recordID: recordID, key: key, line: line, reason: reason,
            input: input,
            destinations: routing.map { decision in
                var state = "blocked"
                if decision.released, let recordID {
                    state =
                        jobStates[InboundDocument.jobID(record: recordID, destination: decision.destination)]
                        ?? "purged"
                }
                return Destination(
                    destination: decision.destination, state: state, removedFields: decision.removedFields,
                    releasedID: decision.releasedID)
            },
            unrouted: outcome != .rejected && routing.isEmpty)
    }
}

extension StoredDocument {
    /// A document as its commit left it, when none of its records was a duplicate: every
    /// released delivery pending, what the store would read back, without reading it.
    public init(committed document: InboundDocument) {
        let accepted = document.records.map { position, record in
            Entry(
                position: position, outcome: .accepted, recordID: record.id, key: record.key, line: nil, reason: nil,
                input: nil,
                destinations: record.routing.map {
                    Entry.Destination(
                        destination: $0.destination, state: $0.released ? "pending" : "blocked",
                        removedFields: $0.removedFields, releasedID: $0.releasedID)
                },
                unrouted: record.routing.isEmpty)
        }
        let rejected = document.rejects.map { reject in
            Entry(
                position: reject.position, outcome: .rejected, recordID: nil, key: reject.key, line: reject.line,
                reason: reject.reason, input: reject.input, destinations: [], unrouted: false)
        }
        self.init(
            id: document.id, sender: document.sender, receivedAt: document.receivedAt, bodySHA256: document.bodySHA256,
            entries: (accepted + rejected).sorted { $0.position < $1.position })
    }
}

/// A signed statement of the audit chain's head, kept in the store and in a file outside it:
/// someone who can rewrite the database cannot recompute the chain without the signing key.
public struct AuditCheckpoint: Sendable, Hashable {
    public var sequence: Int
    public var hash: String
    public var time: String
    public var keyID: String
    /// Ed25519 signature (base64) over ``signedBytes``.
    public var signature: String

    public init(sequence: Int, hash: String, time: String, keyID: String, signature: String) {
        self.sequence = sequence
        self.hash = hash
        self.time = time
        self.keyID = keyID
        self.signature = signature
    }

    /// What the signature covers: `ferry-audit-checkpoint\n<sequence>\n<hash>\n<time>`.
    public static func signedBytes(sequence: Int, hash: String, time: String) -> [UInt8] {
        Array("ferry-audit-checkpoint\n\(sequence)\n\(hash)\n\(time)".utf8)
    }

    /// The checkpoint as the JSON object of its file.
    public var jsonValue: JSONValue {
        .object(
            JSONObject([
                ("sequence", .integer(sequence)), ("hash", .string(hash)),
                ("time", .string(time)), ("key_id", .string(keyID)), ("signature", .string(signature)),
            ]))
    }

    /// Reads a checkpoint file's JSON.
    public init?(json value: JSONValue) {
        guard let object = value.objectValue, let sequence = object["sequence"]?.integerValue,
            let hash = object["hash"]?.stringValue, let time = object["time"]?.stringValue,
            let keyID = object["key_id"]?.stringValue, let signature = object["signature"]?.stringValue
        else { return nil }
        self.init(sequence: sequence, hash: hash, time: time, keyID: keyID, signature: signature)
    }
}
