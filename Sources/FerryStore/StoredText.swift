public import FerryCore

/// The text forms in which store drivers keep structured columns (JSON), shared so that every
/// driver writes and reads the same bytes.
public enum StoredText {
    /// A JSON value as compact text.
    public static func json(_ value: JSONValue) -> String {
        String(decoding: JSONWriter().bytes(value), as: UTF8.self)
    }

    /// A delivery job's record ids as a JSON array.
    public static func recordIDs(_ ids: [String]) -> String {
        json(.array(ids.map(JSONValue.string)))
    }

    /// Record ids read back from their JSON array (nothing from text that is not one).
    public static func recordIDs(from text: String) -> [String] {
        (try? JSONParser.parseDocument(Array(text.utf8)))?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    /// A record's routing decisions as a JSON array of objects.
    public static func routing(_ routing: [InboundDocument.Routing]) -> String {
        json(
            .array(
                routing.map { decision in
                    var object = JSONObject([
                        ("destination", .string(decision.destination)), ("released", .bool(decision.released)),
                    ])
                    if !decision.removedFields.isEmpty {
                        object["removed_fields"] = .array(decision.removedFields.map(JSONValue.string))
                    }
                    if let reason = decision.blockedReason { object["blocked"] = .string(reason) }
                    if let releasedID = decision.releasedID { object["released_id"] = .string(releasedID) }
                    return .object(object)
                }))
    }

    /// Routing decisions read back from their JSON array.
    public static func routing(from text: String) -> [InboundDocument.Routing] {
        let values = (try? JSONParser.parseDocument(Array(text.utf8)))?.arrayValue ?? []
        return values.compactMap { value in
            guard let object = value.objectValue, let destination = object["destination"]?.stringValue else {
                return nil
            }
            return InboundDocument.Routing(
                destination: destination, released: object["released"] == .bool(true),
                removedFields: object["removed_fields"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                blockedReason: object["blocked"]?.stringValue,
                releasedID: object["released_id"]?.stringValue)
        }
    }

    /// Audit details read back; details that are not a JSON object read as empty, which
    /// verification then reports as an altered entry.
    public static func auditDetails(from text: String) -> JSONObject {
        (try? JSONParser.parseDocument(Array(text.utf8)))?.objectValue ?? JSONObject()
    }
}
