import FerryCore
import Testing

struct ExactDecimalTests {
    /// The canonical model's examples and the edge cases around them.
    @Test(arguments: [
        ("007,50", Character(","), false, "7.50", "7.5"),
        (",5", ",", false, "0.5", "0.5"),
        ("1.518971519E7", ".", true, "15189715.19", "15189715.19"),
        ("1E0", ".", true, "1", "1"),
        ("-0", ".", false, "0", "0"),
        ("-0.00", ".", false, "0.00", "0"),
        ("12.3e-5", ".", true, "0.000123", "0.000123"),
        ("45300,50", ",", false, "45300.50", "45300.5"),
        (
            "123456789012345678901234567890.123456789", ".", false, "123456789012345678901234567890.123456789",
            "123456789012345678901234567890.123456789"
        ),
        ("+3", ".", false, "3", "3"),
    ])
    func parses(_ input: String, point: Character, exponent: Bool, text: String, canonical: String) throws {
        let value = try #require(ExactDecimal(parsing: input[...], point: point, allowExponent: exponent))
        #expect(value.text == text)
        #expect(value.canonicalText == canonical)
    }

    @Test(arguments: ["INF", "NaN", "", ".", "1,2,3", "1e5", "0x10", "1 000", "--1", "1.5", "-"])
    func refusesWhatIsNotADecimalWithAComma(_ input: String) {
        #expect(ExactDecimal(parsing: input[...], point: ",") == nil)
    }

    @Test func boundsExponents() {
        #expect(ExactDecimal(parsing: "1.5E99999", allowExponent: true) == nil)
        #expect(ExactDecimal(parsing: "1E1001", allowExponent: true) == nil)
        #expect(ExactDecimal(parsing: "1E1000", allowExponent: true)?.integerDigits.count == 1001)
        #expect(ExactDecimal(parsing: "1E5", allowExponent: false) == nil)
    }

    @Test func comparesByValue() throws {
        let a = try #require(ExactDecimal(parsing: "7.50"))
        let b = try #require(ExactDecimal(parsing: "7.5"))
        let c = try #require(ExactDecimal(parsing: "-7.6"))
        #expect(a.isEqualInValue(to: b))
        #expect(ExactDecimal.compare(c, a) < 0)
        #expect(ExactDecimal.compare(a, c) > 0)
        #expect(a.significantFractionDigits == 1)
        #expect(try #require(ExactDecimal(parsing: "9223372036854775807")).integerValue == Int64.max)
        #expect(try #require(ExactDecimal(parsing: "9223372036854775808")).integerValue == nil)
    }

    /// Bounds checks compare schema limits with values of any digit counts.
    @Test(arguments: [
        ("1.05", "1.5", -1), ("1.5", "1.50", 0), ("10", "9.99", 1), ("0.001", "0", 1), ("0.000", "-0.0", 0),
        ("-1.2", "-1.15", -1), ("123", "124", -1), ("007.10", "7.1", 0), ("59.1434", "90", -1), ("-180", "30.4257", -1),
        ("2.0001", "2", 1),
    ])
    func comparesDigitsOfAnyLength(left: String, right: String, order: Int) throws {
        let a = try #require(ExactDecimal(parsing: left[...]))
        let b = try #require(ExactDecimal(parsing: right[...]))
        #expect(ExactDecimal.compare(a, b) == order)
        #expect(ExactDecimal.compare(b, a) == -order)
    }

    @Test func writesThePlainAndTheShortestForm() throws {
        for (text, plain, shortest) in [
            ("7.50", "7.50", "7.5"), ("-0.0", "0.0", "0"), ("-12.300", "-12.300", "-12.3"),
            ("0042", "42", "42"), ("-3.000", "-3.000", "-3"),
        ] {
            let value = try #require(ExactDecimal(parsing: text[...]))
            #expect(value.text == plain)
            #expect(value.canonicalText == shortest)
        }
    }
}
