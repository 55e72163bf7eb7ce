import FerryTesting
import Foundation
import Testing

/// The article of diagnostic codes, kept true to the sources.
///
/// Every code the sources emit is listed in `FerryCore.docc/DiagnosticCodes.md` as an item
/// "- `code`: …", and every code listed there is still emitted somewhere: a new code needs its
/// entry, a removed code takes its entry with it.
struct DiagnosticCodesDocumentationTests {
    /// How codes are passed where they are emitted; each pattern captures the code.
    static let emittingPatterns = [
        // Diagnostic(.error, code: "…"), RecordProblem(code: "…"), Kind(code: "…"), Failure(code: "…"),
        // and the second arm of `code: flag ? "…" : "…"`.
        #"code: (?:[\w.]+ \? "[a-z][a-z0-9.-]*" : )?"([a-z]+(?:\.[a-z0-9-]+)*)""#,
        // The first arm of `code: flag ? "…" : "…"`.
        #"code: [\w.]+ \? "([a-z]+(?:\.[a-z0-9-]+)*)" : "#,
        // diagnostics.error("…", …), local.warning(, the code on the next line), note(…), problem("…", …).
        #"\b(?:error|warning|note|problem)\(\s*"([a-z]+(?:\.[a-z0-9-]+)+)""#,
        // Codes as raw values of an error's code enum: case full = "store.full".
        #"case \w+ = "([a-z]+(?:\.[a-z0-9-]+)+)""#,
        // Fallback codes: ?? "record.rejected".
        #"\?\? "([a-z]+(?:\.[a-z0-9-]+)+)""#,
        // Codes written into a diagnostic line by hand: "…: error: … [schema.breaking-change]\n".
        #"\[([a-z]+(?:\.[a-z0-9-]+)+)\]\\n""#,
    ]

    /// Codes put together at run time, which no pattern finds: `AuditVerifier` names a break in
    /// the audit chain `audit.` followed by the case of `AuditChain.Break.Kind`.
    static let codesBuiltAtRunTime = ["audit.altered", "audit.removed", "audit.reordered"]

    /// The article, under the package root.
    static let articlePath = "Sources/FerryCore/FerryCore.docc/DiagnosticCodes.md"

    @Test func everyEmittedCodeIsDocumented() throws {
        let emitted = try Self.emittedCodes()
        try #require(emitted.count >= 100, "only \(emitted.count) codes found: do the patterns still match?")
        let documented = try Set(Self.documentedCodes())
        let missing = emitted.keys.filter { !documented.contains($0) }.sorted()
        let named = missing.map { "\($0) (\(emitted[$0] ?? "?"))" }.joined(separator: ", ")
        #expect(missing.isEmpty, "emitted, but not listed in DiagnosticCodes.md: \(named)")
    }

    @Test func everyDocumentedCodeIsEmitted() throws {
        let emitted = try Self.emittedCodes()
        let documented = try Self.documentedCodes()
        try #require(documented.count >= 100, "only \(documented.count) codes listed in DiagnosticCodes.md")
        let stale = documented.filter { emitted[$0] == nil }
        #expect(stale.isEmpty, "listed in DiagnosticCodes.md, but emitted nowhere: \(stale.joined(separator: ", "))")
    }

    @Test func everyCodeIsListedOnce() throws {
        var seen: Set<String> = []
        var repeated: [String] = []
        for code in try Self.documentedCodes() where !seen.insert(code).inserted {
            repeated.append(code)
        }
        #expect(repeated.isEmpty, "listed more than once in DiagnosticCodes.md: \(repeated.joined(separator: ", "))")
    }

    /// The codes built at run time are still built so, from kinds that still exist.
    @Test func codesBuiltAtRunTimeAreStillBuilt() throws {
        let texts = try Self.sourceFiles().map { $0.text }
        #expect(texts.contains { $0.contains(#"code: "audit.\("#) }, "AuditVerifier no longer builds audit codes")
        for code in Self.codesBuiltAtRunTime {
            let kind = code.dropFirst("audit.".count)
            #expect(texts.contains { $0.contains("case \(kind)") }, "no case \(kind) for \(code) in the sources")
        }
    }

    // MARK: - Reading the sources and the article

    struct SourceFile {
        /// The path relative to `Sources/`.
        var path: String
        var text: String
    }

    /// Every Swift file under `Sources/`, in path order.
    static func sourceFiles() throws -> [SourceFile] {
        let sources = FerryTesting.packageRoot.appendingPathComponent("Sources")
        guard let enumerator = FileManager.default.enumerator(atPath: sources.path) else { return [] }
        var files: [SourceFile] = []
        while let path = enumerator.nextObject() as? String {
            guard path.hasSuffix(".swift") else { continue }
            let text = try String(contentsOf: sources.appendingPathComponent(path), encoding: .utf8)
            files.append(SourceFile(path: path, text: text))
        }
        return files.sorted { $0.path < $1.path }
    }

    /// Every code the sources emit, with the first file that emits it.
    static func emittedCodes() throws -> [String: String] {
        let regexes = try emittingPatterns.map { try NSRegularExpression(pattern: $0) }
        var codes: [String: String] = [:]
        for file in try sourceFiles() {
            for regex in regexes {
                for code in captures(of: regex, in: file.text) where codes[code] == nil {
                    codes[code] = file.path
                }
            }
        }
        for code in codesBuiltAtRunTime where codes[code] == nil {
            codes[code] = "FerryGateway/AuditVerifier.swift"
        }
        return codes
    }

    /// The codes the article lists, in its order: each line that starts "- `code`:".
    static func documentedCodes() throws -> [String] {
        let text = try String(
            contentsOf: FerryTesting.packageRoot.appendingPathComponent(articlePath), encoding: .utf8)
        let item = try NSRegularExpression(pattern: #"^- `([a-z]+(?:\.[a-z0-9-]+)*)`:"#, options: .anchorsMatchLines)
        return captures(of: item, in: text)
    }

    /// The text of the first capture group of each match of a regular expression.
    static func captures(of regex: NSRegularExpression, in text: String) -> [String] {
        regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { match in
            Range(match.range(at: 1), in: text).map { String(text[$0]) }
        }
    }
}
