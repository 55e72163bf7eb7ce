public import FerryCore

/// An audit event before it is chained: what happened and its particulars (never field values).
public struct AuditEvent: Sendable {
    public var kind: String
    public var details: JSONObject

    /// Creates an event.
    public init(_ kind: String, _ details: JSONObject) {
        self.kind = kind
        self.details = details
    }
}
