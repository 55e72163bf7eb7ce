public import FerryStore
import Foundation
import GRDB

/// The console's sessions.
extension SQLiteGatewayStore {
    public func createSession(_ session: ConsoleSession) async throws {
        try await writing { db in
            try db.cachedStatement(
                sql: """
                    INSERT INTO console_session (id_hash, system, csrf_token, created_at, last_seen_at)
                    VALUES (?, ?, ?, ?, ?)
                    """
            ).execute(arguments: [
                session.idHash, session.system, session.csrfToken, session.createdAt, session.lastSeenAt,
            ])
        }
    }

    public func session(idHash: String, now: Double, idleSeconds: Double) async throws -> ConsoleSession? {
        try await writing { db in
            guard
                let row = try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT * FROM console_session WHERE id_hash = ?"), arguments: [idHash])
            else { return nil }
            let lastSeen: Double = row["last_seen_at"]
            guard now - lastSeen <= idleSeconds else {
                try db.cachedStatement(sql: "DELETE FROM console_session WHERE id_hash = ?").execute(arguments: [idHash]
                )
                return nil
            }
            try db.cachedStatement(sql: "UPDATE console_session SET last_seen_at = ? WHERE id_hash = ?").execute(
                arguments: [now, idHash])
            return ConsoleSession(
                idHash: idHash, system: row["system"], csrfToken: row["csrf_token"], createdAt: row["created_at"],
                lastSeenAt: now)
        }
    }

    public func deleteSession(idHash: String) async throws {
        try await writing { db in
            try db.cachedStatement(sql: "DELETE FROM console_session WHERE id_hash = ?").execute(arguments: [idHash])
        }
    }
}
