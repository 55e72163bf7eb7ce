import FerryCore
import FerryStore
import Foundation
import Logging
import PostgresNIO

/// The store's schema: named, append-only migrations, applied once per database under an advisory lock.
extension PostgresGatewayStore {
    /// Named, append-only migrations, applied in order; each name is applied once per database.
    static let migrations: [(name: String, statements: [String])] = [
        (
            "2026-11-25 gateway store",
            [
                """
                CREATE TABLE delivery_job (
                    sequence bigserial PRIMARY KEY,
                    id text COLLATE "C" NOT NULL UNIQUE,
                    destination text NOT NULL,
                    ordering_key text NOT NULL,
                    record_ids text NOT NULL,
                    state text NOT NULL,
                    attempts bigint NOT NULL,
                    available_at double precision NOT NULL,
                    lease_expires_at double precision,
                    last_error text)
                """,
                "CREATE INDEX delivery_job_line ON delivery_job (destination, ordering_key, sequence)",
                "CREATE INDEX delivery_job_state ON delivery_job (state, sequence)",
                "CREATE INDEX delivery_job_due ON delivery_job (sequence) WHERE state IN ('pending', 'leased')",
                """
                CREATE TABLE audit_entry (
                    sequence bigint PRIMARY KEY, time text NOT NULL, kind text NOT NULL, details text NOT NULL,
                    previous_hash text NOT NULL, hash text NOT NULL)
                """,
                // The chain's head, one row: appenders lock it, so concurrent instances keep one chain.
                "CREATE TABLE audit_head (id bigint PRIMARY KEY CHECK (id = 1), sequence bigint NOT NULL, hash text NOT NULL)",
                "INSERT INTO audit_head (id, sequence, hash) VALUES (1, 0, '\(AuditEntry.genesis)')",
                """
                CREATE TABLE audit_checkpoint (
                    sequence bigint PRIMARY KEY, hash text NOT NULL, time text NOT NULL, key_id text NOT NULL, signature text NOT NULL)
                """,
                "CREATE TABLE document (id text PRIMARY KEY, sender text NOT NULL, received_at text NOT NULL, body_sha256 text NOT NULL)",
                """
                CREATE TABLE record (
                    id text COLLATE "C" PRIMARY KEY, type text NOT NULL, record_key text NOT NULL, sender text NOT NULL,
                    document_id text NOT NULL, received_at text NOT NULL, body bytea)
                """,
                "CREATE INDEX record_received ON record (received_at)",
                """
                CREATE TABLE document_entry (
                    document_id text NOT NULL, position bigint NOT NULL, outcome text NOT NULL, record_id text COLLATE "C",
                    record_key text, line bigint, reason text, input text, routing text NOT NULL,
                    PRIMARY KEY (document_id, position))
                """,
                """
                CREATE TABLE idempotency_key (
                    sender text NOT NULL, key text NOT NULL, body_sha256 text NOT NULL, document_id text NOT NULL,
                    PRIMARY KEY (sender, key))
                """,
                "CREATE TABLE readiness_probe (id bigint PRIMARY KEY, time double precision NOT NULL)",
            ]
        ),
        (
            "2026-11-25 rejected inputs index",
            [
                // Retention looks for rejected inputs still kept, without reading every entry.
                "CREATE INDEX document_entry_input ON document_entry (document_id) WHERE input IS NOT NULL"
            ]
        ),
        (
            "2026-12-04 claim index",
            [
                // Claims for one destination seek its jobs in each state in queue order.
                "CREATE INDEX delivery_job_claim ON delivery_job (state, destination, sequence)"
            ]
        ),
        (
            "2026-12-07 reviews",
            [
                // A review has its job's id; approvals are of the hash under review, one per reviewer.
                """
                CREATE TABLE review (
                    id text PRIMARY KEY, destination text NOT NULL, record_id text NOT NULL, subject text NOT NULL,
                    classification text NOT NULL, released_sha256 text NOT NULL, opened_at double precision NOT NULL,
                    state text NOT NULL, rejected_by text, reason text)
                """,
                "CREATE INDEX review_open ON review (state, opened_at)",
                """
                CREATE TABLE review_approval (
                    review_id text NOT NULL, reviewer text NOT NULL, time text NOT NULL, PRIMARY KEY (review_id, reviewer))
                """,
            ]
        ),
        (
            "2026-12-07 document search",
            [
                // Listings go newest first and find the documents that carried a key.
                "CREATE INDEX document_received ON document (received_at)",
                "CREATE INDEX document_entry_key ON document_entry (record_key)",
            ]
        ),
        (
            "2026-12-07 console indexes",
            [
                // The console's audit page by kind, and documents with a record of an outcome.
                "CREATE INDEX audit_entry_kind ON audit_entry (kind, sequence)",
                "CREATE INDEX document_entry_outcome ON document_entry (outcome, document_id)",
            ]
        ),
        (
            "2026-12-07 console sessions",
            [
                """
                CREATE TABLE console_session (
                    id_hash text PRIMARY KEY, system text NOT NULL, csrf_token text NOT NULL,
                    created_at double precision NOT NULL, last_seen_at double precision NOT NULL)
                """
            ]
        ),
        (
            "2026-12-07 destination activity and audit times",
            [
                // One row per destination, so the console's destinations page reads no history; the
                // audit trail from a time starts at an index seek.
                """
                CREATE TABLE destination_activity (
                    destination text PRIMARY KEY, last_delivered_at double precision,
                    last_failed_at double precision, last_error text)
                """,
                #"CREATE INDEX audit_entry_time ON audit_entry ((time COLLATE "C"), sequence)"#,
            ]
        ),
    ]

    /// The advisory lock that serializes migrations between instances ("ferry" in ASCII).
    static let migrationLock = 0x6665_7272_79

    func migrate() async throws {
        try await transaction { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.migrationLock))", logger: self.logger)
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS ferry_migration (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())
                """, logger: self.logger)
            var applied = Set<String>()
            for try await name in try await connection.query("SELECT name FROM ferry_migration", logger: self.logger)
                .decode(String.self)
            {
                applied.insert(name)
            }
            for migration in Self.migrations where !applied.contains(migration.name) {
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: self.logger)
                }
                try await connection.query(
                    "INSERT INTO ferry_migration (name) VALUES (\(migration.name))", logger: self.logger)
            }
        }
    }
}
