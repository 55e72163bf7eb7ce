/// Checks record data against a ``Schema``: types, required fields, patterns, bounds, lists,
/// comparisons and rules.
///
/// Every problem is reported, each with its JSON pointer.
///
/// A validator compiles the schema's patterns once; it is immutable and may be shared by tasks.
public struct RecordValidator: Sendable {
    /// The schema records are checked against.
    public let schema: Schema
    let root: CompiledObject

    /// Compiles a validator.
    /// - Throws: ``PatternCompileError`` when a schema pattern does not compile (the schema
    ///   loader reports that with its location first).
    public init(schema: Schema, patternCompiler: any PatternCompiler) throws(PatternCompileError) {
        self.schema = schema
        root = try CompiledObject(schema.root, patternCompiler: patternCompiler)
    }

    /// Validates a record's `data`.
    /// - Parameter pointerPrefix: the pointer of `data` in the record (`/data`).
    /// - Returns: every problem, in field order; empty when the data is valid.
    public func validate(_ data: JSONObject, pointerPrefix: String = "/data") -> [RecordProblem] {
        var problems: [RecordProblem] = []
        root.validate(data, pointer: pointerPrefix, into: &problems)
        ruleProblems(data, pointerPrefix: pointerPrefix, into: &problems)
        return problems
    }

    /// The problems of the schema's rules (pre- and postconditions on top-level fields).
    func ruleProblems(_ data: JSONObject, pointerPrefix: String, into problems: inout [RecordProblem]) {
        for rule in schema.rules where rule.preconditions.allSatisfy({ $0.holds(in: data) }) {
            for condition in rule.postconditions where !condition.holds(in: data) {
                problems.append(
                    RecordProblem(
                        code: "record.rule", pointer: "\(pointerPrefix)/\(pointerToken(condition.field))",
                        message: "\(rule.description) (\(condition.explanation))"))
            }
        }
    }

    /// The top-level fields the schema's rules and marking rules read.
    var fieldsReadByRules: Set<String> {
        Set(
            schema.rules.flatMap { ($0.preconditions + $0.postconditions).map(\.field) }
                + schema.markingRules.flatMap { $0.conditions.map(\.field) })
    }

    /// The record-level marking: the schema's default raised by its marking rules.
    public func classification(of data: JSONObject) -> Marking {
        schema.markingRules.reduce(schema.defaultMarking) { marking, rule in
            rule.conditions.allSatisfy { $0.holds(in: data) } ? max(marking, rule.marking) : marking
        }
    }
}

extension SlotCondition {
    /// Whether the condition holds for the record's data.
    public func holds(in data: JSONObject) -> Bool {
        let value = data[field]
        switch test {
        case .present: return value != nil
        case .absent: return value == nil
        case .equalsString(let expected):
            switch value {
            case .string(let s): return s == expected
            case .bool(let b): return (b ? "true" : "false") == expected
            case .number(let n): return n.text == expected || n.canonicalText == expected
            default: return false
            }
        case .equalsNumber(let expected):
            if case .number(let n) = value { return n.isEqualInValue(to: expected) }
            return false
        }
    }

    var explanation: String {
        switch test {
        case .present: "\(field) is required"
        case .absent: "\(field) must be absent"
        case .equalsString(let s): "\(field) must be \(s)"
        case .equalsNumber(let n): "\(field) must be \(n)"
        }
    }
}

/// A schema object with its patterns compiled.
struct CompiledObject: Sendable {
    let type: ObjectType
    let fields: [CompiledField]

    init(_ type: ObjectType, patternCompiler: any PatternCompiler) throws(PatternCompileError) {
        self.type = type
        var fields: [CompiledField] = []
        for field in type.fields {
            var nested: CompiledObject?
            if case .object(let objectType) = field.type {
                nested = try CompiledObject(objectType, patternCompiler: patternCompiler)
            }
            let matcher = try field.pattern.map { pattern throws(PatternCompileError) in
                try patternCompiler.compile(pattern)
            }
            fields.append(CompiledField(definition: field, matcher: matcher, object: nested.map { Box($0) }))
        }
        self.fields = fields
    }

    func validate(_ object: JSONObject, pointer: @autoclosure () -> String, into problems: inout [RecordProblem]) {
        object.members.withUnsafeBufferPointer { members in
            validate(members, pointer: pointer(), into: &problems)
        }
        orderProblems(object, pointer: pointer(), into: &problems)
    }

