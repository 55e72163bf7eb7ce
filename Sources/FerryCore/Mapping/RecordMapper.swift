/// Reads the values of a ``Mapping``'s rules out of one input record: selects raw text, folds
/// and normalizes it, and parses it into the schema's types.
///
/// ``MappingPlan`` walks a record's fields and calls it for each value. It is immutable and
/// shared; selectors carry per-record state.
public struct RecordMapper: Sendable {
    /// The mapping applied.
    public let mapping: Mapping

    /// Creates a mapper.
    public init(mapping: Mapping) { self.mapping = mapping }

    /// A record's `time` as the mapping's time rule reads it, with the problems found.
    public struct Time: Sendable {
        public var value: String?
        public var problems: [RecordProblem]
    }

    /// The `time` of every record of a document, when the mapping reads it from the root
    /// element's attributes only (``FieldRule/readsOnlyRoot``): worked out once, not per record.
    /// - Parameter record: any record of the document (root attributes do not depend on it).
    public func headerTime(of record: RecordNode, with selector: any RecordSelector) -> Time? {
        guard let rule = mapping.time, rule.readsOnlyRoot else { return nil }
        return time(rule, of: record, with: selector)
    }

    func time(_ rule: FieldRule, of record: RecordNode, with selector: any RecordSelector) -> Time {
        var problems: [RecordProblem] = []
        let value = mapScalar(rule, from: record, selector: selector, pointer: "/time", problems: &problems)
        return Time(value: value?.stringValue, problems: problems)
    }

    // MARK: - Scalars

    func mapScalar(
        _ rule: FieldRule, from element: RecordNode, selector: any RecordSelector, pointer: @autoclosure () -> String,
        problems: inout [RecordProblem]
    ) -> JSONValue? {
        if rule.sourcePath == nil, case .present(let path) = rule.source {
            let present = selector.texts(at: path, from: element).contains { !TextNormalization.fold($0).isEmpty }
            return .bool(present)
        }
        // No text at all reads like empty text, so a default applies to both.
        let raw = rawText(rule, from: element, selector: selector, pointer: pointer(), problems: &problems) ?? ""
        return convert(raw, rule: rule, from: element, selector: selector, pointer: pointer(), problems: &problems)
    }

    /// The rule's raw text before white-space handling; nil when the source yields nothing.
    func rawText(
        _ rule: FieldRule, from element: RecordNode, selector: any RecordSelector, pointer: @autoclosure () -> String,
        problems: inout [RecordProblem]
    ) -> String? {
        if let path = rule.sourcePath {
            if path.isAbsolute { return selector.headerValue(at: path) }
            switch selector.text(at: path, from: element) {
            case .none: return nil
            case .one(let text): return text
            case .several(let texts):
                let nonEmpty = texts.filter { !TextNormalization.fold($0).isEmpty }
                if nonEmpty.count > 1 {
                    problems.append(
                        RecordProblem(
                            code: "mapping.cardinality", pointer: pointer(),
                            message: "found \(nonEmpty.count) values at \(path) for a single-valued field"))
                    return nil
                }
                return nonEmpty.first
            }
        }
        switch rule.source {
        case .path:
            return nil  // read above
        case .part(let path, let index, let separator):
            guard let whole = selector.text(at: path, from: element).first else { return nil }
            let parts = TextNormalization.fold(whole).split(separator: separator).map(String.init)
            return index <= parts.count ? parts[index - 1] : nil
        case .xpath(let index):
            return selector.xpathString(index, from: element)
        case .join(let paths, let separator):
            let values = paths.flatMap { path in
                path.isAbsolute
                    ? [selector.headerValue(at: path)].compactMap { $0 } : selector.texts(at: path, from: element)
            }.map(TextNormalization.fold).filter { !$0.isEmpty }
            return values.isEmpty ? nil : values.joined(separator: separator)
        case .first(let rules):
            for candidate in rules {
                if let text = rawText(
                    candidate, from: element, selector: selector, pointer: pointer(), problems: &problems),
                    !TextNormalization.fold(text).isEmpty
                {
                    return text
                }
            }
            return nil
        case .constant(let value):
            return value
        case .present, .object:
            return nil
        }
    }

