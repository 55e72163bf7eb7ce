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
