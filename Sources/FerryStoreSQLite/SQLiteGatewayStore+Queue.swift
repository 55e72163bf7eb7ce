import FerryCore
public import FerryStore
import Foundation
import GRDB

/// The delivery queue: jobs enqueued with their document, claimed per destination, finished.
extension SQLiteGatewayStore {
    public func enqueue(_ jobs: [DeliveryJob]) async throws {
        try await writing { db in
            for job in jobs {
                try Self.insertJob(
                    db, id: job.id, destination: job.destination, key: job.key, recordIDs: job.recordIDs,
                    availableAt: job.availableAt)
            }
        }
    }

    /// The condition on `job` that makes it claimable now: due, and first in line for its key (no
    /// earlier job of the same destination and key is unfinished); `:now` is bound by the caller.
    ///
    /// It is a condition, not a subquery, so that each claim walks the state index in queue order
    /// and stops at its limit.
    static let claimable = """
        job.state IN ('pending', 'leased')
          AND ((job.state = 'pending' AND job.available_at <= :now)
               OR (job.state = 'leased' AND job.lease_expires_at <= :now))
          AND NOT EXISTS (SELECT 1 FROM delivery_job AS earlier
                          WHERE earlier.destination = job.destination AND earlier.ordering_key = job.ordering_key
                            AND earlier.sequence < job.sequence AND earlier.state NOT IN ('delivered', 'blocked'))
        """

    /// The destination not in `excluded` whose earliest claimable job is first in the queue.
    ///
    /// The claim index (state, destination, sequence) is sought once per destination that has
    /// pending or leased jobs, so a claim costs the same whether the excluded destinations hold
    /// ten jobs or a million: walking the queue in order past an excluded destination's backlog
    /// would hold the writer for all of it each time.
    static func firstDestination(_ db: Database, now: Double, excluding excluded: Set<String>) throws
        -> String?
    {
        let destinations = try String.fetchAll(
            db.cachedStatement(
                sql: """
                    WITH RECURSIVE next(destination) AS (
                        SELECT (SELECT MIN(destination) FROM delivery_job WHERE state IN ('pending', 'leased'))
                        UNION ALL
                        SELECT (SELECT MIN(destination) FROM delivery_job
                                WHERE state IN ('pending', 'leased') AND destination > next.destination)
                        FROM next WHERE next.destination IS NOT NULL)
                    SELECT destination FROM next WHERE destination IS NOT NULL
                    """))
        var first: (destination: String, sequence: Int)?
        for destination in destinations where !excluded.contains(destination) {
            for state in ["pending", "leased"] {
                guard
                    let sequence = try Int.fetchOne(
                        db.cachedStatement(
                            sql: """
                                SELECT job.sequence FROM delivery_job AS job
                                WHERE job.state = :state AND job.destination = :destination AND \(Self.claimable)
                                ORDER BY job.sequence LIMIT 1
                                """), arguments: ["state": state, "destination": destination, "now": now]),
                    sequence < first?.sequence ?? .max
                else { continue }
                first = (destination, sequence)
            }
        }
        return first?.destination
    }

    public func claim(limit: Int, now: Double, leaseSeconds: Double, oneDestinationExcept excluded: Set<String>?)
        async throws
        -> [DeliveryJob]
    {
        try await writing { db in
            var rows: [Row]
            if let excluded {
                guard let chosen = try Self.firstDestination(db, now: now, excluding: excluded) else { return [] }
                // Each state's jobs of the destination in queue order, from the claim index.
                rows = try ["pending", "leased"].flatMap { state in
                    try Row.fetchAll(
                        db.cachedStatement(
                            sql: """
                                SELECT * FROM delivery_job AS job
                                WHERE job.state = :state AND job.destination = :destination AND \(Self.claimable)
                                ORDER BY job.sequence LIMIT :limit
                                """),
                        arguments: ["state": state, "destination": chosen, "now": now, "limit": limit])
                }
                .sorted { ($0["sequence"] as Int) < ($1["sequence"] as Int) }.prefix(limit).map { $0 }
            } else {
                rows = try Row.fetchAll(
                    db.cachedStatement(
                        sql: """
                            SELECT * FROM delivery_job AS job WHERE \(Self.claimable) ORDER BY job.sequence LIMIT :limit
                            """), arguments: ["now": now, "limit": limit])
            }
            var claimed: [DeliveryJob] = []
            for row in rows {
                let sequence: Int = row["sequence"]
                try db.cachedStatement(
                    sql: "UPDATE delivery_job SET state = 'leased', lease_expires_at = ? WHERE sequence = ?"
                ).execute(
                    arguments: [now + leaseSeconds, sequence])
                var job = try Self.job(row)
                job.markLeased(until: now + leaseSeconds)
                claimed.append(job)
            }
            return claimed
        }
    }

