import FerryCore
public import FerryStore
public import HTTPTypes
public import Hummingbird

/// A store that cannot take or give data now (PostgreSQL down, a full disk) answers 503 with a
/// JSON error and `Retry-After`, on every endpoint: nothing was committed, the client may retry.
extension StoreError: HTTPResponseError {
    public var status: HTTPResponse.Status { .serviceUnavailable }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        GatewayService.json(
            status, JSONObject([("error", .string(publicMessage)), ("code", .string(code.rawValue))]),
            headers: [.retryAfter: "5"])
    }

    /// What a client is told: a fixed text per kind.
    ///
    /// The database's own message (file paths, SQL, server names) is for the log, never for a
    /// response.
    var publicMessage: String {
        switch code {
        case .idempotencyConflict: message
        case .full: "the store is full: nothing was written; retry once space is freed"
        case .unavailable: "the store is unavailable: nothing was written; retry later"
        }
    }
}

/// An operator's action the queue cannot do: on a job in another state (a retry of a job that is
/// not dead-lettered) 409, on a missing checkpoint 404, with a JSON error.
extension QueueError: HTTPResponseError {
    public var status: HTTPResponse.Status {
        switch code {
        case .noJob, .noCheckpoint: .notFound
        case .wrongState: .conflict
        }
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        GatewayService.json(status, JSONObject([("error", .string(message)), ("code", .string(code.rawValue))]))
    }
}
