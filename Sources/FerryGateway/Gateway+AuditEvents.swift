import Crypto
import FerryCore
import FerryStore
public import Foundation

/// The audit entries of the gateway's decisions: routing, release, and the configuration it runs with.
extension Gateway {
    /// Where a document's records were routed: one `routed` event per destination naming its
    /// records, and one `unrouted` event naming the records no route matched.
    static func routingEvents(_ decisions: [Dispatcher.Decision], unrouted: [String], document: String) -> [AuditEvent]
    {
        var routed: [(destination: String, records: [String])] = []
        for decision in decisions {
            if let index = routed.firstIndex(where: { $0.destination == decision.destination }) {
                routed[index].records.append(decision.recordID)
            } else {
                routed.append((decision.destination, [decision.recordID]))
            }
        }
        var events = routed.map { route in
            AuditEvent(
                "routed",
                JSONObject([
                    ("document", .string(document)), ("destination", .string(route.destination)),
                    ("records", .array(route.records.map(JSONValue.string))),
                ]))
        }
        if !unrouted.isEmpty {
            events.append(
                AuditEvent(
                    "unrouted",
                    JSONObject([
                        ("document", .string(document)),
                        ("records", .array(unrouted.map(JSONValue.string))),
                    ])))
        }
        return events
    }

    /// Release decisions as audit events: one per destination and outcome, naming the records
    /// and the fields removed (never their values).
    static func decisionEvents(_ decisions: [Dispatcher.Decision], context: (String, JSONValue)) -> [AuditEvent] {
        var groups: [(kind: String, destination: String, detail: JSONValue, records: [String])] = []
        for decision in decisions {
            let (kind, detail): (String, JSONValue) =
                switch decision.outcome {
                case .released(let removed, _): ("released", .array(removed.map(JSONValue.string)))
                case .blocked(let reason): ("blocked", .string(reason))
                case .notWritable(let reason):
                    ("blocked", .string("the destination's format cannot hold it: \(reason)"))
                case .held(let reason): ("held", .string(reason))
                }
            if let index = groups.firstIndex(where: {
                $0.kind == kind && $0.destination == decision.destination && $0.detail == detail
            }) {
                groups[index].records.append(decision.recordID)
            } else {
                groups.append((kind, decision.destination, detail, [decision.recordID]))
            }
        }
        return groups.map { group in
            AuditEvent(
                group.kind,
                JSONObject([
                    context, ("destination", .string(group.destination)),
                    (group.kind == "released" ? "removed_fields" : "reason", group.detail),
                    ("records", .array(group.records.map(JSONValue.string))),
                ]))
        }
    }

    /// Audits the configuration the gateway runs with: its file, hash and size.
    public func recordConfigurationLoaded(file: String, bytes: [UInt8], now: Date = Date()) async throws {
        try await store.append(
            kind: "configuration-loaded", time: Self.timestamp(now),
            details: JSONObject([
                ("file", .string(file)), ("sha256", .string(SHA256.hash(data: bytes).hexadecimal)),
                ("systems", .integer(configuration.systems.count)), ("routes", .integer(configuration.routes.count)),
            ]))
    }
}
