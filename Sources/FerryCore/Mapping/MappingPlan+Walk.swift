/// The one walk of a record through a ``MappingPlan``.
///
/// Field by field in the schema's order it selects a value, maps it (``RecordMapper``), checks
/// it against its field (``CompiledField``) and hands it to the output, and checks each object
/// (required fields, list lengths, comparisons) and the record (the schema's rules) as it
/// finishes them. Problems go to the collector: mapping problems with the pointer of the input
/// they come from (an item's position among the elements or texts selected), schema problems
/// with the pointer of the value in the finished record, in the order a validator reading the
/// finished record reports them.
extension MappingPlan {
    /// What a walk finds besides the output.
    package struct Walked: Sendable {
        /// The record's key as read, also when the record has a problem.
        package var key: String?
        /// The record's `time`, when the mapping gives one.
        package var time: String?
        /// The top-level values the schema's rules and marking rules read (a list or an object
        /// stands for itself by an empty one: rules test only whether it is present).
        package var readByRules: JSONObject
    }

    /// Walks one record.
    /// - Parameters:
    ///   - headerTime: the document's ``headerTime(of:with:)``, when it has one.
    ///   - output: receives the record's data.
    ///   - problems: receives the record's problems; a collector that stops throws at the first.
    package func walk<Output: RecordOutput, Collector: ProblemCollector>(
        _ record: RecordNode, with selector: any RecordSelector, headerTime: RecordMapper.Time?,
        into output: inout Output, problems: inout Collector
    ) throws(Collector.Failure) -> Walked {
        var walk = Walk(selector: selector)
        _ = try walkObject(
            root, from: record, isRoot: true, into: &walk, output: &output, problems: &problems,
            mappingPointer: { "/data" },
            recordPointer: { "/data" })
        var walked = Walked(key: walk.key, time: nil, readByRules: walk.readByRules)
        if let rule = mapping.time {
            let time = headerTime ?? mapper.time(rule, of: record, with: selector)
            for problem in time.problems { try problems.mappingProblem(problem) }
            walked.time = time.value
        }
        if !validator.schema.rules.isEmpty {
            var ruleProblems: [RecordProblem] = []
            validator.ruleProblems(walk.readByRules, pointerPrefix: "/data", into: &ruleProblems)
            for problem in ruleProblems { try problems.recordProblem(problem) }
        }
        return walked
    }

    /// The record on its way: the selector and what is kept besides the output.
    private struct Walk {
        let selector: any RecordSelector
        var key: String?
        var readByRules = JSONObject()
    }

    /// What became of a field or an object.
    private enum Outcome {
        /// It has a value (or items, or fields), written.
        case written
        /// It has none: nothing of it remains.
        case empty
        /// It has a value the output cannot take (a schema problem says why).
        case invalid
    }

    /// Walks an object's fields and checks the object: ``Outcome/empty`` when no field has a value.
    private func walkObject<Output: RecordOutput, Collector: ProblemCollector>(
        _ plan: ObjectPlan, from element: RecordNode, isRoot: Bool, into walk: inout Walk, output: inout Output,
        problems: inout Collector, mappingPointer: () -> String, recordPointer: () -> String
    ) throws(Collector.Failure) -> Outcome {
        output.beginObject(plan)
        var present = 0
        var compared = JSONObject()
        for member in plan.members {
            func fieldMappingPointer() -> String { "\(mappingPointer())/\(pointerToken(member.name))" }
            func fieldRecordPointer() -> String { "\(recordPointer())/\(pointerToken(member.name))" }
            output.beginField(member.index, of: plan)
            var kept: JSONValue?
            let outcome: Outcome
            if let rule = member.rule {
                let keepsValue = plan.isCompared[member.index] || (isRoot && isKept(member.index))
                outcome = try rule.with { (rule) throws(Collector.Failure) -> Outcome in
                    try walkField(
                        member, rule, from: element, into: &walk, output: &output, problems: &problems, kept: &kept,
                        keepsValue: keepsValue, mappingPointer: fieldMappingPointer, recordPointer: fieldRecordPointer)
                }
            } else {
                outcome = .empty
            }
            output.endField(member.index, of: plan, kept: outcome == .written)
            if outcome == .empty {
                if member.isRequiredByFormat {
                    try problems.mappingProblem(
                        RecordProblem(
                            code: "mapping.required-by-format", pointer: fieldMappingPointer(),
                            message: "the format requires \(member.name), and the record has none"))
                }
                if member.isRequired {
                    try problems.recordProblem(
                        RecordProblem(
                            code: "record.required", pointer: fieldRecordPointer(),
                            message: "required field \(member.name) is missing"))
                }
                continue
            }
            if outcome == .written { present += 1 }
            if let kept {
                if plan.isCompared[member.index] { compared[member.name] = kept }
                if isRoot { keep(kept, ofField: member.index, in: &walk) }
            }
        }
        output.endObject(plan, isRoot: isRoot)
        if plan.hasComparisons {
            var orderProblems: [RecordProblem] = []
            plan.object.orderProblems(compared, pointer: recordPointer(), into: &orderProblems)
            for problem in orderProblems { try problems.recordProblem(problem) }
        }
        return present > 0 ? .written : .empty
    }

