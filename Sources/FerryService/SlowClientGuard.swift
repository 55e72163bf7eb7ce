import NIOHTTPTypes
import NIOCore
import NIOTLS

/// Closes connections of clients too slow to be served: a request head that is not complete
/// within `header_timeout` of the connection's start or of the end of the previous answer
/// (half-sent headers, a connection left open without a request), and a TLS handshake not done
/// within `tls_handshake_timeout`.
///
/// Hummingbird's idle timeout does not see such clients: a byte now and then keeps a connection
/// from being idle.
///
/// It sits after HTTP decoding, where a request's head and an answer's end are seen; the
/// handshake ends with NIOSSL's `handshakeCompleted` event, which passes through it.
final class SlowClientGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let headerTimeout: TimeAmount
    private let handshakeTimeout: TimeAmount?
    private var headerDeadline: Scheduled<Void>?
    private var handshakeDeadline: Scheduled<Void>?

    /// - Parameter handshakeTimeout: nil when the connection is not TLS.
    init(headerTimeout: TimeAmount, handshakeTimeout: TimeAmount?) {
        self.headerTimeout = headerTimeout
        self.handshakeTimeout = handshakeTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        awaitHead(context: context)
        if let handshakeTimeout {
            handshakeDeadline = Self.closing(context, after: handshakeTimeout)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        headerDeadline?.cancel()
        handshakeDeadline?.cancel()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) {
            headerDeadline?.cancel()
            headerDeadline = nil
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // Answered: from here the client has the header timeout to send its next request.
        if case .end = unwrapOutboundIn(data) { awaitHead(context: context) }
        context.write(data, promise: promise)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted? = event as? TLSUserEvent {
            handshakeDeadline?.cancel()
            handshakeDeadline = nil
        }
        context.fireUserInboundEventTriggered(event)
    }

    private func awaitHead(context: ChannelHandlerContext) {
        headerDeadline?.cancel()
        headerDeadline = Self.closing(context, after: headerTimeout)
    }

    private static func closing(_ context: ChannelHandlerContext, after timeout: TimeAmount) -> Scheduled<Void> {
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        return context.eventLoop.scheduleTask(in: timeout) { loopBound.value.close(promise: nil) }
    }
}
