/// Applies the markings of `canonical-model.md` for one destination: a record whose
/// classification is above the destination's clearance is blocked; a record that goes loses
/// every field (nested fields and list items' fields included) whose marking is above it.
///
/// A released record with fields removed gets an `id` recomputed over the data it holds and
/// keeps the original id in the extension member `ferryoriginid`. Decisions name the fields
/// removed (as JSON pointers into the original data), never their values. The decision fails
/// closed: a record whose type has no schema here is blocked.
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
            var released = CanonicalRecord(type: record.type, source: record.source, subject: record.subject,
                                           dataschema: record.dataschema, time: record.time,
                                           classification: record.classification, data: data)
            released.extensions = record.extensions.filter { $0.key != "ferryoriginid" }
                + [JSONObject.Member(key: "ferryoriginid", value: .string(originalID(of: record)))]
            return .released(record: released, removedFields: removed)
        }
    }

    /// The same decision without building the released record (no new id is computed): the
    /// fields that would be removed, or why the record is blocked.
    public func removedFields(of record: CanonicalRecord, clearance: Marking) -> Result<[String], BlockReason> {
        evaluate(record, clearance: clearance).map(\.removed)
    }

    /// Why a record does not go.
    public struct BlockReason: Error, Sendable {
        public let text: String
    }

    private func evaluate(_ record: CanonicalRecord, clearance: Marking) -> Result<(data: JSONObject, removed: [String]), BlockReason> {
        guard let schema = schemas[record.type] else {
            return .failure(BlockReason(text: "no schema for record type \(record.type): release cannot be decided"))
        }
        guard record.classification <= clearance else {
            return .failure(BlockReason(
                text: "record classification \(record.classification.rawValue) is above clearance \(clearance.rawValue)"))
        }
        var removed: [String] = []
        let data = strip(record.data, type: schema.root, clearance: clearance, pointer: "/data", removed: &removed)
        return .success((data, removed))
    }

    /// The first id a record had: its own, or the one it carried when released before.
    private func originalID(of record: CanonicalRecord) -> String {
        record.extensions.first { $0.key == "ferryoriginid" }?.value.stringValue ?? record.id
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
                    let stripped = strip(itemObject, type: nestedType, clearance: clearance, pointer: "\(path)/\(index)",
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
