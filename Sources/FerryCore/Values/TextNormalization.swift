/// The text rules every legacy value goes through: white-space folding and NFC.
public enum TextNormalization {
    /// Trims and folds inner runs of white space (no-break space included) to one space.
    public static func fold(_ text: String) -> String {
        if isAlreadyFolded(text) { return text }
        var result = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in text.unicodeScalars {
            if scalar.properties.isWhitespace {
                pendingSpace = !result.isEmpty
            } else {
                if pendingSpace { result.append(" ") }
                pendingSpace = false
                result.append(scalar)
            }
        }
        return String(result)
    }

    /// Trims white space (no-break space included) at both ends.
    public static func trim(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }

    /// The fast check: ASCII without tabs, line breaks, doubled or edge spaces.
    private static func isAlreadyFolded(_ text: String) -> Bool {
        var previousWasSpace = true
        for byte in text.utf8 {
            if byte >= 0x80 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0B || byte == 0x0C {
                return false
            }
            if byte == 0x20 {
                if previousWasSpace { return false }
                previousWasSpace = true
            } else {
                previousWasSpace = false
            }
        }
        return !previousWasSpace || text.isEmpty
    }

    /// The text in Unicode Normalization Form C; text that cannot change is returned as is.
    public static func nfc(_ text: String) -> String {
        if text.unicodeScalars.allSatisfy(isStableUnderNFC) { return text }
        return String(decoding: text._nfcCodeUnits, as: UTF8.self)
    }

    /// Scalars that are NFC on their own and never combine with a neighbour: Latin below the
    /// combining marks and Cyrillic outside its combining range.
    private static func isStableUnderNFC(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        return v < 0x300 || (0x400..<0x483).contains(v) || (0x48A..<0x530).contains(v)
    }
}
