/// A mapping compiled against its schema: the one thing every conversion of a mapping's
/// records walks (``walk(_:with:headerTime:into:problems:)``), whatever it builds (a record
/// tree, canonical bytes, nothing) and whether it stops at a record's first problem or
/// collects them all.
///
/// Each rule is laid out against its schema field, so a value is mapped, checked against its
/// field and written in one step; immutable and shared by the threads of a conversion.
package final class MappingPlan: Sendable {
    /// The mapping applied.
    package let mapping: Mapping
    /// Selects, folds and parses values.
    let mapper: RecordMapper
    /// The schema's checks: values, rules, markings.
    package let validator: RecordValidator
    /// The record's data.
    let root: ObjectPlan
    /// For each top-level field, whether the schema's rules or marking rules read it.
    let isReadByRules: [Bool]
    /// The top-level field that is the record's key.
    let keyFieldIndex: Int?
    /// `source` of the records built.
    package let source: String
    /// The envelope members every record shares, as bytes.
    let envelope: CanonicalRecord.Envelope
    /// What each record's id hashes before its data (``CanonicalRecord/idPrefix(source:type:)``).
    let idPrefix: [UInt8]

    /// Compiles a mapping against the validator of its schema.
    /// - Parameter source: `source` of the records built (the mapping's, or `--source`).
    package init(mapping: Mapping, validator: RecordValidator, source: String) {
        self.mapping = mapping
        self.source = source
        let schema = mapping.schema
        envelope = CanonicalRecord.Envelope(type: schema.recordType, source: source, dataschema: schema.dataschema)
        idPrefix = CanonicalRecord.idPrefix(source: source, type: schema.recordType)
        mapper = RecordMapper(mapping: mapping)
        self.validator = validator
        root = ObjectPlan(mapping.fields, validator.root)
        let fieldsReadByRules = validator.fieldsReadByRules
        let names = validator.root.fields.map(\.definition.name)
        isReadByRules = names.map(fieldsReadByRules.contains)
        keyFieldIndex = names.firstIndex(of: mapping.schema.keyField)
    }

    /// The document's `time` when the mapping reads it from the root element's attributes
    /// only: worked out on any record, once per document.
    package func headerTime(of record: RecordNode, with selector: any RecordSelector) -> RecordMapper.Time? {
        mapper.headerTime(of: record, with: selector)
    }
}

/// One schema object with the mapping's rules for its fields: which rule fills each field, the
/// bytes `"name":` of each field, and the fields' RFC 8785 order.
package final class ObjectPlan: Sendable {
    /// A field of the object that a rule fills or that is required, with what the record loop
    /// reads of it: plain values and ``Unretained`` references, so that going through the
    /// fields counts no reference.
    struct Member: Sendable {
        /// The rule that fills the field; nil for a required field no rule fills.
        let rule: Unretained<FieldRule>?
        let field: Unretained<CompiledField>
        /// The field's number in the schema's order.
        let index: Int
        /// Whether the schema requires the field, whether it is a list, and whether the format
        /// requires a value.
        let isRequired: Bool
        let isList: Bool
        let isRequiredByFormat: Bool
        /// The plan of the object the rule maps, if it maps one, and the path to its elements.
        let nested: Unretained<ObjectPlan>?
        let objectPath: Unretained<NodePath>?
        /// The path of a value that may be read from the selector's bytes as they are, and how.
        let inPlacePath: Unretained<NodePath>?
        let inPlace: InPlace

        init(
            binding: FieldBinding?, field: CompiledField, index: Int, nested: ObjectPlan?, objectPath: NodePath?,
            inPlacePath: NodePath?, inPlace: InPlace
        ) {
            rule = binding.map { Unretained($0.rule) }
            self.field = Unretained(field)
            self.index = index
            isRequired = field.definition.isRequired
            isList = field.definition.isList
            isRequiredByFormat = binding?.rule.isRequiredByFormat == true
            self.nested = nested.map(Unretained.init)
            self.objectPath = objectPath.map(Unretained.init)
            self.inPlacePath = inPlacePath.map(Unretained.init)
            self.inPlace = inPlace
        }

        /// The field's name, for a problem's pointer.
        var name: String { field.with { $0.definition.name } }
    }

    /// How a value is read from the selector's bytes as they are.
    enum InPlace: Equatable {
        case none
        /// A text field's value, folded: written as it is when it needs no folding or normalizing.
        case text
        /// A decimal field's value, parsed as it stands.
        case decimal(point: UInt8, allowsExponent: Bool)
    }

    /// What the members refer to, kept alive here: the rules (through their bindings), the
    /// plans of nested objects, and the schema object with its fields.
    private let bindings: [FieldBinding]
    private let nestedPlans: [ObjectPlan]
    /// The schema object.
    let object: CompiledObject
    /// The fields a rule fills and the required ones, in the schema's order.
    let members: [Member]
    /// The bytes `"name":` of every field, one after the other, and where each field's are.
    private let keyBytes: [UInt8]
    private let keyRanges: [Range<Int>]
    /// The fields' numbers in RFC 8785 order.
    let canonicalOrder: [Int]
    /// For each field, whether a comparison rule reads it.
    let isCompared: [Bool]
    let hasComparisons: Bool

    init(_ bindings: [FieldBinding], _ object: CompiledObject) {
        self.bindings = bindings
        self.object = object
        var members: [Member] = []
        var nestedPlans: [ObjectPlan] = []
        for (index, field) in object.fields.enumerated() {
            guard let binding = bindings.first(where: { $0.field === field.definition }) else {
                if field.definition.isRequired {
                    members.append(
                        Member(
                            binding: nil, field: field, index: index, nested: nil, objectPath: nil, inPlacePath: nil,
                            inPlace: .none))
                }
                continue
            }
            var nested: ObjectPlan?
            var objectPath: NodePath?
            // The mapping loader gives object fields, and only those, object rules.
            if case .object(let path, let nestedBindings) = binding.rule.source, let nestedObject = field.object?.value
            {
                let plan = ObjectPlan(nestedBindings, nestedObject)
                nestedPlans.append(plan)
                (nested, objectPath) = (plan, path)
            }
            let inPlace = Self.inPlace(binding, field)
            members.append(
                Member(
                    binding: binding, field: field, index: index, nested: nested, objectPath: objectPath,
                    inPlacePath: inPlace == .none ? nil : binding.rule.sourcePath, inPlace: inPlace))
        }
        self.members = members
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

    /// Whether a rule's value may be read from the selector's bytes as they are: a folded text
    /// or decimal at a relative path, for a single-valued field.
    private static func inPlace(_ binding: FieldBinding, _ field: CompiledField) -> InPlace {
        let rule = binding.rule
        guard rule.whiteSpace == .fold, let path = rule.sourcePath, !path.isAbsolute, !binding.field.isList else {
            return .none
        }
        switch (rule.parser, field.kind) {
        case (.text, .string):
            return .text
        case (.decimal(let format), .decimal):
            // A decimal as it stands (digits, sign, point, exponent) then holds no grouping character.
            let reserved = Set("0123456789+-eE")
            guard let point = format.point.asciiValue, !format.grouping.contains(where: reserved.contains),
                !format.grouping.contains(format.point)
            else { return .none }
            return .decimal(point: point, allowsExponent: format.allowsExponent)
        default:
            return .none
        }
    }

    /// Appends the bytes `"name":` of field `index`.
    func appendKey(_ index: Int, to buffer: inout [UInt8]) {
        keyBytes.withUnsafeBufferPointer {
            buffer.append(contentsOf: UnsafeBufferPointer(rebasing: $0[keyRanges[index]]))
        }
    }
}
