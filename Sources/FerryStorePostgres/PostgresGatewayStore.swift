public import FerryCore
public import FerryStore
import Foundation
public import Logging
import PostgresNIO

/// The ``GatewayStore`` on PostgreSQL (postgres-nio), shared by any number of gateway instances.
///
/// - Every operation is one transaction, as with SQLite.
/// - Delivery workers claim jobs with `FOR UPDATE SKIP LOCKED` and a lease: one instance runs a
///   job at a time, and a lease left by an instance that died expires so another takes the job.
/// - The audit chain stays one chain with concurrent writers: a transaction that appends locks
///   the chain's head row (`audit_head`) as its last step, so appends are serialized only for the
///   moment of chaining and committing. Delivery jobs get their queue sequence under the same
///   lock, so a job's sequence follows commit order and per-key order holds across instances.
/// - Migrations run in one transaction under an advisory lock: instances that start together
///   apply each migration once.
public final class PostgresGatewayStore: GatewayStore {
    private let client: PostgresClient
    private let clientTask: Task<Void, Never>
    private let policy: RetryPolicy
    private let logger: Logger

    /// Connects to the database and applies the missing migrations.
    /// - Throws: ``StoreError/unavailable(_:cause:)`` when the server cannot be reached.
    public init(
        location: StoreLocation.PostgresLocation, policy: RetryPolicy = RetryPolicy(),
        logger: Logger = PostgresGatewayStore.quietLogger
    ) async throws {
        // The pool's own chatter (retries, a lease asked for a moment before the pool runs) stays
        // below errors; the store's errors reach the caller as StoreError.
        var background = logger
        background.logLevel = max(logger.logLevel, .error)
        let client = PostgresClient(configuration: try Self.clientConfiguration(location), backgroundLogger: background)
        self.client = client
        clientTask = Task { await client.run() }
        self.policy = policy
        self.logger = logger
        do {
            try await migrate()
        } catch {
            clientTask.cancel()
            throw error
        }
    }

    /// A logger that reports only errors (the pool's retries are not news to a test or a CLI command).
    public static var quietLogger: Logger {
        var logger = Logger(label: "ferry.store")
        logger.logLevel = .error
        return logger
    }

    /// Closes the connections.
    public func close() async {
        clientTask.cancel()
        await clientTask.value
    }

    deinit {
        // A store dropped without close() still lets its connections go.
        clientTask.cancel()
    }

    private static func clientConfiguration(_ location: StoreLocation.PostgresLocation) throws
        -> PostgresClient.Configuration
    {
        var configuration: PostgresClient.Configuration
        if let directory = location.socketDirectory {
            configuration = .init(
                unixSocketPath: "\(directory)/.s.PGSQL.\(location.port)", username: location.user,
                password: location.password, database: location.database)
        } else {
            var unverified = TLSConfiguration.makeClientConfiguration()
            unverified.certificateVerification = .none
            let tls: PostgresClient.Configuration.TLS =
                switch location.tlsMode {
                case .disable: .disable
                case .prefer: .prefer(unverified)
                case .require: .require(unverified)
                case .verifyFull: .require(.makeClientConfiguration())
                }
            configuration = .init(
                host: location.host, port: location.port, username: location.user,
                password: location.password, database: location.database, tls: tls)
        }
        configuration.options.maximumConnections = location.poolSize
        configuration.options.connectTimeout = .seconds(5)
        return configuration
    }

