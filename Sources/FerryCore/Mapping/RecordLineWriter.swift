/// Converts a record straight to its canonical NDJSON line: each value is mapped, checked
/// against its schema field and written at once into the data's bytes in schema order and in
/// RFC 8785 order, with no ``JSONObject`` tree built, walked and freed per record.
///
/// It only decides the common case, a record without a problem, and writes byte for byte what
/// ``RecordMapper``, ``RecordValidator`` and ``CanonicalRecord`` write for it. At the first
/// problem it gives up and writes nothing: the caller then converts the record through those
/// three, which find every problem with its pointer, so rejects read the same either way.
public final class RecordLineWriter: Sendable {
    private let mapper: RecordMapper
    private let validator: RecordValidator
    private let envelope: CanonicalRecord.Envelope
    /// What each record's id hashes before its data (``CanonicalRecord/idPrefix(source:type:)``).
    private let idPrefix: [UInt8]
    private let root: ObjectPlan
    /// For each top-level field, whether the schema's rules or marking rules read it.
    private let isReadByRules: [Bool]
    /// The top-level field that is the record's key.
    private let keyFieldIndex: Int?

    /// Buffers reused from record to record.
    public struct Scratch {
        var ordered: [UInt8] = []
        var canonical: [UInt8] = []
        var assembly: [UInt8] = []
        var problems: [RecordProblem] = []

        /// Creates empty buffers.
        public init() {}
    }

    /// Prepares the writer; nil when a mapped field is not one of its schema object's fields.
    public init?(mapper: RecordMapper, validator: RecordValidator, source: String) {
        guard let root = ObjectPlan(mapper.mapping.fields, validator.root) else { return nil }
        self.mapper = mapper
        self.validator = validator
        let schema = mapper.mapping.schema
        envelope = CanonicalRecord.Envelope(type: schema.recordType, source: source, dataschema: schema.dataschema)
        idPrefix = CanonicalRecord.idPrefix(source: source, type: schema.recordType)
        self.root = root
        let fieldsReadByRules = validator.fieldsReadByRules
        let names = validator.root.fields.map(\.definition.name)
        isReadByRules = names.map(fieldsReadByRules.contains)
        keyFieldIndex = names.firstIndex(of: schema.keyField)
    }

    /// Appends the record's canonical line (envelope with id and data, and a line feed) when
    /// the record maps and validates without a problem.
    /// - Parameter headerTime: the document's ``RecordMapper/headerTime(of:with:)``, when it has one.
    /// - Returns: false, with nothing appended, when the record has a problem.
    public func appendLine(
        of record: RecordNode, with selector: any RecordSelector, headerTime: RecordMapper.Time?,
        to lines: inout [UInt8], scratch: inout Scratch
    ) -> Bool {
        // The buffers move into the record and back, so each stays uniquely referenced.
        func take<Element>(_ buffer: inout [Element]) -> [Element] {
            buffer.removeAll(keepingCapacity: true)
            defer { buffer = [] }
            return buffer
        }
        var record = Record(
            node: record, selector: selector, ordered: take(&scratch.ordered), canonical: take(&scratch.canonical),
            assembly: take(&scratch.assembly), problems: take(&scratch.problems))
        defer {
            (scratch.ordered, scratch.canonical) = (record.ordered, record.canonical)
            (scratch.assembly, scratch.problems) = (record.assembly, record.problems)
        }
        var time: String?
        if let rule = mapper.mapping.time {
            let recordTime = headerTime ?? mapper.time(rule, of: record.node, with: selector)
            guard recordTime.problems.isEmpty else { return false }
            time = recordTime.value
        }
        guard write(root, from: record.node, into: &record, isRoot: true) == .written, let key = record.key else {
            return false
        }
        validator.ruleProblems(record.readByRules, pointerPrefix: "/data", into: &record.problems)
        guard record.problems.isEmpty else { return false }
        envelope.write(
            subject: key, id: CanonicalRecord.id(prefix: idPrefix, canonicalData: record.canonical), time: time,
            classification: validator.classification(of: record.readByRules), into: &lines
        ) {
            $0.append(contentsOf: record.ordered)
        }
        lines.append(0x0A)
        return true
    }

    /// One record on its way.
    private struct Record {
        let node: RecordNode
        let selector: any RecordSelector
        var ordered: [UInt8]
        var canonical: [UInt8]
        /// Where an object's members are put in RFC 8785 order.
        var assembly: [UInt8]
        var problems: [RecordProblem]
        var key: String?
        /// The top-level values the schema's rules and marking rules read.
        var readByRules = JSONObject()

        /// Appends punctuation that both forms write alike.
        mutating func appendToBoth(_ byte: UInt8) {
            ordered.append(byte)
            canonical.append(byte)
        }
    }

