public import FerryCore
public import FerryStore
import Foundation
import GRDB

/// The ``GatewayStore`` on embedded SQLite (GRDB, WAL, synchronous commits): every operation is
/// one transaction, so a crash leaves each document and each job either before or after it,
/// never half-written.
///
/// The schema comes from named, append-only migrations; opening a store applies the missing ones.
public final class SQLiteGatewayStore: GatewayStore {
    private let database: DatabasePool
    /// A connection of its own that copies the write-ahead log into the database file.
    private let checkpointer: DatabaseQueue
    private let policy: RetryPolicy

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
        // The commit that fills the log past SQLite's threshold would otherwise copy it into the
        // database file itself, and a sender would wait for that. Instead the log is copied
        // beside the writers, ten times a second (``copyLog()``).
        try database.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_autocheckpoint = 0") }
        Task.detached(priority: .background) { [weak self] in
            while let store = self {
                await store.copyLog()
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// The log size, in 4 KiB frames (64 MiB), past which the writer takes a share of the copying.
    private static let logBoundFrames = 16_384

    /// Copies the write-ahead log into the database file on the checkpointer's connection, which
    /// holds no commit back.
    ///
    /// Copying often keeps each copy and its sync small, and the log starts afresh by itself
    /// whenever a commit begins with everything copied, which between commits is the rule. Only
    /// under sustained saturation, when the log passes ``logBoundFrames``, does the writer copy the
    /// rest itself (commits wait for that), so the log stays bounded.
    private func copyLog() async {
        guard let (logged, _) = try? await checkpointer.writeWithoutTransaction({ db in try db.checkpoint(.passive) }),
            logged > Self.logBoundFrames
        else { return }
        _ = try? await database.writeWithoutTransaction { db in try db.checkpoint(.passive) }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("2026-11-25 delivery jobs") { db in
            try db.create(table: "delivery_job") { table in
                table.autoIncrementedPrimaryKey("sequence")
                table.column("id", .text).notNull().unique()
                table.column("destination", .text).notNull()
                table.column("ordering_key", .text).notNull()
                table.column("record_ids", .text).notNull()
                table.column("state", .text).notNull()
                table.column("attempts", .integer).notNull()
                table.column("available_at", .double).notNull()
                table.column("lease_expires_at", .double)
                table.column("last_error", .text)
            }
            try db.create(
                index: "delivery_job_line", on: "delivery_job", columns: ["destination", "ordering_key", "sequence"])
        }
        migrator.registerMigration("2026-11-25 audit") { db in
            try db.create(table: "audit_entry") { table in
                table.primaryKey("sequence", .integer)
                table.column("time", .text).notNull()
                table.column("kind", .text).notNull()
                table.column("details", .text).notNull()
                table.column("previous_hash", .text).notNull()
                table.column("hash", .text).notNull()
            }
        }
        migrator.registerMigration("2026-11-25 documents and records") { db in
            try db.create(table: "document") { table in
                table.primaryKey("id", .text)
                table.column("sender", .text).notNull()
                table.column("received_at", .text).notNull()
                table.column("body_sha256", .text).notNull()
            }
            try db.create(table: "record") { table in
                table.primaryKey("id", .text)
                table.column("type", .text).notNull()
                table.column("record_key", .text).notNull()
                table.column("sender", .text).notNull()
                table.column("document_id", .text).notNull()
                table.column("received_at", .text).notNull()
                table.column("body", .blob)
            }
            try db.create(index: "record_received", on: "record", columns: ["received_at"])
            // One row per input record of a document: accepted, duplicate or rejected.
            try db.create(table: "document_entry") { table in
                table.column("document_id", .text).notNull()
                table.column("position", .integer).notNull()
                table.column("outcome", .text).notNull()
                table.column("record_id", .text)
                table.column("record_key", .text)
                table.column("line", .integer)
                table.column("reason", .text)
                table.column("input", .text)
                table.column("routing", .text).notNull()
                table.primaryKey(["document_id", "position"])
            }
            try db.create(table: "idempotency_key") { table in
                table.column("sender", .text).notNull()
                table.column("key", .text).notNull()
                table.column("body_sha256", .text).notNull()
                table.column("document_id", .text).notNull()
                table.primaryKey(["sender", "key"])
            }
            try db.create(table: "audit_checkpoint") { table in
                table.primaryKey("sequence", .integer)
                table.column("hash", .text).notNull()
                table.column("time", .text).notNull()
                table.column("key_id", .text).notNull()
                table.column("signature", .text).notNull()
            }
            try db.create(table: "readiness_probe") { table in
                table.primaryKey("id", .integer)
                table.column("time", .double).notNull()
            }
            try db.create(index: "delivery_job_state", on: "delivery_job", columns: ["state", "sequence"])
        }
        migrator.registerMigration("2026-11-25 rejected inputs index") { db in
            // Retention looks for rejected inputs still kept: without this index it read every
            // document entry while holding the writer.
            try db.execute(
                sql: "CREATE INDEX document_entry_input ON document_entry (document_id) WHERE input IS NOT NULL")
        }
        migrator.registerMigration("2026-12-04 claim index") { db in
            // Claims for one destination seek its jobs in each state in queue order.
            try db.create(
                index: "delivery_job_claim", on: "delivery_job", columns: ["state", "destination", "sequence"])
        }
        return migrator
    }

    // MARK: Documents

    public func commit(_ document: InboundDocument) async throws -> CommitOutcome {
        try await writing { db in
            if let key = document.idempotencyKey,
                let row = try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT * FROM idempotency_key WHERE sender = ? AND key = ?"),
                    arguments: [document.sender, key])
            {
                let documentID: String = row["document_id"]
                guard row["body_sha256"] == document.bodySHA256 else {
                    throw StoreError.idempotencyConflict(documentID: documentID)
                }
                return .replayed(documentID: documentID)
            }
            try db.cachedStatement(
                sql: "INSERT INTO document (id, sender, received_at, body_sha256) VALUES (?, ?, ?, ?)"
            ).execute(
                arguments: [document.id, document.sender, document.receivedAt, document.bodySHA256])
            if let key = document.idempotencyKey {
                try db.cachedStatement(
                    sql: "INSERT INTO idempotency_key (sender, key, body_sha256, document_id) VALUES (?, ?, ?, ?)"
                ).execute(
                    arguments: [document.sender, key, document.bodySHA256, document.id])
            }
            var duplicates = Set<String>()
            for (position, record) in document.records {
                // A record already stored, by an earlier document or earlier in this one, is a duplicate.
                try db.cachedStatement(
                    sql: """
                        INSERT OR IGNORE INTO record (id, type, record_key, sender, document_id, received_at, body)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """
                ).execute(arguments: [
                    record.id, record.type, record.key, document.sender, document.id, document.receivedAt,
                    Data(record.body),
                ])
                let duplicate = db.changesCount == 0
                if duplicate {
                    duplicates.insert(record.id)
                } else {
                    for routing in record.routing where routing.released {
                        try Self.insertJob(
                            db, id: InboundDocument.jobID(record: record.id, destination: routing.destination),
                            destination: routing.destination, key: record.key, recordIDs: [record.id],
                            availableAt: document.now)
                    }
                }
                try db.cachedStatement(
                    sql: """
                        INSERT INTO document_entry (document_id, position, outcome, record_id, record_key, line, reason, input, routing)
                        VALUES (?, ?, ?, ?, ?, NULL, NULL, NULL, ?)
                        """
                ).execute(arguments: [
                    document.id, position, duplicate ? "duplicate" : "accepted", record.id, record.key,
                    StoredText.routing(record.routing),
                ])
            }
            for reject in document.rejects {
                try db.cachedStatement(
                    sql: """
                        INSERT INTO document_entry (document_id, position, outcome, record_id, record_key, line, reason, input, routing)
                        VALUES (?, ?, 'rejected', NULL, ?, ?, ?, ?, '[]')
                        """
                ).execute(arguments: [
                    document.id, reject.position, reject.key, reject.line, reject.reason, reject.input,
                ])
            }
            for event in document.audit {
                try Self.appendAudit(db, kind: event.kind, time: document.receivedAt, details: event.details)
            }
            return .committed(duplicates: duplicates)
        }
    }

    public func idempotencyKey(sender: String, key: String) async throws -> (documentID: String, bodySHA256: String)? {
        try await database.read { db in
            try Row.fetchOne(
                db.cachedStatement(sql: "SELECT * FROM idempotency_key WHERE sender = ? AND key = ?"),
                arguments: [sender, key]
            )
            .map { ($0["document_id"], $0["body_sha256"]) }
        }
    }

    public func document(_ id: String) async throws -> StoredDocument? {
        try await database.read { db in
            guard
                let row = try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT * FROM document WHERE id = ?"), arguments: [id])
            else { return nil }
            var entries: [StoredDocument.Entry] = []
            // Every delivery job of the document's records, in one range join on the job ids.
            var jobStates: [String: String] = [:]
            for job in try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT job.id, job.state FROM document_entry AS entry JOIN delivery_job AS job
                        ON job.id >= entry.record_id || '/' AND job.id < entry.record_id || '0'
                        WHERE entry.document_id = ? AND entry.record_id IS NOT NULL
                        """), arguments: [id])
            {
                jobStates[job["id"]] = job["state"]
            }
            for entry in try Row.fetchAll(
                db.cachedStatement(sql: "SELECT * FROM document_entry WHERE document_id = ? ORDER BY position"),
                arguments: [id])
            {
                entries.append(
                    StoredDocument.Entry(
                        storedPosition: entry["position"], outcome: entry["outcome"], recordID: entry["record_id"],
                        key: entry["record_key"], line: entry["line"], reason: entry["reason"], input: entry["input"],
                        routing: entry["routing"], jobStates: jobStates))
            }
            return StoredDocument(
                id: id, sender: row["sender"], receivedAt: row["received_at"], bodySHA256: row["body_sha256"],
                entries: entries)
        }
    }

    public func records(_ ids: [String]) async throws -> [String: StoredRecord] {
        try await database.read { db in
            var result: [String: StoredRecord] = [:]
            for id in ids {
                guard
                    let row = try Row.fetchOne(
                        db.cachedStatement(sql: "SELECT * FROM record WHERE id = ?"), arguments: [id])
                else { continue }
                let body: Data? = row["body"]
                result[id] = StoredRecord(
                    id: id, type: row["type"], key: row["record_key"], sender: row["sender"],
                    documentID: row["document_id"], body: body.map { [UInt8]($0) })
            }
            return result
        }
    }

    public func storedRecordIDs(_ ids: [String]) async throws -> Set<String> {
        try await database.read { db in
            let statement = try db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM record WHERE id = ?)")
            return Set(try ids.filter { try Bool.fetchOne(statement, arguments: [$0]) == true })
        }
    }

    public func removeBodies(receivedBefore time: String) async throws -> Int {
        try await writing { db in
            // A body stays while any of its deliveries is unfinished; the document_entry rows keep
            // ids and keys, the audit keeps the hashes.
            try db.cachedStatement(
                sql: """
                    UPDATE record SET body = NULL WHERE body IS NOT NULL AND received_at < ?
                    AND NOT EXISTS (SELECT 1 FROM delivery_job WHERE delivery_job.id >= record.id || '/'
                                    AND delivery_job.id < record.id || '0' AND delivery_job.state NOT IN ('delivered', 'blocked'))
                    """
            ).execute(arguments: [time])
            let records = db.changesCount
            try db.cachedStatement(
                sql: """
                    UPDATE document_entry SET input = NULL WHERE input IS NOT NULL
                    AND document_id IN (SELECT id FROM document WHERE received_at < ?)
                    """
            ).execute(arguments: [time])
            return records + db.changesCount
        }
    }

    public func probeWritable() async throws {
        try await writing { db in
            try db.cachedStatement(sql: "INSERT OR REPLACE INTO readiness_probe (id, time) VALUES (1, ?)").execute(
                arguments: [Date().timeIntervalSinceReferenceDate])
        }
    }

    public func queueDepth() async throws -> Int {
        try await database.read { db in
            try Int.fetchOne(
                db.cachedStatement(
                    sql: "SELECT COUNT(*) FROM delivery_job WHERE state IN ('pending', 'leased', 'dead-lettered')"))
                ?? 0
        }
    }

    // MARK: Delivery queue

    public func enqueue(_ jobs: [DeliveryJob]) async throws {
        try await writing { db in
            for job in jobs {
                try Self.insertJob(
                    db, id: job.id, destination: job.destination, key: job.key, recordIDs: job.recordIDs,
                    availableAt: job.availableAt)
            }
        }
    }

    /// The condition on `job` that makes it claimable now: due, and first in line for its key (no
    /// earlier job of the same destination and key is unfinished); `:now` is bound by the caller.
    ///
    /// It is a condition, not a subquery, so that each claim walks the state index in queue order
    /// and stops at its limit.
    private static let claimable = """
        job.state IN ('pending', 'leased')
          AND ((job.state = 'pending' AND job.available_at <= :now)
               OR (job.state = 'leased' AND job.lease_expires_at <= :now))
          AND NOT EXISTS (SELECT 1 FROM delivery_job AS earlier
                          WHERE earlier.destination = job.destination AND earlier.ordering_key = job.ordering_key
                            AND earlier.sequence < job.sequence AND earlier.state NOT IN ('delivered', 'blocked'))
        """

    /// The destination not in `excluded` whose earliest claimable job is first in the queue.
    ///
    /// The claim index (state, destination, sequence) is sought once per destination that has
    /// pending or leased jobs, so a claim costs the same whether the excluded destinations hold
    /// ten jobs or a million: walking the queue in order past an excluded destination's backlog
    /// would hold the writer for all of it each time.
    private static func firstDestination(_ db: Database, now: Double, excluding excluded: Set<String>) throws
        -> String?
    {
        let destinations = try String.fetchAll(
            db.cachedStatement(
                sql: """
                    WITH RECURSIVE next(destination) AS (
                        SELECT (SELECT MIN(destination) FROM delivery_job WHERE state IN ('pending', 'leased'))
                        UNION ALL
                        SELECT (SELECT MIN(destination) FROM delivery_job
                                WHERE state IN ('pending', 'leased') AND destination > next.destination)
                        FROM next WHERE next.destination IS NOT NULL)
                    SELECT destination FROM next WHERE destination IS NOT NULL
                    """))
        var first: (destination: String, sequence: Int)?
        for destination in destinations where !excluded.contains(destination) {
            for state in ["pending", "leased"] {
                guard
                    let sequence = try Int.fetchOne(
                        db.cachedStatement(
                            sql: """
                                SELECT job.sequence FROM delivery_job AS job
                                WHERE job.state = :state AND job.destination = :destination AND \(Self.claimable)
                                ORDER BY job.sequence LIMIT 1
                                """), arguments: ["state": state, "destination": destination, "now": now]),
                    sequence < first?.sequence ?? .max
                else { continue }
                first = (destination, sequence)
            }
        }
        return first?.destination
    }

    public func claim(limit: Int, now: Double, leaseSeconds: Double, oneDestinationExcept excluded: Set<String>?)
        async throws
        -> [DeliveryJob]
    {
        try await writing { db in
            var rows: [Row]
            if let excluded {
                guard let chosen = try Self.firstDestination(db, now: now, excluding: excluded) else { return [] }
                // Each state's jobs of the destination in queue order, from the claim index.
                rows = try ["pending", "leased"].flatMap { state in
                    try Row.fetchAll(
                        db.cachedStatement(
                            sql: """
                                SELECT * FROM delivery_job AS job
                                WHERE job.state = :state AND job.destination = :destination AND \(Self.claimable)
                                ORDER BY job.sequence LIMIT :limit
                                """),
                        arguments: ["state": state, "destination": chosen, "now": now, "limit": limit])
                }
                .sorted { ($0["sequence"] as Int) < ($1["sequence"] as Int) }.prefix(limit).map { $0 }
            } else {
                rows = try Row.fetchAll(
                    db.cachedStatement(
                        sql: """
                            SELECT * FROM delivery_job AS job WHERE \(Self.claimable) ORDER BY job.sequence LIMIT :limit
                            """), arguments: ["now": now, "limit": limit])
            }
            var claimed: [DeliveryJob] = []
            for row in rows {
                let sequence: Int = row["sequence"]
                try db.cachedStatement(
                    sql: "UPDATE delivery_job SET state = 'leased', lease_expires_at = ? WHERE sequence = ?"
                ).execute(
                    arguments: [now + leaseSeconds, sequence])
                var job = try Self.job(row)
                job.markLeased(until: now + leaseSeconds)
                claimed.append(job)
            }
            return claimed
        }
    }

    public func complete(_ id: String) async throws {
        try await writing { db in try Self.complete(db, id, as: .delivered) }
    }

    @discardableResult
    public func fail(_ id: String, error: String, now: Double, random: Double) async throws -> DeliveryJob.State {
        try await writing { [policy] db in try Self.fail(db, id, error: error, now: now, random: random, policy: policy)
        }
    }

    public func finishDelivery(delivered: [String], blocked: [String], time: String, audit: [AuditEvent]) async throws {
        try await writing { db in
            for id in delivered { try Self.complete(db, id, as: .delivered) }
            for id in blocked { try Self.complete(db, id, as: .blocked) }
            for event in audit { try Self.appendAudit(db, kind: event.kind, time: time, details: event.details) }
        }
    }

    public func failDelivery(
        jobIDs: [String], error: String, now: Double, random: Double, time: String,
        audit: [AuditEvent]
    ) async throws -> [String: DeliveryJob.State] {
        try await writing { [policy] db in
            var states: [String: DeliveryJob.State] = [:]
            for id in jobIDs {
                states[id] = try Self.fail(db, id, error: error, now: now, random: random, policy: policy)
            }
            for event in audit { try Self.appendAudit(db, kind: event.kind, time: time, details: event.details) }
            let dead = jobIDs.filter { states[$0] == .deadLettered }
            if !dead.isEmpty {
                try Self.appendAudit(
                    db, kind: "dead-lettered", time: time,
                    details: JSONObject([("jobs", .array(dead.map(JSONValue.string))), ("error", .string(error))]))
            }
            return states
        }
    }

    public func jobs(in state: DeliveryJob.State) async throws -> [DeliveryJob] {
        try await database.read { db in
            try Row.fetchAll(
                db.cachedStatement(sql: "SELECT * FROM delivery_job WHERE state = ? ORDER BY sequence"),
                arguments: [state.rawValue]
            )
            .map(Self.job)
        }
    }

    public func retry(_ id: String, now: Double) async throws {
        try await writing { db in
            try Self.require(db, id, state: .deadLettered)
            try db.cachedStatement(
                sql: "UPDATE delivery_job SET state = 'pending', attempts = 0, available_at = ? WHERE id = ?"
            ).execute(
                arguments: [now, id])
        }
    }

    public func purge(_ id: String) async throws {
        try await writing { db in
            try Self.require(db, id, state: .deadLettered)
            try db.cachedStatement(sql: "DELETE FROM delivery_job WHERE id = ?").execute(arguments: [id])
        }
    }

    public func act(
        on id: String, _ action: OperatorAction, now: Double, time: String,
        audit: @escaping @Sendable (_ destination: String, _ recordIDs: [String]) -> AuditEvent
    ) async throws {
        try await writing { db in
            let row = try Self.require(db, id, state: .deadLettered)
            switch action {
            case .retry:
                try db.cachedStatement(
                    sql: "UPDATE delivery_job SET state = 'pending', attempts = 0, available_at = ? WHERE id = ?"
                )
                .execute(arguments: [now, id])
            case .purge:
                try db.cachedStatement(sql: "DELETE FROM delivery_job WHERE id = ?").execute(arguments: [id])
            }
            let event = audit(row["destination"], StoredText.recordIDs(from: row["record_ids"]))
            try Self.appendAudit(db, kind: event.kind, time: time, details: event.details)
        }
    }

    // MARK: Audit

    @discardableResult
    public func append(kind: String, time: String, details: JSONObject) async throws -> AuditEntry {
        try await writing { db in try Self.appendAudit(db, kind: kind, time: time, details: details) }
    }

    public func entries() async throws -> [AuditEntry] {
        try await database.read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM audit_entry ORDER BY sequence")).map(Self.entry)
        }
    }

    public func head() async throws -> AuditEntry? {
        try await database.read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM audit_entry ORDER BY sequence DESC LIMIT 1")).map(
                Self.entry)
        }
    }

    public func addCheckpoint(_ checkpoint: AuditCheckpoint) async throws {
        try await writing { db in
            try db.cachedStatement(
                sql: """
                    INSERT OR REPLACE INTO audit_checkpoint (sequence, hash, time, key_id, signature) VALUES (?, ?, ?, ?, ?)
                    """
            ).execute(arguments: [
                checkpoint.sequence, checkpoint.hash, checkpoint.time, checkpoint.keyID, checkpoint.signature,
            ])
        }
    }

    public func lastCheckpoint() async throws -> AuditCheckpoint? {
        try await database.read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM audit_checkpoint ORDER BY sequence DESC LIMIT 1"))
                .map(Self.checkpoint)
        }
    }

    public func checkpoints() async throws -> [AuditCheckpoint] {
        try await database.read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM audit_checkpoint ORDER BY sequence")).map(
                Self.checkpoint)
        }
    }

    private static func checkpoint(_ row: Row) -> AuditCheckpoint {
        AuditCheckpoint(
            sequence: row["sequence"], hash: row["hash"], time: row["time"], keyID: row["key_id"],
            signature: row["signature"])
    }

    public func pruneAudit(through sequence: Int) async throws -> Int {
        try await writing { db in
            guard
                try Bool.fetchOne(
                    db, sql: "SELECT EXISTS (SELECT 1 FROM audit_checkpoint WHERE sequence = ?)",
                    arguments: [sequence]) == true
            else {
                throw QueueError(.noCheckpoint, "no audit checkpoint at \(sequence): pruning stops at a checkpoint")
            }
            // The checkpointed entry stays: the chain goes on from it, and verification starts there.
            try db.execute(sql: "DELETE FROM audit_entry WHERE sequence < ?", arguments: [sequence])
            return db.changesCount
        }
    }

    // MARK: Helpers

    /// A write transaction; a full disk or database becomes ``StoreError/full(_:cause:)``.
    private func writing<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws -> T {
        do {
            return try await database.write(body)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_FULL || error.resultCode == .SQLITE_IOERR {
            throw StoreError.full(error.message ?? "\(error.resultCode)", cause: error)
        }
    }

    private static func insertJob(
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

    private static func complete(_ db: Database, _ id: String, as state: DeliveryJob.State) throws {
        try require(db, id, state: .leased)
        try db.cachedStatement(sql: "UPDATE delivery_job SET state = ?, lease_expires_at = NULL WHERE id = ?").execute(
            arguments: [state.rawValue, id])
    }

    private static func fail(
        _ db: Database, _ id: String, error: String, now: Double, random: Double,
        policy: RetryPolicy
    ) throws -> DeliveryJob.State {
        let row = try require(db, id, state: .leased)
        let attempts: Int = row["attempts"] + 1
        if let delay = policy.delay(afterAttempts: attempts, random: random) {
            try db.cachedStatement(
                sql: """
                    UPDATE delivery_job SET state = 'pending', attempts = ?, available_at = ?, lease_expires_at = NULL,
                    last_error = ? WHERE id = ?
                    """
            ).execute(arguments: [attempts, now + delay, error, id])
            return .pending
        }
        try db.cachedStatement(
            sql: """
                UPDATE delivery_job SET state = 'dead-lettered', attempts = ?, lease_expires_at = NULL, last_error = ?
                WHERE id = ?
                """
        ).execute(arguments: [attempts, error, id])
        return .deadLettered
    }

    @discardableResult
    private static func require(_ db: Database, _ id: String, state: DeliveryJob.State) throws -> Row {
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

    private static func job(_ row: Row) throws -> DeliveryJob {
        return DeliveryJob(
            stored: row["id"], destination: row["destination"], key: row["ordering_key"],
            recordIDs: StoredText.recordIDs(from: row["record_ids"]),
            sequence: row["sequence"], state: DeliveryJob.State(rawValue: row["state"]) ?? .pending,
            attempts: row["attempts"], availableAt: row["available_at"], leaseExpiresAt: row["lease_expires_at"],
            lastError: row["last_error"])
    }

    /// Reads the chain's head and appends after it, inside the caller's transaction.
    @discardableResult
    private static func appendAudit(_ db: Database, kind: String, time: String, details: JSONObject) throws
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

    private static func entry(_ row: Row) -> AuditEntry {
        AuditEntry(
            sequence: row["sequence"], time: row["time"], kind: row["kind"],
            details: StoredText.auditDetails(from: row["details"]),
            previousHash: row["previous_hash"], hash: row["hash"])
    }
}
