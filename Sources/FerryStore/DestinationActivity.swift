/// When a destination last took a delivery and last failed one: what an operator asks first of a
/// destination that seems quiet.
public struct DestinationActivity: Sendable, Equatable {
    /// When the last delivery to the destination finished, in seconds since the reference date.
    public var lastDelivery: Double?

    /// When the last attempt to deliver to it failed, in seconds since the reference date.
    public var lastFailure: Double?

    /// What the last failed attempt said.
    public var lastError: String?

    /// Activity with the given times, nil where the destination has none yet.
    public init(lastDelivery: Double? = nil, lastFailure: Double? = nil, lastError: String? = nil) {
        self.lastDelivery = lastDelivery
        self.lastFailure = lastFailure
        self.lastError = lastError
    }
}