    private enum Written { case written, empty, failed }

    /// Writes an object's fields: in `ordered` as the mapper orders them, and in `canonical` in
    /// RFC 8785 order (each value is written at the end first, then the members are put in order).
    private func write(_ plan: ObjectPlan, from element: RecordNode, into record: inout Record, isRoot: Bool) -> Written
    {
        let orderedStart = record.ordered.count
        let canonicalStart = record.canonical.count
        let fieldCount = plan.object.fields.count
        return withUnsafeTemporaryAllocation(of: Range<Int>.self, capacity: max(fieldCount, 1)) { spans -> Written in
            plan.slots.withUnsafeBufferPointer { slots in
                spans.initialize(repeating: 0..<0)
                var present = 0
                var compared = JSONObject()
                record.ordered.append(UInt8(ascii: "{"))
                for slot in slots {
                    let (binding, field, fieldIndex) = (slot.binding, slot.field, slot.fieldIndex)
                    let orderedMark = record.ordered.count
                    let valueStart = record.canonical.count
                    if present > 0 { record.ordered.append(UInt8(ascii: ",")) }
                    plan.appendKey(fieldIndex, to: &record.ordered)
                    let outcome: Written
                    if let nested = slot.nested, let path = slot.objectPath {
                        outcome = writeObjects(
                            nested, at: path, isList: slot.isList, field: field, from: element, into: &record)
                    } else if slot.isList, let path = binding.rule.sourcePath {
                        outcome = writeList(
                            binding, field: field, texts: record.selector.texts(at: path, from: element),
                            from: element, into: &record)
                    } else {
                        // A list field whose rule gives one value is the validator's to report.
                        guard !slot.isList else { return .failed }
                        let keepsValue = plan.isCompared[fieldIndex] || (isRoot && isKept(fieldIndex))
                        // The value, when a comparison or the record needs it besides its bytes.
                        var kept: JSONValue?
                        if let path = slot.inPlacePath, case .text = slot.inPlace,
                            let value = writeTextInPlace(
                                at: path, from: element, field: field, keepingValue: keepsValue,
                                into: &record)
                        {
                            kept = value
                            outcome = .written
                        } else if let value = decimalInPlace(slot, from: element, selector: record.selector)
                            ?? mapper.mapScalar(
                                binding.rule, from: element, selector: record.selector, pointer: "",
                                problems: &record.problems)
                        {
                            field.validateValue(value, pointer: "", into: &record.problems)
                            write(value, into: &record)
                            kept = value
                            outcome = record.problems.isEmpty ? .written : .failed
                        } else {
                            outcome = record.problems.isEmpty ? .empty : .failed
                        }
                        if let kept {
                            if plan.isCompared[fieldIndex] { compared[field.definition.name] = kept }
                            if isRoot { keep(kept, ofField: fieldIndex, in: &record) }
                        }
                    }
                    switch outcome {
                    case .failed:
                        return .failed
                    case .empty:
                        // A rule the format requires reports a missing value.
                        if binding.rule.isRequiredByFormat { return .failed }
                        record.ordered.removeSubrange(orderedMark...)
                        record.canonical.removeSubrange(valueStart...)
                    case .written:
                        spans[fieldIndex] = valueStart..<record.canonical.count
                        present += 1
                    }
                }
                guard present > 0 else {
                    record.ordered.removeSubrange(orderedStart...)
                    return .empty
                }
                record.ordered.append(UInt8(ascii: "}"))
                for (index, field) in plan.object.fields.enumerated()
                where field.definition.isRequired && spans[index].isEmpty {
                    return .failed
                }
                if plan.hasComparisons {
                    plan.object.orderProblems(compared, pointer: "", into: &record.problems)
                    guard record.problems.isEmpty else { return .failed }
                }
                // The members in RFC 8785 order, put together apart and written over the values.
                record.assembly.removeAll(keepingCapacity: true)
                record.assembly.append(UInt8(ascii: "{"))
                var first = true
                for fieldIndex in plan.canonicalOrder where !spans[fieldIndex].isEmpty {
                    if !first { record.assembly.append(UInt8(ascii: ",")) }
                    first = false
                    plan.appendKey(fieldIndex, to: &record.assembly)
                    record.assembly.append(contentsOf: record.canonical[spans[fieldIndex]])
                }
                record.assembly.append(UInt8(ascii: "}"))
                record.canonical.replaceSubrange(canonicalStart..., with: record.assembly)
                return .written
            }
        }
    }

