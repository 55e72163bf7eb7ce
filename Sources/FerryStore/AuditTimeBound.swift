import Foundation

/// A time an operator gives to start the audit trail at, in the form entries are stamped with.
///
/// Entries carry RFC 3339 UTC times with milliseconds (`2026-12-07T08:00:55.123Z`), so a
/// prefix of that form compares with them as text: `2026-12-07` is the day's start,
/// `2026-12-07T08:00` a minute's. A space may stand for the `T`, and a trailing `Z` is allowed;
/// any other offset is refused rather than guessed.
public struct AuditTimeBound: Sendable, Equatable {
    /// The bound as stamped times compare with it (no `Z`, so `…:55` sorts before `…:55.123Z`).
    public let text: String

    /// The bound for `input`, or nil when it is not a UTC date or date and time.
    public init?(_ input: String) {
        var text = input.trimmingCharacters(in: .whitespaces)
        if text.hasSuffix("Z") || text.hasSuffix("z") { text.removeLast() }
        text = text.replacingOccurrences(of: " ", with: "T")
        let digits = Array(text.utf8)
        // YYYY-MM-DD, then optionally THH:MM, :SS and a fraction.
        let shape = Array("dddd-dd-ddTdd:dd:dd".utf8)
        let lengths = [10, 16, 19]
        let isDigit = { (byte: UInt8) in byte >= 0x30 && byte <= 0x39 }
        let wholeLength = lengths.last { digits.count >= $0 } ?? 0
        guard wholeLength > 0 else { return nil }
        for (index, byte) in digits.prefix(wholeLength).enumerated() {
            let expected = shape[index]
            guard expected == UInt8(ascii: "d") ? isDigit(byte) : byte == expected else { return nil }
        }
        let rest = digits.dropFirst(wholeLength)
        if wholeLength < 19 {
            guard rest.isEmpty else { return nil }
        } else if let first = rest.first {
            guard first == UInt8(ascii: "."), rest.count > 1, rest.dropFirst().allSatisfy(isDigit) else { return nil }
        }
        self.text = text
    }
}
