/// One delivery to make: records of one key for one destination, with its retry state.
public struct DeliveryJob: Sendable, Hashable {
    /// Where a job is in its life.
    public enum State: String, Sendable, Hashable {
        /// Waiting until `availableAt`.
        case pending
        /// Claimed by a worker until `leaseExpiresAt`; an expired lease makes it claimable again.
        case leased
        case delivered
        /// Out of attempts: it waits for an operator, and later jobs of its key wait behind it.
        case deadLettered = "dead-lettered"
        /// Decided against just before delivery (the release decision, made again, blocked it, or
        /// the destination's format cannot hold the record): finished without a delivery.
        case blocked
        /// Stopped just before delivery by the configuration, not by policy (no route to the
        /// destination any more, no such destination, a record the schemas in force cannot
        /// read): kept with its body, later jobs of its key waiting behind it, until an operator
        /// has it decided again.
        case held
        /// Waiting for reviewers: a route that requires review. Approved, it is pending;
        /// rejected, blocked. Later jobs of its key wait behind it.
        case inReview = "in-review"
    }

    public let id: String
    public let destination: String
    /// The ordering key (the record's key): per destination, jobs of one key go in order.
    public let key: String
    public let recordIDs: [String]
    /// Position in the queue: jobs of one destination and key are delivered by increasing sequence.
    public internal(set) var sequence: Int
    public internal(set) var state: State = .pending
    public internal(set) var attempts = 0
    /// Seconds since the reference date when the job may be tried next; for a held or
    /// in-review job, since when it is.
    public internal(set) var availableAt: Double
    public internal(set) var leaseExpiresAt: Double?
    /// Why the last attempt failed.
    public internal(set) var lastError: String?

    /// A new pending job, available at once.
    public init(id: String, destination: String, key: String, recordIDs: [String], now: Double) {
        self.id = id
        self.destination = destination
        self.key = key
        self.recordIDs = recordIDs
        sequence = 0
        availableAt = now
    }

    /// A job as a store driver read it back.
    public init(
        stored id: String, destination: String, key: String, recordIDs: [String], sequence: Int, state: State,
        attempts: Int, availableAt: Double, leaseExpiresAt: Double?, lastError: String?
    ) {
        self.id = id
        self.destination = destination
        self.key = key
        self.recordIDs = recordIDs
        self.sequence = sequence
        self.state = state
        self.attempts = attempts
        self.availableAt = availableAt
        self.leaseExpiresAt = leaseExpiresAt
        self.lastError = lastError
    }

    /// Marks the job leased to a worker until a time (store drivers, after committing the lease).
    public mutating func markLeased(until time: Double) {
        state = .leased
        leaseExpiresAt = time
    }

    /// Whether the job still holds back later jobs of its key.
    var isUnfinished: Bool { state != .delivered && state != .blocked }
}
