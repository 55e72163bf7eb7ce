/// A calendar date in the proleptic Gregorian calendar, checked to exist.
public struct CalendarDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// Creates a date when it exists (31.02.2020 does not).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
            (1...Self.daysIn(month: month, year: year)).contains(day)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYY-MM-DD` exactly.
    public init?(iso text: Substring) {
        guard let date = text.withUTF8Bytes(Self.init(isoBytes:)) else { return nil }
        self = date
    }

    private init?(isoBytes bytes: UnsafeBufferPointer<UInt8>) {
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            let y = Self.number(bytes[0..<4]), let m = Self.number(bytes[5..<7]), let d = Self.number(bytes[8..<10])
        else { return nil }
        self.init(year: y, month: m, day: d)
    }

    static func number<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> Int? {
        var value = 0
        for byte in bytes {
            guard byte >= 0x30 && byte <= 0x39 else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return bytes.isEmpty ? nil : value
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// `YYYY-MM-DD`.
    public var description: String {
        String(unsafeUninitializedCapacity: 10) { write(into: $0, at: 0) }
    }

    /// Writes `YYYY-MM-DD` at `start`; returns the index after it.
    func write(into buffer: UnsafeMutableBufferPointer<UInt8>, at start: Int) -> Int {
        var index = writeDigits(year, width: 4, into: buffer, at: start)
        buffer[index] = UInt8(ascii: "-")
        index = writeDigits(month, width: 2, into: buffer, at: index + 1)
        buffer[index] = UInt8(ascii: "-")
        return writeDigits(day, width: 2, into: buffer, at: index + 1)
    }
}

/// Writes the last `width` decimal digits of a non-negative number at `start`, zero-padded;
/// returns the index after them.
func writeDigits(_ value: Int, width: Int, into buffer: UnsafeMutableBufferPointer<UInt8>, at start: Int) -> Int {
    var rest = value
    for position in stride(from: start + width - 1, through: start, by: -1) {
        buffer[position] = UInt8(ascii: "0") + UInt8(rest % 10)
        rest /= 10
    }
    return start + width
}

extension CalendarDate {

    public static func < (lhs: CalendarDate, rhs: CalendarDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }
}

/// Zero-pads a non-negative number to a width.
func pad(_ value: Int, _ width: Int) -> String {
    let digits = String(value)
    return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
}

extension Substring {
    /// Calls `body` with the UTF-8 bytes in place; only a string bridged from elsewhere is copied.
    func withUTF8Bytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        if let result = utf8.withContiguousStorageIfAvailable(body) { return result }
        return Array(utf8).withUnsafeBufferPointer(body)
    }
}