    /// Writes a text value in both forms straight from the selector's bytes, when it needs no
    /// folding, normalizing or copying into a string to be checked.
    /// - Returns: nil when it did not write it (the value is then mapped the usual way);
    ///   otherwise the value, when `keepingValue` asks for it.
    private func writeTextInPlace(
        at path: NodePath, from element: RecordNode, field: CompiledField, keepingValue: Bool,
        into record: inout Record
    ) -> JSONValue?? {
        let selector = record.selector
        return selector.withTextInPlace(at: path, from: element) { bytes -> JSONValue?? in
            guard let bytes, !bytes.isEmpty, TextNormalization.isFoldedAndNormalized(bytes), field.acceptsText(bytes)
            else {
                return nil
            }
            let start = record.ordered.count
            JSONWriter.writeString(utf8: bytes, into: &record.ordered)
            record.canonical.append(contentsOf: record.ordered[start...])
            return .some(keepingValue ? .string(String(decoding: bytes, as: UTF8.self)) : nil)
        }
    }

    /// A decimal parsed from the selector's bytes as they are, when they are one as they stand
    /// (digits, sign, point, exponent where allowed: no white space, no grouping character):
    /// what mapping it the usual way gives, without a string made, folded, normalized and
    /// searched for grouping characters.
    /// - Returns: nil when the value is to be mapped the usual way.
    private func decimalInPlace(_ slot: ObjectPlan.Slot, from element: RecordNode, selector: any RecordSelector)
        -> JSONValue?
    {
        guard let path = slot.inPlacePath, case .decimal(let point, let allowsExponent) = slot.inPlace else {
            return nil
        }
        return selector.withTextInPlace(at: path, from: element) { bytes -> JSONValue? in
            guard let bytes else { return nil }
            return ExactDecimal(parsingUTF8: bytes, point: point, allowExponent: allowsExponent).map(JSONValue.number)
        }
    }

    /// Whether ``keep(_:ofField:in:)`` needs top-level field `index`'s value.
    private func isKept(_ index: Int) -> Bool { isReadByRules[index] || index == keyFieldIndex }

    /// Keeps what the record needs of a top-level value besides its bytes: the values the rules
    /// read, and the key.
    private func keep(_ value: JSONValue, ofField index: Int, in record: inout Record) {
        if isReadByRules[index] { record.readByRules[validator.root.fields[index].definition.name] = value }
        guard index == keyFieldIndex else { return }
        switch value {
        case .string(let text): record.key = text
        case .number(let number): record.key = number.text
        default: break
        }
    }

    /// Writes the object or list of objects an object rule maps.
    private func writeObjects(
        _ plan: ObjectPlan, at path: NodePath, isList: Bool, field: CompiledField, from element: RecordNode,
        into record: inout Record
    ) -> Written {
        let elements = path.isSelf ? [element] : record.selector.elements(at: path, from: element)
        guard isList else {
            guard let first = elements.first else { return .empty }
            guard elements.count == 1 else { return .failed }
            return write(plan, from: first, into: &record, isRoot: false)
        }
        record.appendToBoth(UInt8(ascii: "["))
        var count = 0
        for item in elements {
            let (orderedMark, canonicalMark) = (record.ordered.count, record.canonical.count)
            if count > 0 { record.appendToBoth(UInt8(ascii: ",")) }
            switch write(plan, from: item, into: &record, isRoot: false) {
            case .failed: return .failed
            case .empty:
                record.ordered.removeSubrange(orderedMark...)
                record.canonical.removeSubrange(canonicalMark...)
            case .written: count += 1
            }
        }
        record.appendToBoth(UInt8(ascii: "]"))
        return listOutcome(count: count, field: field)
    }

    /// Writes the values of a list rule.
    private func writeList(
        _ binding: FieldBinding, field: CompiledField, texts: [String], from element: RecordNode,
        into record: inout Record
    ) -> Written {
        record.appendToBoth(UInt8(ascii: "["))
        var count = 0
        for text in texts {
            guard
                let value = mapper.convert(
                    text, rule: binding.rule, from: element, selector: record.selector, pointer: "",
                    problems: &record.problems)
            else {
                if record.problems.isEmpty { continue } else { return .failed }
            }
            field.validateValue(value, pointer: "", into: &record.problems)
            guard record.problems.isEmpty else { return .failed }
            if count > 0 { record.appendToBoth(UInt8(ascii: ",")) }
            write(value, into: &record)
            count += 1
        }
        record.appendToBoth(UInt8(ascii: "]"))
        return listOutcome(count: count, field: field)
    }

    /// An empty list is omitted; a list outside its schema's bounds is a problem.
    private func listOutcome(count: Int, field: CompiledField) -> Written {
        if count == 0 { return .empty }
        if let minItems = field.definition.minItems, count < minItems { return .failed }
        if let maxItems = field.definition.maxItems, count > maxItems { return .failed }
        return .written
    }

