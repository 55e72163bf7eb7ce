/// The YAML text of a draft's schema and mapping, with the maintainer's notes as comments.
///
/// Written by hand rather than by an emitter: comments and the order of keys are the point.
enum DraftText {
    /// A YAML scalar: plain when a YAML 1.1 or 1.2 reader takes it as that string, else double-quoted.
    static func scalar(_ text: String) -> String {
        let reserved: Set<String> = ["y", "n", "yes", "no", "true", "false", "on", "off", "null", "~"]
        let plain =
            !text.isEmpty && text.first.map { $0.isLetter } == true
            && text.allSatisfy { $0.isLetter || $0.isNumber || "_-./".contains($0) }
            && !reserved.contains(text.lowercased())
        if plain { return text }
        var quoted = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case "\u{00A0}": quoted += "\\u00A0"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    quoted += "\\u" + String(scalar.value, radix: 16, uppercase: true).leftPadded(to: 4)
                } else {
                    quoted.unicodeScalars.append(scalar)
                }
            }
        }
        return quoted + "\""
    }

    /// Comment lines at an indentation.
    static func comments(_ notes: [String], indent: String) -> String {
        notes.map { "\(indent)# \($0)\n" }.joined()
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
