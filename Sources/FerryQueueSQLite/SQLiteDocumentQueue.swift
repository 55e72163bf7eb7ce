public import FerryQueue
import Foundation
import GRDB

/// The ``DocumentQueue`` on embedded SQLite (GRDB, WAL): every operation is one transaction, so
/// a crash leaves each job either before or after it, never half-updated.
///
/// The schema comes from named, append-only migrations.
public final class SQLiteDocumentQueue: DocumentQueue {
    private let database: DatabasePool
    private let policy: RetryPolicy

    /// Opens (creating and migrating) the queue in a database file.
    public init(path: String, policy: RetryPolicy = RetryPolicy()) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        database = try DatabasePool(path: path, configuration: configuration)
        self.policy = policy
        try Self.migrator.migrate(database)
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
            try db.create(index: "delivery_job_line", on: "delivery_job", columns: ["destination", "ordering_key", "sequence"])
        }
        return migrator
    }

    public func enqueue(_ jobs: [DeliveryJob]) async throws {
        try await database.write { db in
            for job in jobs {
                let ids = String(decoding: try JSONEncoder().encode(job.recordIDs), as: UTF8.self)
                try db.execute(sql: """
                    INSERT INTO delivery_job (id, destination, ordering_key, record_ids, state, attempts, available_at)
                    VALUES (?, ?, ?, ?, 'pending', 0, ?)
                    """, arguments: [job.id, job.destination, job.key, ids, job.availableAt])
            }
        }
    }

    public func claim(limit: Int, now: Double, leaseSeconds: Double) async throws -> [DeliveryJob] {
        try await database.write { db in
            // First in line for its key: no earlier job of the same destination and key is unfinished.
            let rows = try Row.fetchAll(db, sql: """
                SELECT * FROM delivery_job AS job
                WHERE ((job.state = 'pending' AND job.available_at <= :now)
                       OR (job.state = 'leased' AND job.lease_expires_at <= :now))
                  AND NOT EXISTS (SELECT 1 FROM delivery_job AS earlier
                                  WHERE earlier.destination = job.destination AND earlier.ordering_key = job.ordering_key
                                    AND earlier.sequence < job.sequence AND earlier.state != 'delivered')
                ORDER BY job.sequence LIMIT :limit
                """, arguments: ["now": now, "limit": limit])
            var claimed: [DeliveryJob] = []
            for row in rows {
                let sequence: Int = row["sequence"]
                try db.execute(sql: "UPDATE delivery_job SET state = 'leased', lease_expires_at = ? WHERE sequence = ?",
                               arguments: [now + leaseSeconds, sequence])
                var job = try Self.job(row)
                job.markLeased(until: now + leaseSeconds)
                claimed.append(job)
            }
            return claimed
        }
    }

    public func complete(_ id: String) async throws {
        try await database.write { db in
            try Self.require(db, id, state: .leased)
            try db.execute(sql: "UPDATE delivery_job SET state = 'delivered', lease_expires_at = NULL WHERE id = ?", arguments: [id])
        }
    }

    @discardableResult
    public func fail(_ id: String, error: String, now: Double, random: Double) async throws -> DeliveryJob.State {
        try await database.write { [policy] db in
            let row = try Self.require(db, id, state: .leased)
            let attempts: Int = row["attempts"] + 1
            if let delay = policy.delay(afterAttempts: attempts, random: random) {
                try db.execute(sql: """
                    UPDATE delivery_job SET state = 'pending', attempts = ?, available_at = ?, lease_expires_at = NULL,
                    last_error = ? WHERE id = ?
                    """, arguments: [attempts, now + delay, error, id])
                return .pending
            }
            try db.execute(sql: """
                UPDATE delivery_job SET state = 'dead-lettered', attempts = ?, lease_expires_at = NULL, last_error = ?
                WHERE id = ?
                """, arguments: [attempts, error, id])
            return .deadLettered
        }
    }

    public func jobs(in state: DeliveryJob.State) async throws -> [DeliveryJob] {
        try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM delivery_job WHERE state = ? ORDER BY sequence", arguments: [state.rawValue])
                .map(Self.job)
        }
    }

    public func retry(_ id: String, now: Double) async throws {
        try await database.write { db in
            try Self.require(db, id, state: .deadLettered)
            try db.execute(sql: "UPDATE delivery_job SET state = 'pending', attempts = 0, available_at = ? WHERE id = ?",
                           arguments: [now, id])
        }
    }

    public func purge(_ id: String) async throws {
        try await database.write { db in
            try Self.require(db, id, state: .deadLettered)
            try db.execute(sql: "DELETE FROM delivery_job WHERE id = ?", arguments: [id])
        }
    }

    @discardableResult
    private static func require(_ db: Database, _ id: String, state: DeliveryJob.State) throws -> Row {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM delivery_job WHERE id = ?", arguments: [id]) else {
            throw QueueError(message: "no job \(id)")
        }
        let current: String = row["state"]
        guard current == state.rawValue else { throw QueueError(message: "job \(id) is \(current), not \(state.rawValue)") }
        return row
    }

    private static func job(_ row: Row) throws -> DeliveryJob {
        let ids = try JSONDecoder().decode([String].self, from: Data((row["record_ids"] as String).utf8))
        return DeliveryJob(stored: row["id"], destination: row["destination"], key: row["ordering_key"], recordIDs: ids,
                           sequence: row["sequence"], state: DeliveryJob.State(rawValue: row["state"]) ?? .pending,
                           attempts: row["attempts"], availableAt: row["available_at"], leaseExpiresAt: row["lease_expires_at"],
                           lastError: row["last_error"])
    }
}
