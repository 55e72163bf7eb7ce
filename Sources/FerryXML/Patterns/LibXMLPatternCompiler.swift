internal import CLibXML2
public import FerryCore

/// Compiles schema patterns with libxml2's XML Schema regular-expression engine, an automaton
/// that matches in linear time without backtracking.
///
/// Schema patterns are written anchored (`^…$`), as LinkML and JSON Schema expect; XML Schema
/// expressions are implicitly anchored, so the anchors are removed before compiling. The
/// shared syntax covers character classes, ranges such as `[А-Я]` (by code point, so `Ё` is
/// outside it), groups, alternation and `{n,m}` counts; `[0-9]` means ASCII digits.
public struct LibXMLPatternCompiler: PatternCompiler {
    /// Creates the compiler.
    public init() {}

    public func compile(_ pattern: String) throws(PatternCompileError) -> any PatternMatcher {
        _ = LibXML.initialized
        guard pattern.hasPrefix("^"), pattern.hasSuffix("$"), pattern.count >= 2 else {
            throw PatternCompileError(message: "a pattern must be anchored with ^ and $")
        }
        let body = String(pattern.dropFirst().dropLast())
        if body.contains("^") && !body.contains("[^") || body.hasSuffix("\\") {
            throw PatternCompileError(message: "anchors may only open and close a pattern")
        }
        guard let regexp = xmlRegexpCompile(body) else {
            throw PatternCompileError(message: "libxml2 cannot compile the expression \(body)")
        }
        return CompiledPattern(regexp)
    }
}

/// A compiled libxml2 regular expression.
///
/// `@unchecked Sendable`: the compiled automaton is never modified after compilation, and
/// `xmlRegexpExec` keeps its matching state on its own stack, so concurrent matches are safe.
private final class CompiledPattern: PatternMatcher, @unchecked Sendable {
    private let regexp: xmlRegexpPtr

    init(_ regexp: xmlRegexpPtr) { self.regexp = regexp }

    deinit { xmlRegFreeRegexp(regexp) }

    func matches(_ value: String) -> Bool {
        var value = value
        return value.withUTF8 { matches(utf8: $0) }
    }

    func matches(utf8 bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        // xmlRegexpExec reads a NUL-terminated string; a value holding NUL cannot match.
        guard !bytes.contains(0) else { return false }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: bytes.count + 1) { buffer in
            _ = buffer.initialize(fromContentsOf: bytes)
            buffer[bytes.count] = 0
            return xmlRegexpExec(regexp, buffer.baseAddress) == 1
        }
    }
}
