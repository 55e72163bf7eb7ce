public import FerryCore

/// Types YAML scalars by the YAML 1.2 core schema and turns documents into JSON values.
///
/// Plain scalars resolve to null (`~`, `null`, empty), booleans (`true`, `False`, …),
/// integers (decimal, `0o` octal, `0x` hex) and floats; quoted and block scalars are strings.
/// Explicit `!!str`, `!!int`, `!!float`, `!!bool`, `!!null` tags are honoured; `.inf` and
/// `.nan` have no JSON form and are errors.
public enum YAMLCoreSchema {
    static let tagPrefix = "tag:yaml.org,2002:"

    /// The JSON value of a document node.
    /// - Throws: ``YAMLError`` for a value JSON cannot hold (a non-scalar key, `.inf`, a duplicate key).
    public static func jsonValue(_ node: DocumentNode) throws(YAMLError) -> JSONValue {
        switch node.content {
        case .scalar(let text, let style):
            return try scalarValue(text, style: style, tag: node.tag, at: node.location)
        case .sequence(let items):
            var values: [JSONValue] = []
            values.reserveCapacity(items.count)
            for item in items { values.append(try jsonValue(item)) }
            return .array(values)
        case .mapping(let pairs):
            var object = JSONObject()
            for pair in pairs {
                guard let key = pair.key.scalar else {
                    throw YAMLError("a mapping key must be a scalar to become JSON", at: pair.key.location)
                }
                let keyText = try keyString(pair.key, key)
                guard object[keyText] == nil else {
                    throw YAMLError("duplicate key '\(keyText)'", at: pair.key.location)
                }
                object[keyText] = try jsonValue(pair.value)
            }
            return .object(object)
        }
    }

    private static func keyString(_ node: DocumentNode, _ text: String) throws(YAMLError) -> String {
        if case .null = try scalarValue(text, style: scalarStyle(node), tag: node.tag, at: node.location) {
            return "null"
        }
        return text
    }

    private static func scalarStyle(_ node: DocumentNode) -> DocumentNode.ScalarStyle {
        if case .scalar(_, let style) = node.content { return style }
        return .quoted
    }

    /// Resolves one scalar.
    public static func scalarValue(
        _ text: String, style: DocumentNode.ScalarStyle, tag: String?, at location: DocumentLocation
    ) throws(YAMLError) -> JSONValue {
        if let tag, tag.hasPrefix(tagPrefix) {
            let name = tag.dropFirst(tagPrefix.count)
            switch name {
            case "str": return .string(text)
            case "null": return .null
            case "bool":
                if let b = boolean(text) { return .bool(b) }
            case "int":
                if let n = integer(text) { return .number(n) }
            case "float":
                if let n = ExactDecimal(parsing: text[...], allowExponent: true) { return .number(n) }
            default:
                return try typed(text, style: style, at: location)
            }
            throw YAMLError("'\(text)' is not a valid !!\(name)", at: location)
        }
        if tag == "!" { return .string(text) }
        return try typed(text, style: style, at: location)
    }

    private static func typed(_ text: String, style: DocumentNode.ScalarStyle, at location: DocumentLocation)
        throws(YAMLError) -> JSONValue
    {
        guard style == .plain else { return .string(text) }
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        default: break
        }
        if let b = boolean(text) { return .bool(b) }
        if let n = integer(text) { return .number(n) }
        if isFloat(text) {
            guard let n = ExactDecimal(parsing: text[...], allowExponent: true) else {
                throw YAMLError("the number \(text) is out of range", at: location)
            }
            return .number(n)
        }
        switch text {
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", ".nan", ".NaN", ".NAN":
            throw YAMLError("\(text) has no JSON representation", at: location)
        default:
            return .string(text)
        }
    }

    static func boolean(_ text: String) -> Bool? {
        switch text {
        case "true", "True", "TRUE": true
        case "false", "False", "FALSE": false
        default: nil
        }
    }

    static func integer(_ text: String) -> ExactDecimal? {
        if text.hasPrefix("0o"), text.count > 2, let v = UInt64(text.dropFirst(2), radix: 8) {
            return ExactDecimal(parsing: String(v)[...])
        }
        if text.hasPrefix("0x"), text.count > 2, let v = UInt64(text.dropFirst(2), radix: 16) {
            return ExactDecimal(parsing: String(v)[...])
        }
        var body = text[...]
        if body.first == "-" || body.first == "+" { body = body.dropFirst() }
        guard !body.isEmpty, body.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return ExactDecimal(parsing: text[...])
    }

    /// Whether the text matches `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`.
    static func isFloat(_ text: String) -> Bool {
        var chars = Array(text.utf8)[...]
        func digits() -> Int {
            let count = chars.prefix { $0 >= 0x30 && $0 <= 0x39 }.count
            chars = chars.dropFirst(count)
            return count
        }
        if chars.first == UInt8(ascii: "-") || chars.first == UInt8(ascii: "+") { chars = chars.dropFirst() }
        let integerDigits = digits()
        var fractionDigits = 0
        if chars.first == UInt8(ascii: ".") {
            chars = chars.dropFirst()
            fractionDigits = digits()
        }
        guard integerDigits > 0 || fractionDigits > 0 else { return false }
        if chars.first == UInt8(ascii: "e") || chars.first == UInt8(ascii: "E") {
            chars = chars.dropFirst()
            if chars.first == UInt8(ascii: "-") || chars.first == UInt8(ascii: "+") { chars = chars.dropFirst() }
            guard digits() > 0 else { return false }
        }
        return chars.isEmpty
    }

    /// Whether a string written plain reads back as the same string, by this schema and by a
    /// YAML 1.1 reader (PyYAML, SnakeYAML, libyaml's own users) alike.
    ///
    /// YAML 1.1 reads more plain scalars as other types than the 1.2 core schema does: the words
    /// `yes`, `no`, `on`, `off`, `y`, `n` in three casings as booleans, numbers with `_` or in
    /// base 60 (`12:30:00`), binary and old-style octal, and dates and times
    /// (`2016-10-01 00:00:00`); `<<` is a merge key and `=` a value key. Such strings, and any
    /// that starts like a number, are quoted.
    static func isPlainString(_ text: String) -> Bool {
        guard (try? typed(text, style: .plain, at: DocumentLocation(path: "", line: 1, column: 1))) == .string(text)
        else { return false }
        if yaml11Words.contains(text) { return false }
        let scalars = Array(text.unicodeScalars.prefix(2))
        guard let first = scalars.first else { return false }
        let startsLikeNumber =
            ("0"..."9").contains(first)
            || ((first == "-" || first == "+" || first == ".") && scalars.count > 1 && ("0"..."9").contains(scalars[1]))
        return !startsLikeNumber
    }

    /// Plain words a YAML 1.1 reader takes for a boolean, a null, a merge or a value key.
    private static let yaml11Words: Set<String> = [
        "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF",
        "true", "True", "TRUE", "false", "False", "FALSE", "null", "Null", "NULL", "~", "<<", "=",
        ".inf", ".Inf", ".INF", "-.inf", "-.Inf", "-.INF", "+.inf", "+.Inf", "+.INF", ".nan", ".NaN", ".NAN",
    ]
}