    /// Writes a scalar in both forms; a string is escaped once and copied.
    private func write(_ value: JSONValue, into record: inout Record) {
        switch value {
        case .number(let number):
            number.write(canonical: false, into: &record.ordered)
            number.write(canonical: true, into: &record.canonical)
        default:
            let start = record.ordered.count
            JSONWriter().write(value, into: &record.ordered)
            record.canonical.append(contentsOf: record.ordered[start...])
        }
    }
}

/// A mapping's object rules laid out against their schema object: which field each rule
/// fills, the bytes `"name":` of each field, and the fields' RFC 8785 order.
private final class ObjectPlan: Sendable {
    /// A binding with its field: unowned, the plan keeps them alive (`bindings`, `object`,
    /// `nestedPlans`), so the record loop reads them without retaining each.
    struct Slot {
        unowned(unsafe) let binding: FieldBinding
        unowned(unsafe) let field: CompiledField
        let fieldIndex: Int
        /// The plan of the object the binding maps, if it maps one, and the path to its elements.
        unowned(unsafe) let nested: ObjectPlan?
        unowned(unsafe) let objectPath: NodePath?
        let isList: Bool
        /// The path of a value that may be read from the selector's bytes as they are, and how.
        unowned(unsafe) let inPlacePath: NodePath?
        let inPlace: InPlace
    }

    /// How a value is read from the selector's bytes as they are.
    enum InPlace: Equatable {
        case none
        /// A text field's value, folded: written as it is.
        case text
        /// A decimal field's value, parsed as it is.
        case decimal(point: UInt8, allowsExponent: Bool)
    }

    let bindings: [FieldBinding]
    let object: CompiledObject
    let nestedPlans: [ObjectPlan]
    let slots: [Slot]
    /// The bytes `"name":` of every field, one after the other, and where each field's are.
    let keyBytes: [UInt8]
    let keyRanges: [Range<Int>]
    let canonicalOrder: [Int]
    /// For each field, whether a comparison rule reads it.
    let isCompared: [Bool]
    let hasComparisons: Bool

    init?(_ bindings: [FieldBinding], _ object: CompiledObject) {
        self.bindings = bindings
        self.object = object
        var slots: [Slot] = []
        var nestedPlans: [ObjectPlan] = []
        for binding in bindings {
            guard let index = object.fields.firstIndex(where: { $0.definition === binding.field }) else { return nil }
            var nested: ObjectPlan?
            var objectPath: NodePath?
            if case .object(let path, let nestedBindings) = binding.rule.source {
                guard let nestedObject = object.fields[index].object?.value,
                    let plan = ObjectPlan(nestedBindings, nestedObject)
                else { return nil }
                nestedPlans.append(plan)
                (nested, objectPath) = (plan, path)
            }
            let rule = binding.rule
            var inPlace = InPlace.none
            if rule.whiteSpace == .fold, let path = rule.sourcePath, !path.isAbsolute, !binding.field.isList {
                switch (rule.parser, object.fields[index].kind) {
                case (.text, .string):
                    inPlace = .text
                case (.decimal(let format), .decimal):
                    // A decimal as it stands (digits, sign, point, exponent) then holds no grouping character.
                    let reserved = Set("0123456789+-eE")
                    if let point = format.point.asciiValue, !format.grouping.contains(where: reserved.contains),
                        !format.grouping.contains(format.point)
                    {
                        inPlace = .decimal(point: point, allowsExponent: format.allowsExponent)
                    }
                default:
                    break
                }
            }
            slots.append(
                Slot(
                    binding: binding, field: object.fields[index], fieldIndex: index, nested: nested,
                    objectPath: objectPath, isList: binding.field.isList,
                    inPlacePath: inPlace == .none ? nil : rule.sourcePath, inPlace: inPlace))
        }
        self.slots = slots
        self.nestedPlans = nestedPlans
        let names = object.fields.map(\.definition.name)
        var keyBytes: [UInt8] = []
        keyRanges = names.map { name in
            let start = keyBytes.count
            JSONWriter.writeString(name, into: &keyBytes)
            keyBytes.append(UInt8(ascii: ":"))
            return start..<keyBytes.count
        }
        self.keyBytes = keyBytes
        canonicalOrder = names.indices.sorted { JSONWriter.precedesInUTF16(names[$0], names[$1]) }
        let compared = Set(
            object.fields.compactMap { field in field.definition.notBefore.map { [field.definition.name, $0] } }
                .joined())
        isCompared = names.map(compared.contains)
        hasComparisons = !compared.isEmpty
    }

    /// Appends the bytes `"name":` of field `index`.
    func appendKey(_ index: Int, to buffer: inout [UInt8]) {
        keyBytes.withUnsafeBufferPointer {
            buffer.append(contentsOf: UnsafeBufferPointer(rebasing: $0[keyRanges[index]]))
        }
    }
}