    // MARK: Migrations

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
    ]

    /// The advisory lock that serializes migrations between instances ("ferry" in ASCII).
    private static let migrationLock = 0x6665_7272_79

    private func migrate() async throws {
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

    // MARK: Documents

    public func commit(_ document: InboundDocument) async throws -> CommitOutcome {
        do {
            return try await transaction { connection in
                if let key = document.idempotencyKey {
                    // A concurrent request with the same key waits here for the first to commit.
                    let inserted = try await connection.query(
                        """
                        INSERT INTO idempotency_key (sender, key, body_sha256, document_id)
                        VALUES (\(document.sender), \(key), \(document.bodySHA256), \(document.id))
                        ON CONFLICT (sender, key) DO NOTHING RETURNING document_id
                        """, logger: self.logger
                    ).collect()
                    if inserted.isEmpty {
                        throw EarlierDocument(key: key)
                    }
                }
                try await connection.query(
                    """
                    INSERT INTO document (id, sender, received_at, body_sha256)
                    VALUES (\(document.id), \(document.sender), \(document.receivedAt), \(document.bodySHA256))
                    """, logger: self.logger)
                // The first occurrence of an id is inserted; records already stored are duplicates.
                var firstOccurrences: [InboundDocument.Record] = []
                var seen = Set<String>()
                for (_, record) in document.records where seen.insert(record.id).inserted {
                    firstOccurrences.append(record)
                }
                var inserted = Set<String>()
                if !firstOccurrences.isEmpty {
                    let rows = try await connection.query(
                        """
                        INSERT INTO record (id, type, record_key, sender, document_id, received_at, body)
                        SELECT r.id, r.type, r.key, \(document.sender), \(document.id), \(document.receivedAt), r.body
                        FROM unnest(\(firstOccurrences.map(\.id))::text[], \(firstOccurrences.map(\.type))::text[],
                                    \(firstOccurrences.map(\.key))::text[],
                                    \(firstOccurrences.map { ByteBuffer(bytes: $0.body) })::bytea[]) AS r(id, type, key, body)
                        ON CONFLICT (id) DO NOTHING RETURNING id
                        """, logger: self.logger)
                    for try await id in rows.decode(String.self) { inserted.insert(id) }
                }
                var duplicates = Set<String>()
                var entries = EntryColumns()
                var jobs: [DeliveryJob] = []
                for (position, record) in document.records {
                    let isNew = inserted.remove(record.id) != nil
                    if !isNew { duplicates.insert(record.id) }
                    entries.append(
                        position: position, outcome: isNew ? "accepted" : "duplicate", recordID: record.id,
                        key: record.key, routing: StoredText.routing(record.routing))
                    guard isNew else { continue }
                    for routing in record.routing where routing.released {
                        jobs.append(
                            DeliveryJob(
                                id: InboundDocument.jobID(record: record.id, destination: routing.destination),
                                destination: routing.destination, key: record.key, recordIDs: [record.id],
                                now: document.now))
                    }
                }
                if !entries.positions.isEmpty {
                    try await connection.query(
                        """
                        INSERT INTO document_entry (document_id, position, outcome, record_id, record_key, routing)
                        SELECT \(document.id), e.position, e.outcome, e.record_id, e.record_key, e.routing
                        FROM unnest(\(entries.positions)::bigint[], \(entries.outcomes)::text[], \(entries.recordIDs)::text[],
                                    \(entries.keys)::text[], \(entries.routing)::text[])
                             AS e(position, outcome, record_id, record_key, routing)
                        """, logger: self.logger)
                }
                for reject in document.rejects {
                    try await connection.query(
                        """
                        INSERT INTO document_entry (document_id, position, outcome, record_key, line, reason, input, routing)
                        VALUES (\(document.id), \(reject.position), 'rejected', \(reject.key), \(reject.line), \(reject.reason),
                                \(reject.input), '[]')
                        """, logger: self.logger)
                }
                try await self.chain(connection, jobs: jobs, audit: document.audit, time: document.receivedAt)
                return .committed(duplicates: duplicates)
            }
        } catch let earlier as EarlierDocument {
            guard let stored = try await idempotencyKey(sender: document.sender, key: earlier.key) else {
                throw StoreError.unavailable(
                    "the idempotency key \(earlier.key) vanished while the document was committed")
            }
            guard stored.bodySHA256 == document.bodySHA256 else {
                throw StoreError.idempotencyConflict(documentID: stored.documentID)
            }
            return .replayed(documentID: stored.documentID)
        }
    }

    /// The idempotency key was used before; the transaction is rolled back and the earlier document read.
    private struct EarlierDocument: Error {
        let key: String
    }

    /// Document entries as columns, for one `unnest` insert.
    private struct EntryColumns {
        var positions: [Int] = []
        var outcomes: [String] = []
        var recordIDs: [String] = []
        var keys: [String] = []
        var routing: [String] = []

        mutating func append(position: Int, outcome: String, recordID: String, key: String, routing text: String) {
            positions.append(position)
            outcomes.append(outcome)
            recordIDs.append(recordID)
            keys.append(key)
            routing.append(text)
        }
    }

    public func idempotencyKey(sender: String, key: String) async throws -> (documentID: String, bodySHA256: String)? {
        try await reading { connection in
            for try await (documentID, hash) in try await connection.query(
                """
                SELECT document_id, body_sha256 FROM idempotency_key WHERE sender = \(sender) AND key = \(key)
                """, logger: self.logger
            ).decode((String, String).self) {
                return (documentID, hash)
            }
            return nil
        }
    }

    public func document(_ id: String) async throws -> StoredDocument? {
        try await reading { connection in
            var header: (sender: String, receivedAt: String, bodySHA256: String)?
            for try await row in try await connection.query(
                """
                SELECT sender, received_at, body_sha256 FROM document WHERE id = \(id)
                """, logger: self.logger
            ).decode((String, String, String).self) {
                header = row
            }
            guard let header else { return nil }
            var jobStates: [String: String] = [:]
            for try await (jobID, state) in try await connection.query(
                """
                SELECT job.id, job.state FROM document_entry AS entry JOIN delivery_job AS job
                ON job.id >= entry.record_id || '/' AND job.id < entry.record_id || '0'
                WHERE entry.document_id = \(id) AND entry.record_id IS NOT NULL
                """, logger: self.logger
            ).decode((String, String).self) {
                jobStates[jobID] = state
            }
            var entries: [StoredDocument.Entry] = []
            for try await (position, outcomeText, recordID, key, line, reason, input, routingText)
                in try await connection.query(
                    """
                    SELECT position, outcome, record_id, record_key, line, reason, input, routing
                    FROM document_entry WHERE document_id = \(id) ORDER BY position
                    """, logger: self.logger
                ).decode((Int, String, String?, String?, Int?, String?, String?, String).self)
            {
                entries.append(
                    StoredDocument.Entry(
                        storedPosition: position, outcome: outcomeText, recordID: recordID, key: key, line: line,
                        reason: reason,
                        input: input, routing: routingText, jobStates: jobStates))
            }
            return StoredDocument(
                id: id, sender: header.sender, receivedAt: header.receivedAt, bodySHA256: header.bodySHA256,
                entries: entries)
        }
    }

    public func records(_ ids: [String]) async throws -> [String: StoredRecord] {
        try await reading { connection in
            var result: [String: StoredRecord] = [:]
            for try await (id, type, key, sender, documentID, body) in try await connection.query(
                """
                SELECT id, type, record_key, sender, document_id, body FROM record WHERE id = ANY(\(ids)::text[])
                """, logger: self.logger
            ).decode((String, String, String, String, String, ByteBuffer?).self) {
                result[id] = StoredRecord(
                    id: id, type: type, key: key, sender: sender, documentID: documentID,
                    body: body.map { Array(buffer: $0) })
            }
            return result
        }
    }

    public func storedRecordIDs(_ ids: [String]) async throws -> Set<String> {
        try await reading { connection in
            var stored = Set<String>()
            for try await id in try await connection.query(
                "SELECT id FROM record WHERE id = ANY(\(ids)::text[])",
                logger: self.logger
            ).decode(String.self) {
                stored.insert(id)
            }
            return stored
        }
    }

    public func removeBodies(receivedBefore time: String) async throws -> Int {
        try await transaction { connection in
            // A body stays while any of its deliveries is unfinished; ids, keys and the audit stay.
            let records = try await self.count(
                connection,
                """
                WITH removed AS (
                    UPDATE record SET body = NULL WHERE body IS NOT NULL AND received_at < \(time)
                    AND NOT EXISTS (SELECT 1 FROM delivery_job WHERE delivery_job.id >= record.id || '/'
                                    AND delivery_job.id < record.id || '0' AND delivery_job.state NOT IN ('delivered', 'blocked'))
                    RETURNING 1)
                SELECT count(*) FROM removed
                """)
            let inputs = try await self.count(
                connection,
                """
                WITH removed AS (
                    UPDATE document_entry SET input = NULL WHERE input IS NOT NULL
                    AND document_id IN (SELECT id FROM document WHERE received_at < \(time))
                    RETURNING 1)
                SELECT count(*) FROM removed
                """)
            return records + inputs
        }
    }

    public func probeWritable() async throws {
        // A readiness probe wants its answer in a couple of seconds, not after the pool's retries.
        try await transaction(timeout: .seconds(2)) { connection in
            try await connection.query(
                """
                INSERT INTO readiness_probe (id, time) VALUES (1, \(Date().timeIntervalSinceReferenceDate))
                ON CONFLICT (id) DO UPDATE SET time = excluded.time
                """, logger: self.logger)
        }
    }

    public func queueDepth() async throws -> Int {
        try await reading { connection in
            try await self.count(
                connection, "SELECT count(*) FROM delivery_job WHERE state IN ('pending', 'leased', 'dead-lettered')")
        }
    }

    // MARK: Delivery queue

    public func enqueue(_ jobs: [DeliveryJob]) async throws {
        try await transaction { connection in
            try await self.chain(connection, jobs: jobs, audit: [], time: "")
        }
    }

    /// The destination not in `excluded` whose earliest claimable job (`earliest(state)`, a query
    /// of one destination's jobs in that state, `$1` now and `$2` the destination) is first in
    /// the queue.
    ///
    /// The claim index (state, destination, sequence) is sought once per destination that has
    /// pending or leased jobs, so a claim costs the same whether the excluded destinations hold
    /// ten jobs or a million: walking the queue in order past an excluded destination's backlog
    /// would do all of that work each time.
    private func firstDestination(
        _ connection: PostgresConnection, now: Double, excluding excluded: Set<String>,
        earliest: (String) -> String
    ) async throws -> String? {
        var destinations: Set<String> = []
        for state in ["pending", "leased"] {
            let rows = try await connection.query(
                PostgresQuery(
                    unsafeSQL: """
                        WITH RECURSIVE next(destination) AS (
                            (SELECT destination FROM delivery_job WHERE state = '\(state)' ORDER BY destination LIMIT 1)
                            UNION ALL
                            SELECT (SELECT job.destination FROM delivery_job AS job
                                    WHERE job.state = '\(state)' AND job.destination > next.destination
                                    ORDER BY job.destination LIMIT 1)
                            FROM next WHERE next.destination IS NOT NULL)
                        SELECT destination FROM next WHERE destination IS NOT NULL
                        """), logger: logger)
            for try await destination in rows.decode(String.self) { destinations.insert(destination) }
        }
        var first: (destination: String, sequence: Int64)?
        for destination in destinations.subtracting(excluded).sorted() {
            for state in ["pending", "leased"] {
                var bindings = PostgresBindings()
                bindings.append(now)
                bindings.append(destination)
                let rows = try await connection.query(
                    PostgresQuery(unsafeSQL: earliest(state), binds: bindings), logger: logger)
                for try await sequence in rows.decode(Int64.self) where sequence < first?.sequence ?? .max {
                    first = (destination, sequence)
                }
            }
        }
        return first?.destination
    }

    public func claim(limit: Int, now: Double, leaseSeconds: Double, oneDestinationExcept excluded: Set<String>?)
        async throws
        -> [DeliveryJob]
    {
        try await transaction { connection in
            // First in line for its key (no earlier job of its destination and key unfinished), and
            // not being claimed by another instance at this moment (SKIP LOCKED).
            let claimable = """
                job.state IN ('pending', 'leased')
                  AND ((job.state = 'pending' AND job.available_at <= $1)
                       OR (job.state = 'leased' AND job.lease_expires_at <= $1))
                  AND NOT EXISTS (SELECT 1 FROM delivery_job AS earlier
                                  WHERE earlier.destination = job.destination AND earlier.ordering_key = job.ordering_key
                                    AND earlier.sequence < job.sequence AND earlier.state NOT IN ('delivered', 'blocked'))
                """
            // Each state's claimable jobs of one destination ($2), in queue order, from the claim index.
            func due(_ state: String, limit: Int) -> String {
                """
                SELECT job.sequence FROM delivery_job AS job
                WHERE job.state = '\(state)' AND job.destination = $2 AND \(claimable)
                ORDER BY job.sequence LIMIT \(limit) FOR UPDATE OF job SKIP LOCKED
                """
            }
            var bindings = PostgresBindings()
            bindings.append(now)
            let selection: String
            if let excluded {
                guard
                    let chosen = try await self.firstDestination(
                        connection, now: now, excluding: excluded, earliest: { due($0, limit: 1) })
                else { return [] }
                bindings.append(chosen)
                // Row locks are not allowed on a UNION: each state's jobs are locked in a query of their own.
                selection = """
                    pending AS (\(due("pending", limit: limit))), leased AS (\(due("leased", limit: limit))),
                    due AS (SELECT sequence FROM pending UNION ALL SELECT sequence FROM leased ORDER BY sequence LIMIT \(limit))
                    """
            } else {
                selection = """
                    due AS (SELECT job.sequence FROM delivery_job AS job WHERE \(claimable)
                            ORDER BY job.sequence LIMIT \(limit) FOR UPDATE OF job SKIP LOCKED)
                    """
            }
            let rows = try await connection.query(
                PostgresQuery(
                    unsafeSQL: """
                        WITH \(selection)
                        UPDATE delivery_job SET state = 'leased', lease_expires_at = $1 + \(leaseSeconds)
                        FROM due WHERE delivery_job.sequence = due.sequence
                        RETURNING \(Self.jobColumns("delivery_job"))
                        """, binds: bindings), logger: self.logger)
            return try await Self.jobs(rows).sorted { $0.sequence < $1.sequence }
        }
    }

    public func complete(_ id: String) async throws {
        try await transaction { connection in try await self.finish(connection, [id], as: .delivered) }
    }

    @discardableResult
    public func fail(_ id: String, error: String, now: Double, random: Double) async throws -> DeliveryJob.State {
        try await transaction { connection in
            try await self.fail(connection, [id], error: error, now: now, random: random)[id] ?? .pending
        }
    }

    public func finishDelivery(delivered: [String], blocked: [String], time: String, audit: [AuditEvent]) async throws {
        try await transaction { connection in
            try await self.finish(connection, delivered, as: .delivered)
            try await self.finish(connection, blocked, as: .blocked)
            try await self.chain(connection, jobs: [], audit: audit, time: time)
        }
    }

    public func failDelivery(
        jobIDs: [String], error: String, now: Double, random: Double, time: String,
        audit: [AuditEvent]
    ) async throws -> [String: DeliveryJob.State] {
        try await transaction { connection in
            let states = try await self.fail(connection, jobIDs, error: error, now: now, random: random)
            var events = audit
            let dead = jobIDs.filter { states[$0] == .deadLettered }
            if !dead.isEmpty {
                events.append(
                    AuditEvent(
                        "dead-lettered",
                        JSONObject([
                            ("jobs", .array(dead.map(JSONValue.string))),
                            ("error", .string(error)),
                        ])))
            }
            try await self.chain(connection, jobs: [], audit: events, time: time)
            return states
        }
    }

    public func jobs(in state: DeliveryJob.State) async throws -> [DeliveryJob] {
        try await reading { connection in
            try await Self.jobs(
                connection.query(
                    """
                    SELECT \(unescaped: Self.jobColumns("delivery_job")) FROM delivery_job WHERE state = \(state.rawValue) ORDER BY sequence
                    """, logger: self.logger))
        }
    }

    public func retry(_ id: String, now: Double) async throws {
        try await transaction { connection in
            let rows = try await connection.query(
                """
                UPDATE delivery_job SET state = 'pending', attempts = 0, available_at = \(now)
                WHERE id = \(id) AND state = 'dead-lettered' RETURNING id
                """, logger: self.logger
            ).collect()
            if rows.isEmpty { throw try await self.stateError(connection, id, expected: .deadLettered) }
        }
    }

    public func purge(_ id: String) async throws {
        try await transaction { connection in
            let rows = try await connection.query(
                """
                DELETE FROM delivery_job WHERE id = \(id) AND state = 'dead-lettered' RETURNING id
                """, logger: self.logger
            ).collect()
            if rows.isEmpty { throw try await self.stateError(connection, id, expected: .deadLettered) }
        }
    }

    public func act(
        on id: String, _ action: OperatorAction, now: Double, time: String,
        audit: @escaping @Sendable (_ destination: String, _ recordIDs: [String]) -> AuditEvent
    ) async throws {
        try await transaction { connection in
            let query: PostgresQuery =
                switch action {
                case .retry:
                    """
                    UPDATE delivery_job SET state = 'pending', attempts = 0, available_at = \(now)
                    WHERE id = \(id) AND state = 'dead-lettered' RETURNING destination, record_ids
                    """
                case .purge:
                    """
                    DELETE FROM delivery_job WHERE id = \(id) AND state = 'dead-lettered' RETURNING destination, record_ids
                    """
                }
            var found: (String, String)?
            for try await row in try await connection.query(query, logger: self.logger).decode((String, String).self) {
                found = row
            }
            guard let (destination, recordIDs) = found else {
                throw try await self.stateError(connection, id, expected: .deadLettered)
            }
            _ = try await self.chain(
                connection, jobs: [], audit: [audit(destination, StoredText.recordIDs(from: recordIDs))], time: time)
        }
    }

    // MARK: Audit

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

    // MARK: Transactions

    /// Runs the body in one transaction on a pooled connection; a lost or refused connection, or
    /// no answer within ``operationTimeout``, becomes ``StoreError/unavailable(_:cause:)`` and a full
    /// disk ``StoreError/full(_:cause:)``.
    ///
    /// The server rolls back a transaction whose connection is lost.
    @discardableResult
    private func transaction<T: Sendable>(
        timeout: Duration = operationTimeout,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await withConnection(timeout: timeout) { connection in
            try await connection.query("BEGIN", logger: self.logger)
            do {
                let value = try await body(connection)
                try await connection.query("COMMIT", logger: self.logger)
                return value
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: self.logger)
                throw error
            }
        }
    }

    /// A read on a pooled connection (each statement sees committed data).
    private func reading<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws
        -> T
    {
        try await withConnection(timeout: Self.operationTimeout, body)
    }

    /// How long an operation may wait for a connection and its answers before the store counts
    /// as unavailable: the pool itself would keep retrying a dead server for a minute, while a
    /// sender or a readiness probe needs an answer now.
    static let operationTimeout: Duration = .seconds(10)

    private func withConnection<T: Sendable>(
        timeout: Duration,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        // The deadline must hold even when the operation ignores its cancellation: with
        // PostgresNIO 1.33 a query on a connection that closes under it can wait forever. So the
        // operation runs as a task of its own, and the caller takes whichever answers first — the
        // operation or the deadline — instead of waiting for a cancelled operation to finish.
        let first = FirstAnswer<T>()
        let operation = Task {
            do {
                first.answer(
                    .success(try await self.client.withConnection { connection in try await body(connection) }))
            } catch {
                first.answer(.failure(error))
            }
        }
        let deadline = Task {
            try await Task.sleep(for: timeout)
            if first.answer(.failure(StoreError.unavailable("PostgreSQL did not answer within \(timeout)"))) {
                operation.cancel()
            }
        }
        defer { deadline.cancel() }
        do {
            return try await withTaskCancellationHandler {
                try await first.value()
            } onCancel: {
                first.answer(.failure(CancellationError()))
                operation.cancel()
            }
        } catch let error as PSQLError {
            throw Self.storeError(error)
        } catch let error where error is StoreError || error is QueueError || error is EarlierDocument {
            throw error
        } catch {
            // The pool's own errors: no connection could be made.
            throw StoreError.unavailable("PostgreSQL cannot be reached (\(error))")
        }
    }

    /// What a PostgreSQL error means to the gateway: the server gone or refusing work for now
    /// (connection errors, SQLSTATE class 08, shutdown, too many connections) is unavailability;
    /// a full disk is ``StoreError/full(_:cause:)``; anything else is a fault and stays as it is.
    static func storeError(_ error: PSQLError) -> any Error {
        guard error.code == .server else {
            return StoreError.unavailable("PostgreSQL cannot be reached (\(error.code))", cause: error)
        }
        let state = error.serverInfo?[.sqlState] ?? ""
        let message = error.serverInfo?[.message] ?? "SQLSTATE \(state)"
        if state == "53100" { return StoreError.full(message, cause: error) }
        if state.hasPrefix("08") || state.hasPrefix("57P") || state == "53300" {
            return StoreError.unavailable(message, cause: error)
        }
        return error
    }

    // MARK: Queue helpers

    /// Locks the audit chain's head, inserts jobs (their sequence now follows commit order) and
    /// appends the events after the head, in the caller's transaction.
    @discardableResult
    private func chain(_ connection: PostgresConnection, jobs: [DeliveryJob], audit: [AuditEvent], time: String)
        async throws
        -> [AuditEntry]
    {
        var head: (sequence: Int, hash: String)?
        for try await row in try await connection.query(
            "SELECT sequence, hash FROM audit_head WHERE id = 1 FOR UPDATE",
            logger: logger
        ).decode((Int, String).self) {
            head = row
        }
        if !jobs.isEmpty {
            try await connection.query(
                """
                INSERT INTO delivery_job (id, destination, ordering_key, record_ids, state, attempts, available_at)
                SELECT j.id, j.destination, j.ordering_key, j.record_ids, 'pending', 0, j.available_at
                FROM unnest(\(jobs.map(\.id))::text[], \(jobs.map(\.destination))::text[], \(jobs.map(\.key))::text[],
                            \(jobs.map { StoredText.recordIDs($0.recordIDs) })::text[],
                            \(jobs.map(\.availableAt))::float8[]) WITH ORDINALITY
                     AS j(id, destination, ordering_key, record_ids, available_at, position)
                ORDER BY j.position
                """, logger: logger)
        }
        guard !audit.isEmpty else { return [] }
        var entries: [AuditEntry] = []
        for event in audit {
            let entry = AuditEntry(
                following: entries.last.map { ($0.sequence, $0.hash) } ?? head, time: time,
                kind: event.kind, details: event.details)
            entries.append(entry)
        }
        try await connection.query(
            """
            INSERT INTO audit_entry (sequence, time, kind, details, previous_hash, hash)
            SELECT * FROM unnest(\(entries.map(\.sequence))::bigint[], \(entries.map(\.time))::text[], \(entries.map(\.kind))::text[],
                                 \(entries.map { StoredText.json(.object($0.details)) })::text[],
                                 \(entries.map(\.previousHash))::text[], \(entries.map(\.hash))::text[])
            """, logger: logger)
        let last = entries[entries.count - 1]
        try await connection.query(
            "UPDATE audit_head SET sequence = \(last.sequence), hash = \(last.hash) WHERE id = 1",
            logger: logger)
        return entries
    }

    private func finish(_ connection: PostgresConnection, _ ids: [String], as state: DeliveryJob.State) async throws {
        guard !ids.isEmpty else { return }
        var finished = Set<String>()
        for try await id in try await connection.query(
            """
            UPDATE delivery_job SET state = \(state.rawValue), lease_expires_at = NULL
            WHERE id = ANY(\(ids)::text[]) AND state = 'leased' RETURNING id
            """, logger: logger
        ).decode(String.self) {
            finished.insert(id)
        }
        if let missing = ids.first(where: { !finished.contains($0) }) {
            throw try await stateError(connection, missing, expected: .leased)
        }
    }

    private func fail(_ connection: PostgresConnection, _ ids: [String], error: String, now: Double, random: Double)
        async throws
        -> [String: DeliveryJob.State]
    {
        var attempts: [String: Int] = [:]
        for try await (id, count) in try await connection.query(
            """
            SELECT id, attempts FROM delivery_job WHERE id = ANY(\(ids)::text[]) AND state = 'leased' FOR UPDATE
            """, logger: logger
        ).decode((String, Int).self) {
            attempts[id] = count + 1
        }
        var states: [String: DeliveryJob.State] = [:]
        for id in ids {
            guard let count = attempts[id] else { throw try await stateError(connection, id, expected: .leased) }
            if let delay = policy.delay(afterAttempts: count, random: random) {
                try await connection.query(
                    """
                    UPDATE delivery_job SET state = 'pending', attempts = \(count), available_at = \(now + delay),
                    lease_expires_at = NULL, last_error = \(error) WHERE id = \(id)
                    """, logger: logger)
                states[id] = .pending
            } else {
                try await connection.query(
                    """
                    UPDATE delivery_job SET state = 'dead-lettered', attempts = \(count), lease_expires_at = NULL,
                    last_error = \(error) WHERE id = \(id)
                    """, logger: logger)
                states[id] = .deadLettered
            }
        }
        return states
    }

    /// The error for a job that is missing or not in the state an operation needs.
    private func stateError(_ connection: PostgresConnection, _ id: String, expected: DeliveryJob.State) async throws
        -> QueueError
    {
        for try await state in try await connection.query(
            "SELECT state FROM delivery_job WHERE id = \(id)", logger: logger
        )
        .decode(String.self) {
            return QueueError(.wrongState, "job \(id) is \(state), not \(expected.rawValue)")
        }
        return QueueError(.noJob, "no job \(id)")
    }

    private func count(_ connection: PostgresConnection, _ query: PostgresQuery) async throws -> Int {
        for try await value in try await connection.query(query, logger: logger).decode(Int.self) { return value }
        return 0
    }

    private static func jobColumns(_ table: String) -> String {
        [
            "id", "destination", "ordering_key", "record_ids", "sequence", "state", "attempts", "available_at",
            "lease_expires_at", "last_error",
        ].map { "\(table).\($0)" }.joined(separator: ", ")
    }

    private static func jobs(_ rows: PostgresRowSequence) async throws -> [DeliveryJob] {
        var jobs: [DeliveryJob] = []
        for try await (
            id, destination, key, recordIDs, sequence, state, attempts, availableAt, leaseExpiresAt, lastError
        )
            in rows.decode((String, String, String, String, Int, String, Int, Double, Double?, String?).self)
        {
            jobs.append(
                DeliveryJob(
                    stored: id, destination: destination, key: key,
                    recordIDs: StoredText.recordIDs(from: recordIDs), sequence: sequence,
                    state: DeliveryJob.State(rawValue: state) ?? .pending, attempts: attempts,
                    availableAt: availableAt, leaseExpiresAt: leaseExpiresAt, lastError: lastError))
        }
        return jobs
    }

    private static func entries(_ rows: PostgresRowSequence) async throws -> [AuditEntry] {
        var entries: [AuditEntry] = []
        for try await (sequence, time, kind, detailsText, previousHash, hash)
            in rows.decode((Int, String, String, String, String, String).self)
        {
            entries.append(
                AuditEntry(
                    sequence: sequence, time: time, kind: kind, details: StoredText.auditDetails(from: detailsText),
                    previousHash: previousHash,
                    hash: hash))
        }
        return entries
    }
}

/// The first of several answers, handed to the one task waiting for it; later answers are
/// dropped.
private final class FirstAnswer<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var answered: Result<Value, any Error>?
    private var waiting: CheckedContinuation<Value, any Error>?

    /// Waits for the first answer.
    func value() async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            lock.lock()
            if let answered {
                lock.unlock()
                continuation.resume(with: answered)
            } else {
                waiting = continuation
                lock.unlock()
            }
        }
    }

    /// Gives an answer.
    ///
    /// - Returns: whether it was the first.
    @discardableResult
    func answer(_ result: Result<Value, any Error>) -> Bool {
        lock.lock()
        guard answered == nil else {
            lock.unlock()
            return false
        }
        answered = result
        let continuation = waiting
        waiting = nil
        lock.unlock()
        continuation?.resume(with: result)
        return true
    }
}
