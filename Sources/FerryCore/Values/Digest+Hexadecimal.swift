package import Crypto

extension Digest {
    /// The digest as lowercase hex.
    package var hexadecimal: String {
        String(unsafeUninitializedCapacity: 2 * Self.byteCount) { buffer in
            var position = 0
            for byte in self {
                buffer[position] = Self.hexDigit(byte >> 4)
                buffer[position + 1] = Self.hexDigit(byte & 0x0F)
                position += 2
            }
            return position
        }
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10
    }
}