    func convert(
        _ raw: String, rule: FieldRule, from element: RecordNode, selector: any RecordSelector,
        pointer: @autoclosure () -> String,
        problems: inout [RecordProblem]
    ) -> JSONValue? {
        var text: String
        switch rule.whiteSpace {
        case .fold: text = TextNormalization.fold(raw)
        case .trim: text = TextNormalization.trim(raw)
        case .keep: text = raw
        }
        text = TextNormalization.nfc(text)
        if text.isEmpty {
            guard let defaultValue = rule.defaultValue else { return nil }
            text = defaultValue
        }
        func fail(_ message: String) -> JSONValue? {
            problems.append(RecordProblem(code: "mapping.value", pointer: pointer(), message: message))
            return nil
        }
        switch rule.parser {
        case .text:
            return .string(text)
        case .integer:
            let digits = text.hasPrefix("+") ? String(text.dropFirst()) : text
            guard let value = Int64(digits) else { return fail("not a 64-bit integer") }
            return .number(ExactDecimal(parsing: String(value)[...])!)
        case .decimal(let format):
            guard let value = format.parse(text) else {
                return fail("not a decimal number with '\(format.point)' as the decimal separator")
            }
            return .number(value)
        case .boolean(let trueWords, let falseWords):
            let word = text.lowercased()
            if trueWords.contains(where: { $0.lowercased() == word }) { return .bool(true) }
            if falseWords.contains(where: { $0.lowercased() == word }) { return .bool(false) }
            return fail("not a boolean word (\((trueWords + falseWords).joined(separator: ", ")))")
        case .date(let pattern):
            if let pattern {
                guard let parts = pattern.parse(text[...]) else {
                    return fail("not an existing date in the pattern \(pattern)")
                }
                guard parts.hour == 0 && parts.minute == 0 && parts.second == 0 else {
                    return fail("has a time of day other than midnight; the field holds a date")
                }
                return .string(parts.date.description)
            }
            guard CalendarDate(iso: text[...]) != nil else { return fail("not an existing date YYYY-MM-DD") }
            return .string(text)
        case .datetime(let pattern, let offsetRule):
            guard let pattern else {
                guard DateTimeText.isValid(text[...]) else { return fail("not an RFC 3339 date-time with an offset") }
                return .string(text)
            }
            guard let parts = pattern.parse(text[...]) else {
                return fail("not an existing date-time in the pattern \(pattern)")
            }
            guard let offsetRule,
                let offsetText = rawText(
                    offsetRule, from: element, selector: selector, pointer: pointer(), problems: &problems)
            else {
                return fail("the date-time has no offset")
            }
            guard let offset = DateTimeText.normalizedOffset(TextNormalization.fold(offsetText)[...]) else {
                return fail("the offset is not ±HH:MM")
            }
            return .string(parts.rfc3339(offset: offset))
        case .zonedDatetime(let pattern, let zone):
            guard let parts = pattern.parse(text[...]) else {
                return fail("not an existing date-time in the pattern \(pattern)")
            }
            // In an overlap the clocks show the time twice: the earlier instant is taken.
            guard let offset = zone.offsets(forLocal: parts).first else {
                return fail("\(text) does not exist in \(zone.identifier): the clocks skip it (daylight saving)")
            }
            guard offset % 60 == 0 else {
                return fail("\(zone.identifier) was \(offset) s from UTC then, which RFC 3339 cannot write")
            }
            return .string(parts.rfc3339(offset: DateTimeText.offset(seconds: offset)))
        case .code(let table):
            if let code = table.code(for: text) { return .string(code) }
            if table.notFound == .keep { return .string(text) }
            return fail("not a word of the code table \(table.name)")
        }
    }

    func tooMany(_ field: FieldDefinition, count: Int, pointer: String) -> RecordProblem {
        RecordProblem(
            code: "mapping.cardinality", pointer: pointer,
            message: "found \(count) elements for the single-valued field \(field.name)")
    }
}