    public func complete(_ id: String) async throws {
        try await writing { db in _ = try Self.complete(db, id, as: .delivered) }
    }

    @discardableResult
    public func fail(_ id: String, error: String, now: Double, random: Double) async throws -> DeliveryJob.State {
        try await writing { [policy] db in
            try Self.fail(db, id, error: error, now: now, random: random, policy: policy).state
        }
    }

    public func finishDelivery(
        delivered: [String], blocked: [String], held: [String: String], review: [ReviewOpening], now: Double,
        time: String, audit: [AuditEvent]
    ) async throws {
        try await writing { db in
            for opening in review { try Self.require(db, opening.jobID, state: .leased) }
            try Self.openReviews(db, review, now: now)
            let destinations = try Set(delivered.map { try Self.complete(db, $0, as: .delivered) })
            try Self.noteActivity(db, of: destinations, delivered: true, now: now, error: nil)
            for id in blocked { try Self.complete(db, id, as: .blocked) }
            for (id, reason) in held.sorted(by: { $0.key < $1.key }) {
                try Self.require(db, id, state: .leased)
                try db.cachedStatement(
                    sql: """
                        UPDATE delivery_job SET state = 'held', lease_expires_at = NULL, last_error = ?, available_at = ?
                        WHERE id = ?
                        """
                ).execute(arguments: [reason, now, id])
            }
            for event in audit { try Self.appendAudit(db, kind: event.kind, time: time, details: event.details) }
        }
    }

    public func failDelivery(
        jobIDs: [String], error: String, now: Double, random: Double, time: String,
        audit: [AuditEvent]
    ) async throws -> [String: DeliveryJob.State] {
        try await writing { [policy] db in
            var states: [String: DeliveryJob.State] = [:]
            var destinations: Set<String> = []
            for id in jobIDs {
                let failed = try Self.fail(db, id, error: error, now: now, random: random, policy: policy)
                states[id] = failed.state
                destinations.insert(failed.destination)
            }
            try Self.noteActivity(db, of: destinations, delivered: false, now: now, error: error)
            for event in audit { try Self.appendAudit(db, kind: event.kind, time: time, details: event.details) }
            let dead = jobIDs.filter { states[$0] == .deadLettered }
            if !dead.isEmpty {
                try Self.appendAudit(
                    db, kind: "dead-lettered", time: time,
                    details: JSONObject([("jobs", .array(dead.map(JSONValue.string))), ("error", .string(error))]))
            }
            return states
        }
    }

    /// Notes `now` as the last delivery (or failure, with its error) of the destinations,
    /// unless a later one is noted already (deliveries that overlap finish in any order).
    static func noteActivity(
        _ db: Database, of destinations: Set<String>, delivered: Bool, now: Double, error: String?
    ) throws {
        let statement =
            delivered
            ? try db.cachedStatement(
                sql: """
                    INSERT INTO destination_activity (destination, last_delivered_at) VALUES (?, ?)
                    ON CONFLICT (destination) DO UPDATE
                    SET last_delivered_at = max(coalesce(last_delivered_at, excluded.last_delivered_at),
                                                excluded.last_delivered_at)
                    """)
            : try db.cachedStatement(
                sql: """
                    INSERT INTO destination_activity (destination, last_failed_at, last_error) VALUES (?, ?, ?)
                    ON CONFLICT (destination) DO UPDATE
                    SET last_failed_at = excluded.last_failed_at, last_error = excluded.last_error
                    WHERE last_failed_at IS NULL OR last_failed_at <= excluded.last_failed_at
                    """)
        for destination in destinations.sorted() {
            try statement.execute(arguments: delivered ? [destination, now] : [destination, now, error])
        }
    }

