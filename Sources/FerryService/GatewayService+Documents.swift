import FerryCore
import FerryGateway
import FerryStore
import Foundation
import Hummingbird
import Logging
import HTTPTypes
import NIOCore

/// The senders' endpoints: posting a document, reading its report.
extension GatewayService {
    func postDocument(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        let sender = try context.authenticatedCaller()
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

    func getDocument(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        let caller = try context.authenticatedCaller()
        let id = context.parameters.get("id").flatMap { $0.removingPercentEncoding } ?? ""
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
        switch PageQuery(
            request, defaultLimit: Gateway.RecordPage.maximumLimit, maximum: Gateway.RecordPage.maximumLimit)
        {
        case .refused(let response): return response
        case .page(let start, let limit): (page.offset, page.limit) = (start, limit)
        }
        guard let report = try await gateway.status(of: id, includeInputs: isOperator, page: page),
            isOperator || report["sender"] == .string(caller.id)
        else {
            return Self.json(.notFound, JSONObject([("error", .string("no document \(id)"))]))
        }
        return Self.json(.ok, report)
    }

    /// `GET /v1/documents`: operators list every document, a sender its own; newest first,
    /// filtered by sender, time, outcome and record key.
    func listDocuments(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        let caller: GatewayConfiguration.System
        switch try await authorizedCaller(context, in: [.operator, .sender], "an operator or a sender") {
        case .allowed(let system): caller = system
        case .refused(let response): return response
        }
        let parameters = request.uri.queryParameters
        func bad(_ message: String) -> Response { Self.json(.badRequest, JSONObject([("error", .string(message))])) }
        var query = DocumentQuery()
        query.sender = parameters["sender"].map(String.init)
        if caller.role == .sender {
            if let sender = query.sender, sender != caller.id { return bad("a sender lists only its own documents") }
            query.sender = caller.id
        }
        for (name, set) in [
            ("from", { (time: String) in query.receivedFrom = time }),
            ("before", { (time: String) in query.receivedBefore = time }),
        ] {
            guard let text = parameters[Substring(name)] else { continue }
            guard let time = Self.timestamp(String(text)) else {
                return bad("\(name) is an RFC 3339 time or a date (2026-12-07)")
            }
            set(time)
        }
        if let text = parameters["outcome"] {
            guard let outcome = StoredDocument.Entry.Outcome(rawValue: String(text)) else {
                return bad("outcome is accepted, duplicate or rejected")
            }
            query.outcome = outcome
        }
        query.key = parameters["key"].map(String.init)
        switch PageQuery(request) {
        case .refused(let response): return response
        case .page(let start, let limit): (query.offset, query.limit) = (start, limit)
        }
        let documents = try await gateway.documents(query)
        return Self.json(
            .ok,
            JSONObject([
                ("documents", .array(documents)), ("offset", .integer(query.offset)), ("limit", .integer(query.limit)),
            ]))
    }

    /// A time as the store writes it (UTC, milliseconds), from RFC 3339 or a date (its midnight UTC).
    static func timestamp(_ text: String) -> String? {
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) {
            return Gateway.timestamp(date)
        }
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle()) { return Gateway.timestamp(date) }
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle().year().month().day()) {
            return Gateway.timestamp(date)
        }
        return nil
    }
}
