import FerryCore
import FerryStore
import Foundation
import GRDB

/// The store's schema: named, append-only migrations, applied in order when a store opens.
extension SQLiteGatewayStore {
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
        migrator.registerMigration("2026-12-07 reviews") { db in
            // A review has its job's id; approvals are of the hash under review, one per reviewer.
            try db.execute(
                sql: """
                    CREATE TABLE review (
                        id TEXT PRIMARY KEY, destination TEXT NOT NULL, record_id TEXT NOT NULL, subject TEXT NOT NULL,
                        classification TEXT NOT NULL, released_sha256 TEXT NOT NULL, opened_at REAL NOT NULL,
                        state TEXT NOT NULL, rejected_by TEXT, reason TEXT);
                    CREATE INDEX review_open ON review (state, opened_at);
                    CREATE TABLE review_approval (
                        review_id TEXT NOT NULL, reviewer TEXT NOT NULL, time TEXT NOT NULL,
                        PRIMARY KEY (review_id, reviewer));
                    """)
        }
        migrator.registerMigration("2026-12-07 document search") { db in
            // Listings go newest first and find the documents that carried a key.
            try db.execute(
                sql: """
                    CREATE INDEX document_received ON document (received_at);
                    CREATE INDEX document_entry_key ON document_entry (record_key);
                    """)
        }
        migrator.registerMigration("2026-12-07 console indexes") { db in
            // The console's audit page by kind, and documents with a record of an outcome.
            try db.execute(
                sql: """
                    CREATE INDEX audit_entry_kind ON audit_entry (kind, sequence);
                    CREATE INDEX document_entry_outcome ON document_entry (outcome, document_id);
                    """)
        }
        migrator.registerMigration("2026-12-07 console sessions") { db in
            try db.execute(
                sql: """
                    CREATE TABLE console_session (
                        id_hash TEXT PRIMARY KEY, system TEXT NOT NULL, csrf_token TEXT NOT NULL,
                        created_at REAL NOT NULL, last_seen_at REAL NOT NULL)
                    """)
        }
        migrator.registerMigration("2026-12-07 destination activity and audit times") { db in
            // One row per destination, so the console's destinations page reads no history; the
            // audit trail from a time starts at an index seek.
            try db.execute(
                sql: """
                    CREATE TABLE destination_activity (
                        destination TEXT PRIMARY KEY, last_delivered_at REAL, last_failed_at REAL, last_error TEXT);
                    CREATE INDEX audit_entry_time ON audit_entry (time, sequence);
                    """)
        }
        return migrator
    }
}
