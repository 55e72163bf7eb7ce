/// A store operation that cannot be done: what kind of failure (``code``), what to tell people
/// (``message``) and, when the database or the system below failed, that failure (``cause``).
///
/// Nothing was written when a store throws one.
public struct StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kinds of failure, each with what the caller can do about it.
    public enum Code: String, Sendable {
        /// The idempotency key was used before with a different body: the client must not retry.
        case idempotencyConflict = "store.idempotency-conflict"
        /// The disk or database is full: retry once space is freed.
        case full = "store.full"
        /// The database cannot be reached or refuses work for now: retry later.
        case unavailable = "store.unavailable"
    }

    /// The kind of failure.
    public let code: Code
    /// What happened, for people.
    public let message: String
    /// The failure below the store's (the database driver's, the system's), when there is one.
    public let cause: (any Error & Sendable)?
    /// The earlier document, for ``Code/idempotencyConflict``.
    public let documentID: String?

    /// The idempotency key was used for document `documentID` with a different body.
    public static func idempotencyConflict(documentID: String) -> StoreError {
        StoreError(
            code: .idempotencyConflict,
            message: "the idempotency key was used for document \(documentID) with a different body",
            cause: nil, documentID: documentID)
    }

    /// The disk or database is full.
    public static func full(_ reason: String, cause: (any Error & Sendable)? = nil) -> StoreError {
        StoreError(code: .full, message: "the store is full: \(reason)", cause: cause, documentID: nil)
    }

    /// The database cannot be reached or refuses work for now.
    public static func unavailable(_ reason: String, cause: (any Error & Sendable)? = nil) -> StoreError {
        StoreError(code: .unavailable, message: "the store is unavailable: \(reason)", cause: cause, documentID: nil)
    }

    public var description: String { message }

    /// Errors are the same when their kind, message and document are; the cause is not compared.
    public static func == (lhs: StoreError, rhs: StoreError) -> Bool {
        lhs.code == rhs.code && lhs.message == rhs.message && lhs.documentID == rhs.documentID
    }
}
