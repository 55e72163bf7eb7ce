import FerryCore
public import FerryStore
import Foundation
import PostgresNIO

/// Reviews: opened with their jobs, approved by different reviewers, rejected by one. An
/// approval locks its review's row first, so that approvals from several instances are
/// counted one after the other and a review is released once.
extension PostgresGatewayStore {
    public func reviews(destinations: [String], classifications: [String], offset: Int, limit: Int) async throws
        -> [Review]
    {
        try await transaction { connection in
            let rows = try await connection.query(
                """
                SELECT \(unescaped: Self.reviewColumns) FROM review
                WHERE state = 'open' AND destination = ANY(\(destinations)::text[])
                  AND classification = ANY(\(classifications)::text[])
                ORDER BY opened_at, id LIMIT \(limit) OFFSET \(offset)
                """, logger: self.logger)
            return try await self.reviews(connection, rows)
        }
    }

    public func review(_ id: String) async throws -> Review? {
        try await transaction { connection in
            let rows = try await connection.query(
                "SELECT \(unescaped: Self.reviewColumns) FROM review WHERE id = \(id)", logger: self.logger)
            return try await self.reviews(connection, rows).first
        }
    }

    public func approve(
        _ id: String, reviewer: String, sha256: String, required: Int, now: Double, time: String,
        audit: @escaping @Sendable (ApprovalOutcome) -> [AuditEvent]
    ) async throws -> ApprovalOutcome {
        try await transaction { connection in
            // Locks in the order every other operation takes them: the job, then its review.
            try await connection.query(
                "SELECT id FROM delivery_job WHERE id = \(id) FOR UPDATE", logger: self.logger)
            var found: (String, String)?
            for try await row in try await connection.query(
                "SELECT state, released_sha256 FROM review WHERE id = \(id) FOR UPDATE", logger: self.logger
            ).decode((String, String).self) {
                found = row
            }
            guard let (stateText, hash) = found else { throw QueueError(.noJob, "no review \(id)") }
            let outcome: ApprovalOutcome
            let state = Review.State(rawValue: stateText) ?? .rejected
            if state != .open {
                outcome = .notOpen(state)
            } else if hash != sha256 {
                outcome = .releaseChanged
            } else {
                let inserted = try await connection.query(
                    """
                    INSERT INTO review_approval (review_id, reviewer, time) VALUES (\(id), \(reviewer), \(time))
                    ON CONFLICT DO NOTHING RETURNING reviewer
                    """, logger: self.logger
                ).collect()
                if inserted.isEmpty {
                    outcome = .alreadyApproved
                } else {
                    let count = try await self.count(
                        connection, "SELECT count(*) FROM review_approval WHERE review_id = \(id)")
                    if count >= required {
                        try await connection.query(
                            "UPDATE review SET state = 'approved' WHERE id = \(id)", logger: self.logger)
                        try await connection.query(
                            """
                            UPDATE delivery_job SET state = 'pending', available_at = \(now), last_error = NULL
                            WHERE id = \(id) AND state = 'in-review'
                            """, logger: self.logger)
                        outcome = .released
                    } else {
                        outcome = .recorded(approvals: count)
                    }
                }
            }
            try await self.chain(connection, jobs: [], audit: audit(outcome), time: time)
            return outcome
        }
    }

    public func reject(_ id: String, reviewer: String, reason: String, time: String, audit: [AuditEvent]) async throws {
        try await transaction { connection in
            try await connection.query(
                "SELECT id FROM delivery_job WHERE id = \(id) FOR UPDATE", logger: self.logger)
            let rows = try await connection.query(
                """
                UPDATE review SET state = 'rejected', rejected_by = \(reviewer), reason = \(reason)
                WHERE id = \(id) AND state = 'open' RETURNING id
                """, logger: self.logger
            ).collect()
            if rows.isEmpty {
                var state: String?
                for try await found in try await connection.query(
                    "SELECT state FROM review WHERE id = \(id)", logger: self.logger
                ).decode(String.self) {
                    state = found
                }
                guard let state else { throw QueueError(.noJob, "no review \(id)") }
                throw QueueError(.wrongState, "review \(id) is \(state), not open")
            }
            try await connection.query(
                """
                UPDATE delivery_job SET state = 'blocked', last_error = \("rejected by \(reviewer): \(reason)")
                WHERE id = \(id) AND state = 'in-review'
                """, logger: self.logger)
            try await self.chain(connection, jobs: [], audit: audit, time: time)
        }
    }

    public func reopen(_ opening: ReviewOpening, now: Double, time: String, audit: [AuditEvent]) async throws {
        try await transaction { connection in
            let rows = try await connection.query(
                "SELECT id FROM delivery_job WHERE id = \(opening.jobID) AND state = 'in-review' FOR UPDATE",
                logger: self.logger
            ).collect()
            if rows.isEmpty { throw try await self.stateError(connection, opening.jobID, expected: .inReview) }
            try await self.openReviews(connection, [opening], now: now)
            try await self.chain(connection, jobs: [], audit: audit, time: time)
        }
    }

    /// Opens reviews (again: the hash replaced, approvals cleared) and puts their jobs in review,
    /// in the caller's transaction.
    func openReviews(_ connection: PostgresConnection, _ openings: [ReviewOpening], now: Double) async throws {
        for opening in openings {
            try await connection.query(
                """
                INSERT INTO review (id, destination, record_id, subject, classification, released_sha256, opened_at, state)
                VALUES (\(opening.jobID), \(opening.destination), \(opening.recordID), \(opening.subject),
                        \(opening.classification), \(opening.releasedSHA256), \(now), 'open')
                ON CONFLICT (id) DO UPDATE SET released_sha256 = excluded.released_sha256,
                  classification = excluded.classification, opened_at = excluded.opened_at, state = 'open',
                  rejected_by = NULL, reason = NULL
                """, logger: logger)
            try await connection.query(
                "DELETE FROM review_approval WHERE review_id = \(opening.jobID)", logger: logger)
            try await connection.query(
                """
                UPDATE delivery_job SET state = 'in-review', lease_expires_at = NULL, available_at = \(now), last_error = NULL
                WHERE id = \(opening.jobID)
                """, logger: logger)
        }
    }

    static let reviewColumns =
        "id, destination, record_id, subject, classification, released_sha256, opened_at, state, rejected_by, reason"

    private func reviews(_ connection: PostgresConnection, _ rows: PostgresRowSequence) async throws -> [Review] {
        var reviews: [Review] = []
        for try await (id, destination, recordID, subject, classification, hash, openedAt, state, rejectedBy, reason)
            in rows.decode((String, String, String, String, String, String, Double, String, String?, String?).self)
        {
            reviews.append(
                Review(
                    id: id, destination: destination, recordID: recordID, subject: subject,
                    classification: classification, releasedSHA256: hash, openedAt: openedAt,
                    state: Review.State(rawValue: state) ?? .open, approvals: [], rejectedBy: rejectedBy,
                    reason: reason))
        }
        for index in reviews.indices {
            for try await (reviewer, time) in try await connection.query(
                """
                SELECT reviewer, time FROM review_approval WHERE review_id = \(reviews[index].id) ORDER BY time, reviewer
                """, logger: logger
            ).decode((String, String).self) {
                reviews[index].approvals.append(Review.Approval(reviewer: reviewer, time: time))
            }
        }
        return reviews
    }
}
