/// An exact decimal number, kept as digits and a scale, never through a binary double.
///
/// `text` is the plain form the source wrote, normalized only as the canonical model requires:
/// no exponent, no `+`, no leading zeros, the fraction digits the source wrote (`007,50` is
/// `7.50`). `canonicalText` drops trailing fraction zeros, the form record ids hash.
public struct ExactDecimal: Sendable, Hashable, CustomStringConvertible {
    /// Whether the value is below zero (never true for zero).
    public let isNegative: Bool
    /// The integer digits, without leading zeros ("0" for zero), ASCII.
    public let integerDigits: String
    /// The fraction digits as written, possibly empty, ASCII.
    public let fractionDigits: String

    /// The largest exponent magnitude accepted, which bounds the digits an exponent can create.
    public static let maximumExponent = 1_000

    /// Creates a decimal from ASCII digit strings; leading integer zeros are dropped.
    init(isNegative: Bool, integerDigits: String, fractionDigits: String) {
        var integer = integerDigits
        if integer.utf8.first == UInt8(ascii: "0") {
            let trimmed = integer.drop { $0 == "0" }
            integer = trimmed.isEmpty ? "0" : String(trimmed)
        } else if integer.isEmpty {
            integer = "0"
        }
        self.integerDigits = integer
        self.fractionDigits = fractionDigits
        self.isNegative = isNegative && !(integer == "0" && fractionDigits.utf8.allSatisfy { $0 == UInt8(ascii: "0") })
    }

    /// Parses a plain decimal: optional sign, digits, optional point and digits, optional exponent.
    ///
    /// - Parameters:
    ///   - text: the text, already stripped of grouping characters.
    ///   - point: the decimal separator (an ASCII character).
    ///   - allowExponent: whether `E`/`e` notation (as `xs:double` writes) is accepted.
    /// - Returns: the decimal, or nil when the text is not a finite decimal.
    public init?(parsing text: Substring, point: Character = ".", allowExponent: Bool = false) {
        guard let pointByte = point.asciiValue else { return nil }
        var text = text
        guard let decimal = text.withUTF8({ Self(parsingUTF8: $0, point: pointByte, allowExponent: allowExponent) })
        else {
            return nil
        }
        self = decimal
    }

    /// ``init(parsing:point:allowExponent:)`` on UTF-8 bytes, with the point as a byte.
    init?(parsingUTF8 bytes: UnsafeBufferPointer<UInt8>, point: UInt8, allowExponent: Bool) {
        guard let parts = Self.scan(bytes, point: point, allowExponent: allowExponent) else { return nil }
        let (negative, integer, fraction, exponent) = parts
        if exponent == 0 {
            self.init(isNegative: negative, integerDigits: integer, fractionDigits: fraction)
            return
        }
        // Shift the point by the exponent over the combined digits.
        var digits = Array((integer + fraction).utf8)
        var pointIndex = integer.utf8.count + exponent
        if pointIndex < 0 {
            digits = Array(repeating: UInt8(ascii: "0"), count: -pointIndex) + digits
            pointIndex = 0
        } else if pointIndex > digits.count {
            digits += Array(repeating: UInt8(ascii: "0"), count: pointIndex - digits.count)
        }
        var fractionEnd = digits.count
        // An exponent moves digits; zeros it leaves at the end carry no precision the source wrote.
        while fractionEnd > pointIndex && digits[fractionEnd - 1] == UInt8(ascii: "0") { fractionEnd -= 1 }
        self.init(
            isNegative: negative, integerDigits: String(decoding: digits[..<pointIndex], as: UTF8.self),
            fractionDigits: String(decoding: digits[pointIndex..<fractionEnd], as: UTF8.self))
    }

