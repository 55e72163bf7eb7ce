public import FerryCore
public import FerryStore
import Foundation
import Logging
import PostgresNIO

/// The audit chain, appended by concurrent instances, and its signed checkpoints.
extension PostgresGatewayStore {
    @discardableResult
    public func append(kind: String, time: String, details: JSONObject) async throws -> AuditEntry {
        try await transaction { connection in
            try await self.chain(connection, jobs: [], audit: [AuditEvent(kind, details)], time: time)[0]
        }
    }

    public func entries() async throws -> [AuditEntry] {
        try await reading { connection in
            try await Self.entries(
                connection.query(
                    """
                    SELECT sequence, time, kind, details, previous_hash, hash FROM audit_entry ORDER BY sequence
                    """, logger: self.logger))
        }
    }

    public func entries(from sequence: Int, kind: String?, limit: Int) async throws -> [AuditEntry] {
        try await reading { connection in
            try await Self.entries(
                connection.query(
                    """
                    SELECT sequence, time, kind, details, previous_hash, hash FROM audit_entry
                    WHERE sequence >= \(sequence) AND (\(kind)::text IS NULL OR kind = \(kind))
                    ORDER BY sequence LIMIT \(limit)
                    """, logger: self.logger))
        }
    }

    public func firstSequence(atOrAfter bound: AuditTimeBound) async throws -> Int? {
        try await reading { connection in
            // Compared byte by byte ("C"), as the index is: stamped times sort as text only so.
            for try await sequence in try await connection.query(
                #"SELECT min(sequence) FROM audit_entry WHERE time COLLATE "C" >= \#(bound.text)"#,
                logger: self.logger
            ).decode(Int?.self) {
                return sequence
            }
            return nil
        }
    }

    public func head() async throws -> AuditEntry? {
        try await reading { connection in
            try await Self.entries(
                connection.query(
                    """
                    SELECT sequence, time, kind, details, previous_hash, hash FROM audit_entry ORDER BY sequence DESC LIMIT 1
                    """, logger: self.logger)
            ).first
        }
    }

    public func addCheckpoint(_ checkpoint: AuditCheckpoint) async throws {
        try await transaction { connection in
            try await connection.query(
                """
                INSERT INTO audit_checkpoint (sequence, hash, time, key_id, signature)
                VALUES (\(checkpoint.sequence), \(checkpoint.hash), \(checkpoint.time), \(checkpoint.keyID), \(checkpoint.signature))
                ON CONFLICT (sequence) DO UPDATE SET hash = excluded.hash, time = excluded.time, key_id = excluded.key_id,
                    signature = excluded.signature
                """, logger: self.logger)
        }
    }

    public func lastCheckpoint() async throws -> AuditCheckpoint? {
        try await reading { connection in
            for try await (sequence, hash, time, keyID, signature) in try await connection.query(
                """
                SELECT sequence, hash, time, key_id, signature FROM audit_checkpoint ORDER BY sequence DESC LIMIT 1
                """, logger: self.logger
            ).decode((Int, String, String, String, String).self) {
                return AuditCheckpoint(sequence: sequence, hash: hash, time: time, keyID: keyID, signature: signature)
            }
            return nil
        }
    }

    public func checkpoints() async throws -> [AuditCheckpoint] {
        try await reading { connection in
            var checkpoints: [AuditCheckpoint] = []
            for try await (sequence, hash, time, keyID, signature) in try await connection.query(
                """
                SELECT sequence, hash, time, key_id, signature FROM audit_checkpoint ORDER BY sequence
                """, logger: self.logger
            ).decode((Int, String, String, String, String).self) {
                checkpoints.append(
                    AuditCheckpoint(sequence: sequence, hash: hash, time: time, keyID: keyID, signature: signature))
            }
            return checkpoints
        }
    }

    public func pruneAudit(through sequence: Int) async throws -> Int {
        try await transaction { connection in
            guard
                try await self.count(connection, "SELECT count(*) FROM audit_checkpoint WHERE sequence = \(sequence)")
                    > 0
            else {
                throw QueueError(.noCheckpoint, "no audit checkpoint at \(sequence): pruning stops at a checkpoint")
            }
            // The checkpointed entry stays: the chain goes on from it, and verification starts there.
            return try await self.count(
                connection,
                """
                WITH pruned AS (DELETE FROM audit_entry WHERE sequence < \(sequence) RETURNING 1) SELECT count(*) FROM pruned
                """)
        }
    }
}
