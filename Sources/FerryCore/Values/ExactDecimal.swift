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

    /// Creates a decimal from its parts; `integerDigits` and `fractionDigits` must be ASCII digits.
    init(isNegative: Bool, integerDigits: Substring, fractionDigits: Substring) {
        let trimmed = integerDigits.drop { $0 == "0" }
        let integer = trimmed.isEmpty ? "0" : String(trimmed)
        let isZero = integer == "0" && fractionDigits.allSatisfy { $0 == "0" }
        self.isNegative = isNegative && !isZero
        self.integerDigits = integer
        self.fractionDigits = String(fractionDigits)
    }

    /// Parses a plain decimal: optional sign, digits, optional point and digits, optional exponent.
    ///
    /// - Parameters:
    ///   - text: the ASCII text, already stripped of grouping characters.
    ///   - point: the decimal separator.
    ///   - allowExponent: whether `E`/`e` notation (as `xs:double` writes) is accepted.
    /// - Returns: the decimal, or nil when the text is not a finite decimal.
    public init?(parsing text: Substring, point: Character = ".", allowExponent: Bool = false) {
        var rest = text[...]
        var negative = false
        if let first = rest.first, first == "-" || first == "+" {
            negative = first == "-"
            rest = rest.dropFirst()
        }
        var exponent = 0
        if allowExponent, let e = rest.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            var expText = rest[rest.index(after: e)...]
            var expNegative = false
            if let sign = expText.first, sign == "-" || sign == "+" {
                expNegative = sign == "-"
                expText = expText.dropFirst()
            }
            guard !expText.isEmpty, expText.count <= 6, expText.allSatisfy(\.isASCIIDigit),
                let value = Int(expText), value <= Self.maximumExponent
            else { return nil }
            exponent = expNegative ? -value : value
            rest = rest[..<e]
        }
        let integerPart: Substring
        let fractionPart: Substring
        if let p = rest.firstIndex(of: point) {
            integerPart = rest[..<p]
            fractionPart = rest[rest.index(after: p)...]
        } else {
            integerPart = rest
            fractionPart = ""
        }
        guard !(integerPart.isEmpty && fractionPart.isEmpty),
            integerPart.allSatisfy(\.isASCIIDigit), fractionPart.allSatisfy(\.isASCIIDigit)
        else { return nil }
        if exponent == 0 {
            self.init(isNegative: negative, integerDigits: integerPart, fractionDigits: fractionPart)
            return
        }
        // Shift the point by the exponent over the combined digits.
        let digits = Array(integerPart) + Array(fractionPart)
        var pointIndex = integerPart.count + exponent
        var padded = digits
        if pointIndex < 0 {
            padded = Array(repeating: "0", count: -pointIndex) + padded
            pointIndex = 0
        } else if pointIndex > padded.count {
            padded += Array(repeating: "0", count: pointIndex - padded.count)
        }
        var fraction = padded[pointIndex...]
        // An exponent moves digits; zeros it created at the end carry no precision the source wrote.
        while fraction.last == "0" { fraction = fraction.dropLast() }
        self.init(
            isNegative: negative,
            integerDigits: Substring(String(padded[..<pointIndex])),
            fractionDigits: Substring(String(fraction))
        )
    }

    /// The plain form with the source's fraction digits, e.g. `7.50`.
    public var text: String {
        let sign = isNegative ? "-" : ""
        return fractionDigits.isEmpty ? sign + integerDigits : "\(sign)\(integerDigits).\(fractionDigits)"
    }

    /// The shortest exact form, e.g. `7.5`; `-0` is `0`. Record ids hash this form.
    public var canonicalText: String {
        let fraction = fractionDigits.reversed().drop { $0 == "0" }
        let sign = isNegative ? "-" : ""
        return fraction.isEmpty ? sign + integerDigits : "\(sign)\(integerDigits).\(String(fraction.reversed()))"
    }

    /// Fraction digits that carry value (trailing zeros do not count).
    public var significantFractionDigits: Int {
        fractionDigits.reversed().drop { $0 == "0" }.count
    }

    public var description: String { text }

    /// Whether this equals zero.
    public var isZero: Bool { integerDigits == "0" && fractionDigits.allSatisfy { $0 == "0" } }

    /// Compares two decimals by value.
    public static func compare(_ a: ExactDecimal, _ b: ExactDecimal) -> Int {
        if a.isZero && b.isZero { return 0 }
        if a.isNegative != b.isNegative { return a.isNegative ? -1 : 1 }
        let magnitude = compareMagnitude(a, b)
        return a.isNegative ? -magnitude : magnitude
    }

    private static func compareMagnitude(_ a: ExactDecimal, _ b: ExactDecimal) -> Int {
        if a.integerDigits.count != b.integerDigits.count {
            return a.integerDigits.count < b.integerDigits.count ? -1 : 1
        }
        if a.integerDigits != b.integerDigits { return a.integerDigits < b.integerDigits ? -1 : 1 }
        let width = max(a.fractionDigits.count, b.fractionDigits.count)
        let fa = a.fractionDigits.padding(to: width)
        let fb = b.fractionDigits.padding(to: width)
        if fa == fb { return 0 }
        return fa < fb ? -1 : 1
    }

    /// Value equality (`7.50` equals `7.5`).
    public func isEqualInValue(to other: ExactDecimal) -> Bool { Self.compare(self, other) == 0 }

    /// The value as a 64-bit integer, when it is whole and fits.
    public var integerValue: Int64? {
        guard significantFractionDigits == 0 else { return nil }
        return Int64(isNegative ? "-" + integerDigits : integerDigits)
    }
}

extension String {
    fileprivate func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: "0", count: width - count)
    }
}

extension Character {
    /// `0`...`9` only: `[0-9]` means ASCII digits in this project.
    @inlinable var isASCIIDigit: Bool { isASCII && ("0"..."9").contains(self) }
}
