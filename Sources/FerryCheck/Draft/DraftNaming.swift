/// Names a draft gives to fields, classes and namespace prefixes.
///
/// Fields are `snake_case`, classes `CamelCase`, prefixes a word of their URI. All ASCII, so
/// that LinkML and every consumer accept them; Cyrillic element names are transliterated.
enum DraftNaming {
    /// `regNum` → `reg_num`, `OKPD2` → `okpd2`, `ДатаРождения` → `data_rozhdeniya`.
    static func fieldName(_ elementName: String) -> String {
        var words: [String] = []
        var word = ""
        var previous: Character?
        for character in transliterated(elementName) {
            guard character.isASCII && (character.isLetter || character.isNumber) else {
                if !word.isEmpty { words.append(word) }
                word = ""
                previous = nil
                continue
            }
            if let previous, character.isUppercase, previous.isLowercase || previous.isNumber, !word.isEmpty {
                words.append(word)
                word = ""
            }
            word.append(character)
            previous = character
        }
        if !word.isEmpty { words.append(word) }
        let name = words.map { $0.lowercased() }.joined(separator: "_")
        guard let first = name.first else { return "field" }
        return first.isLetter ? name : "f_" + name
    }

    /// `customer` → `Customer`, `execution_period` → `ExecutionPeriod`.
    static func className(_ fieldName: String) -> String {
        fieldName.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    /// A short prefix for a namespace URI: its last segment with a letter in it, lower case
    /// (`http://zakupki.gov.ru/oos/types/1` → `types`), or `ns`.
    static func prefix(for uri: String) -> String {
        let segments = uri.split(whereSeparator: { "/:#".contains($0) })
        for segment in segments.reversed() {
            let letters = segment.lowercased().filter { $0.isASCII && ($0.isLetter || $0.isNumber) }
            if let first = letters.first, first.isLetter, !["www", "http", "https", "urn"].contains(letters) {
                return String(letters.prefix(12))
            }
        }
        return "ns"
    }

    /// A name not in `taken`: the name, else the name with 2, 3, … appended.
    static func unique(_ name: String, in taken: Set<String>, separator: String = "_") -> String {
        guard taken.contains(name) else { return name }
        var number = 2
        while taken.contains("\(name)\(separator)\(number)") { number += 1 }
        return "\(name)\(separator)\(number)"
    }

    private static func transliterated(_ text: String) -> String {
        var result = ""
        for character in text {
            let lower = Character(character.lowercased())
            guard let latin = cyrillic[lower] else {
                result.append(character)
                continue
            }
            result += character.isUppercase ? latin.prefix(1).uppercased() + latin.dropFirst() : latin
        }
        return result
    }

    /// Russian letters in the passport transliteration of GOST R 52535.1-2006 (ICAO Doc 9303).
    private static let cyrillic: [Character: String] = [
        "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z", "и": "i",
        "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
        "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "ie", "ы": "y",
        "ь": "", "э": "e", "ю": "iu", "я": "ia",
    ]
}
