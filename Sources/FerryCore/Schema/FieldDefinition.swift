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
