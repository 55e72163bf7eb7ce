public import FerryCore

/// Chooses the destinations of a record by the configuration's routes: record type, sender
/// and field values.
///
/// A record may go to several destinations; one that matches no route is unrouted (recorded as
/// such, never dropped silently).
public struct RecordRouter: Sendable {
    private let routes: [GatewayConfiguration.Route]

    /// Creates a router over a configuration's routes.
    public init(configuration: GatewayConfiguration) { routes = configuration.routes }

    /// The destinations a record from `sender` goes to, each once, in route order.
    public func destinations(of record: CanonicalRecord, from sender: String) -> [String] {
        var result: [String] = []
        for route in routes where route.recordType == record.type && (route.sender == nil || route.sender == sender) {
            let matches = route.conditions.allSatisfy { condition in
                switch record.data[condition.field] {
                case .string(let s)?: s == condition.value
                case .bool(let b)?: (b ? "true" : "false") == condition.value
                case .number(let n)?: n.text == condition.value || n.canonicalText == condition.value
                default: false
                }
            }
            if matches && !result.contains(route.destination) { result.append(route.destination) }
        }
        return result
    }
}
