import FerryCore
public import FerryStore
import Foundation
import GRDB

/// Reviews: opened with their jobs, approved by different reviewers, rejected by one. SQLite
/// has one writer, so concurrent approvals are serialized by the write transaction.
extension SQLiteGatewayStore {
    public func reviews(destinations: [String], classifications: [String], offset: Int, limit: Int) async throws
        -> [Review]
    {
        try await database.read { db in
            let places = { (values: [String]) in values.map { _ in "?" }.joined(separator: ", ") }
            var sql = "SELECT * FROM review WHERE state = 'open'"
            sql += " AND destination IN (\(places(destinations))) AND classification IN (\(places(classifications)))"
            var arguments = StatementArguments(destinations)
            arguments += StatementArguments(classifications)
            sql += " ORDER BY opened_at, id LIMIT ? OFFSET ?"
            arguments += [limit, offset]
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { try Self.review(db, $0) }
        }
    }

    public func review(_ id: String) async throws -> Review? {
        try await database.read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM review WHERE id = ?"), arguments: [id])
                .map { try Self.review(db, $0) }
        }
    }

    public func approve(
        _ id: String, reviewer: String, sha256: String, required: Int, now: Double, time: String,
        audit: @escaping @Sendable (ApprovalOutcome) -> [AuditEvent]
    ) async throws -> ApprovalOutcome {
        try await writing { db in
            guard
                let row = try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT * FROM review WHERE id = ?"), arguments: [id])
            else { throw QueueError(.noJob, "no review \(id)") }
            let outcome: ApprovalOutcome
            let state = Review.State(rawValue: row["state"]) ?? .rejected
            if state != .open {
                outcome = .notOpen(state)
            } else if row["released_sha256"] != sha256 {
                outcome = .releaseChanged
            } else {
                try db.cachedStatement(
                    sql: "INSERT OR IGNORE INTO review_approval (review_id, reviewer, time) VALUES (?, ?, ?)"
                ).execute(arguments: [id, reviewer, time])
                if db.changesCount == 0 {
                    outcome = .alreadyApproved
                } else {
                    let count =
                        try Int.fetchOne(
                            db.cachedStatement(sql: "SELECT COUNT(*) FROM review_approval WHERE review_id = ?"),
                            arguments: [id]) ?? 0
                    if count >= required {
                        try db.cachedStatement(sql: "UPDATE review SET state = 'approved' WHERE id = ?").execute(
                            arguments: [id])
                        try db.cachedStatement(
                            sql: """
                                UPDATE delivery_job SET state = 'pending', available_at = ?, last_error = NULL
                                WHERE id = ? AND state = 'in-review'
                                """
                        ).execute(arguments: [now, id])
                        outcome = .released
                    } else {
                        outcome = .recorded(approvals: count)
                    }
                }
            }
            for event in audit(outcome) {
                try Self.appendAudit(db, kind: event.kind, time: time, details: event.details)
            }
            return outcome
        }
    }

    public func reject(_ id: String, reviewer: String, reason: String, time: String, audit: [AuditEvent]) async throws {
        try await writing { db in
            try Self.requireOpenReview(db, id)
            try db.cachedStatement(
                sql: "UPDATE review SET state = 'rejected', rejected_by = ?, reason = ? WHERE id = ?"
            ).execute(arguments: [reviewer, reason, id])
            try db.cachedStatement(
                sql: "UPDATE delivery_job SET state = 'blocked', last_error = ? WHERE id = ? AND state = 'in-review'"
            ).execute(arguments: ["rejected by \(reviewer): \(reason)", id])
            for event in audit { try Self.appendAudit(db, kind: event.kind, time: time, details: event.details) }
        }
    }

    public func reopen(_ opening: ReviewOpening, now: Double, time: String, audit: [AuditEvent]) async throws {
        try await writing { db in
            try Self.require(db, opening.jobID, state: .inReview)
            try Self.openReviews(db, [opening], now: now)
            for event in audit { try Self.appendAudit(db, kind: event.kind, time: time, details: event.details) }
        }
    }

    /// Opens reviews (again: the hash replaced, approvals cleared) and puts their jobs in review,
    /// in the caller's transaction.
    static func openReviews(_ db: Database, _ openings: [ReviewOpening], now: Double) throws {
        for opening in openings {
            try db.cachedStatement(
                sql: """
                    INSERT INTO review (id, destination, record_id, subject, classification, released_sha256, opened_at, state)
                    VALUES (?, ?, ?, ?, ?, ?, ?, 'open')
                    ON CONFLICT (id) DO UPDATE SET released_sha256 = excluded.released_sha256,
                      classification = excluded.classification, opened_at = excluded.opened_at, state = 'open',
                      rejected_by = NULL, reason = NULL
                    """
            ).execute(arguments: [
                opening.jobID, opening.destination, opening.recordID, opening.subject, opening.classification,
                opening.releasedSHA256, now,
            ])
            try db.cachedStatement(sql: "DELETE FROM review_approval WHERE review_id = ?").execute(arguments: [
                opening.jobID
            ])
            try db.cachedStatement(
                sql: """
                    UPDATE delivery_job SET state = 'in-review', lease_expires_at = NULL, available_at = ?, last_error = NULL
                    WHERE id = ?
                    """
            ).execute(arguments: [now, opening.jobID])
        }
    }

    private static func requireOpenReview(_ db: Database, _ id: String) throws {
        guard
            let state = try String.fetchOne(
                db.cachedStatement(sql: "SELECT state FROM review WHERE id = ?"), arguments: [id])
        else { throw QueueError(.noJob, "no review \(id)") }
        guard state == Review.State.open.rawValue else {
            throw QueueError(.wrongState, "review \(id) is \(state), not open")
        }
    }

    private static func review(_ db: Database, _ row: Row) throws -> Review {
        let id: String = row["id"]
        let approvals = try Row.fetchAll(
            db.cachedStatement(
                sql: "SELECT reviewer, time FROM review_approval WHERE review_id = ? ORDER BY time, reviewer"),
            arguments: [id]
        ).map { Review.Approval(reviewer: $0["reviewer"], time: $0["time"]) }
        return Review(
            id: id, destination: row["destination"], recordID: row["record_id"], subject: row["subject"],
            classification: row["classification"], releasedSHA256: row["released_sha256"], openedAt: row["opened_at"],
            state: Review.State(rawValue: row["state"]) ?? .open, approvals: approvals, rejectedBy: row["rejected_by"],
            reason: row["reason"])
    }
}
