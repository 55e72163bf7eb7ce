import FerryCore
public import FerryGateway
import FerryStore
import HTTPTypes
public import Hummingbird
import HummingbirdCore
import HummingbirdTLS
public import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle
import UnixSignals

/// The gateway's HTTP interface (Hummingbird 2): inbound documents from authenticated senders,
/// document status, public keys, health, readiness, metrics, the OpenAPI document and the
/// operators' dead-letter endpoints.
///
/// It only composes ``Gateway``; the rules live there.
public struct GatewayService: Sendable {
    public let gateway: Gateway
    let limiter: RateLimiter
    /// Requests without valid credentials, per client address.
    let anonymousLimiter = RateLimiter()
    let refusals = RefusalTally()
    let readinessProbe = ReadinessProbe()
    let metricsText: @Sendable () -> [UInt8]
    let logger: Logger

    /// Creates the service.
    /// - Parameter metricsText: the Prometheus exposition of the process's metrics.
    public init(gateway: Gateway, logger: Logger, metricsText: @escaping @Sendable () -> [UInt8]) {
        self.gateway = gateway
        limiter = RateLimiter()
        self.metricsText = metricsText
        self.logger = logger
    }

    /// One operation of the API, as the router registers it and `openapi.yaml` documents it.
    public struct Endpoint: Sendable {
        public let method: HTTPRequest.Method
        /// The path, with `{name}` parameters as in OpenAPI.
        public let path: String
        /// Every status the handler answers with.
        public let statuses: [Int]
        /// Whether the caller is authenticated first (``AuthenticationMiddleware``).
        let authenticates: Bool
        let handler: @Sendable (Request, GatewayRequestContext) async throws -> Response
    }

    /// Every operation, in the order of `openapi.yaml`.
    public var endpoints: [Endpoint] {
        [
            Endpoint(
                method: .post, path: "/v1/documents", statuses: [202, 401, 403, 413, 415, 422, 429, 503],
                authenticates: true,
                handler: postDocument),
            Endpoint(
                method: .get, path: "/v1/documents", statuses: [200, 400, 401, 403], authenticates: true,
                handler: listDocuments),
            Endpoint(
                method: .get, path: "/v1/documents/{id}", statuses: [200, 400, 401, 404], authenticates: true,
                handler: getDocument),
            Endpoint(
                method: .get, path: "/v1/keys", statuses: [200], authenticates: false, handler: { _, _ in try keys() }),
            Endpoint(
                method: .get, path: "/v1/dead-letters", statuses: [200, 401, 403], authenticates: true,
                handler: listDeadLetters),
            Endpoint(
                method: .post, path: "/v1/dead-letters/{id}/retry", statuses: [204, 401, 403, 404, 409],
                authenticates: true,
                handler: retryDeadLetter),
            Endpoint(
                method: .delete, path: "/v1/dead-letters/{id}", statuses: [204, 401, 403, 404, 409],
                authenticates: true,
                handler: purgeDeadLetter
            ),
            Endpoint(
                method: .get, path: "/v1/held", statuses: [200, 401, 403], authenticates: true, handler: listHeld),
            Endpoint(
                method: .get, path: "/v1/audit", statuses: [200, 400, 401, 403], authenticates: true,
                handler: listAudit),
            Endpoint(
                method: .get, path: "/v1/reviews", statuses: [200, 400, 401, 403], authenticates: true,
                handler: listReviews),
            Endpoint(
                method: .get, path: "/v1/reviews/{id}", statuses: [200, 401, 403, 404], authenticates: true,
                handler: getReview),
            Endpoint(
                method: .post, path: "/v1/reviews/{id}/approve", statuses: [200, 400, 401, 403, 404, 409],
                authenticates: true, handler: approveReview),
            Endpoint(
                method: .post, path: "/v1/reviews/{id}/reject", statuses: [200, 400, 401, 403, 404, 409],
                authenticates: true, handler: rejectReview),
            Endpoint(
                method: .post, path: "/v1/held/{id}/redecide", statuses: [204, 401, 403, 404, 409],
                authenticates: true, handler: redecideHeld),
            Endpoint(
                method: .get, path: "/healthz", statuses: [200], authenticates: false,
                handler: { _, _ in Self.json(.ok, JSONObject([("status", .string("ok"))])) }),
            Endpoint(
                method: .get, path: "/readyz", statuses: [200, 503], authenticates: false,
                handler: { _, _ in await readiness() }),
            Endpoint(method: .get, path: "/metrics", statuses: [200, 401, 403], authenticates: true, handler: metrics),
            Endpoint(
                method: .get, path: "/openapi.yaml", statuses: [200], authenticates: false,
                handler: { _, _ in
                    Response(
                        status: .ok, headers: [.contentType: "application/yaml"],
                        body: ResponseBody(byteBuffer: ByteBuffer(string: Self.openAPIDocument)))
                }),
        ]
    }

