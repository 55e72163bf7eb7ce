/// Classifies every change between two versions of a record schema as compatible or breaking.
///
/// A change is breaking when a record valid under the old version can be invalid under the new
/// one, or when the new version releases a field to more destinations (a lowered marking).
/// A raised marking is compatible, but flagged: destinations will stop receiving the field.
public enum SchemaDiff {
    /// One change.
    public struct Change: Sendable, Hashable, CustomStringConvertible {
        /// How a change affects producers and consumers of records.
        public enum Kind: String, Sendable, Hashable {
            case compatible
            /// Compatible, but worth a reviewer's eye (a raised marking).
            case flagged
            case breaking
        }

        public let kind: Kind
        /// The field, as a dotted path from the record (`address.postal_code`), or `record`.
        public let path: String
        /// What changed.
        public let summary: String

        init(kind: Kind, path: String, description summary: String) {
            self.kind = kind
            self.path = path
            self.summary = summary
        }

        /// `kind: path: summary`.
        public var description: String { "\(kind.rawValue): \(path): \(summary)" }
    }

    /// Every change from `old` to `new`, in schema order.
    public static func compare(_ old: Schema, _ new: Schema) -> [Change] {
        var changes: [Change] = []
        if old.recordType != new.recordType {
            changes.append(
                Change(
                    kind: .breaking, path: "record",
                    description: "record type \(old.recordType) became \(new.recordType)"))
        }
        if old.keyField != new.keyField {
            changes.append(
                Change(kind: .breaking, path: "record", description: "key field \(old.keyField) became \(new.keyField)")
            )
        }
        compareMarking(old.defaultMarking, new.defaultMarking, path: "record", what: "record marking", into: &changes)
        compareObjects(old.root, new.root, prefix: "", into: &changes)
        let oldRules = Set(old.rules.map(ruleText))
        let newRules = Set(new.rules.map(ruleText))
        for rule in new.rules.map(ruleText) where !oldRules.contains(rule) {
            changes.append(Change(kind: .breaking, path: "record", description: "new rule: \(rule)"))
        }
        for rule in old.rules.map(ruleText) where !newRules.contains(rule) {
            changes.append(Change(kind: .compatible, path: "record", description: "rule removed: \(rule)"))
        }
        let oldRaising = Set(old.markingRules.map(markingRuleText))
        let newRaising = Set(new.markingRules.map(markingRuleText))
        for rule in new.markingRules.map(markingRuleText) where !oldRaising.contains(rule) {
            changes.append(Change(kind: .flagged, path: "record", description: "new marking rule: \(rule)"))
        }
        for rule in old.markingRules.map(markingRuleText) where !newRaising.contains(rule) {
            changes.append(
                Change(kind: .breaking, path: "record", description: "marking rule removed (releases more): \(rule)"))
        }
        return changes
    }

    private static func compareObjects(
        _ old: ObjectType, _ new: ObjectType, prefix: String, into changes: inout [Change]
    ) {
        for field in old.fields where new.field(named: field.name) == nil {
            changes.append(Change(kind: .breaking, path: prefix + field.name, description: "field removed"))
        }
        for field in new.fields {
            let path = prefix + field.name
            guard let before = old.field(named: field.name) else {
                changes.append(
                    Change(
                        kind: field.isRequired ? .breaking : .compatible, path: path,
                        description: field.isRequired ? "new required field" : "new optional field"))
                continue
            }
            compareField(before, field, path: path, into: &changes)
        }
    }

