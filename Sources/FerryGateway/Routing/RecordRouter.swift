public import FerryCore

/// Chooses the destinations of a record by the configuration's routes: record type, sender
/// and field values.
///
/// A record may go to several destinations; one that matches no route is unrouted (recorded as
/// such, never dropped silently).
public struct RecordRouter: Sendable {
    private let routes: [GatewayConfiguration.Route]
    /// Destinations whose routes require review unless a route says otherwise.
    private let reviewedDestinations: Set<String>

    /// Creates a router over a configuration's routes.
    public init(configuration: GatewayConfiguration) {
        routes = configuration.routes
        reviewedDestinations = Set(configuration.systems.filter(\.requiresReview).map(\.id))
    }

    /// The destinations a record from `sender` goes to, each once, in route order.
    public func destinations(of record: CanonicalRecord, from sender: String) -> [String] {
        var result: [String] = []
        for route in matchingRoutes(record, from: sender) where !result.contains(route.destination) {
            result.append(route.destination)
        }
        return result
    }

    /// Whether a record from `sender` needs two reviewers' approval before it goes to `destination`.
    ///
    /// It does when any route that takes it there requires review (a route's `review` wins over
    /// its destination's default). Fail closed: one route that asks is enough.
    public func requiresReview(_ record: CanonicalRecord, from sender: String, to destination: String) -> Bool {
        matchingRoutes(record, from: sender).contains { route in
            route.destination == destination && (route.requiresReview ?? reviewedDestinations.contains(destination))
        }
    }

    private func matchingRoutes(_ record: CanonicalRecord, from sender: String) -> [GatewayConfiguration.Route] {
        routes.filter { route in
            route.recordType == record.type && (route.sender == nil || route.sender == sender)
                && route.conditions.allSatisfy { condition in
                    switch record.data[condition.field] {
                    case .string(let s)?: s == condition.value
                    case .bool(let b)?: (b ? "true" : "false") == condition.value
                    case .number(let n)?: n.text == condition.value || n.canonicalText == condition.value
                    default: false
                    }
                }
        }
    }
}
