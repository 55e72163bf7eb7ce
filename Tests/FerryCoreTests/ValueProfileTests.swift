import FerryCore
import Testing

/// The type `ferry draft` infers from the values the samples hold at one path.
struct ValueProfileTests {
    static func reading(_ values: [String]) -> ValueProfile.Reading {
        var profile = ValueProfile()
        for value in values { profile.observe(value) }
        return profile.reading.0
    }

    @Test func datesInISOAndDottedFormAndAsMidnightDateTimes() {
        #expect(Self.reading(["2019-12-16", "2020-02-29"]) == .date(pattern: nil))
        #expect(Self.reading(["16.12.2019", "01.01.2020"]) == .date(pattern: "DD.MM.YYYY"))
        #expect(Self.reading(["2019-12-16", "2015-01-15T00:00:00"]) == .date(pattern: "YYYY-MM-DD[THH:mm:ss]"))
        // Not a date: February 30th.
        #expect(Self.reading(["2019-12-16", "2019-02-30"]) == .text)
    }

    @Test func dateTimesWithAnOffsetAreDateTimesAndLocalOnesStayText() {
        #expect(Self.reading(["2016-11-21T13:44:22.541+03:00", "2020-01-01T00:00:00Z"]) == .dateTime)
        var local = ValueProfile()
        for value in ["2015-01-15T10:30:00", "2015-01-16T00:00:00"] { local.observe(value) }
        #expect(local.reading.0 == .text)
        #expect(local.reading.1 == .localDateTime(pattern: "YYYY-MM-DD[THH:mm:ss]"))
    }

    @Test func decimalsWithAPointACommaGroupingAndExponents() {
        #expect(Self.reading(["1207680.35", "0.46", "7"]) == .decimal(DecimalFormat()))
        #expect(Self.reading(["7.0", "1.518971519E7"]) == .decimal(DecimalFormat(allowsExponent: true)))
        #expect(Self.reading(["1207680,35", "12,5"]) == .decimal(DecimalFormat(point: ",")))
        #expect(
            Self.reading(["1 207 680,35", "1\u{00A0}000,00", "12,5"])
                == .decimal(DecimalFormat(point: ",", grouping: [" ", "\u{00A0}"])))
        #expect(Self.reading(["1,207,680.35", "12.50"]) == .decimal(DecimalFormat(point: ".", grouping: [","])))
    }

    @Test func integersButNotCodesOrIdentifiers() {
        #expect(Self.reading(["1", "-20", "300"]) == .integer)
        var zero = ValueProfile()
        for value in ["01921720", "3"] { zero.observe(value) }
        #expect(zero.reading.0 == .text && zero.reading.1 == .digitCode)
        #expect(Self.reading(["3662006088"]) == .text)
        #expect(Self.reading(["1234567"]) == .integer)
        #expect(Self.reading(["12345678"]) == .text)
    }

    @Test func booleansTextAndEmptiness() {
        #expect(Self.reading(["true", "FALSE"]) == .boolean)
        #expect(Self.reading(["да", "нет"]) == .text)
        var empty = ValueProfile()
        empty.observe("   ")
        #expect(empty.count == 0 && empty.emptyCount == 1 && empty.reading.0 == .text)
    }

    @Test func uniquenessIsTrackedOnFoldedValues() {
        var unique = ValueProfile()
        for value in ["a", "b", "c"] { unique.observe(value) }
        #expect(unique.hasRepeatedValue == false)
        var repeated = ValueProfile()
        for value in ["a b", " a  b "] { repeated.observe(value) }
        #expect(repeated.hasRepeatedValue == true)
    }
}