    /// The problems of the comparison rules (a field not before another).
    func orderProblems(_ object: JSONObject, pointer: @autoclosure () -> String, into problems: inout [RecordProblem]) {
        for field in fields {
            guard let other = field.definition.notBefore, let value = object[field.definition.name],
                let otherValue = object[other], let a = value.stringValue, let b = otherValue.stringValue,
                a.count >= 10, b.count >= 10
            else { continue }
            // Dates compare as text; date-times compare on their instants when the offsets agree.
            if a < b && (a.count == 10 || a.suffix(6) == b.suffix(6)) {
                problems.append(
                    RecordProblem(
                        code: "record.order", pointer: "\(pointer())/\(pointerToken(field.definition.name))",
                        message: "\(field.definition.name) is before \(other)"))
            }
        }
    }

    private func validate(
        _ members: UnsafeBufferPointer<JSONObject.Member>, pointer: @autoclosure () -> String,
        into problems: inout [RecordProblem]
    ) {
        // Members usually come in schema order (the mapper writes them so): look where the last
        // match left off before searching.
        var cursor = 0
        var matched = 0
        func member(_ name: String) -> Int? {
            if cursor < members.count, members[cursor].key == name {
                cursor += 1
                matched += 1
                return cursor - 1
            }
            guard let index = members.firstIndex(where: { $0.key == name }) else { return nil }
            cursor = index + 1
            matched += 1
            return index
        }
        for field in fields {
            let definition = field.definition
            func fieldPointer() -> String { "\(pointer())/\(pointerToken(definition.name))" }
            let found = member(definition.name)
            let isNull = if let found, case .null = members[found].value { true } else { false }
            guard let found, !isNull else {
                if isNull {
                    problems.append(
                        RecordProblem(
                            code: "record.null", pointer: fieldPointer(),
                            message: "a field with no value is omitted, never null"))
                } else if definition.isRequired {
                    problems.append(
                        RecordProblem(
                            code: "record.required", pointer: fieldPointer(),
                            message: "required field \(definition.name) is missing"))
                }
                continue
            }
            let value = members[found].value
            if definition.isList {
                guard case .array(let items) = value else {
                    problems.append(
                        RecordProblem(
                            code: "record.type", pointer: fieldPointer(),
                            message: "expected a list, found \(value.kindName)"))
                    continue
                }
                if items.isEmpty {
                    problems.append(
                        RecordProblem(
                            code: "record.empty-list", pointer: fieldPointer(),
                            message: "an empty list is omitted, never written"))
                }
                field.listLengthProblems(count: items.count, pointer: fieldPointer(), into: &problems)
                for (index, item) in items.enumerated() {
                    field.validateValue(item, pointer: "\(fieldPointer())/\(index)", into: &problems)
                }
            } else {
                field.validateValue(value, pointer: fieldPointer(), into: &problems)
            }
        }
        if matched < members.count {
            for member in members where type.field(named: member.key) == nil {
                problems.append(
                    RecordProblem(
                        code: "record.unknown-field", pointer: "\(pointer())/\(pointerToken(member.key))",
                        message: "unknown field \(member.key) (the schema has no such field)"))
            }
        }
    }
}

/// Breaks the recursion of a struct that holds its own kind.
final class Box<Value: Sendable>: Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

final class CompiledField: Sendable {
    let definition: FieldDefinition
    let matcher: (any PatternMatcher)?
    let object: Box<CompiledObject>?
    /// The field's type without its payload, and an enumeration's definition: switching on them
    /// per value copies nothing.
    let kind: Kind
    let enumeration: EnumDefinition?

    enum Kind { case string, integer, decimal, boolean, date, datetime, enumeration, object }

    init(definition: FieldDefinition, matcher: (any PatternMatcher)?, object: Box<CompiledObject>?) {
        self.definition = definition
        self.matcher = matcher
        self.object = object
        switch definition.type {
        case .string: (kind, enumeration) = (.string, nil)
        case .integer: (kind, enumeration) = (.integer, nil)
        case .decimal: (kind, enumeration) = (.decimal, nil)
        case .boolean: (kind, enumeration) = (.boolean, nil)
        case .date: (kind, enumeration) = (.date, nil)
        case .datetime: (kind, enumeration) = (.datetime, nil)
        case .enumeration(let e): (kind, enumeration) = (.enumeration, e)
        case .object: (kind, enumeration) = (.object, nil)
        }
    }

