/// What the text values seen at one input path could be read as: the type inference of
/// `ferry draft`.
///
/// Each value is folded and normalized as a mapping reads it, then tried against every reading
/// that is still possible; a reading survives only when every value so far fits it, so the
/// reading chosen converts every sample value. Memory is bounded: uniqueness is tracked by
/// hashes up to ``uniquenessLimit`` values.
public struct ValueProfile: Sendable {
    /// How a value type reads a path's text, as a mapping rule would say it.
    public enum Reading: Sendable, Hashable {
        /// Text as it stands.
        case text
        /// A 64-bit integer.
        case integer
        /// An exact decimal in a format.
        case decimal(DecimalFormat)
        /// `true` or `false`.
        case boolean
        /// A date, ISO (`nil`) or in a pattern, at most with a midnight time.
        case date(pattern: String?)
        /// An RFC 3339 date-time with an offset.
        case dateTime
    }

    /// Why values that look like another type are read as text, for the maintainer.
    public enum TextReason: Sendable, Hashable {
        /// Digits with a leading zero, or too many of them for a quantity: an identifier or a code.
        case digitCode
        /// A local date-time the samples write without an offset or zone.
        case localDateTime(pattern: String)
        /// Nothing else fits (or nothing was seen).
        case plain
    }

    /// The number of non-empty values seen.
    public private(set) var count = 0
    /// The number of values that were empty after folding.
    public private(set) var emptyCount = 0
    /// The most fraction digits a decimal value carried.
    public private(set) var maximumFractionDigits = 0
    /// The fewest and most Unicode scalars in a value.
    public private(set) var shortest = Int.max, longest = 0
    /// Whether some value occurred twice; `nil` when more values came than uniqueness is tracked for.
    public var hasRepeatedValue: Bool? { hashes == nil ? nil : repeated }

    /// How many distinct values uniqueness is tracked for.
    public static let uniquenessLimit = 100_000

    private var hashes: Set<Int>? = []
    private var repeated = false
    /// The candidate readings every value so far fits.
    private var fits = Candidates.all
    /// Candidate date patterns whose values all were at midnight so far.
    private var midnightOnly = Candidates.all
    /// Whether every value was ASCII digits only, and the longest run of them.
    private var digitsOnly = true
    private var mostDigits = 0
    private var leadingZero = false

    /// An empty profile.
    public init() {}

    /// Takes one value as a mapping reads it: folded and NFC-normalized.
    public mutating func observe(_ raw: String) {
        let text = TextNormalization.nfc(TextNormalization.fold(raw))
        guard !text.isEmpty else {
            emptyCount += 1
            return
        }
        count += 1
        let length = text.unicodeScalars.count
        shortest = min(shortest, length)
        longest = max(longest, length)
        if var known = hashes {
            if !known.insert(text.hashValue).inserted { repeated = true }
            hashes = known.count > Self.uniquenessLimit ? nil : known
        }
        observeDigits(text)
        var still = Candidates()
        for (index, candidate) in Self.candidates.enumerated() where fits.contains(index) {
            switch candidate.fit(text) {
            case .none: continue
            case .some(let midnight):
                still.insert(index)
                if !midnight { midnightOnly.remove(index) }
                if case .decimal(let format) = candidate, let value = format.parse(text) {
                    maximumFractionDigits = max(maximumFractionDigits, value.fractionDigits.count)
                }
            }
        }
        fits = still
    }

    private mutating func observeDigits(_ text: String) {
        let body = text.utf8.first == UInt8(ascii: "-") ? Substring(text.dropFirst()) : Substring(text)
        guard !body.isEmpty, body.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            digitsOnly = false
            return
        }
        mostDigits = max(mostDigits, body.utf8.count)
        if body.utf8.count > 1 && body.utf8.first == UInt8(ascii: "0") { leadingZero = true }
    }

    /// Integers longer than this many digits are identifiers, not quantities (INN, KPP, register
    /// numbers): they stay text, as a drafted key or code must.
    public static let quantityDigits = 7

    /// The reading that fits every value, preferring the most specific, and why text when text.
    public var reading: (Reading, TextReason?) {
        guard count > 0 else { return (.text, .plain) }
        if digitsOnly {
            if leadingZero || mostDigits > Self.quantityDigits { return (.text, .digitCode) }
            return (.integer, nil)
        }
        if leadingZero { return (.text, .digitCode) }
        for (index, candidate) in Self.candidates.enumerated() where fits.contains(index) {
            switch candidate {
            case .boolean: return (.boolean, nil)
            case .decimal(let format): return (.decimal(format), nil)
            case .isoDate: return (.date(pattern: nil), nil)
            case .rfc3339: return (.dateTime, nil)
            case .pattern(let pattern):
                if midnightOnly.contains(index) { return (.date(pattern: pattern.description), nil) }
                return (.text, .localDateTime(pattern: pattern.description))
            }
        }
        return (.text, .plain)
    }

    // MARK: - Candidates

    private enum Candidate {
        case boolean
        case decimal(DecimalFormat)
        case isoDate
        case rfc3339
        case pattern(DatePattern)

        /// nil when the text does not fit; else whether its time of day (if any) is midnight.
        func fit(_ text: String) -> Bool? {
            switch self {
            case .boolean:
                let word = text.lowercased()
                return word == "true" || word == "false" ? true : nil
            case .decimal(let format):
                return format.parse(text) == nil ? nil : true
            case .isoDate:
                return CalendarDate(iso: text[...]) == nil ? nil : true
            case .rfc3339:
                return DateTimeText.isValid(text[...]) ? true : nil
            case .pattern(let pattern):
                guard let parts = pattern.parse(text[...]) else { return nil }
                return parts.hour == 0 && parts.minute == 0 && parts.second == 0
            }
        }
    }

    /// In order of preference: the first that fits every value is the reading.
    private static let candidates: [Candidate] = {
        let spaces: [Character] = [" ", "\u{00A0}"]
        var list: [Candidate] = [
            .boolean,
            .decimal(DecimalFormat()),
            .decimal(DecimalFormat(allowsExponent: true)),
            .decimal(DecimalFormat(point: ",")),
            .decimal(DecimalFormat(point: ",", grouping: spaces)),
            .decimal(DecimalFormat(point: ".", grouping: spaces)),
            .decimal(DecimalFormat(point: ".", grouping: [","])),
            .isoDate,
            .rfc3339,
        ]
        for pattern in [
            "YYYY-MM-DD[THH:mm:ss]", "YYYY-MM-DD[ HH:mm:ss]", "DD.MM.YYYY", "DD.MM.YYYY[ HH:mm[:ss]]",
            "DD.MM.YYYY[THH:mm:ss]",
        ] {
            // The patterns are constants of this file: each compiles.
            if let compiled = try? DatePattern(pattern) { list.append(.pattern(compiled)) }
        }
        return list
    }()

    /// A set of candidate indexes.
    private struct Candidates: Sendable {
        private var bits: UInt64 = 0
        static var all: Candidates { Candidates(bits: ~0) }
        init() {}
        private init(bits: UInt64) { self.bits = bits }
        func contains(_ index: Int) -> Bool { bits & (1 << UInt64(index)) != 0 }
        mutating func insert(_ index: Int) { bits |= 1 << UInt64(index) }
        mutating func remove(_ index: Int) { bits &= ~(1 << UInt64(index)) }
    }
}