    /// Splits the bytes into sign, integer digits, fraction digits and exponent.
    private static func scan(_ bytes: UnsafeBufferPointer<UInt8>, point: UInt8, allowExponent: Bool)
        -> (Bool, String, String, Int)?
    {
        var index = 0
        var negative = false
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
            negative = bytes[index] == UInt8(ascii: "-")
            index += 1
        }
        func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
        let integerStart = index
        while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        let integerEnd = index
        var fractionStart = index
        var fractionEnd = index
        if index < bytes.count, bytes[index] == point {
            index += 1
            fractionStart = index
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            fractionEnd = index
        }
        guard integerEnd > integerStart || fractionEnd > fractionStart else { return nil }
        var exponent = 0
        if index < bytes.count {
            guard allowExponent, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") else {
                return nil
            }
            index += 1
            var exponentNegative = false
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
                exponentNegative = bytes[index] == UInt8(ascii: "-")
                index += 1
            }
            let exponentStart = index
            while index < bytes.count, isDigit(bytes[index]), index - exponentStart < 7 {
                exponent = exponent * 10 + Int(bytes[index] - UInt8(ascii: "0"))
                index += 1
            }
            guard index > exponentStart, index == bytes.count, exponent <= maximumExponent else { return nil }
            if exponentNegative { exponent = -exponent }
        }
        return (
            negative, String(decoding: UnsafeBufferPointer(rebasing: bytes[integerStart..<integerEnd]), as: UTF8.self),
            String(decoding: UnsafeBufferPointer(rebasing: bytes[fractionStart..<fractionEnd]), as: UTF8.self), exponent
        )
    }

    /// The plain form with the source's fraction digits, for example `7.50`.
    public var text: String { rendered(canonical: false) }

    /// The shortest exact form, for example `7.5`; `-0` is `0`.
    ///
    /// Record ids hash this form.
    public var canonicalText: String { rendered(canonical: true) }

    private func rendered(canonical: Bool) -> String {
        var bytes: [UInt8] = []
        write(canonical: canonical, into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the plain form (``text``) or the shortest exact form (``canonicalText``) as
    /// UTF-8, without building a string: the JSON writer's path for every number.
    public func write(canonical: Bool, into buffer: inout [UInt8]) {
        // Zero is never negative, so the shortest form of a negative value keeps its sign.
        if isNegative { buffer.append(UInt8(ascii: "-")) }
        buffer.append(contentsOf: integerDigits.utf8)
        let fractionCount = canonical ? significantFractionDigits : fractionDigits.utf8.count
        guard fractionCount > 0 else { return }
        buffer.append(UInt8(ascii: "."))
        buffer.append(contentsOf: fractionDigits.utf8.prefix(fractionCount))
    }

    /// Fraction digits that carry value (trailing zeros do not count).
    public var significantFractionDigits: Int {
        var count = fractionDigits.utf8.count
        var digits = fractionDigits
        return digits.withUTF8 { bytes in
            while count > 0 && bytes[count - 1] == UInt8(ascii: "0") { count -= 1 }
            return count
        }
    }

    public var description: String { text }

    /// Whether this equals zero.
    public var isZero: Bool { integerDigits == "0" && fractionDigits.utf8.allSatisfy { $0 == UInt8(ascii: "0") } }

    /// Compares two decimals by value.
    public static func compare(_ a: ExactDecimal, _ b: ExactDecimal) -> Int {
        if a.isZero && b.isZero { return 0 }
        if a.isNegative != b.isNegative { return a.isNegative ? -1 : 1 }
        let magnitude = compareMagnitude(a, b)
        return a.isNegative ? -magnitude : magnitude
    }

    /// Compares magnitudes digit by digit: integer digits (no leading zeros) by length, then
    /// in order; then fraction digits, the shorter read as padded with zeros.
    private static func compareMagnitude(_ a: ExactDecimal, _ b: ExactDecimal) -> Int {
        let (ai, bi) = (a.integerDigits.utf8, b.integerDigits.utf8)
        if ai.count != bi.count { return ai.count < bi.count ? -1 : 1 }
        for (x, y) in zip(ai, bi) where x != y { return x < y ? -1 : 1 }
        var (af, bf) = (a.fractionDigits.utf8.makeIterator(), b.fractionDigits.utf8.makeIterator())
        while true {
            let (x, y) = (af.next(), bf.next())
            if x == nil && y == nil { return 0 }
            let (dx, dy) = (x ?? UInt8(ascii: "0"), y ?? UInt8(ascii: "0"))
            if dx != dy { return dx < dy ? -1 : 1 }
        }
    }

    /// Value equality (`7.50` equals `7.5`).
    public func isEqualInValue(to other: ExactDecimal) -> Bool { Self.compare(self, other) == 0 }

    /// The value as a 64-bit integer, when it is whole and fits.
    public var integerValue: Int64? {
        guard significantFractionDigits == 0 else { return nil }
        return Int64(isNegative ? "-" + integerDigits : integerDigits)
    }
}

extension Character {
    /// The digits `0` to `9` only: `[0-9]` means ASCII digits in this project.
    @inlinable var isASCIIDigit: Bool { isASCII && ("0"..."9").contains(self) }
}
