import FerryGateway
import HTTPTypes
public import Hummingbird
import NIOCore

/// The request context: Hummingbird's core context and the connection, whose client
/// certificate authenticates callers over mutual TLS.
public struct GatewayRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    let channel: any Channel
    /// The caller ``AuthenticationMiddleware`` authenticated, for the endpoints behind it.
    var caller: GatewayConfiguration.System?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    /// The authenticated caller of an endpoint behind ``AuthenticationMiddleware``.
    /// - Throws: a 500 when the endpoint was registered without it (a bug, never the client's doing).
    func authenticatedCaller() throws -> GatewayConfiguration.System {
        guard let caller else { throw HTTPError(.internalServerError) }
        return caller
    }
}
