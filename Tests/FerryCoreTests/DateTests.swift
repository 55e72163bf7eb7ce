import FerryCore
import Testing

struct DateTests {
    @Test(arguments: [
        ("DD.MM.YYYY", "14.03.1998", "1998-03-14T00:00:00+03:00"),
        ("DD.MM.YYYY HH:mm", "26.11.2026 06:00", "2026-11-26T06:00:00+03:00"),
        ("DD.MM.YYYY HH:mm[:ss]", "25.11.2026 14:03", "2026-11-25T14:03:00+03:00"),
        ("DD.MM.YYYY HH:mm[:ss]", "25.11.2026 14:03:11", "2026-11-25T14:03:11+03:00"),
        ("DD.MM.YYYY", "29.02.2024", "2024-02-29T00:00:00+03:00"),
    ])
    func parsesPatterns(_ pattern: String, _ text: String, _ expected: String) throws {
        let parts = try #require(try DatePattern(pattern).parse(text[...]))
        #expect(parts.rfc3339(offset: "+03:00") == expected)
    }

    @Test(arguments: ["31.02.2020", "29.02.2023", "1.3.1998", "14.03.98", "14.03.1998 ", "00.01.2000", "14-03-1998"])
    func refusesImpossibleOrMisshapenDates(_ text: String) throws {
        #expect(try DatePattern("DD.MM.YYYY").parse(text[...]) == nil)
    }

    @Test func refusesBadPatterns() {
        #expect(throws: DatePattern.PatternError.self) { try DatePattern("DD.MM") }
        #expect(throws: DatePattern.PatternError.self) { try DatePattern("DD.MM.YYYY [HH") }
    }

    @Test func formatsBack() throws {
        let pattern = try DatePattern("DD.MM.YYYY HH:mm")
        let parts = try #require(DatePattern.Parts(rfc3339: "2026-11-28T18:30:00+05:00"))
        #expect(pattern.format(parts) == "28.11.2026 18:30")
    }

    @Test(arguments: [
        ("2016-11-21T13:44:22.541+03:00", true), ("2015-03-02T10:00:00Z", true), ("2026-11-25T10:00:00", false),
        ("2026-02-30T10:00:00Z", false), ("2026-11-25T24:00:00Z", false), ("2026-11-25 10:00:00Z", false),
        ("2026-11-25T10:00:00+3:00", false),
    ])
    func checksRFC3339(_ text: String, _ valid: Bool) {
        #expect(DateTimeText.isValid(text[...]) == valid)
    }

    @Test(arguments: [("+03:00", "+03:00"), ("+0300", "+03:00"), ("+3", "+03:00"), ("-05:30", "-05:30"), ("Z", "Z")])
    func normalizesOffsets(_ text: String, _ expected: String) {
        #expect(DateTimeText.normalizedOffset(text[...]) == expected)
    }

    @Test(arguments: ["03:00", "+25:00", "+03:60", "UTC", "+03:0"])
    func refusesBadOffsets(_ text: String) {
        #expect(DateTimeText.normalizedOffset(text[...]) == nil)
    }
}
