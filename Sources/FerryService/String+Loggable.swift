extension String {
    /// The text with control characters escaped (`\n` as `\u{A}`), so that a value a client
    /// chose (a mapping name, an address header) cannot forge or break a log line.
    var loggable: String {
        var result = ""
        for scalar in unicodeScalars {
            if scalar.properties.generalCategory == .control || scalar == "\u{2028}" || scalar == "\u{2029}" {
                result += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
