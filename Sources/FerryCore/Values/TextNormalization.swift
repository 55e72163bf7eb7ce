/// The text rules every legacy value goes through: white-space folding and NFC.
///
/// Both work on UTF-8 bytes and return the input unchanged (no allocation) when there is
/// nothing to do, which is the common case.
public enum TextNormalization {
    /// Trims and folds inner runs of white space (no-break space included) to one space.
    public static func fold(_ text: String) -> String {
        var text = text
        return text.withUTF8 { bytes in
            guard needsFolding(bytes) else { return nil }
            var result: [UInt8] = []
            result.reserveCapacity(bytes.count)
            var pendingSpace = false
            var index = 0
            while index < bytes.count {
                if let width = whitespaceWidth(bytes, at: index) {
                    pendingSpace = !result.isEmpty
                    index += width
                } else {
                    if pendingSpace { result.append(0x20) }
                    pendingSpace = false
                    result.append(bytes[index])
                    index += 1
                }
            }
            return String(decoding: result, as: UTF8.self)
        } ?? text
    }

    /// Whether UTF-8 text is already folded and in NFC: what ``fold(_:)`` and then ``nfc(_:)``
    /// would return unchanged.
    public static func isFoldedAndNormalized(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        !needsFolding(bytes) && isStableUnderNFC(bytes)
    }

    /// Trims white space (no-break space included) at both ends.
    public static func trim(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }

    /// Whether folding would change the text: white space at an edge, a run of two, or any
    /// white space other than a single ASCII space.
    private static func needsFolding(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var previousWasSpace = true
        var index = 0
        while index < bytes.count {
            if let width = whitespaceWidth(bytes, at: index) {
                if previousWasSpace || width > 1 || bytes[index] != 0x20 { return true }
                previousWasSpace = true
                index += width
            } else {
                previousWasSpace = false
                index += 1
            }
        }
        return previousWasSpace && bytes.count > 0
    }

    /// The UTF-8 length of the Unicode white-space character at `index`, or nil.
    ///
    /// White_Space: U+0009–000D, U+0020, U+0085, U+00A0, U+1680, U+2000–200A, U+2028, U+2029,
    /// U+202F, U+205F, U+3000.
    @inline(__always)
    private static func whitespaceWidth(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Int? {
        let byte = bytes[index]
        if byte < 0x80 { return byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) ? 1 : nil }
        let remaining = bytes.count - index
        switch byte {
        case 0xC2:
            guard remaining >= 2 else { return nil }
            return bytes[index + 1] == 0x85 || bytes[index + 1] == 0xA0 ? 2 : nil
        case 0xE1:
            guard remaining >= 3 else { return nil }
            return bytes[index + 1] == 0x9A && bytes[index + 2] == 0x80 ? 3 : nil
        case 0xE2:
            guard remaining >= 3 else { return nil }
            let (b1, b2) = (bytes[index + 1], bytes[index + 2])
            if b1 == 0x80 && (b2 <= 0x8A || b2 == 0xA8 || b2 == 0xA9 || b2 == 0xAF) { return 3 }
            return b1 == 0x81 && b2 == 0x9F ? 3 : nil
        case 0xE3:
            guard remaining >= 3 else { return nil }
            return bytes[index + 1] == 0x80 && bytes[index + 2] == 0x80 ? 3 : nil
        default:
            return nil
        }
    }

    /// The text in Unicode Normalization Form C; text that cannot change is returned as is.
    public static func nfc(_ text: String) -> String {
        let stable = text.utf8.withContiguousStorageIfAvailable(isStableUnderNFC) ?? isStableUnderNFC(Array(text.utf8))
        if stable { return text }
        return String(decoding: text._nfcCodeUnits, as: UTF8.self)
    }

    /// Whether every scalar is NFC on its own and never combines with a neighbour: those below
    /// U+0300 (the combining marks) and Cyrillic (U+0400–052F) outside its combining U+0483–0489.
    private static func isStableUnderNFC<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> Bool where Bytes.Index == Int {
        var index = bytes.startIndex
        let end = bytes.endIndex
        while index < end {
            let byte = bytes[index]
            index += 1
            switch byte {
            case 0x00..<0xCC, 0xD0, 0xD1, 0xD3: continue  // ASCII, continuation bytes, U+0080–02FF, Cyrillic
            case 0xD2:
                guard index < end, !(0x83...0x89).contains(bytes[index]) else { return false }
                index += 1
            case 0xD4:
                guard index < end, bytes[index] < 0xB0 else { return false }
                index += 1
            default:
                return false
            }
        }
        return true
    }
}
