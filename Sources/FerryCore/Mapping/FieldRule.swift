/// One canonical field and the rule that fills it.
///
/// A class, so the record loop passes one reference instead of copying the field's and the
/// rule's many members for every record.
public final class FieldBinding: Sendable {
    /// The schema field.
    public let field: FieldDefinition
    /// How its value is read.
    public let rule: FieldRule

    init(field: FieldDefinition, rule: FieldRule) {
        self.field = field
        self.rule = rule
    }
}

/// How one value is read from XML and, where possible, written back.
///
/// A class, shared by reference in the record loop. `@unchecked Sendable`: only
/// ``irreversibleReason`` is mutable, set by ``MappingLoader`` before the mapping is returned.
public final class FieldRule: @unchecked Sendable {
    /// Where the raw text comes from.
    public indirect enum Source: Sendable {
        /// A simple path.
        case path(NodePath)
        /// An XPath 1.0 expression (index into ``Mapping/xpathExpressions``), evaluated as a string.
        case xpath(Int)
        /// Several paths' values joined by a separator; empty ones are skipped.
        case join([NodePath], separator: String)
        /// The first rule that yields a value.
        case first([FieldRule])
        /// The n-th (1-based) separator-delimited part of the value at a path. Written back by
        /// joining the parts in order.
        case part(NodePath, index: Int, separator: String)
        /// A fixed value.
        case constant(String)
        /// `true` when the path has a non-empty value, else `false`.
        case present(NodePath)
        /// Nested fields read relative to each element at a path (objects, lists of objects).
        case object(NodePath, [FieldBinding])
    }

    /// How raw text becomes a typed value.
    public indirect enum Parser: Sendable {
        case text
        case integer
        case decimal(DecimalFormat)
        case boolean(trueWords: [String], falseWords: [String])
        case date(DatePattern?)
        /// A date-time in a pattern, with the offset read from a path or fixed; nil pattern: RFC 3339 as given.
        case datetime(DatePattern?, offset: FieldRule?)
        /// A local date-time in a pattern, in a named time zone whose rules give its offset.
        case zonedDatetime(DatePattern, zone: any TimeZoneRules)
        case code(CodeTable)
    }

    /// How white space is treated before parsing.
    public enum WhiteSpace: String, Sendable {
        /// Trim and fold inner runs of white space (no-break space included) to one space.
        case fold
        /// Trim only.
        case trim
        /// Keep as is.
        case keep
    }

    public let source: Source
    /// The path of a `.path` source, kept apart so the record loop reads it without unpacking
    /// (and retaining) the enum for every value.
    public let sourcePath: NodePath?
    public let parser: Parser
    public let whiteSpace: WhiteSpace
    /// A value used when the source yields none (already in the field's type, as text).
    public let defaultValue: String?
    /// Whether the format requires a value (a record without one is rejected, in either direction).
    public let isRequiredByFormat: Bool
    /// Where the rule is written.
    public let location: DocumentLocation
    /// Why the rule cannot be written back, or nil when it can.
    public internal(set) var irreversibleReason: String?

    /// Whether the rule reads nothing but attributes of the root element and constants, so it
    /// yields the same value for every record of a document. (Elements between the root and
    /// the records may repeat with other attributes, so rules reading them are not included.)
    public var readsOnlyRoot: Bool {
        func isRoot(_ path: NodePath) -> Bool { path.isAbsolute && path.elements.count == 1 }
        let sourceIsRoot =
            switch source {
            case .path(let path): isRoot(path)
            case .join(let paths, _): paths.allSatisfy(isRoot)
            case .first(let rules): rules.allSatisfy(\.readsOnlyRoot)
            case .constant: true
            case .xpath, .part, .present, .object: false
            }
        if case .datetime(_, let offset?) = parser { return sourceIsRoot && offset.readsOnlyRoot }
        return sourceIsRoot
    }

    init(
        source: Source, parser: Parser, whiteSpace: WhiteSpace, defaultValue: String?, isRequiredByFormat: Bool,
        location: DocumentLocation
    ) {
        self.source = source
        if case .path(let path) = source { sourcePath = path } else { sourcePath = nil }
        self.parser = parser
        self.whiteSpace = whiteSpace
        self.defaultValue = defaultValue
        self.isRequiredByFormat = isRequiredByFormat
        self.location = location
    }
}

/// How a format writes decimals.
public struct DecimalFormat: Sendable, Hashable {
    /// The decimal separator.
    public var point: Character = "."
    /// Characters that group thousands and are dropped.
    public var grouping: [Character] = []
    /// Whether `E` notation is accepted (`xs:double`).
    public var allowsExponent = false

    /// A format; by default ISO's: a point, no grouping, no exponent.
    public init(point: Character = ".", grouping: [Character] = [], allowsExponent: Bool = false) {
        self.point = point
        self.grouping = grouping
        self.allowsExponent = allowsExponent
    }

    /// Reads a decimal written in this format: grouping characters dropped, the point as given.
    /// - Returns: nil when the text is not such a decimal.
    public func parse(_ text: String) -> ExactDecimal? {
        // Most values carry no grouping character: only those are copied without them.
        let grouped = !grouping.isEmpty && text.contains { grouping.contains($0) }
        let stripped = grouped ? String(text.filter { !grouping.contains($0) }) : text
        return ExactDecimal(parsing: stripped[...], point: point, allowExponent: allowsExponent)
    }
}
