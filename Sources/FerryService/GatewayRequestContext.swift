public import Hummingbird
import NIOCore

/// The request context: Hummingbird's core context and the connection, whose client
/// certificate authenticates callers over mutual TLS.
public struct GatewayRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}
