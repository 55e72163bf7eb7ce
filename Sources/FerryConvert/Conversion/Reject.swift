public import FerryCore

/// A record that did not convert, with everything needed to find and fix it.
public struct Reject: Sendable {
    /// The reasons, each with its JSON pointer.
    public var problems: [RecordProblem]
    /// The input file (`archive.zip!entry` for an archive entry, `-` for standard input).
    public var file: String
    /// The record's first line in that input.
    public var line: Int
    /// The record's key, when it could be read.
    public var key: String?
    /// The record's text, decoded to UTF-8.
    public var input: String?

    /// All reasons in one sentence.
    public var reason: String { problems.map(\.description).joined(separator: "; ") }

    /// The NDJSON line of the rejects file.
    public var jsonValue: JSONValue {
        var object = JSONObject()
        object["reason"] = .string(reason)
        object["file"] = .string(file)
        object["line"] = .integer(line)
        object["key"] = key.map(JSONValue.string) ?? .null
        object["input"] = input.map(JSONValue.string) ?? .null
        object["problems"] = .array(
            problems.map { problem in
                .object(
                    JSONObject([
                        ("code", .string(problem.code)), ("pointer", .string(problem.pointer)),
                        ("message", .string(problem.message)),
                    ]))
            })
        return .object(object)
    }

    /// One diagnostic line for standard error: `file:line: error: record KEY rejected: reasons`.
    public var diagnosticLine: String {
        let name = key.map { "record \($0)" } ?? "a record"
        let code = problems.first?.code ?? "record.rejected"
        return "\(file):\(line):1: error: \(name) rejected: \(reason) [\(code)]"
    }
}
