public import FerryCore
public import FerryQueue
import GRDB

/// The audit trail in the embedded SQLite store: each append reads the chain's head and writes
/// the new entry in one transaction, so concurrent writers still form one chain.
public final class SQLiteAuditLog: AuditLog {
    private let database: DatabasePool

    /// Opens (creating and migrating) the audit table in a database file.
    public init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        database = try DatabasePool(path: path, configuration: configuration)
        var migrator = DatabaseMigrator()
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
        try migrator.migrate(database)
    }

    @discardableResult
    public func append(kind: String, time: String, details: JSONObject) async throws -> AuditEntry {
        try await database.write { db in
            let head = try Row.fetchOne(db, sql: "SELECT * FROM audit_entry ORDER BY sequence DESC LIMIT 1").map(Self.entry)
            let entry = AuditEntry(after: head, time: time, kind: kind, details: details)
            try db.execute(sql: """
                INSERT INTO audit_entry (sequence, time, kind, details, previous_hash, hash) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [entry.sequence, entry.time, entry.kind,
                                 String(decoding: JSONWriter().bytes(.object(entry.details)), as: UTF8.self),
                                 entry.previousHash, entry.hash])
            return entry
        }
    }

    public func entries() async throws -> [AuditEntry] {
        try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM audit_entry ORDER BY sequence").map(Self.entry)
        }
    }

    /// An entry as stored; details that are not a JSON object read as empty, which verification
    /// then reports as an altered entry.
    private static func entry(_ row: Row) -> AuditEntry {
        let text: String = row["details"]
        let details = (try? JSONParser.parseDocument(Array(text.utf8)))?.objectValue ?? JSONObject()
        return AuditEntry(sequence: row["sequence"], time: row["time"], kind: row["kind"], details: details,
                          previousHash: row["previous_hash"], hash: row["hash"])
    }
}