    /// Walks one field's rule: an object or a list of objects, a list of values, or one value.
    /// - Parameter kept: set to the field's value when `keepsValue` asks for it (a list or an
    ///   object stands for itself by an empty one).
    private func walkField<Output: RecordOutput, Collector: ProblemCollector>(
        _ member: ObjectPlan.Member, _ rule: FieldRule, from element: RecordNode,
        into walk: inout Walk, output: inout Output, problems: inout Collector, kept: inout JSONValue?,
        keepsValue: Bool,
        mappingPointer: () -> String, recordPointer: () -> String
    ) throws(Collector.Failure) -> Outcome {
        if let nested = member.nested, let path = member.objectPath {
            let elements = path.with { path in
                path.isSelf ? [element] : walk.selector.elements(at: path, from: element)
            }
            guard member.isList else {
                guard let first = elements.first else { return .empty }
                guard elements.count == 1 else {
                    let problem = member.field.with { field in
                        mapper.tooMany(field.definition, count: elements.count, pointer: mappingPointer())
                    }
                    try problems.mappingProblem(problem)
                    return .empty
                }
                let outcome = try nested.with { (nested) throws(Collector.Failure) -> Outcome in
                    try walkObject(
                        nested, from: first, isRoot: false, into: &walk, output: &output, problems: &problems,
                        mappingPointer: mappingPointer, recordPointer: recordPointer)
                }
                if keepsValue && outcome == .written { kept = .object(JSONObject()) }
                return outcome
            }
            let mark = problems.recordProblemMark
            output.beginList()
            var count = 0
            try nested.with { (nested) throws(Collector.Failure) in
                for (position, item) in elements.enumerated() {
                    output.beginItem()
                    let index = count
                    let outcome = try walkObject(
                        nested, from: item, isRoot: false, into: &walk, output: &output, problems: &problems,
                        mappingPointer: { "\(mappingPointer())/\(position)" },
                        recordPointer: { "\(recordPointer())/\(index)" })
                    output.endItem(kept: outcome == .written)
                    if outcome == .written { count += 1 }
                }
            }
            output.endList()
            return try listOutcome(
                count: count, member: member, problems: &problems, before: mark, kept: &kept,
                keepsValue: keepsValue, recordPointer: recordPointer)
        }
        if member.isList, let path = rule.sourcePath {
            let mark = problems.recordProblemMark
            output.beginList()
            var count = 0
            for (position, text) in walk.selector.texts(at: path, from: element).enumerated() {
                output.beginItem()
                var mappingProblems: [RecordProblem] = []
                let value = mapper.convert(
                    text, rule: rule, from: element, selector: walk.selector,
                    pointer: "\(mappingPointer())/\(position)", problems: &mappingProblems)
                for problem in mappingProblems { try problems.mappingProblem(problem) }
                guard let value else {
                    output.endItem(kept: false)
                    continue
                }
                try check(value, of: member, problems: &problems, pointer: { "\(recordPointer())/\(count)" })
                output.write(value)
                output.endItem(kept: true)
                count += 1
            }
            output.endList()
            return try listOutcome(
                count: count, member: member, problems: &problems, before: mark, kept: &kept,
                keepsValue: keepsValue, recordPointer: recordPointer)
        }
        if member.inPlace == .text, let path = member.inPlacePath,
            let value = writeTextInPlace(
                at: path, from: element, member: member, keepingValue: keepsValue, into: &walk, output: &output)
        {
            kept = value
            return .written
        }
        var mappingProblems: [RecordProblem] = []
        let mapped =
            decimalInPlace(member, from: element, selector: walk.selector)
            ?? mapper.mapScalar(
                rule, from: element, selector: walk.selector, pointer: mappingPointer(),
                problems: &mappingProblems)
        for problem in mappingProblems { try problems.mappingProblem(problem) }
        guard let value = mapped else { return .empty }
        if keepsValue { kept = value }
        guard !member.isList else {
            // A list field whose rule gives one value.
            try problems.recordProblem(
                RecordProblem(
                    code: "record.type", pointer: recordPointer(), message: "expected a list, found \(value.kindName)"))
            return .invalid
        }
        try check(value, of: member, problems: &problems, pointer: recordPointer)
        output.write(value)
        return .written
    }

