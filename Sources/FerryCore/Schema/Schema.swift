/// One record type as its schema file defines it: fields, constraints, markings and rules.
///
/// Schemas are a strict profile of LinkML; Ferry's additions are LinkML `annotations`
/// (see `docs/schema-language.md`). A loaded schema is immutable and shared between tasks.
public struct Schema: Sendable {
    /// The record type, for example `personnel.record`.
    public var recordType: String
    /// The schema's version as written, for example `1.0.0`.
    public var version: String
    /// The major version, carried in `dataschema`.
    public var majorVersion: Int
    /// The record-level marking before rules raise it.
    public var defaultMarking: Marking
    /// The field whose value is the record's key (`subject`).
    public var keyField: String
    /// The record's fields, in schema order.
    public var root: ObjectType
    /// Cross-field rules: when the precondition holds, the postcondition must hold.
    public var rules: [ConditionalRule]
    /// Rules that raise the record's marking.
    public var markingRules: [MarkingRule]
    /// Where the schema was loaded from.
    public var path: String

    /// `urn:ferry:schema:<type>:<major version>`.
    public var dataschema: String { "urn:ferry:schema:\(recordType):\(majorVersion)" }
}

/// An object's fields, in order.
public struct ObjectType: Sendable {
    /// The LinkML class name.
    public var name: String
    /// The fields, in schema order.
    public var fields: [FieldDefinition]

    /// The field with this name.
    public func field(named name: String) -> FieldDefinition? { fields.first { $0.name == name } }
}

/// A field of a record or of a nested object.
///
/// An immutable class, so the record loop shares one instance instead of copying a dozen
/// members per field and record.
public final class FieldDefinition: Sendable {
    /// The field name.
    public let name: String
    /// What values it takes.
    public let type: FieldType
    /// Whether a record without it is invalid.
    public let isRequired: Bool
    /// Whether it holds a list of values.
    public let isList: Bool
    /// The marking of the field; the record's default when the schema names none.
    public let marking: Marking
    /// The bounds its values must keep.
    public let constraints: FieldConstraints
    /// Where the field is defined.
    public let location: DocumentLocation

    init(
        name: String, type: FieldType, isRequired: Bool = false, isList: Bool = false, marking: Marking,
        constraints: FieldConstraints = FieldConstraints(), location: DocumentLocation
    ) {
        self.name = name
        self.type = type
        self.isRequired = isRequired
        self.isList = isList
        self.marking = marking
        self.constraints = constraints
        self.location = location
    }

    /// An anchored regular expression every (string) value must match as a whole.
    public var pattern: String? { constraints.pattern }
    /// Length bounds in Unicode scalars.
    public var minLength: Int? { constraints.minLength }
    public var maxLength: Int? { constraints.maxLength }
    /// Value bounds for numbers.
    public var minimum: ExactDecimal? { constraints.minimum }
    public var maximum: ExactDecimal? { constraints.maximum }
    /// Whether `minimum` itself is excluded (`> 0` rather than `≥ 0`).
    public var minimumIsExclusive: Bool { constraints.minimumIsExclusive }
    /// At most this many fraction digits that carry value.
    public var maxFractionDigits: Int? { constraints.maxFractionDigits }
    /// Item-count bounds for lists.
    public var minItems: Int? { constraints.minItems }
    public var maxItems: Int? { constraints.maxItems }
    /// A sibling field this one may not be before (dates and date-times).
    public var notBefore: String? { constraints.notBefore }
}

/// The constraints of a field beyond its type, as the schema states them.
public struct FieldConstraints: Sendable {
    public var pattern: String?
    public var minLength: Int?
    public var maxLength: Int?
    public var minimum: ExactDecimal?
    public var maximum: ExactDecimal?
    public var minimumIsExclusive = false
    public var maxFractionDigits: Int?
    public var minItems: Int?
    public var maxItems: Int?
    public var notBefore: String?

    /// No constraints.
    public init() {}
}

/// The value type of a field.
public indirect enum FieldType: Sendable {
    case string
    case integer
    case decimal
    case boolean
    case date
    case datetime
    case enumeration(EnumDefinition)
    case object(ObjectType)

    /// The name used in messages and in the schema's `range`.
    public var name: String {
        switch self {
        case .string: "string"
        case .integer: "integer"
        case .decimal: "decimal"
        case .boolean: "boolean"
        case .date: "date"
        case .datetime: "datetime"
        case .enumeration(let e): e.name
        case .object(let o): o.name
        }
    }
}

/// An enumeration's permissible codes.
public struct EnumDefinition: Sendable {
    public var name: String
    public var codes: [String]
}

/// A condition on a field's value, as LinkML `slot_conditions` state it.
public struct SlotCondition: Sendable {
    public enum Test: Sendable {
        /// The value's text equals this string (`true`, an enum code, …).
        case equalsString(String)
        /// The value equals this number.
        case equalsNumber(ExactDecimal)
        /// The field has a value.
        case present
        /// The field has no value.
        case absent
    }

    public var field: String
    public var test: Test
}

/// When every precondition holds, every postcondition must hold.
public struct ConditionalRule: Sendable {
    public var description: String
    public var preconditions: [SlotCondition]
    public var postconditions: [SlotCondition]
}

/// When every condition holds, the record's marking is at least `marking`.
public struct MarkingRule: Sendable {
    public var description: String
    public var conditions: [SlotCondition]
    public var marking: Marking
}
