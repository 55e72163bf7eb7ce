/// Two-person review of a record before it goes to a destination: the released canonical
/// record (after stripping, for that destination), identified by its SHA-256, approved by two
/// different reviewers or rejected by one.
///
/// A review has the id of the delivery job it holds back, which waits in
/// ``DeliveryJob/State/inReview`` meanwhile.
public struct Review: Sendable, Hashable {
    /// Where a review is.
    public enum State: String, Sendable {
        /// Waiting for approvals.
        case open
        /// Approved by enough reviewers: its job is pending.
        case approved
        /// Rejected by a reviewer: its job is blocked.
        case rejected
    }

    /// One reviewer's approval of the released record with a hash.
    public struct Approval: Sendable, Hashable {
        /// The reviewer's system id.
        public var reviewer: String
        /// When, RFC 3339.
        public var time: String

        /// An approval.
        public init(reviewer: String, time: String) {
            self.reviewer = reviewer
            self.time = time
        }
    }

    /// The job's id.
    public var id: String
    public var destination: String
    public var recordID: String
    /// The record's key.
    public var subject: String
    /// The released record's classification (a marking's name).
    public var classification: String
    /// The SHA-256 (the canonical id) of the released record under review.
    public var releasedSHA256: String
    /// Seconds since the reference date when the review (last) opened.
    public var openedAt: Double
    public var state: State
    /// Approvals of the current hash, in order.
    public var approvals: [Approval]
    /// Who rejected it, and why.
    public var rejectedBy: String?, reason: String?

    /// A review as a store read it back.
    public init(
        id: String, destination: String, recordID: String, subject: String, classification: String,
        releasedSHA256: String, openedAt: Double, state: State, approvals: [Approval], rejectedBy: String? = nil,
        reason: String? = nil
    ) {
        self.id = id
        self.destination = destination
        self.recordID = recordID
        self.subject = subject
        self.classification = classification
        self.releasedSHA256 = releasedSHA256
        self.openedAt = openedAt
        self.state = state
        self.approvals = approvals
        self.rejectedBy = rejectedBy
        self.reason = reason
    }
}

/// A review to open (or open again, its approvals cleared) for a job: what the release of its
/// record is now.
public struct ReviewOpening: Sendable, Hashable {
    public var jobID: String
    public var destination: String
    public var recordID: String
    public var subject: String
    public var classification: String
    public var releasedSHA256: String

    /// A review to open.
    public init(
        jobID: String, destination: String, recordID: String, subject: String, classification: String,
        releasedSHA256: String
    ) {
        self.jobID = jobID
        self.destination = destination
        self.recordID = recordID
        self.subject = subject
        self.classification = classification
        self.releasedSHA256 = releasedSHA256
    }
}

/// What an approval did.
public enum ApprovalOutcome: Sendable, Hashable {
    /// Counted; more approvals are needed.
    case recorded(approvals: Int)
    /// The last approval needed: the job is pending.
    case released
    /// This reviewer approved already.
    case alreadyApproved
    /// The release under review is not the one approved: the review must open again.
    case releaseChanged
    /// The review is approved or rejected already.
    case notOpen(Review.State)
}

/// The reviews of the gateway's store, on both drivers alike: each operation one transaction
/// with its audit entries; concurrent approvals of one review (from several instances) are
/// serialized, so a review is released once.
public protocol ReviewStore: Sendable {
    /// Open reviews in the order they opened, of some destinations and within classifications,
    /// from an offset.
    func reviews(destinations: [String], classifications: [String], offset: Int, limit: Int) async throws -> [Review]

    /// A review in any state.
    func review(_ id: String) async throws -> Review?

    /// Adds a reviewer's approval of the released record with `sha256`; with `required`
    /// different reviewers' approvals of it, the review is approved and its job pending.
    /// - Parameter audit: the entries for the outcome, appended with it (none when nothing changed).
    /// - Throws: ``QueueError`` when there is no such review.
    func approve(
        _ id: String, reviewer: String, sha256: String, required: Int, now: Double, time: String,
        audit: @escaping @Sendable (ApprovalOutcome) -> [AuditEvent]
    ) async throws -> ApprovalOutcome

    /// Rejects an open review: its job is blocked with the reason.
    /// - Throws: ``QueueError`` when there is no such review or it is not open.
    func reject(_ id: String, reviewer: String, reason: String, time: String, audit: [AuditEvent]) async throws

    /// Opens a review again for a job in review whose release changed: the new hash, no approvals.
    /// - Throws: ``QueueError`` when the job is not in review.
    func reopen(_ opening: ReviewOpening, now: Double, time: String, audit: [AuditEvent]) async throws
}