    /// Checks a value against its field.
    private func check<Collector: ProblemCollector>(
        _ value: JSONValue, of member: ObjectPlan.Member, problems: inout Collector, pointer: () -> String
    ) throws(Collector.Failure) {
        var valueProblems: [RecordProblem] = []
        member.field.with { $0.validateValue(value, pointer: pointer(), into: &valueProblems) }
        for problem in valueProblems { try problems.recordProblem(problem) }
    }

    /// An empty list is omitted; a list outside its schema's bounds is a problem, reported
    /// before its items' problems.
    private func listOutcome<Collector: ProblemCollector>(
        count: Int, member: ObjectPlan.Member, problems: inout Collector, before mark: Int, kept: inout JSONValue?,
        keepsValue: Bool, recordPointer: () -> String
    ) throws(Collector.Failure) -> Outcome {
        guard count > 0 else { return .empty }
        if keepsValue { kept = .array([]) }
        var lengthProblems: [RecordProblem] = []
        member.field.with { $0.listLengthProblems(count: count, pointer: recordPointer(), into: &lengthProblems) }
        for (offset, problem) in lengthProblems.enumerated() {
            try problems.recordProblem(problem, before: mark + offset)
        }
        return .written
    }

    /// Writes a text value straight from the selector's bytes, when it needs no folding or
    /// normalizing and its field takes it as it is.
    /// - Returns: nil when it did not write it (the value is then mapped the usual way);
    ///   otherwise the value, when `keepingValue` asks for it.
    private func writeTextInPlace<Output: RecordOutput>(
        at path: Unretained<NodePath>, from element: RecordNode, member: ObjectPlan.Member, keepingValue: Bool,
        into walk: inout Walk, output: inout Output
    ) -> JSONValue?? {
        path.with { path in
            walk.selector.withTextInPlace(at: path, from: element) { bytes -> JSONValue?? in
                guard let bytes, !bytes.isEmpty, TextNormalization.isFoldedAndNormalized(bytes),
                    member.field.with({ $0.acceptsText(bytes) })
                else {
                    return nil
                }
                output.writeString(utf8: bytes)
                return .some(keepingValue ? .string(String(decoding: bytes, as: UTF8.self)) : nil)
            }
        }
    }

    /// A decimal parsed from the selector's bytes as they stand (digits, sign, point, exponent
    /// where allowed: no white space, no grouping character): what mapping it the usual way
    /// gives, without a string made, folded, normalized and searched for grouping characters.
    /// - Returns: nil when the value is to be mapped the usual way.
    private func decimalInPlace(_ member: ObjectPlan.Member, from element: RecordNode, selector: any RecordSelector)
        -> JSONValue?
    {
        guard let path = member.inPlacePath, case .decimal(let point, let allowsExponent) = member.inPlace else {
            return nil
        }
        return path.with { path in
            selector.withTextInPlace(at: path, from: element) { bytes -> JSONValue? in
                guard let bytes else { return nil }
                return ExactDecimal(parsingUTF8: bytes, point: point, allowExponent: allowsExponent)
                    .map(JSONValue.number)
            }
        }
    }

    /// Whether ``keep(_:ofField:in:)`` needs top-level field `index`'s value.
    private func isKept(_ index: Int) -> Bool { isReadByRules[index] || index == keyFieldIndex }

    /// Keeps what the record needs of a top-level value besides the output: the values the
    /// rules read, and the key.
    private func keep(_ value: JSONValue, ofField index: Int, in walk: inout Walk) {
        if isReadByRules[index] { walk.readByRules[validator.root.fields[index].definition.name] = value }
        guard index == keyFieldIndex else { return }
        switch value {
        case .string(let text): walk.key = text
        case .number(let number): walk.key = number.text
        default: break
        }
    }
}
