public import FerryCore
public import FerryStore
public import Foundation
import Crypto

/// Two-person review: records on routes that require it wait until two different reviewers
/// approve the released record (bound to its SHA-256), or one rejects it.
extension Gateway {
    /// How many different reviewers must approve a record.
    public static let requiredApprovals = 2

    /// The review to open for a record's release to a destination.
    static func reviewOpening(_ record: CanonicalRecord, releasedID: String, destination: String) -> ReviewOpening {
        ReviewOpening(
            jobID: InboundDocument.jobID(record: record.id, destination: destination), destination: destination,
            recordID: record.id, subject: record.subject, classification: record.classification.rawValue,
            releasedSHA256: releasedID)
    }

    /// The audit entry of a review opening.
    static func reviewOpened(_ opening: ReviewOpening, because reason: String) -> AuditEvent {
        AuditEvent(
            "review-opened",
            JSONObject([
                ("review", .string(opening.jobID)), ("record", .string(opening.recordID)),
                ("destination", .string(opening.destination)), ("sha256", .string(opening.releasedSHA256)),
                ("reason", .string(reason)),
            ]))
    }

    /// Whether a caller may see a review.
    ///
    /// A reviewer or an operator may, when cleared for its record's classification and for
    /// everything its destination may receive (a released record keeps fields up to the
    /// destination's clearance, which may be above the record's classification). A destination
    /// no longer configured is seen by those cleared secret only.
    public func maySee(_ review: Review, _ caller: GatewayConfiguration.System) -> Bool {
        guard caller.role == .reviewer || caller.role == .operator,
            let classification = Marking(rawValue: review.classification)
        else { return false }
        return classification <= caller.clearance && destinationClearance(review.destination) <= caller.clearance
    }

    /// What a destination may receive; `secret` for a name that is not a destination now.
    public func destinationClearance(_ destination: String) -> Marking {
        configuration.system(destination).flatMap { $0.role == .destination ? $0.clearance : nil } ?? .secret
    }

    /// Open reviews a caller may see, oldest first.
    public func reviews(for caller: GatewayConfiguration.System, destination: String?, offset: Int, limit: Int)
        async throws -> [Review]
    {
        let visible = Marking.allCases.filter { $0 <= caller.clearance }.map(\.rawValue)
        let destinations = configuration.systems.filter {
            $0.role == .destination && $0.clearance <= caller.clearance && (destination == nil || $0.id == destination)
        }.map(\.id)
        return try await store.reviews(
            destinations: destinations, classifications: visible, offset: offset, limit: limit)
    }

    /// Whether an open review has waited longer than `review.timeout`.
    public func isOverdue(_ review: Review, now: Date = Date()) -> Bool {
        review.state == .open
            && now.timeIntervalSinceReferenceDate - review.openedAt > configuration.reviewTimeoutSeconds
    }

    /// What a review's record is released as now: the record as the destination would get it and
    /// the names of the fields removed, or why it would not go.
    public enum CurrentRelease: Sendable {
        case released(record: CanonicalRecord, removedFields: [String])
        case notReleased(reason: String)
    }

    /// A stored record as a destination would get it now, or nil when it would not go (or
    /// cannot be read).
    public func releasedRecord(_ recordID: String, to destination: String) async throws -> CanonicalRecord? {
        guard let stored = try await store.records([recordID])[recordID], let body = stored.body,
            let value = try? JSONParser.parseDocument(body), case .success(let record) = envelopeChecker.check(value),
            let system = configuration.system(destination), system.role == .destination,
            case .released(let released, _) = release.decide(record, clearance: system.clearance)
        else { return nil }
        return released
    }

    /// Decides a review's release again against the configuration in force.
    public func currentRelease(of review: Review) async throws -> CurrentRelease {
        guard let stored = try await store.records([review.recordID])[review.recordID], let body = stored.body,
            let value = try? JSONParser.parseDocument(body), case .success(let record) = envelopeChecker.check(value)
        else { return .notReleased(reason: "the record cannot be read with the schemas in force") }
        guard let system = configuration.system(review.destination), system.role == .destination,
            router.destinations(of: record, from: stored.sender).contains(review.destination)
        else { return .notReleased(reason: "no longer routed to \(review.destination)") }
        switch release.decide(record, clearance: system.clearance) {
        case .released(let released, let removed): return .released(record: released, removedFields: removed)
        case .blocked(let reason): return .notReleased(reason: reason)
        }
    }

    /// A review a caller may see, with its release as it is now.
    ///
    /// Nil when there is none for this caller: none at all, or above their clearance, a release
    /// raised since the review opened (a marking rule) included. The API, the console and the
    /// decisions all ask here.
    public func visibleReview(_ id: String, to caller: GatewayConfiguration.System) async throws
        -> (review: Review, release: CurrentRelease)?
    {
        guard let review = try await store.review(id), maySee(review, caller) else { return nil }
        let release = try await currentRelease(of: review)
        if case .released(let record, _) = release, record.classification > caller.clearance { return nil }
        return (review, release)
    }