    private static func compareField(
        _ old: FieldDefinition, _ new: FieldDefinition, path: String, into changes: inout [Change]
    ) {
        func add(_ kind: Change.Kind, _ text: String) {
            changes.append(Change(kind: kind, path: path, description: text))
        }
        switch (old.type, new.type) {
        case (.object(let a), .object(let b)):
            compareObjects(a, b, prefix: path + ".", into: &changes)
        case (.enumeration(let a), .enumeration(let b)):
            for code in a.codes where !b.codes.contains(code) { add(.breaking, "enum code \(code) removed") }
            for code in b.codes where !a.codes.contains(code) { add(.compatible, "enum code \(code) added") }
        case (.integer, .decimal):
            add(.compatible, "type widened from integer to decimal")
        default:
            if old.type.name != new.type.name {
                add(.breaking, "type changed from \(old.type.name) to \(new.type.name)")
            }
        }
        if old.isRequired != new.isRequired {
            add(new.isRequired ? .breaking : .compatible, new.isRequired ? "became required" : "became optional")
        }
        if old.isList != new.isList { add(.breaking, new.isList ? "became a list" : "is no longer a list") }
        if old.pattern != new.pattern {
            switch (old.pattern, new.pattern) {
            case (nil, let p?): add(.breaking, "pattern \(p) added")
            case (_?, nil): add(.compatible, "pattern removed")
            default: add(.breaking, "pattern tightened or changed to \(new.pattern ?? "")")
            }
        }
        compareBound(old.minLength, new.minLength, "minimum length", isLower: true, path: path, into: &changes)
        compareBound(old.maxLength, new.maxLength, "maximum length", isLower: false, path: path, into: &changes)
        compareBound(old.minItems, new.minItems, "minimum items", isLower: true, path: path, into: &changes)
        compareBound(old.maxItems, new.maxItems, "maximum items", isLower: false, path: path, into: &changes)
        compareBound(
            old.maxFractionDigits, new.maxFractionDigits, "fraction digits", isLower: false, path: path,
            into: &changes)
        if old.minimum != new.minimum || old.minimumIsExclusive != new.minimumIsExclusive {
            let tighter = tighterMinimum(old, new)
            add(
                tighter ? .breaking : .compatible,
                "minimum \(bound(old.minimum, old.minimumIsExclusive)) became \(bound(new.minimum, new.minimumIsExclusive))"
            )
        }
        if old.maximum != new.maximum {
            let tighter = new.maximum.map { n in old.maximum.map { ExactDecimal.compare(n, $0) < 0 } ?? true } ?? false
            add(
                tighter ? .breaking : .compatible,
                "maximum \(old.maximum?.text ?? "none") became \(new.maximum?.text ?? "none")")
        }
        if old.notBefore != new.notBefore {
            add(
                new.notBefore == nil ? .compatible : .breaking,
                "comparison with \(new.notBefore ?? old.notBefore ?? "") "
                    + (new.notBefore == nil ? "removed" : "added"))
        }
        compareMarking(old.marking, new.marking, path: path, what: "marking", into: &changes)
    }

    private static func compareMarking(
        _ old: Marking, _ new: Marking, path: String, what: String, into changes: inout [Change]
    ) {
        if new < old {
            changes.append(
                Change(
                    kind: .breaking, path: path,
                    description: "\(what) lowered from \(old.rawValue) to \(new.rawValue): releases more"))
        } else if new > old {
            changes.append(
                Change(
                    kind: .flagged, path: path,
                    description: "\(what) raised from \(old.rawValue) to \(new.rawValue): fewer destinations receive it"
                ))
        }
    }

    /// A raised lower bound, or a lowered or new upper bound, is breaking; the reverse is compatible.
    private static func compareBound(
        _ old: Int?, _ new: Int?, _ what: String, isLower: Bool, path: String, into changes: inout [Change]
    ) {
        guard old != new else { return }
        let tighter = isLower ? (new ?? 0) > (old ?? 0) : new.map { n in old.map { n < $0 } ?? true } ?? false
        changes.append(
            Change(
                kind: tighter ? .breaking : .compatible, path: path,
                description: "\(what) \(old.map(String.init) ?? "none") became \(new.map(String.init) ?? "none")"))
    }

    private static func tighterMinimum(_ old: FieldDefinition, _ new: FieldDefinition) -> Bool {
        guard let n = new.minimum else { return false }
        guard let o = old.minimum else { return true }
        let order = ExactDecimal.compare(n, o)
        return order > 0 || (order == 0 && new.minimumIsExclusive && !old.minimumIsExclusive)
    }

    private static func bound(_ value: ExactDecimal?, _ exclusive: Bool) -> String {
        value.map { (exclusive ? ">" : "≥") + " " + $0.text } ?? "none"
    }

    private static func conditionText(_ condition: SlotCondition) -> String {
        switch condition.test {
        case .present: "\(condition.field) present"
        case .absent: "\(condition.field) absent"
        case .equalsString(let s): "\(condition.field) = \(s)"
        case .equalsNumber(let n): "\(condition.field) = \(n.canonicalText)"
        }
    }

    private static func ruleText(_ rule: ConditionalRule) -> String {
        "if \(rule.preconditions.map(conditionText).joined(separator: " and ")) then "
            + rule.postconditions.map(conditionText).joined(separator: " and ")
    }

    private static func markingRuleText(_ rule: MarkingRule) -> String {
        "if \(rule.conditions.map(conditionText).joined(separator: " and ")) then \(rule.marking.rawValue)"
    }
}
