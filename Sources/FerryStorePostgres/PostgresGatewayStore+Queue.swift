import FerryCore
public import FerryStore
import Foundation
import Logging
import PostgresNIO

/// The delivery queue: jobs claimed per destination with `FOR UPDATE SKIP LOCKED` and a lease, finished, retried.
extension PostgresGatewayStore {
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
    func firstDestination(
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
            // The probe for the first destination locks nothing: only the claim itself locks the
            // jobs it takes (another instance claiming meanwhile skips just those).
            func due(_ state: String, limit: Int, locking: Bool = true) -> String {
                """
                SELECT job.sequence FROM delivery_job AS job
                WHERE job.state = '\(state)' AND job.destination = $2 AND \(claimable)
                ORDER BY job.sequence LIMIT \(limit) \(locking ? "FOR UPDATE OF job SKIP LOCKED" : "")
                """
            }
            var bindings = PostgresBindings()
            bindings.append(now)
            let selection: String
            if let excluded {
                guard
                    let chosen = try await self.firstDestination(
                        connection, now: now, excluding: excluded, earliest: { due($0, limit: 1, locking: false) })
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

    public func finishDelivery(
        delivered: [String], blocked: [String], held: [String: String], review: [ReviewOpening], now: Double,
        time: String, audit: [AuditEvent]
    ) async throws {
        try await transaction { connection in
            for opening in review {
                let rows = try await connection.query(
                    "SELECT id FROM delivery_job WHERE id = \(opening.jobID) AND state = 'leased' FOR UPDATE",
                    logger: self.logger
                ).collect()
                if rows.isEmpty { throw try await self.stateError(connection, opening.jobID, expected: .leased) }
            }
            try await self.openReviews(connection, review, now: now)
            try await self.finish(connection, delivered, as: .delivered)
            if !delivered.isEmpty {
                try await connection.query(
                    """
                    INSERT INTO destination_activity (destination, last_delivered_at)
                    SELECT DISTINCT destination, \(now)::double precision FROM delivery_job WHERE id = ANY(\(delivered))
                    ON CONFLICT (destination) DO UPDATE
                    SET last_delivered_at = GREATEST(destination_activity.last_delivered_at, EXCLUDED.last_delivered_at)
                    """, logger: self.logger)
            }
            try await self.finish(connection, blocked, as: .blocked)
            for (id, reason) in held.sorted(by: { $0.key < $1.key }) {
                let rows = try await connection.query(
                    """
                    UPDATE delivery_job SET state = 'held', lease_expires_at = NULL, last_error = \(reason),
                      available_at = \(now)
                    WHERE id = \(id) AND state = 'leased' RETURNING id
                    """, logger: self.logger
                ).collect()
                if rows.isEmpty { throw try await self.stateError(connection, id, expected: .leased) }
            }
            try await self.chain(connection, jobs: [], audit: audit, time: time)
        }
    }

    public func failDelivery(
        jobIDs: [String], error: String, now: Double, random: Double, time: String,
        audit: [AuditEvent]
    ) async throws -> [String: DeliveryJob.State] {
        try await transaction { connection in
            let states = try await self.fail(connection, jobIDs, error: error, now: now, random: random)
            try await connection.query(
                """
                INSERT INTO destination_activity (destination, last_failed_at, last_error)
                SELECT DISTINCT destination, \(now)::double precision, \(error) FROM delivery_job WHERE id = ANY(\(jobIDs))
                ON CONFLICT (destination) DO UPDATE
                SET last_failed_at = EXCLUDED.last_failed_at, last_error = EXCLUDED.last_error
                WHERE destination_activity.last_failed_at IS NULL
                   OR destination_activity.last_failed_at <= EXCLUDED.last_failed_at
                """, logger: self.logger)
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

    public func destinationActivity() async throws -> [String: DestinationActivity] {
        try await reading { connection in
            var activity: [String: DestinationActivity] = [:]
            for try await (destination, delivered, failed, error) in try await connection.query(
                "SELECT destination, last_delivered_at, last_failed_at, last_error FROM destination_activity",
                logger: self.logger
            ).decode((String, Double?, Double?, String?).self) {
                activity[destination] = DestinationActivity(
                    lastDelivery: delivered, lastFailure: failed, lastError: error)
            }
            return activity
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

    public func jobCounts() async throws -> [String: [String: Int]] {
        try await transaction { connection in
            var counts: [String: [String: Int]] = [:]
            for try await (destination, state, jobs, failing) in try await connection.query(
                """
                SELECT destination, state, count(*),
                  count(*) FILTER (WHERE attempts > 0 AND state NOT IN ('delivered', 'blocked'))
                FROM delivery_job GROUP BY destination, state
                """, logger: self.logger
            ).decode((String, String, Int, Int).self) {
                counts[destination, default: [:]][state] = jobs
                counts[destination, default: [:]]["failing", default: 0] += failing
            }
            return counts
        }
    }

    public func oldestPending() async throws -> [String: Double] {
        try await transaction { connection in
            var oldest: [String: Double] = [:]
            for try await (destination, time) in try await connection.query(
                """
                SELECT destination, min(available_at) FROM delivery_job WHERE state = 'pending' GROUP BY destination
                """, logger: self.logger
            ).decode((String, Double).self) {
                oldest[destination] = time
            }
            return oldest
        }
    }

    public func waitingCounts(behind jobs: [DeliveryJob]) async throws -> [String: Int] {
        try await transaction { connection in
            var counts: [String: Int] = [:]
            for job in jobs {
                counts[job.id] = try await self.count(
                    connection,
                    """
                    SELECT count(*) FROM delivery_job WHERE destination = \(job.destination)
                      AND ordering_key = \(job.key) AND sequence > \(job.sequence) AND state NOT IN ('delivered', 'blocked')
                    """)
            }
            return counts
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
                case .redecide:
                    """
                    UPDATE delivery_job SET state = 'pending', attempts = 0, available_at = \(now), last_error = NULL
                    WHERE id = \(id) AND state = 'held' RETURNING destination, record_ids
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
                throw try await self.stateError(connection, id, expected: action.requiredState)
            }
            _ = try await self.chain(
                connection, jobs: [], audit: [audit(destination, StoredText.recordIDs(from: recordIDs))], time: time)
        }
    }

    /// Locks the audit chain's head, inserts jobs (their sequence now follows commit order) and
    /// appends the events after the head, in the caller's transaction.
    @discardableResult
    func chain(_ connection: PostgresConnection, jobs: [DeliveryJob], audit: [AuditEvent], time: String)
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

    func finish(_ connection: PostgresConnection, _ ids: [String], as state: DeliveryJob.State) async throws {
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

    func fail(_ connection: PostgresConnection, _ ids: [String], error: String, now: Double, random: Double)
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
    func stateError(_ connection: PostgresConnection, _ id: String, expected: DeliveryJob.State) async throws
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

    func count(_ connection: PostgresConnection, _ query: PostgresQuery) async throws -> Int {
        for try await value in try await connection.query(query, logger: logger).decode(Int.self) { return value }
        return 0
    }

    static func jobColumns(_ table: String) -> String {
        [
            "id", "destination", "ordering_key", "record_ids", "sequence", "state", "attempts", "available_at",
            "lease_expires_at", "last_error",
        ].map { "\(table).\($0)" }.joined(separator: ", ")
    }

    static func jobs(_ rows: PostgresRowSequence) async throws -> [DeliveryJob] {
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

    static func entries(_ rows: PostgresRowSequence) async throws -> [AuditEntry] {
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
