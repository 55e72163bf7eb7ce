public import FerryStore
import Foundation
import PostgresNIO

/// The console's sessions, shared by every instance.
extension PostgresGatewayStore {
    public func createSession(_ session: ConsoleSession) async throws {
        try await transaction { connection in
            try await connection.query(
                """
                INSERT INTO console_session (id_hash, system, csrf_token, created_at, last_seen_at)
                VALUES (\(session.idHash), \(session.system), \(session.csrfToken), \(session.createdAt),
                        \(session.lastSeenAt))
                """, logger: self.logger)
        }
    }

    public func session(idHash: String, now: Double, idleSeconds: Double) async throws -> ConsoleSession? {
        try await transaction { connection in
            // An idle session goes; a live one is touched, in one statement each.
            try await connection.query(
                "DELETE FROM console_session WHERE id_hash = \(idHash) AND last_seen_at < \(now - idleSeconds)",
                logger: self.logger)
            for try await (system, csrf, created) in try await connection.query(
                """
                UPDATE console_session SET last_seen_at = \(now) WHERE id_hash = \(idHash)
                RETURNING system, csrf_token, created_at
                """, logger: self.logger
            ).decode((String, String, Double).self) {
                return ConsoleSession(
                    idHash: idHash, system: system, csrfToken: csrf, createdAt: created, lastSeenAt: now)
            }
            return nil
        }
    }

    public func deleteSession(idHash: String) async throws {
        try await transaction { connection in
            try await connection.query("DELETE FROM console_session WHERE id_hash = \(idHash)", logger: self.logger)
        }
    }
}