    /// What a reviewer's decision did.
    public enum ReviewAnswer: Sendable {
        /// No review the caller may see has the id.
        case notFound
        /// Done: the review as it is now.
        case done(Review)
        /// Refused: why, with a problem code (`review.duplicate`, `review.closed`,
        /// `review.restarted`, `review.not-released`).
        case conflict(String, code: String)
    }

    /// A reviewer approves the release they reviewed, `sha256`, as it is now.
    ///
    /// An approval is bound to the released record's SHA-256, so one of another release than the
    /// review's is refused, and a release that changed since the review opened opens it again
    /// (its approvals cleared) instead. Refusals are audited too.
    public func approve(
        review id: String, sha256: String, by reviewer: GatewayConfiguration.System, now: Date = Date()
    ) async throws -> ReviewAnswer {
        guard reviewer.role == .reviewer, let (review, release) = try await visibleReview(id, to: reviewer) else {
            return .notFound
        }
        let time = Self.timestamp(now)
        guard review.state == .open else {
            return try await refuse(
                review, reviewer, "review \(id) is \(review.state.rawValue)", code: "review.closed", time)
        }
        switch release {
        case .notReleased(let reason):
            return try await refuse(
                review, reviewer, "the record is not released to \(review.destination) now: \(reason)",
                code: "review.not-released", time)
        case .released(let released, _) where released.id != review.releasedSHA256:
            let opening = ReviewOpening(
                jobID: review.id, destination: review.destination, recordID: review.recordID, subject: review.subject,
                classification: released.classification.rawValue, releasedSHA256: released.id)
            try await store.reopen(
                opening, now: now.timeIntervalSinceReferenceDate, time: time,
                audit: [Self.reviewOpened(opening, because: "the release changed since the review opened")])
            return .conflict(
                "the release of the record changed since the review opened: review it again", code: "review.restarted")
        case .released where sha256 != review.releasedSHA256:
            return try await refuse(
                review, reviewer, "review \(id) is of release \(review.releasedSHA256), not \(sha256): review it again",
                code: "review.stale", time)
        case .released:
            let event = { @Sendable (kind: String) in
                AuditEvent(kind, Self.reviewDetails(review, reviewer))
            }
            let outcome = try await store.approve(
                id, reviewer: reviewer.id, sha256: review.releasedSHA256, required: Self.requiredApprovals,
                now: now.timeIntervalSinceReferenceDate, time: time
            ) { outcome in
                switch outcome {
                case .recorded: [event("review-approval")]
                case .released: [event("review-approval"), event("review-approved")]
                case .alreadyApproved, .releaseChanged, .notOpen: []
                }
            }
            switch outcome {
            case .alreadyApproved:
                return try await refuse(
                    review, reviewer, "\(reviewer.id) approved review \(id) already", code: "review.duplicate", time)
            case .notOpen(let state):
                return try await refuse(
                    review, reviewer, "review \(id) is \(state.rawValue)", code: "review.closed", time)
            case .releaseChanged:
                return try await refuse(
                    review, reviewer, "the review opened again meanwhile: review it again", code: "review.restarted",
                    time)
            case .recorded, .released:
                return try await store.review(id).map(ReviewAnswer.done) ?? .notFound
            }
        }
    }

    /// A reviewer rejects the record: the review ends and the delivery is blocked.
    ///
    /// The audit keeps the reason's SHA-256, not its text (it may quote a value); the review
    /// keeps the text.
    public func reject(
        review id: String, by reviewer: GatewayConfiguration.System, reason: String, now: Date = Date()
    ) async throws -> ReviewAnswer {
        guard reviewer.role == .reviewer, let (review, _) = try await visibleReview(id, to: reviewer) else {
            return .notFound
        }
        let time = Self.timestamp(now)
        guard review.state == .open else {
            return try await refuse(
                review, reviewer, "review \(id) is \(review.state.rawValue)", code: "review.closed", time)
        }
        var details = Self.reviewDetails(review, reviewer)
        details["reason_sha256"] = .string(SHA256.hash(data: Array(reason.utf8)).hexadecimal)
        do {
            try await store.reject(
                id, reviewer: reviewer.id, reason: reason, time: time, audit: [AuditEvent("review-rejected", details)])
        } catch let error as QueueError where error.code == .wrongState {
            return try await refuse(review, reviewer, error.message, code: "review.closed", time)
        }
        return try await store.review(id).map(ReviewAnswer.done) ?? .notFound
    }

    /// What a review step's audit entry names: the review, the reviewer, the record, the
    /// destination and the hash.
    private static func reviewDetails(_ review: Review, _ reviewer: GatewayConfiguration.System) -> JSONObject {
        JSONObject([
            ("review", .string(review.id)), ("reviewer", .string(reviewer.id)), ("record", .string(review.recordID)),
            ("destination", .string(review.destination)), ("sha256", .string(review.releasedSHA256)),
        ])
    }

    /// A refused decision: audited as `review-refused` with its code, answered 409.
    private func refuse(
        _ review: Review, _ reviewer: GatewayConfiguration.System, _ message: String, code: String, _ time: String
    ) async throws -> ReviewAnswer {
        var details = Self.reviewDetails(review, reviewer)
        details["code"] = .string(code)
        try await store.append(kind: "review-refused", time: time, details: details)
        return .conflict(message, code: code)
    }
}
