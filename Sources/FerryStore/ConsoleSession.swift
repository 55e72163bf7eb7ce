/// A signed-in session of the operators' console.
///
/// Kept in the store so that it works across instances on PostgreSQL. Only the SHA-256 of its
/// id is stored; the id lives in the browser's cookie.
public struct ConsoleSession: Sendable, Hashable {
    /// The SHA-256 (hex) of the session id.
    public var idHash: String
    /// The operator or reviewer signed in.
    public var system: String
    /// The per-session token every form carries.
    public var csrfToken: String
    /// Seconds since the reference date.
    public var createdAt: Double, lastSeenAt: Double

    /// A session.
    public init(idHash: String, system: String, csrfToken: String, createdAt: Double, lastSeenAt: Double) {
        self.idHash = idHash
        self.system = system
        self.csrfToken = csrfToken
        self.createdAt = createdAt
        self.lastSeenAt = lastSeenAt
    }
}

/// The console's sessions, on both drivers alike.
public protocol ConsoleSessionStore: Sendable {
    /// Keeps a new session.
    func createSession(_ session: ConsoleSession) async throws

    /// The session with a hashed id, its last use moved to `now`; nil when there is none or it
    /// was idle longer than `idleSeconds` (it is then removed).
    func session(idHash: String, now: Double, idleSeconds: Double) async throws -> ConsoleSession?

    /// Ends a session.
    func deleteSession(idHash: String) async throws
}
