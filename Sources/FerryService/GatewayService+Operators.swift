import FerryCore
import FerryGateway
import FerryStore
import Foundation
import Hummingbird
import Logging
import Metrics
import NIOCore

/// The operators' endpoints (dead letters, metrics) and the public ones (keys, readiness).
extension GatewayService {
    func listDeadLetters(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        if case .refused(let response) = try await operatorOnly(context) { return response }
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

    func listHeld(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        if case .refused(let response) = try await operatorOnly(context) { return response }
        let jobs = try await gateway.store.jobs(in: .held)
        let waiting = try await gateway.store.waitingCounts(behind: jobs)
        let items: [JSONValue] = jobs.map { job in
            .object(
                JSONObject([
                    ("id", .string(job.id)), ("destination", .string(job.destination)), ("key", .string(job.key)),
                    ("records", .array(job.recordIDs.map(JSONValue.string))),
                    ("reason", .string(job.lastError ?? "")),
                    ("held_since", .string(Gateway.timestamp(Date(timeIntervalSinceReferenceDate: job.availableAt)))),
                    ("waiting", .integer(waiting[job.id] ?? 0)),
                ]))
        }
        return Self.json(.ok, JSONObject([("held", .array(items))]))
    }

    func redecideHeld(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        try await operatorAction(request, context, .redecide, kind: "redecided")
    }

    /// `GET /v1/audit`: a page of the audit trail from a sequence on, optionally from a time
    /// (`since`, UTC) and of one kind (operators).
    func listAudit(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        if case .refused(let response) = try await operatorOnly(context) { return response }
        let parameters = request.uri.queryParameters
        var (from, limit): (Int, Int)
        switch PageQuery(request, start: "from", defaultStart: 1) {
        case .refused(let response): return response
        case .page(let start, let count): (from, limit) = (start, count)
        }
        if let since = parameters["since"].map(String.init) {
            guard let bound = AuditTimeBound(since) else {
                return Self.json(
                    .badRequest,
                    JSONObject([("error", .string("since is a UTC date or date and time, such as 2026-12-07T08:00"))]))
            }
            guard let first = try await gateway.store.firstSequence(atOrAfter: bound) else {
                return Self.json(.ok, JSONObject([("entries", .array([]))]))
            }
            from = max(from, first)
        }
        let kind = parameters["kind"].map(String.init)
        let entries = try await gateway.store.entries(from: from, kind: kind, limit: limit)
        let items: [JSONValue] = entries.map { entry in
            .object(
                JSONObject([
                    ("sequence", .integer(entry.sequence)), ("time", .string(entry.time)),
                    ("kind", .string(entry.kind)),
                    ("details", .object(entry.details)), ("hash", .string(entry.hash)),
                ]))
        }
        return Self.json(.ok, JSONObject([("entries", .array(items))]))
    }

    func retryDeadLetter(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        try await operatorAction(request, context, .retry, kind: "replayed")
    }

    func purgeDeadLetter(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        try await operatorAction(request, context, .purge, kind: "operator-action")
    }

    /// An operator's retry, purge or re-decision, audited with the job's destination and records
    /// in the same transaction as the action.
    func operatorAction(
        _ request: Request, _ context: GatewayRequestContext, _ action: OperatorAction,
        kind: String
    ) async throws -> Response {
        let caller: GatewayConfiguration.System
        switch try await operatorOnly(context) {
        case .allowed(let system): caller = system
        case .refused(let response): return response
        }
        let id = context.parameters.get("id").flatMap { $0.removingPercentEncoding } ?? ""
        do {
            try await act(on: id, action, kind: kind, by: caller)
        } catch let error as QueueError where error.code == .noJob {
            // As documents: an operator's action on a job that does not exist is 404.
            return Self.json(.notFound, JSONObject([("error", .string(error.message))]))
        }
        return Response(status: .noContent)
    }

    /// An operator's action on a job, from the API or the console, with its audit entry naming
    /// the operator, the job, its destination and records, in one transaction.
    /// - Throws: ``QueueError`` when there is no such job or it is not in the state the action needs.
    func act(on id: String, _ action: OperatorAction, kind: String, by caller: GatewayConfiguration.System)
        async throws
    {
        let now = Date()
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
    }

    func metrics(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        if case .refused(let response) = try await operatorOnly(context) { return response }
        Gauge(label: "ferry_queue_depth").record(try await gateway.store.queueDepth())
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: metricsText())))
    }

    func keys() throws -> Response {
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

    func readiness() async -> Response {
        let result = await readinessProbe.result { await probeReadiness() }
        return Self.json(result.ready ? .ok : .serviceUnavailable, result.report)
    }

    /// Checks that the store takes a write and the disk has room, and how far the audit
    /// checkpoints are behind.
    func probeReadiness() async -> ReadinessProbe.Result {
        var problems: [JSONValue] = []
        do {
            try await gateway.store.probeWritable()
        } catch {
            // The database's own message (paths, SQL) stays in the log: readiness answers anyone.
            let code = (error as? StoreError)?.code.rawValue ?? "store.error"
            logger.error("the store does not accept writes", metadata: ["error": "\(error)"])
            problems.append(.string("the store does not accept writes [\(code)]"))
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
}
