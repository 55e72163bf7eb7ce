public import FerryCore
public import FerryStore
import Foundation
import GRDB

/// The audit chain and its signed checkpoints.
extension SQLiteGatewayStore {
    @discardableResult
    public func append(kind: String, time: String, details: JSONObject) async throws -> AuditEntry {
        try await writing { db in try Self.appendAudit(db, kind: kind, time: time, details: details) }
    }

    public func entries() async throws -> [AuditEntry] {
        try await database.read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM audit_entry ORDER BY sequence")).map(Self.entry)
        }
    }

    public func entries(from sequence: Int, kind: String?, limit: Int) async throws -> [AuditEntry] {
        try await database.read { db in
            try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT * FROM audit_entry WHERE sequence >= :from AND (:kind IS NULL OR kind = :kind)
                        ORDER BY sequence LIMIT :limit
                        """), arguments: ["from": sequence, "kind": kind, "limit": limit]
            ).map(Self.entry)
        }
    }

    public func firstSequence(atOrAfter bound: AuditTimeBound) async throws -> Int? {
        try await database.read { db in
            try Int.fetchOne(
                db.cachedStatement(
                    sql: "SELECT min(sequence) FROM audit_entry WHERE time >= ?"),
                arguments: [bound.text])
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

    static func checkpoint(_ row: Row) -> AuditCheckpoint {
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
}