    /// Whether a string field takes UTF-8 text as it is: the checks of a string value in
    /// ``validateValue(_:pointer:into:)``, made on the bytes.
    func acceptsText(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard kind == .string else { return false }
        var accepted = true
        checkString(
            byteCount: bytes.count,
            // A scalar is a byte that does not continue another.
            scalarCount: { bytes.reduce(0) { $0 + ($1 & 0xC0 == 0x80 ? 0 : 1) } },
            matches: { $0.matches(utf8: bytes) }, problem: { _, _ in accepted = false })
        return accepted
    }

    /// The problems of a list's length against the field's bounds.
    func listLengthProblems(count: Int, pointer: @autoclosure () -> String, into problems: inout [RecordProblem]) {
        if let minItems = definition.minItems, count < minItems {
            problems.append(
                RecordProblem(
                    code: "record.min-items", pointer: pointer(),
                    message: "needs at least \(minItems) items, found \(count)"))
        }
        if let maxItems = definition.maxItems, count > maxItems {
            problems.append(
                RecordProblem(
                    code: "record.max-items", pointer: pointer(),
                    message: "allows at most \(maxItems) items, found \(count)"))
        }
    }

    /// The checks of a string: its length in scalars and its pattern.
    ///
    /// The text is given by its
    /// UTF-8 byte count, which settles most length bounds without counting scalars, and by
    /// ways to count its scalars and to match a pattern, so a string and bytes read in place
    /// are checked alike.
    private func checkString(
        byteCount: Int, scalarCount: () -> Int, matches: (any PatternMatcher) -> Bool,
        problem: (String, String) -> Void
    ) {
        let boundsHold =
            (definition.minLength.map { byteCount >= 4 * $0 } ?? true)
            && (definition.maxLength.map { byteCount <= $0 } ?? true)
        let length = boundsHold ? (definition.minLength ?? 0) : scalarCount()
        if let minLength = definition.minLength, length < minLength {
            problem("record.min-length", "must be at least \(minLength) characters, found \(length)")
        }
        if let maxLength = definition.maxLength, length > maxLength {
            problem("record.max-length", "must be at most \(maxLength) characters, found \(length)")
        }
        if let matcher, let pattern = definition.pattern, !matches(matcher) {
            problem("record.pattern", "does not match the pattern \(pattern)")
        }
    }

    func validateValue(_ value: JSONValue, pointer: @autoclosure () -> String, into problems: inout [RecordProblem]) {
        func problem(_ code: String, _ message: String) {
            problems.append(RecordProblem(code: code, pointer: pointer(), message: message))
        }
        switch (kind, value) {
        case (.string, .string(let s)):
            checkString(
                byteCount: s.utf8.count, scalarCount: { s.unicodeScalars.count }, matches: { $0.matches(s) },
                problem: problem)
        case (.integer, .number(let n)):
            if n.integerValue == nil {
                problem("record.type", "expected a 64-bit integer")
            } else {
                checkBounds(n, problem)
            }
        case (.decimal, .number(let n)):
            checkBounds(n, problem)
            if let digits = definition.maxFractionDigits, n.significantFractionDigits > digits {
                problem("record.fraction-digits", "allows at most \(digits) fraction digits")
            }
        case (.boolean, .bool):
            break
        case (.date, .string(let s)):
            if CalendarDate(iso: s[...]) == nil { problem("record.date", "expected a date YYYY-MM-DD that exists") }
        case (.datetime, .string(let s)):
            if !DateTimeText.isValid(s[...]) {
                problem("record.datetime", "expected an RFC 3339 date-time with an offset")
            }
        case (.enumeration, .string(let s)):
            if let e = enumeration, !e.codes.contains(s) {
                problem("record.enum", "not a code of \(e.name): expected one of \(e.codes.joined(separator: ", "))")
            }
        case (.object, .object(let o)):
            if o.isEmpty {
                problem("record.empty-object", "an object whose fields are all absent is omitted")
            }
            object?.value.validate(o, pointer: pointer(), into: &problems)
        default:
            problem("record.type", "expected \(definition.type.name), found \(value.kindName)")
        }
    }

    private func checkBounds(_ n: ExactDecimal, _ problem: (String, String) -> Void) {
        if let minimum = definition.minimum {
            let order = ExactDecimal.compare(n, minimum)
            if order < 0 || (order == 0 && definition.minimumIsExclusive) {
                problem(
                    "record.minimum",
                    definition.minimumIsExclusive ? "must be greater than \(minimum)" : "must be at least \(minimum)")
            }
        }
        if let maximum = definition.maximum, ExactDecimal.compare(n, maximum) > 0 {
            problem("record.maximum", "must be at most \(maximum)")
        }
    }
}