    public func destinationActivity() async throws -> [String: DestinationActivity] {
        try await database.read { db in
            var activity: [String: DestinationActivity] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT * FROM destination_activity") {
                activity[row["destination"]] = DestinationActivity(
                    lastDelivery: row["last_delivered_at"], lastFailure: row["last_failed_at"],
                    lastError: row["last_error"])
            }
            return activity
        }
    }

    public func jobs(in state: DeliveryJob.State) async throws -> [DeliveryJob] {
        try await database.read { db in
            try Row.fetchAll(
                db.cachedStatement(sql: "SELECT * FROM delivery_job WHERE state = ? ORDER BY sequence"),
                arguments: [state.rawValue]
            )
            .map(Self.job)
        }
    }

    public func jobCounts() async throws -> [String: [String: Int]] {
        try await database.read { db in
            var counts: [String: [String: Int]] = [:]
            // Both counts read the claim index (state, destination, sequence): the first covers the
            // whole queue without its rows, the second only the unfinished states.
            for row in try Row.fetchAll(
                db.cachedStatement(
                    sql: "SELECT state, destination, COUNT(*) AS jobs FROM delivery_job GROUP BY state, destination"))
            {
                counts[row["destination"] as String, default: [:]][row["state"]] = row["jobs"]
            }
            for row in try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT destination, COUNT(*) AS failing FROM delivery_job
                        WHERE state IN ('pending', 'leased', 'dead-lettered', 'held', 'in-review') AND attempts > 0
                        GROUP BY destination
                        """))
            {
                counts[row["destination"] as String, default: [:]]["failing"] = row["failing"]
            }
            return counts
        }
    }

    public func oldestPending() async throws -> [String: Double] {
        try await database.read { db in
            var oldest: [String: Double] = [:]
            for row in try Row.fetchAll(
                db.cachedStatement(
                    sql:
                        "SELECT destination, MIN(available_at) AS oldest FROM delivery_job WHERE state = 'pending' GROUP BY destination"
                ))
            {
                oldest[row["destination"]] = row["oldest"]
            }
            return oldest
        }
    }

    public func waitingCounts(behind jobs: [DeliveryJob]) async throws -> [String: Int] {
        try await database.read { db in
            var counts: [String: Int] = [:]
            for job in jobs {
                counts[job.id] =
                    try Int.fetchOne(
                        db.cachedStatement(
                            sql: """
                                SELECT COUNT(*) FROM delivery_job WHERE destination = ? AND ordering_key = ? AND sequence > ?
                                  AND state NOT IN ('delivered', 'blocked')
                                """), arguments: [job.destination, job.key, job.sequence]) ?? 0
            }
            return counts
        }
    }

    public func retry(_ id: String, now: Double) async throws {
        try await writing { db in
            try Self.require(db, id, state: .deadLettered)
            try db.cachedStatement(
                sql: "UPDATE delivery_job SET state = 'pending', attempts = 0, available_at = ? WHERE id = ?"
            ).execute(
                arguments: [now, id])
        }
    }

    public func purge(_ id: String) async throws {
        try await writing { db in
            try Self.require(db, id, state: .deadLettered)
            try db.cachedStatement(sql: "DELETE FROM delivery_job WHERE id = ?").execute(arguments: [id])
        }
    }

    public func act(
        on id: String, _ action: OperatorAction, now: Double, time: String,
        audit: @escaping @Sendable (_ destination: String, _ recordIDs: [String]) -> AuditEvent
    ) async throws {
        try await writing { db in
            let row = try Self.require(db, id, state: action.requiredState)
            switch action {
            case .retry, .redecide:
                try db.cachedStatement(
                    sql: """
                        UPDATE delivery_job SET state = 'pending', attempts = 0, available_at = ?, last_error = NULL
                        WHERE id = ?
                        """
                )
                .execute(arguments: [now, id])
            case .purge:
                try db.cachedStatement(sql: "DELETE FROM delivery_job WHERE id = ?").execute(arguments: [id])
            }
            let event = audit(row["destination"], StoredText.recordIDs(from: row["record_ids"]))
            try Self.appendAudit(db, kind: event.kind, time: time, details: event.details)
        }
    }
}
