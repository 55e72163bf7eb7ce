extension Sequence<UInt8> {
    /// The bytes as lowercase hex: a SHA-256 digest's 64 characters, a salt's, a key
    /// fingerprint's.
    package var hexadecimal: String {
        var digits: [UInt8] = []
        digits.reserveCapacity(2 * Swift.max(underestimatedCount, 32))
        for byte in self {
            digits.append(Self.hexDigit(byte >> 4))
            digits.append(Self.hexDigit(byte & 0x0F))
        }
        return String(decoding: digits, as: UTF8.self)
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10
    }
}
