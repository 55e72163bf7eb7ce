import FerryCore
public import FerryStore
import Foundation
import GRDB

/// The ``GatewayStore`` on embedded SQLite (GRDB, WAL, synchronous commits): every operation is
/// one transaction, so a crash leaves each document and each job either before or after it,
/// never half-written.
///
/// The schema comes from named, append-only migrations; opening a store applies the missing ones.
public final class SQLiteGatewayStore: GatewayStore {
    let database: DatabasePool
    /// A connection of its own that copies the write-ahead log into the database file.
    let checkpointer: DatabaseQueue
    let policy: RetryPolicy

    /// Opens (creating and migrating) the store in a database file.
    public init(path: String, policy: RetryPolicy = RetryPolicy()) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // Each commit reaches the disk before the gateway answers; WAL keeps readers unblocked.
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        database = try DatabasePool(path: path, configuration: configuration)
        checkpointer = try DatabaseQueue(path: path, configuration: configuration)
        self.policy = policy
        try Self.migrator.migrate(database)
    }

    /// Copies the write-ahead log beside the writers, ten times a second (``copyLog()``), until
    /// cancelled.
    ///
    /// The commit that fills the log past SQLite's threshold would otherwise copy it into the
    /// database file itself, and a sender would wait for that; while this runs, commits leave the
    /// copying to it. Without it (a command that opens the store for a moment) SQLite copies the
    /// log itself, as it does by default.
    public func maintain() async {
        guard
            (try? await database.writeWithoutTransaction({ db in try db.execute(sql: "PRAGMA wal_autocheckpoint = 0") }))
                != nil
        else { return }
        while !Task.isCancelled {
            await copyLog()
            try? await Task.sleep(for: .milliseconds(100))
        }
        restoreAutomaticLogCopying()
    }

    /// Gives SQLite back its default: commits copy the log themselves past 1,000 pages.
    ///
    /// Synchronous, since the task that asks is cancelled and GRDB's asynchronous access then
    /// refuses work.
    private func restoreAutomaticLogCopying() {
        _ = try? database.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_autocheckpoint = 1000") }
    }

    /// The log size, in 4 KiB frames (64 MiB), past which the writer takes a share of the copying.
    static let logBoundFrames = 16_384

    /// Copies the write-ahead log into the database file on the checkpointer's connection, which
    /// holds no commit back.
    ///
    /// Copying often keeps each copy and its sync small, and the log starts afresh by itself
    /// whenever a commit begins with everything copied, which between commits is the rule. Only
    /// under sustained saturation, when the log passes ``logBoundFrames``, does the writer copy the
    /// rest itself (commits wait for that), so the log stays bounded.
    func copyLog() async {
        guard let (logged, _) = try? await checkpointer.writeWithoutTransaction({ db in try db.checkpoint(.passive) }),
            logged > Self.logBoundFrames
        else { return }
        _ = try? await database.writeWithoutTransaction { db in try db.checkpoint(.passive) }
    }

    // MARK: Helpers

    /// A write transaction; a full disk or database becomes ``StoreError/full(_:cause:)``.
    func writing<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws -> T {
        do {
            return try await database.write(body)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_FULL || error.resultCode == .SQLITE_IOERR {
            throw StoreError.full(error.message ?? "\(error.resultCode)", cause: error)
        }
    }

    static func insertJob(
        _ db: Database, id: String, destination: String, key: String, recordIDs: [String],
        availableAt: Double
    ) throws {
        let ids = StoredText.recordIDs(recordIDs)
        try db.cachedStatement(
            sql: """
                INSERT INTO delivery_job (id, destination, ordering_key, record_ids, state, attempts, available_at)
                VALUES (?, ?, ?, ?, 'pending', 0, ?)
                """
        ).execute(arguments: [id, destination, key, ids, availableAt])
    }

    /// Finishes a leased job in `state`.
    /// - Returns: the job's destination.
    @discardableResult
    static func complete(_ db: Database, _ id: String, as state: DeliveryJob.State) throws -> String {
        let row = try require(db, id, state: .leased)
        try db.cachedStatement(sql: "UPDATE delivery_job SET state = ?, lease_expires_at = NULL WHERE id = ?").execute(
            arguments: [state.rawValue, id])
        return row["destination"]
    }

    /// Records a failed attempt of a leased job: rescheduled by the policy, or dead-lettered.
    /// - Returns: the job's new state and its destination.
    static func fail(
        _ db: Database, _ id: String, error: String, now: Double, random: Double,
        policy: RetryPolicy
    ) throws -> (state: DeliveryJob.State, destination: String) {
        let row = try require(db, id, state: .leased)
        let destination: String = row["destination"]
        let attempts: Int = row["attempts"] + 1
        if let delay = policy.delay(afterAttempts: attempts, random: random) {
            try db.cachedStatement(
                sql: """
                    UPDATE delivery_job SET state = 'pending', attempts = ?, available_at = ?, lease_expires_at = NULL,
                    last_error = ? WHERE id = ?
                    """
            ).execute(arguments: [attempts, now + delay, error, id])
            return (.pending, destination)
        }
        try db.cachedStatement(
            sql: """
                UPDATE delivery_job SET state = 'dead-lettered', attempts = ?, lease_expires_at = NULL, last_error = ?
                WHERE id = ?
                """
        ).execute(arguments: [attempts, error, id])
        return (.deadLettered, destination)
    }

    @discardableResult
    static func require(_ db: Database, _ id: String, state: DeliveryJob.State) throws -> Row {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT * FROM delivery_job WHERE id = ?"), arguments: [id])
        else {
            throw QueueError(.noJob, "no job \(id)")
        }
        let current: String = row["state"]
        guard current == state.rawValue else {
            throw QueueError(.wrongState, "job \(id) is \(current), not \(state.rawValue)")
        }
        return row
    }

    static func job(_ row: Row) throws -> DeliveryJob {
        return DeliveryJob(
            stored: row["id"], destination: row["destination"], key: row["ordering_key"],
            recordIDs: StoredText.recordIDs(from: row["record_ids"]),
            sequence: row["sequence"], state: DeliveryJob.State(rawValue: row["state"]) ?? .pending,
            attempts: row["attempts"], availableAt: row["available_at"], leaseExpiresAt: row["lease_expires_at"],
            lastError: row["last_error"])
    }

    /// Reads the chain's head and appends after it, inside the caller's transaction.
    @discardableResult
    static func appendAudit(_ db: Database, kind: String, time: String, details: JSONObject) throws
        -> AuditEntry
    {
        let head = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT sequence, hash FROM audit_entry ORDER BY sequence DESC LIMIT 1")
        )
        .map { (sequence: $0["sequence"] as Int, hash: $0["hash"] as String) }
        let entry = AuditEntry(following: head, time: time, kind: kind, details: details)
        try db.cachedStatement(
            sql: """
                INSERT INTO audit_entry (sequence, time, kind, details, previous_hash, hash) VALUES (?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            entry.sequence, entry.time, entry.kind,
            StoredText.json(.object(entry.details)),
            entry.previousHash, entry.hash,
        ])
        return entry
    }

    static func entry(_ row: Row) -> AuditEntry {
        AuditEntry(
            sequence: row["sequence"], time: row["time"], kind: row["kind"],
            details: StoredText.auditDetails(from: row["details"]),
            previousHash: row["previous_hash"], hash: row["hash"])
    }
}
