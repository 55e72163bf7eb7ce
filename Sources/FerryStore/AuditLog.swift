public import FerryCore

/// The append-only audit trail, behind one protocol so the embedded SQLite store and
/// PostgreSQL keep the same chain.
public protocol AuditLog: Sendable {
    /// Appends an event after the current head of the chain.
    /// - Returns: the entry as chained and stored.
    @discardableResult
    func append(kind: String, time: String, details: JSONObject) async throws -> AuditEntry

    /// Every entry, in sequence order.
    func entries() async throws -> [AuditEntry]

    /// A page of entries from a sequence on, in sequence order, optionally of one kind.
    func entries(from sequence: Int, kind: String?, limit: Int) async throws -> [AuditEntry]

    /// The last entry, or nil for an empty chain.
    func head() async throws -> AuditEntry?

    /// The first sequence of an entry stamped at or after `bound`, or nil when none is.
    ///
    /// Stamps follow the sequence only roughly (a delivery's entries carry the time it was
    /// claimed, and instances' clocks differ), so this is the lowest sequence among them, not
    /// the sequence of the earliest stamp: no entry stamped from `bound` on comes before it.
    func firstSequence(atOrAfter bound: AuditTimeBound) async throws -> Int?
}

/// An ``AuditLog`` in memory, for tests.
public actor MemoryAuditLog: AuditLog {
    private var stored: [AuditEntry] = []

    /// An empty log.
    public init() {}

    @discardableResult
    public func append(kind: String, time: String, details: JSONObject) -> AuditEntry {
        let entry = AuditEntry(after: stored.last, time: time, kind: kind, details: details)
        stored.append(entry)
        return entry
    }

    public func entries() -> [AuditEntry] { stored }

    public func entries(from sequence: Int, kind: String?, limit: Int) -> [AuditEntry] {
        Array(stored.filter { $0.sequence >= sequence && (kind == nil || $0.kind == kind) }.prefix(limit))
    }

    public func head() -> AuditEntry? { stored.last }

    public func firstSequence(atOrAfter bound: AuditTimeBound) -> Int? {
        stored.filter { $0.time >= bound.text }.map(\.sequence).min()
    }
}