    /// The router with every endpoint and request metrics.
    public func router() -> Router<GatewayRequestContext> {
        let router = Router(context: GatewayRequestContext.self)
        router.add(middleware: MetricsMiddleware())
        let authenticated = router.group().add(middleware: AuthenticationMiddleware(service: self))
        for endpoint in endpoints {
            if endpoint.authenticates {
                authenticated.on(RouterPath(endpoint.path), method: endpoint.method, use: endpoint.handler)
            } else {
                router.on(RouterPath(endpoint.path), method: endpoint.method, use: endpoint.handler)
            }
        }
        addConsoleRoutes(to: router)
        return router
    }

    /// Serves until SIGTERM or SIGINT, with the background work beside the HTTP server; then
    /// shuts down gracefully (the server stops accepting, in-flight requests and deliveries finish).
    ///
    /// One service group runs the store's upkeep (``GatewayStore/maintain()``: PostgreSQL's
    /// connection pool, SQLite's log copying) and, once the store is prepared and `beforeServing`
    /// has run, the application: the HTTP server and the background work. The upkeep is the
    /// first service, so it stops last: deliveries, the last checkpoint and the last refusal tally
    /// still reach the store.
    /// - Parameters:
    ///   - beforeServing: work on the prepared store before the first request and delivery.
    ///   - onListening: called with the bound port once the server listens.
    /// - Throws: ``StoreError`` when the store cannot be prepared; what `beforeServing` throws.
    public func run(
        host: String, port: Int, beforeServing: @escaping @Sendable () async throws -> Void,
        onListening: @escaping @Sendable (Int) -> Void
    ) async throws {
        let limits = gateway.configuration.server
        let isTLS = gateway.configuration.tls != nil
        let http = HTTP1Channel.Configuration(
            additionalChannelHandlers: [
                SlowClientGuard(
                    headerTimeout: .seconds(limits.headerTimeout),
                    handshakeTimeout: isTLS ? .seconds(limits.tlsHandshakeTimeout) : nil)
            ],
            idleTimeout: .seconds(limits.idleTimeout))
        let server: HTTPServerBuilder =
            if let tls = gateway.configuration.tls {
                try .tls(.http1(configuration: http), tlsConfiguration: try Self.tlsConfiguration(tls))
            } else {
                .http1(configuration: http)
            }
        let app = Application(
            router: router(),
            server: server,
            configuration: ApplicationConfiguration(
                address: .hostname(host, port: port), serverName: "ferry",
                availableConnectionsDelegate: MaximumAvailableConnections(limits.maximumConnections)),
            services: [
                BackgroundWork(gateway: gateway, logger: logger),
                RefusalAuditing(tally: refusals, store: gateway.store, logger: logger),
            ],
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? port) },
            logger: logger)
        let store = gateway.store
        let serving = PreparedService(app) {
            try await store.prepare()
            try await beforeServing()
        }
        // Services stop in reverse order: the store's upkeep goes on until the application,
        // with its deliveries, last checkpoint and last refusal tally, has stopped.
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [
                    .init(service: StoreMaintenance(store: store)),
                    .init(
                        service: serving, successTerminationBehavior: .gracefullyShutdownGroup,
                        failureTerminationBehavior: .gracefullyShutdownGroup),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    /// The server's TLS: its chain and key and, with a client CA, optional client certificates
    /// (a client without one authenticates with a token; one with a certificate must present a
    /// certificate the CA signed).
    static func tlsConfiguration(_ tls: GatewayConfiguration.TLSSettings) throws -> TLSConfiguration {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(tls.certificate).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: tls.key, format: .pem)))
        configuration.minimumTLSVersion = .tlsv12
        if let clientCA = tls.clientCA {
            configuration.certificateVerification = .optionalVerification
            configuration.trustRoots = .file(clientCA)
        }
        return configuration
    }

    /// A listing's page from its query: a start (`offset`, or the name given) from 0 and a
    /// `limit` from 1, capped at `maximum`; or the 400 answer to a bad one.
    enum PageQuery {
        case page(start: Int, limit: Int)
        case refused(Response)

        init(
            _ request: Request, start name: String = "offset", defaultStart: Int = 0, defaultLimit: Int = 100,
            maximum: Int = 1000
        ) {
            var values = [name: defaultStart, "limit": defaultLimit]
            for (key, minimum) in [(name, 0), ("limit", 1)] {
                guard let text = request.uri.queryParameters[Substring(key)] else { continue }
                guard let value = Int(text), value >= minimum else {
                    self = .refused(
                        GatewayService.json(
                            .badRequest, JSONObject([("error", .string("\(key) is a whole number from \(minimum)"))])))
                    return
                }
                values[key] = value
            }
            self = .page(start: values[name] ?? defaultStart, limit: min(maximum, values["limit"] ?? defaultLimit))
        }
    }

    static func json(_ status: HTTPResponse.Status, _ object: JSONObject, headers: HTTPFields = [:]) -> Response {
        var bytes = JSONWriter().bytes(.object(object))
        bytes.append(0x0A)
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

extension TimeAmount {
    /// A duration in seconds, to the millisecond.
    fileprivate static func seconds(_ seconds: Double) -> TimeAmount {
        .milliseconds(Int64((seconds * 1000).rounded()))
    }
}
