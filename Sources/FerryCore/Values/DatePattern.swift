/// A date or date-time layout such as `DD.MM.YYYY` or `DD.MM.YYYY HH:mm[:ss]`, compiled once.
///
/// Tokens: `YYYY` year, `MM` month, `DD` day, `HH` hour, `mm` minute, `ss` second, each a fixed
/// number of ASCII digits; `[...]` encloses an optional tail; anything else is literal.
/// A missing optional second reads as `00`.
public struct DatePattern: Sendable, Hashable, CustomStringConvertible {
    enum Token: Sendable, Hashable {
        case year, month, day, hour, minute, second
        case literal(Character)
        case optional([Token])

        var width: Int { self == .year ? 4 : 2 }
    }

    let tokens: [Token]
    /// The pattern as written.
    public let description: String

    /// Compiles a pattern.
    /// - Throws: a message naming the first problem, such as an unclosed `[`.
    public init(_ pattern: String) throws(PatternError) {
        description = pattern
        var index = pattern.startIndex
        tokens = try Self.parse(pattern, &index, nested: false)
        let flat = Self.flatten(tokens)
        guard flat.contains(.year), flat.contains(.month), flat.contains(.day) else {
            throw PatternError(message: "a date pattern needs YYYY, MM and DD")
        }
    }

    /// A problem in a pattern.
    public struct PatternError: Error, Sendable { public let message: String }

    private static func parse(_ p: String, _ i: inout String.Index, nested: Bool) throws(PatternError) -> [Token] {
        var result: [Token] = []
        while i < p.endIndex {
            let rest = p[i...]
            if rest.hasPrefix("YYYY") {
                result.append(.year); i = p.index(i, offsetBy: 4)
            } else if rest.hasPrefix("MM") {
                result.append(.month); i = p.index(i, offsetBy: 2)
            } else if rest.hasPrefix("DD") {
                result.append(.day); i = p.index(i, offsetBy: 2)
            } else if rest.hasPrefix("HH") {
                result.append(.hour); i = p.index(i, offsetBy: 2)
            } else if rest.hasPrefix("mm") {
                result.append(.minute); i = p.index(i, offsetBy: 2)
            } else if rest.hasPrefix("ss") {
                result.append(.second); i = p.index(i, offsetBy: 2)
            } else if p[i] == "[" {
                i = p.index(after: i)
                result.append(.optional(try parse(p, &i, nested: true)))
            } else if p[i] == "]" {
                guard nested else { throw PatternError(message: "unbalanced ']'") }
                i = p.index(after: i)
                return result
            } else {
                result.append(.literal(p[i])); i = p.index(after: i)
            }
        }
        if nested { throw PatternError(message: "unclosed '['") }
        return result
    }

    private static func flatten(_ tokens: [Token]) -> [Token] {
        tokens.flatMap { token -> [Token] in
            if case .optional(let inner) = token { return flatten(inner) }
            return [token]
        }
    }

    /// Whether the pattern has a time of day.
    public var hasTime: Bool { Self.flatten(tokens).contains(.hour) }

    /// The parts read from a value.
    public struct Parts: Sendable, Hashable {
        public var date: CalendarDate
        public var hour = 0, minute = 0, second = 0

        /// Midnight of a date, or a time of day on it.
        public init(date: CalendarDate, hour: Int = 0, minute: Int = 0, second: Int = 0) {
            self.date = date
            self.hour = hour
            self.minute = minute
            self.second = second
        }
    }

    /// Reads a value; nil when it does not have the pattern's shape or the date does not exist.
    public func parse(_ text: Substring) -> Parts? {
        var fields = Fields()
        var text = text
        let matched = text.withUTF8 { bytes -> Bool in
            var position = 0
            return Self.match(tokens, bytes, &position, &fields) && position == bytes.count
        }
        guard matched, let date = CalendarDate(year: fields.year, month: fields.month, day: fields.day),
            fields.hour < 24, fields.minute < 60, fields.second < 60
        else { return nil }
        return Parts(date: date, hour: fields.hour, minute: fields.minute, second: fields.second)
    }

    private struct Fields {
        var year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0
    }

    /// Matches tokens against UTF-8 bytes from `position`, advancing it.
    private static func match(
        _ tokens: [Token], _ bytes: UnsafeBufferPointer<UInt8>, _ position: inout Int, _ fields: inout Fields
    ) -> Bool {
        for token in tokens {
            switch token {
            case .literal(let character):
                for byte in character.utf8 {
                    guard position < bytes.count, bytes[position] == byte else { return false }
                    position += 1
                }
            case .optional(let inner):
                var attempt = position
                var attemptFields = fields
                if match(inner, bytes, &attempt, &attemptFields) {
                    position = attempt
                    fields = attemptFields
                }
            default:
                guard position + token.width <= bytes.count else { return false }
                var value = 0
                for offset in 0..<token.width {
                    let byte = bytes[position + offset]
                    guard byte >= 0x30 && byte <= 0x39 else { return false }
                    value = value * 10 + Int(byte - 0x30)
                }
                position += token.width
                switch token {
                case .year: fields.year = value
                case .month: fields.month = value
                case .day: fields.day = value
                case .hour: fields.hour = value
                case .minute: fields.minute = value
                default: fields.second = value
                }
            }
        }
        return true
    }

    /// Writes parts in this pattern, optional parts included.
    public func format(_ parts: Parts) -> String {
        Self.format(tokens, parts)
    }

    private static func format(_ tokens: [Token], _ parts: Parts) -> String {
        var out = ""
        for token in tokens {
            switch token {
            case .year: out += pad(parts.date.year, 4)
            case .month: out += pad(parts.date.month, 2)
            case .day: out += pad(parts.date.day, 2)
            case .hour: out += pad(parts.hour, 2)
            case .minute: out += pad(parts.minute, 2)
            case .second: out += pad(parts.second, 2)
            case .literal(let c): out.append(c)
            case .optional(let inner): out += format(inner, parts)
            }
        }
        return out
    }
}

extension DatePattern.Parts {
    /// RFC 3339 with the given offset: `2026-11-26T06:00:00+03:00`.
    public func rfc3339(offset: String) -> String {
        var offset = offset
        return offset.withUTF8 { offsetBytes in
            String(unsafeUninitializedCapacity: 19 + offsetBytes.count) { buffer in
                var index = date.write(into: buffer, at: 0)
                buffer[index] = UInt8(ascii: "T")
                index = writeDigits(hour, width: 2, into: buffer, at: index + 1)
                buffer[index] = UInt8(ascii: ":")
                index = writeDigits(minute, width: 2, into: buffer, at: index + 1)
                buffer[index] = UInt8(ascii: ":")
                index = writeDigits(second, width: 2, into: buffer, at: index + 1)
                _ = UnsafeMutableBufferPointer(rebasing: buffer[index...]).initialize(from: offsetBytes)
                return index + offsetBytes.count
            }
        }
    }

    /// Reads the date and time of an RFC 3339 text (fraction and offset ignored).
    public init?(rfc3339 text: Substring) {
        guard DateTimeText.isValid(text), let date = CalendarDate(iso: text.prefix(10)) else { return nil }
        let b = Array(text.utf8)
        self.date = date
        hour = CalendarDate.number(b[11..<13]) ?? 0
        minute = CalendarDate.number(b[14..<16]) ?? 0
        second = CalendarDate.number(b[17..<19]) ?? 0
    }
}
