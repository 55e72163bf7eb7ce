/// Compiles the regular expressions of schemas; FerryXML implements it with libxml2's
/// automaton-based engine, so matching costs no backtracking and no per-call allocation.
public protocol PatternCompiler: Sendable {
    /// Compiles an anchored pattern (`^…$`) that must match a whole value.
    /// - Throws: ``PatternCompileError`` naming the problem.
    func compile(_ pattern: String) throws(PatternCompileError) -> any PatternMatcher
}

/// A compiled pattern; immutable and usable from any task.
public protocol PatternMatcher: Sendable {
    /// Whether the whole value matches.
    func matches(_ value: String) -> Bool

    /// Whether the whole value, as UTF-8 bytes, matches.
    func matches(utf8 value: UnsafeBufferPointer<UInt8>) -> Bool
}

/// Why a pattern does not compile.
public struct PatternCompileError: Error, Sendable {
    public var message: String
    public init(message: String) { self.message = message }
}
