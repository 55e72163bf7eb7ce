/// Checks and builds RFC 3339 date-times with an offset, as the canonical model writes them.
public enum DateTimeText {
    /// Whether `text` is an RFC 3339 date-time with an offset (`Z` or `±HH:MM`), with a real date
    /// and time.
    ///
    /// Fractional seconds are allowed and kept.
    public static func isValid(_ text: Substring) -> Bool {
        text.withUTF8Bytes { bytes in
            bytes.count >= 20 && CalendarDate(iso: text.prefix(10)).map { $0.year > 0 } == true && isValidTime(bytes)
        }
    }

    /// Whether the bytes after a date (at offset 10) are `THH:MM:SS`, optional fraction, and an offset.
    private static func isValidTime(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard
            bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t"),
            bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
            let hour = CalendarDate.number(bytes[11..<13]), hour < 24,
            let minute = CalendarDate.number(bytes[14..<16]), minute < 60,
            let second = CalendarDate.number(bytes[17..<19]), second < 61
        else { return false }
        var index = 19
        if bytes[index] == UInt8(ascii: ".") {
            index += 1
            let start = index
            while index < bytes.count, bytes[index] >= 0x30 && bytes[index] <= 0x39 { index += 1 }
            guard index > start else { return false }
        }
        return isOffset(bytes[index...])
    }

    /// Whether the bytes are `Z` or `±HH:MM` with HH < 24 and MM < 60.
    static func isOffset(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
        if bytes.count == 1 { return bytes.first == UInt8(ascii: "Z") || bytes.first == UInt8(ascii: "z") }
        let b = UnsafeBufferPointer(rebasing: bytes)
        guard b.count == 6, b[0] == UInt8(ascii: "+") || b[0] == UInt8(ascii: "-"), b[3] == UInt8(ascii: ":"),
            let h = CalendarDate.number(b[1..<3]), h < 24, let m = CalendarDate.number(b[4..<6]), m < 60
        else { return false }
        return true
    }

    /// Normalizes an offset written as `+03:00`, `+0300`, `+3` or `Z` to `+03:00` / `Z`.
    public static func normalizedOffset(_ text: Substring) -> String? {
        // The usual form is already normalized.
        if text.withUTF8Bytes({ $0.count == 6 && isOffset($0[...]) }) { return String(text) }
        if text == "Z" || text == "z" { return "Z" }
        guard let sign = text.first, sign == "+" || sign == "-" else { return nil }
        let body = text.dropFirst()
        var hours: Int?
        var minutes = 0
        if let colon = body.firstIndex(of: ":") {
            hours = Int(body[..<colon])
            guard let m = Int(body[body.index(after: colon)...]), body[body.index(after: colon)...].count == 2 else {
                return nil
            }
            minutes = m
        } else if body.count == 4 {
            hours = Int(body.prefix(2))
            guard let m = Int(body.suffix(2)) else { return nil }
            minutes = m
        } else if (1...2).contains(body.count) {
            hours = Int(body)
        }
        guard let h = hours, body.allSatisfy({ $0.isASCIIDigit || $0 == ":" }), h < 24, minutes < 60 else {
            return nil
        }
        return "\(sign)\(pad(h, 2)):\(pad(minutes, 2))"
    }

    /// An offset of seconds east of UTC as RFC 3339 writes it: `+03:00`, `-05:00`, `Z` for none.
    public static func offset(seconds: Int) -> String {
        guard seconds != 0 else { return "Z" }
        let minutes = abs(seconds) / 60
        let hours = String(minutes / 60), rest = String(minutes % 60)
        return (seconds < 0 ? "-" : "+") + String(repeating: "0", count: 2 - hours.count) + hours + ":"
            + String(repeating: "0", count: 2 - rest.count) + rest
    }

    /// The offset of an RFC 3339 date-time in seconds east of UTC.
    public static func offsetSeconds(of dateTime: Substring) -> Int? {
        if dateTime.hasSuffix("Z") || dateTime.hasSuffix("z") { return 0 }
        let tail = Array(dateTime.utf8.suffix(6))
        guard tail.count == 6, tail[0] == UInt8(ascii: "+") || tail[0] == UInt8(ascii: "-"),
            let hours = CalendarDate.number(tail[1..<3]), let minutes = CalendarDate.number(tail[4..<6])
        else { return nil }
        return (tail[0] == UInt8(ascii: "-") ? -1 : 1) * (hours * 3600 + minutes * 60)
    }
}
