/// Applies the markings of `canonical-model.md` for one destination: a record whose
/// classification is above the destination's clearance is blocked; a record that goes loses
/// every field (nested fields and list items' fields included) whose marking is above it.
///
/// Nothing a released record carries is computed from what it does not hold: a record with
/// fields removed gets an `id` recomputed over the data it keeps and no trace of the original
/// (the gateway's store keeps that link, never the destination). Decisions name the fields
/// removed (as JSON pointers into the original data), never their values.
///
/// The decision fails closed: a record whose type has no schema here is blocked, and so is a
/// record whose `subject` (its key) or `classification` (raised by a marking rule) would tell
/// the destination something about a field above its clearance.
public struct RecordRelease: Sendable {
    private let schemas: [String: Schema]

    /// Creates a release policy over the schemas of the record types it may release.
    public init(schemas: [Schema]) {
        self.schemas = Dictionary(schemas.map { ($0.recordType, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// What happens to a record at one destination.
    public enum Decision: Sendable {
        /// The record goes, as `record`, without the fields listed.
        case released(record: CanonicalRecord, removedFields: [String])
        /// The record does not go.
        case blocked(reason: String)
    }

    /// Decides for one record and one destination clearance.
    public func decide(_ record: CanonicalRecord, clearance: Marking) -> Decision {
        switch evaluate(record, clearance: clearance) {
        case .failure(let reason): return .blocked(reason: reason.text)
        case .success(let (data, removed)):
            guard !removed.isEmpty else { return .released(record: record, removedFields: []) }
            let released = CanonicalRecord(
                type: record.type, source: record.source, subject: record.subject,
                dataschema: record.dataschema, time: record.time,
                classification: record.classification, data: data)
            return .released(record: released, removedFields: removed)
        }
    }

    /// Why a record does not go.
    private struct BlockReason: Error {
        let text: String
    }

    private func evaluate(_ record: CanonicalRecord, clearance: Marking) -> Result<
        (data: JSONObject, removed: [String]), BlockReason
    > {
        guard let schema = schemas[record.type] else {
            return .failure(BlockReason(text: "no schema for record type \(record.type): release cannot be decided"))
        }
        guard record.classification <= clearance else {
            return .failure(
                BlockReason(
                    text:
                        "record classification \(record.classification.rawValue) is above clearance \(clearance.rawValue)"
                ))
        }
        if let key = schema.root.field(named: schema.keyField), key.marking > clearance {
            return .failure(
                BlockReason(
                    text:
                        "the key field \(schema.keyField) is \(key.marking.rawValue), above clearance \(clearance.rawValue): "
                        + "the subject would reveal it"))
        }
        // Whether a marking rule fired shows in the classification, or in the record being
        // blocked: a rule that tests a field above the clearance would reveal that field.
        for rule in schema.markingRules {
            if let condition = rule.conditions.first(where: {
                (schema.root.field(named: $0.field)?.marking ?? .secret) > clearance
            }) {
                return .failure(
                    BlockReason(
                        text:
                            "the marking rule \"\(rule.description)\" tests \(condition.field), above clearance \(clearance.rawValue): "
                            + "the classification would reveal it"))
            }
        }
        var removed: [String] = []
        let data = strip(record.data, type: schema.root, clearance: clearance, pointer: "/data", removed: &removed)
        return .success((data, removed))
    }

    private func strip(
        _ object: JSONObject, type: ObjectType, clearance: Marking, pointer: String, removed: inout [String]
    ) -> JSONObject {
        var result = JSONObject()
        for member in object.members {
            let path = "\(pointer)/\(pointerToken(member.key))"
            guard let field = type.field(named: member.key) else {
                // Not in the schema: nothing says it may go.
                removed.append(path)
                continue
            }
            guard field.marking <= clearance else {
                removed.append(path)
                continue
            }
            guard case .object(let nestedType) = field.type else {
                result.appendNew(member.key, member.value)
                continue
            }
            if field.isList, case .array(let items) = member.value {
                var kept: [JSONValue] = []
                for (index, item) in items.enumerated() {
                    guard case .object(let itemObject) = item else { continue }
                    let stripped = strip(
                        itemObject, type: nestedType, clearance: clearance, pointer: "\(path)/\(index)",
                        removed: &removed)
                    if !stripped.isEmpty { kept.append(.object(stripped)) }
                }
                if !kept.isEmpty { result.appendNew(member.key, .array(kept)) }
            } else if case .object(let nested) = member.value {
                let stripped = strip(nested, type: nestedType, clearance: clearance, pointer: path, removed: &removed)
                // An object whose fields are all absent is itself absent.
                if !stripped.isEmpty { result.appendNew(member.key, .object(stripped)) }
            }
        }
        return result
    }
}
