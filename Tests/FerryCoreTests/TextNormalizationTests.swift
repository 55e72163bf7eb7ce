import FerryCore
import Testing

struct TextNormalizationTests {
    @Test(arguments: [
        ("  45\u{00A0}300,50 ", "45 300,50"),
        ("Невский пр.,  д. 1", "Невский пр., д. 1"),
        ("\n\t Щелочная\n  Фосфотаза \r\n", "Щелочная Фосфотаза"),
        ("a\u{2003}\u{3000}b", "a b"),
        ("already folded", "already folded"),
        ("", ""),
        ("   ", ""),
    ])
    func folds(_ input: String, _ expected: String) {
        #expect(TextNormalization.fold(input) == expected)
    }

    @Test func composesToNFC() {
        let decomposed = "И\u{0306}ошкар-Ола"  // И + combining breve
        let composed = TextNormalization.nfc(decomposed)
        #expect(composed.unicodeScalars.first == "Й")
        #expect(composed.unicodeScalars.count == decomposed.unicodeScalars.count - 1)
        #expect(TextNormalization.nfc("Ёлка") == "Ёлка")
        #expect(TextNormalization.nfc("e\u{0301}").unicodeScalars.map(\.value) == [0xE9])
    }
}
