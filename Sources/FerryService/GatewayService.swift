import FerryCore
public import FerryGateway
import FerryStore
import Foundation
public import Hummingbird
public import Logging
import Metrics
import UnixSignals
import Crypto
import HTTPTypes
import HummingbirdCore
import HummingbirdTLS
import NIOCore
import NIOSSL

/// The gateway's HTTP interface (Hummingbird 2): inbound documents from authenticated senders,
/// document status, public keys, health, readiness, metrics, the OpenAPI document and the
/// operators' dead-letter endpoints.
///
/// It only composes ``Gateway``; the rules live there.
public struct GatewayService: Sendable {
    public let gateway: Gateway
    private let limiter: RateLimiter
    /// Requests without valid credentials, per client address.
    private let anonymousLimiter = RateLimiter()
    private let refusals = RefusalTally()
    private let readinessProbe = ReadinessProbe()
    private let metricsText: @Sendable () -> [UInt8]
    private let logger: Logger

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
        let handler: @Sendable (Request, GatewayRequestContext) async throws -> Response
    }

    /// Every operation, in the order of `openapi.yaml`.
    public var endpoints: [Endpoint] {
        [
            Endpoint(
                method: .post, path: "/v1/documents", statuses: [202, 401, 403, 413, 415, 422, 429, 503],
                handler: postDocument),
            Endpoint(method: .get, path: "/v1/documents/{id}", statuses: [200, 400, 401, 404], handler: getDocument),
            Endpoint(method: .get, path: "/v1/keys", statuses: [200], handler: { _, _ in try keys() }),
            Endpoint(method: .get, path: "/v1/dead-letters", statuses: [200, 401, 403], handler: listDeadLetters),
            Endpoint(
                method: .post, path: "/v1/dead-letters/{id}/retry", statuses: [204, 401, 403, 404, 409],
                handler: retryDeadLetter),
            Endpoint(
                method: .delete, path: "/v1/dead-letters/{id}", statuses: [204, 401, 403, 404, 409],
                handler: purgeDeadLetter
            ),
            Endpoint(
                method: .get, path: "/healthz", statuses: [200],
                handler: { _, _ in Self.json(.ok, JSONObject([("status", .string("ok"))])) }),
            Endpoint(method: .get, path: "/readyz", statuses: [200, 503], handler: { _, _ in await readiness() }),
            Endpoint(method: .get, path: "/metrics", statuses: [200, 401, 403], handler: metrics),
            Endpoint(
                method: .get, path: "/openapi.yaml", statuses: [200],
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
        for endpoint in endpoints {
            router.on(RouterPath(endpoint.path), method: endpoint.method, use: endpoint.handler)
        }
        return router
    }

    /// Serves until SIGTERM or SIGINT, with the background work beside the HTTP server; then
    /// shuts down gracefully (the server stops accepting, in-flight requests and deliveries finish).
    /// - Parameter onListening: called with the bound port once the server listens.
    public func run(host: String, port: Int, onListening: @escaping @Sendable (Int) -> Void) async throws {
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
        try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
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

    // MARK: Inbound

    private func postDocument(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        let sender: GatewayConfiguration.System
        switch await authenticate(request, context) {
        case .success(let system): sender = system
        case .failure(let refusal): return await refuseUnauthenticated(refusal, request, context)
        }
        guard sender.role == .sender else {
            return await refuse(.init(status: .forbidden, reason: "\(sender.id) is not a sender"), sender: sender.id)
        }
        let limits = sender.limits ?? gateway.configuration.limits
        guard
            await limiter.admit(
                sender.id, perSecond: limits.requestsPerSecond, burst: limits.burst,
                now: Date().timeIntervalSinceReferenceDate)
        else {
            return await refuse(
                .init(status: .tooManyRequests, reason: "more than \(limits.requestsPerSecond) requests a second"),
                sender: sender.id, headers: [.retryAfter: "1"])
        }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limits.maximumBodyBytes {
            return await refuse(
                .init(status: .contentTooLarge, reason: "the body is over \(limits.maximumBodyBytes) bytes"),
                sender: sender.id)
        }
        guard (StorageSpace.available(at: gateway.dataDirectory) ?? 0) >= gateway.configuration.minimumFreeBytes else {
            return await refuse(
                .init(status: .serviceUnavailable, reason: "the data directory is nearly full"), sender: sender.id)
        }
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        let content: Gateway.Submission.Content
        if contentType.contains("json") {
            content = .canonical
        } else if contentType.isEmpty || contentType.contains("xml") {
            let mapping =
                request.uri.queryParameters["mapping"].map(String.init)
                ?? request.headers[HTTPField.Name("Ferry-Mapping")!]
            content = .legacy(mapping: mapping)
        } else {
            return await refuse(
                .init(
                    status: .unsupportedMediaType,
                    reason: "send XML exports as application/xml, canonical records as application/json or "
                        + "application/x-ndjson"), sender: sender.id)
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: limits.maximumBodyBytes)
        } catch is NIOTooManyBytesError {
            return await refuse(
                .init(status: .contentTooLarge, reason: "the body is over \(limits.maximumBodyBytes) bytes"),
                sender: sender.id)
        }
        let submission = Gateway.Submission(
            sender: sender, body: Array(buffer: body), content: content,
            idempotencyKey: request.headers[HTTPField.Name("Idempotency-Key")!])
        do {
            switch try await gateway.receive(submission) {
            case .accepted(let id, let report):
                logger.info(
                    "document accepted",
                    metadata: [
                        "document": "\(id)", "sender": "\(sender.id)",
                        "accepted": "\(report["accepted"]?.integerValue ?? 0)",
                        "rejected": "\(report["rejected"]?.integerValue ?? 0)",
                    ])
                return Self.json(.accepted, report, headers: [.location: "/v1/documents/\(id)"])
            case .nothingAccepted(let id, let report):
                logger.notice(
                    "document with nothing accepted", metadata: ["document": "\(id ?? "-")", "sender": "\(sender.id)"])
                var body = report
                body["error"] = .string("nothing in the document was accepted")
                return Self.json(.unprocessableContent, body)
            case .forbidden(let reason):
                return await refuse(.init(status: .forbidden, reason: reason), sender: sender.id)
            case .invalid(let reason):
                return await refuse(.init(status: .unprocessableContent, reason: reason), sender: sender.id)
            case .tooManyRecords(let reason):
                return await refuse(.init(status: .contentTooLarge, reason: reason), sender: sender.id)
            }
        } catch let error as StoreError {
            logger.error("store refused a document", metadata: ["sender": "\(sender.id)", "error": "\(error)"])
            throw error
        }
    }

    private func getDocument(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        let caller: GatewayConfiguration.System
        switch await authenticate(request, context) {
        case .success(let system): caller = system
        case .failure(let refusal): return await refuseUnauthenticated(refusal, request, context)
        }
        let id = context.parameters.get("id") ?? ""
        let isOperator = caller.role == .operator
        let query = request.uri.queryParameters
        var page = Gateway.RecordPage()
        if let text = query["outcome"] {
            guard let outcome = StoredDocument.Entry.Outcome(rawValue: String(text)) else {
                return Self.json(
                    .badRequest, JSONObject([("error", .string("outcome is accepted, duplicate or rejected"))]))
            }
            page.outcome = outcome
        }
        for (name, minimum) in [("offset", 0), ("limit", 1)] {
            guard let text = query[Substring(name)] else { continue }
            guard let value = Int(text), value >= minimum else {
                return Self.json(
                    .badRequest, JSONObject([("error", .string("\(name) is a whole number from \(minimum)"))]))
            }
            if name == "offset" {
                page.offset = value
            } else {
                page.limit = min(Gateway.RecordPage.maximumLimit, value)
            }
        }
        guard let report = try await gateway.status(of: id, includeInputs: isOperator, page: page),
            isOperator || report["sender"] == .string(caller.id)
        else {
            return Self.json(.notFound, JSONObject([("error", .string("no document \(id)"))]))
        }
        return Self.json(.ok, report)
    }

    // MARK: Operators

    private func listDeadLetters(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        if case .refused(let response) = await authenticateOperator(request, context) { return response }
        let jobs = try await gateway.store.jobs(in: .deadLettered)
        let items: [JSONValue] = jobs.map { job in
            .object(
                JSONObject([
                    ("id", .string(job.id)), ("destination", .string(job.destination)), ("key", .string(job.key)),
                    ("records", .array(job.recordIDs.map(JSONValue.string))), ("attempts", .integer(job.attempts)),
                    ("last_error", job.lastError.map(JSONValue.string) ?? .null),
                ]))
        }
        return Self.json(.ok, JSONObject([("dead_letters", .array(items))]))
    }

    private func retryDeadLetter(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        try await operatorAction(request, context, .retry, kind: "replayed")
    }

    private func purgeDeadLetter(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        try await operatorAction(request, context, .purge, kind: "operator-action")
    }

    /// An operator's retry or purge, audited with the job's destination and records in the same
    /// transaction as the action.
    private func operatorAction(
        _ request: Request, _ context: GatewayRequestContext, _ action: OperatorAction,
        kind: String
    ) async throws -> Response {
        let caller: GatewayConfiguration.System
        switch await authenticateOperator(request, context) {
        case .allowed(let system): caller = system
        case .refused(let response): return response
        }
        let id = context.parameters.get("id").flatMap { $0.removingPercentEncoding } ?? ""
        let now = Date()
        do {
            try await gateway.store.act(
                on: id, action, now: now.timeIntervalSinceReferenceDate, time: Gateway.timestamp(now)
            ) {
                destination, recordIDs in
                AuditEvent(
                    kind,
                    JSONObject([
                        ("operator", .string(caller.id)), ("job", .string(id)), ("action", .string(action.rawValue)),
                        ("destination", .string(destination)), ("records", .array(recordIDs.map(JSONValue.string))),
                    ]))
            }
        } catch let error as QueueError where error.code == .noJob {
            // As documents: an operator's action on a job that does not exist is 404.
            return Self.json(.notFound, JSONObject([("error", .string(error.message))]))
        }
        return Response(status: .noContent)
    }

    private func metrics(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        if case .refused(let response) = await authenticateOperator(request, context) { return response }
        Gauge(label: "ferry_queue_depth").record(try await gateway.store.queueDepth())
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: metricsText())))
    }

    private func keys() throws -> Response {
        let current = try? gateway.keyring.currentKeyID()
        let keys = try gateway.keyring.publicKeys().sorted { $0.key < $1.key }.map { id, raw in
            JSONValue.object(
                JSONObject([
                    ("key_id", .string(id)), ("algorithm", .string("Ed25519")),
                    ("public_key", .string(raw.base64EncodedString())),
                    ("fingerprint", .string(Keyring.fingerprint(raw))), ("current", .bool(id == current)),
                ]))
        }
        return Self.json(.ok, JSONObject([("keys", .array(keys))]))
    }

    private func readiness() async -> Response {
        let result = await readinessProbe.result { await probeReadiness() }
        return Self.json(result.ready ? .ok : .serviceUnavailable, result.report)
    }

    /// Checks that the store takes a write and the disk has room, and how far the audit
    /// checkpoints are behind.
    private func probeReadiness() async -> ReadinessProbe.Result {
        var problems: [JSONValue] = []
        do {
            try await gateway.store.probeWritable()
        } catch {
            problems.append(.string("the store does not accept writes: \(error)"))
        }
        if let free = StorageSpace.available(at: gateway.dataDirectory) {
            if free < gateway.configuration.minimumFreeBytes {
                problems.append(
                    .string("\(free) bytes free in the data directory, below \(gateway.configuration.minimumFreeBytes)")
                )
            }
        } else {
            problems.append(.string("the free space of the data directory cannot be read"))
        }
        var report = JSONObject([
            ("status", .string(problems.isEmpty ? "ready" : "not ready")), ("problems", .array(problems)),
        ])
        if let audit = gateway.checkpointLag() {
            // Entries that no checkpoint covers for over twice the interval, or no checkpoint run
            // for as long: the checkpoints stopped.
            let bound = 2 * gateway.configuration.checkpointSeconds
            if (audit.unsigned > 0 && (audit.ageSeconds ?? .infinity) > bound) || audit.observedSecondsAgo > bound {
                logger.error(
                    "the audit checkpoints are behind: older than twice checkpoint_interval",
                    metadata: [
                        "age_seconds": "\(Int(audit.ageSeconds ?? -1))", "unsigned_entries": "\(audit.unsigned)",
                        "last_run_seconds_ago": "\(Int(audit.observedSecondsAgo))",
                    ])
            }
            report["audit"] = .object(
                JSONObject([
                    ("newest_checkpoint", audit.newest.map { .integer($0.sequence) } ?? .null),
                    ("checkpoint_age_seconds", audit.ageSeconds.map { .integer(Int($0)) } ?? .null),
                    ("unsigned_entries", .integer(audit.unsigned)),
                ]))
        }
        return ReadinessProbe.Result(ready: problems.isEmpty, report: report)
    }

    // MARK: Authentication and refusals

    struct Refusal: Error {
        let status: HTTPResponse.Status
        let reason: String
    }

    /// The caller: by bearer token, or else by the client certificate of a mutual TLS connection.
    private func authenticate(_ request: Request, _ context: GatewayRequestContext) async -> Result<
        GatewayConfiguration.System, Refusal
    > {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else {
            if let certificate = try? await context.channel.nioSSL_peerCertificate().get(),
                let der = try? certificate.toDERBytes()
            {
                let fingerprint = SHA256.hash(data: der).hexadecimal
                if let system = gateway.configuration.system(presentingCertificate: fingerprint) {
                    return .success(system)
                }
                return .failure(Refusal(status: .unauthorized, reason: "the client certificate is not known"))
            }
            return .failure(Refusal(status: .unauthorized, reason: "no bearer token"))
        }
        let token = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        guard let system = gateway.configuration.system(presenting: token) else {
            return .failure(Refusal(status: .unauthorized, reason: "the bearer token is not known"))
        }
        return .success(system)
    }

    /// An operator endpoint's caller: an authenticated operator, or the refusal to answer with.
    private enum OperatorCheck {
        case allowed(GatewayConfiguration.System)
        case refused(Response)
    }

    private func authenticateOperator(_ request: Request, _ context: GatewayRequestContext) async -> OperatorCheck {
        switch await authenticate(request, context) {
        case .failure(let refusal): return .refused(await refuseUnauthenticated(refusal, request, context))
        case .success(let system) where system.role != .operator:
            return .refused(
                await refuse(Refusal(status: .forbidden, reason: "\(system.id) is not an operator"), sender: system.id))
        case .success(let system): return .allowed(system)
        }
    }

    /// Answers a request without valid credentials: 401, or 429 once its client address is over
    /// `anonymous_per_second`.
    ///
    /// Such refusals are counted into `refusals` audit entries, one per window, reason and address,
    /// never written one by one.
    private func refuseUnauthenticated(_ refusal: Refusal, _ request: Request, _ context: GatewayRequestContext) async
        -> Response
    {
        let configuration = gateway.configuration
        let address = ClientAddress.of(
            peer: context.channel.remoteAddress, forwardedFor: request.headers[HTTPField.Name("X-Forwarded-For")!],
            trustedProxies: configuration.trustedProxies)
        var answer = refusal
        var fields: HTTPFields = [:]
        if await !anonymousLimiter.admit(
            address, perSecond: configuration.anonymousPerSecond, burst: configuration.anonymousBurst,
            now: Date().timeIntervalSinceReferenceDate)
        {
            answer = Refusal(
                status: .tooManyRequests,
                reason: "more than \(configuration.anonymousPerSecond) requests a second without valid credentials")
            fields[.retryAfter] = "1"
        } else {
            fields[.wwwAuthenticate] = "Bearer"
        }
        await refusals.count(status: answer.status.code, reason: answer.reason, address: address)
        Counter(label: "ferry_requests_refused_total", dimensions: [("status", "\(answer.status.code)")]).increment()
        logger.debug(
            "request refused",
            metadata: [
                "status": "\(answer.status.code)", "address": "\(address.loggable)",
                "reason": "\(answer.reason)",
            ])
        return Self.json(answer.status, JSONObject([("error", .string(answer.reason))]), headers: fields)
    }

    /// Answers a refusal of a known caller with a JSON error and audits it (the reason names no field values).
    private func refuse(_ refusal: Refusal, sender: String?, headers: HTTPFields = [:]) async -> Response {
        logger.notice(
            "request refused",
            metadata: [
                "status": "\(refusal.status.code)", "sender": "\(sender ?? "-")",
                "reason": "\(refusal.reason.loggable)",
            ])
        Counter(label: "ferry_requests_refused_total", dimensions: [("status", "\(refusal.status.code)")]).increment()
        do {
            _ = try await gateway.store.append(
                kind: "refused", time: Gateway.timestamp(Date()),
                details: JSONObject([
                    ("status", .integer(refusal.status.code)), ("sender", sender.map(JSONValue.string) ?? .null),
                    ("reason", .string(refusal.reason)),
                ]))
        } catch {
            // The answer does not wait for the store; the log keeps what the audit trail could not.
            logger.error(
                "a refusal could not be audited",
                metadata: [
                    "status": "\(refusal.status.code)",
                    "sender": "\(sender ?? "-")", "error": "\(error)",
                ])
        }
        var fields = headers
        if refusal.status == .unauthorized { fields[.wwwAuthenticate] = "Bearer" }
        return Self.json(refusal.status, JSONObject([("error", .string(refusal.reason))]), headers: fields)
    }

    static func json(_ status: HTTPResponse.Status, _ object: JSONObject, headers: HTTPFields = [:]) -> Response {
        var bytes = JSONWriter().bytes(.object(object))
        bytes.append(0x0A)
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

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

extension TimeAmount {
    /// A duration in seconds, to the millisecond.
    fileprivate static func seconds(_ seconds: Double) -> TimeAmount {
        .milliseconds(Int64((seconds * 1000).rounded()))
    }
}
