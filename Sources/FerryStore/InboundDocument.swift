import FerryCore

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
        /// The review a released record waits in before its delivery, when its route requires one.
        public var review: ReviewOpening?

        public init(
            destination: String, released: Bool, removedFields: [String] = [], blockedReason: String? = nil,
            releasedID: String? = nil, review: ReviewOpening? = nil
        ) {
            self.destination = destination
            self.released = released
            self.removedFields = removedFields
            self.blockedReason = blockedReason
            self.releasedID = releasedID
            self.review = review
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
