/// Why a record is not valid, with the JSON pointer of the offending value.
public struct RecordProblem: Sendable, Hashable, Codable, CustomStringConvertible {
    /// A stable code such as `record.required`.
    public var code: String
    /// RFC 6901 pointer into the canonical record, for example `/data/awards/0/code`.
    public var pointer: String
    /// What is wrong.
    ///
    /// Values are named only when the schema's own lists hold them (enum codes).
    public var message: String

    /// Creates a problem.
    public init(code: String, pointer: String, message: String) {
        self.code = code
        self.pointer = pointer
        self.message = message
    }

    /// `pointer: message`, or the message alone for a problem of the whole record (pointer "").
    public var description: String { pointer.isEmpty ? message : "\(pointer): \(message)" }
}

/// RFC 6901 escaping of one reference token (`~` as `~0`, `/` as `~1`).
func pointerToken(_ name: String) -> String {
    guard name.utf8.contains(where: { $0 == UInt8(ascii: "~") || $0 == UInt8(ascii: "/") }) else { return name }
    var escaped = ""
    for character in name {
        switch character {
        case "~": escaped += "~0"
        case "/": escaped += "~1"
        default: escaped.append(character)
        }
    }
    return escaped
}
