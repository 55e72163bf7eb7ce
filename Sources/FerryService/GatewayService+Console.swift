import Crypto
import FerryCore
import FerryGateway
import FerryStore
import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import NIOCore

/// The operators' console at `/console/`: server-rendered pages for operators and reviewers,
/// signed in with their token into a session kept in the store.
///
/// Every page carries `Content-Security-Policy` (no script, no framing), `Cache-Control:
/// no-store` and no referrer; every form a per-session CSRF token, and a POST whose `Origin` is
/// another site is refused. The session cookie is `HttpOnly; SameSite=Strict` (`Secure` under
/// TLS), its id stored only as a SHA-256 and replaced at each sign-in.
extension GatewayService {
    /// The session cookie's name.
    static let consoleCookie = "ferry_console"
    /// The chosen language's cookie.
    static let languageCookie = "ferry_lang"
    /// A signed-in caller of the console.
    struct ConsoleCaller {
        let session: ConsoleSession
        let system: GatewayConfiguration.System
    }

    /// Adds the console's routes; they do their own authentication (a session cookie).
    func addConsoleRoutes(to router: Router<GatewayRequestContext>) {
        router.get("/console/") { request, _ in try await consoleHome(request) }
        router.get("/console/style.css") { _, _ in
            var headers = Self.consoleHeaders
            headers[.contentType] = "text/css; charset=utf-8"
            return Response(
                status: .ok, headers: headers,
                body: ResponseBody(byteBuffer: ByteBuffer(string: ConsoleTemplates.stylesheet)))
        }
        router.post("/console/sign-in") { request, context in try await consoleSignIn(request, context) }
        router.post("/console/sign-out") { request, _ in try await consoleSignOut(request) }
        router.post("/console/language") { request, _ in try await consoleLanguage(request) }
        router.get("/console/reviews") { request, _ in try await consoleReviews(request) }
        router.get("/console/reviews/{id}") { request, context in try await consoleReview(request, context) }
        router.post("/console/reviews/{id}/approve") { request, context in
            try await consoleDecide(request, context, approve: true)
        }
        router.post("/console/reviews/{id}/reject") { request, context in
            try await consoleDecide(request, context, approve: false)
        }
        router.get("/console/documents") { request, _ in
            try await asOperator(request) { try await consoleDocuments(request, $0, $1) }
        }
        router.get("/console/documents/{id}") { request, context in
            try await asOperator(request) { try await consoleDocument(request, context, $0, $1) }
        }
        router.get("/console/destinations") { request, _ in
            try await asOperator(request) { try await consoleDestinations(request, $0, $1) }
        }
        router.get("/console/audit") { request, _ in
            try await asOperator(request) { try await consoleAudit(request, $0, $1) }
        }
        router.get("/console/held") { request, _ in
            try await asOperator(request) { try await consoleJobs(request, $0, $1, held: true) }
        }
        router.get("/console/dead-letters") { request, _ in
            try await asOperator(request) { try await consoleJobs(request, $0, $1, held: false) }
        }
        for (path, action, kind) in [
            ("/console/held/{id}/redecide", OperatorAction.redecide, "redecided"),
            ("/console/dead-letters/{id}/retry", .retry, "replayed"),
            ("/console/dead-letters/{id}/purge", .purge, "operator-action"),
        ] {
            router.post(RouterPath(path)) { request, context in
                try await consoleAct(request, context, action, kind: kind)
            }
        }
    }

    // MARK: - Pages

    private func consoleHome(_ request: Request) async throws -> Response {
        guard let caller = try await consoleCaller(request) else {
            return page("sign-in", ["title": "Ferry"], request, nil)
        }
        let labels = ConsoleLabels.labels(language(request))
        let visible = try await gateway.reviews(for: caller.system, destination: nil, offset: 0, limit: 1000)
        let jobs = try await gateway.store.jobCounts()
        let total = { (state: String) in jobs.values.reduce(0) { $0 + ($1[state] ?? 0) } }
        var values: [String: Any] = [
            "title": labels["overview"] ?? "",
            "queueDepth": try await gateway.store.queueDepth(),
            "openReviews": visible.count,
            "overdueReviews": visible.filter { gateway.isOverdue($0) }.count,
            "held": total("held"), "deadLetters": total("dead-lettered"),
        ]
        if caller.system.role == .operator {
            let documents = try await gateway.store.documentCounts()
            values["documents"] = documents["documents"] ?? 0
            values["accepted"] = documents["accepted"] ?? 0
            values["rejected"] = documents["rejected"] ?? 0
            values["delivered"] = total("delivered")
            values["checkpointAge"] =
                gateway.checkpointLag()?.ageSeconds.map { "\(Int($0)) s" } ?? labels["none"] ?? ""
            values["freeSpace"] = StorageSpace.available(at: gateway.dataDirectory).map { "\($0 >> 20) MiB" } ?? "?"
            values["chainCheck"] = chainCheckText(labels)
            let pending = try await gateway.store.oldestPending().sorted { $0.value < $1.value }
            values["pending"] = pending.map {
                ["destination": $0.key, "since": Self.time($0.value)]
            }
            values["hasPending"] = !pending.isEmpty
        }
        return page("overview", values, request, caller)
    }

    private func consoleReviews(_ request: Request, message: String? = nil, status: HTTPResponse.Status = .ok)
        async throws -> Response
    {
        guard let caller = try await consoleCaller(request) else { return Self.redirect("/console/") }
        let reviews = try await gateway.reviews(for: caller.system, destination: nil, offset: 0, limit: 1000)
        let rows: [[String: Any]] = reviews.map { review in
            [
                "link": Self.escape(review.id), "subject": review.subject, "destination": review.destination,
                "classification": review.classification, "approvals": review.approvals.count,
                "since": Self.time(review.openedAt),
                "overdue": gateway.isOverdue(review),
            ]
        }
        var values: [String: Any] = [
            "title": ConsoleLabels.labels(language(request))["reviews"] ?? "", "reviews": rows,
            "hasReviews": !rows.isEmpty,
        ]
        if let message { values["message"] = message }
        return page("reviews", values, request, caller, status: status)
    }

    private func consoleReview(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        guard let caller = try await consoleCaller(request) else { return Self.redirect("/console/") }
        let id = context.parameters.get("id").flatMap { $0.removingPercentEncoding } ?? ""
        guard let (review, release) = try await gateway.visibleReview(id, to: caller.system) else {
            return try await consoleReviews(request, message: "no review \(id)", status: .notFound)
        }
        let labels = ConsoleLabels.labels(language(request))
        var values: [String: Any] = [
            "title": labels["review"] ?? "", "link": Self.escape(review.id), "subject": review.subject,
            "destination": review.destination, "classification": review.classification,
            "approvalCount": review.approvals.count,
            "since": Self.time(review.openedAt),
            "overdue": gateway.isOverdue(review), "sha256": review.releasedSHA256,
            "canDecide": caller.system.role == .reviewer && review.state == .open,
        ]
        if !review.approvals.isEmpty { values["approvedBy"] = review.approvals.map(\.reviewer).joined(separator: ", ") }
        switch release {
        case .released(let record, let removed):
            values["record"] = String(decoding: record.jsonBytes, as: UTF8.self)
            if !removed.isEmpty { values["removed"] = removed.joined(separator: ", ") }
        case .notReleased(let reason):
            values["notReleased"] = reason
        }
        switch request.uri.queryParameters["m"] {
        case "approved": values["message"] = labels["approved"]
        case "rejected": values["message"] = labels["rejected"]
        default: break
        }
        return page("review", values, request, caller)
    }

    private func consoleDecide(_ request: Request, _ context: GatewayRequestContext, approve: Bool) async throws
        -> Response
    {
        guard originAllowed(request) else { return Self.forbidden("the form was sent from another site") }
        guard let caller = try await consoleCaller(request) else { return Self.redirect("/console/") }
        let form = try await Self.form(request)
        if let refusal = refuseForgedPost(request, form, caller) { return refusal }
        let id = context.parameters.get("id").flatMap { $0.removingPercentEncoding } ?? ""
        guard caller.system.role == .reviewer else {
            return page(
                "overview", ["message": ConsoleLabels.labels(language(request))["onlyReviewers"] ?? ""], request,
                caller,
                status: .forbidden)
        }
        let answer =
            approve
            ? try await gateway.approve(review: id, sha256: form["sha256"] ?? "", by: caller.system)
            : try await gateway.reject(
                review: id, by: caller.system, reason: TextNormalization.fold(form["reason"] ?? ""))
        switch answer {
        case .done:
            return Self.redirect("/console/reviews/\(Self.escape(id))?m=\(approve ? "approved" : "rejected")")
        case .notFound:
            return try await consoleReviews(request, message: "no review \(id)", status: .notFound)
        case .conflict(let message, _):
            return try await consoleReviews(request, message: message, status: .conflict)
        }
    }

    /// Documents received, for operators: filtered by sender, time, outcome and record key,
    /// newest first, 50 a page.
    private func consoleDocuments(_ request: Request, _ caller: ConsoleCaller, _ labels: [String: String])
        async throws -> Response
    {
        let parameters = request.uri.queryParameters
        let text = { (name: String) in parameters[Substring(name)].map(String.init).flatMap { $0.isEmpty ? nil : $0 } }
        var query = DocumentQuery(sender: text("sender"), key: text("key"), limit: 50)
        // "Older" pages go by the last document shown, so a deep page costs what the first does.
        if let after = text("after"), let bar = after.firstIndex(of: "|") {
            query.after = (String(after[..<bar]), String(after[after.index(after: bar)...]))
        }
        var bad = false
        if let from = text("from") {
            query.receivedFrom =
                Self.timestamp(from)
                ?? {
                    bad = true; return nil
                }()
        }
        if let before = text("before") {
            query.receivedBefore =
                Self.timestamp(before)
                ?? {
                    bad = true; return nil
                }()
        }
        if let outcome = text("outcome") {
            query.outcome =
                StoredDocument.Entry.Outcome(rawValue: outcome)
                ?? {
                    bad = true; return nil
                }()
        }
        let documents = bad ? [] : try await gateway.store.documents(query)
        let rows: [[String: Any]] = documents.map { summary in
            [
                "id": summary.id, "sender": summary.sender, "receivedAt": summary.receivedAt,
                "accepted": summary.accepted, "duplicates": summary.duplicates, "rejected": summary.rejected,
            ]
        }
        // The page links keep the filters.
        func link(after last: DocumentSummary?) -> String {
            var components = URLComponents()
            components.queryItems =
                ["sender", "from", "before", "outcome", "key"].compactMap { name in
                    text(name).map { URLQueryItem(name: name, value: $0) }
                } + (last.map { [URLQueryItem(name: "after", value: "\($0.receivedAt)|\($0.id)")] } ?? [])
            return "/console/documents?" + (components.percentEncodedQuery ?? "")
        }
        var values: [String: Any] = [
            "title": labels["documents"] ?? "", "documents": rows, "hasDocuments": !rows.isEmpty,
            "sender": text("sender") ?? "", "from": text("from") ?? "", "before": text("before") ?? "",
            "key": text("key") ?? "",
            "outcomes": [
                ("", labels["any"] ?? ""), ("accepted", "accepted"), ("duplicate", "duplicate"),
                ("rejected", "rejected"),
            ]
            .map { ["value": $0.0, "label": $0.1, "selected": $0.0 == (text("outcome") ?? "")] },
        ]
        if query.after != nil { values["previous"] = link(after: nil) }
        if rows.count == query.limit { values["next"] = link(after: documents.last) }
        if bad { values["message"] = labels["badFilter"] }
        return page("documents", values, request, caller, status: bad ? .badRequest : .ok)
    }

    /// One document for operators: its records, each outcome and reason, and per destination the
    /// state, the removed field names and — when the operator is cleared for the destination —
    /// the record as released there.
    private func consoleDocument(
        _ request: Request, _ context: GatewayRequestContext, _ caller: ConsoleCaller, _ labels: [String: String]
    ) async throws -> Response {
        let id = context.parameters.get("id").flatMap { $0.removingPercentEncoding } ?? ""
        guard let document = try await gateway.store.document(id) else {
            return page("overview", ["message": "no document \(id)"], request, caller, status: .notFound)
        }
        let duplicates = document.entries.filter { $0.outcome == .duplicate }.compactMap(\.recordID)
        let first = duplicates.isEmpty ? [:] : try await gateway.store.records(duplicates).mapValues(\.documentID)
        var records: [[String: Any]] = []
        for entry in document.entries {
            var destinations: [[String: Any]] = []
            for destination in entry.destinations {
                var item: [String: Any] = ["destination": destination.destination, "state": destination.state]
                if !destination.removedFields.isEmpty {
                    item["removed"] = destination.removedFields.joined(separator: ", ")
                }
                if destination.state != "blocked", let recordID = entry.recordID,
                    gateway.destinationClearance(destination.destination) <= caller.system.clearance,
                    let released = try await gateway.releasedRecord(recordID, to: destination.destination)
                {
                    item["released"] = String(decoding: released.jsonBytes, as: UTF8.self)
                }
                destinations.append(item)
            }
            var record: [String: Any] = [
                "position": entry.position, "key": entry.key ?? "—", "outcome": entry.outcome.rawValue,
                "destinations": destinations,
            ]
            if let reason = entry.reason { record["reason"] = reason }
            if let input = entry.input { record["input"] = input }
            if let recordID = entry.recordID, entry.outcome == .duplicate, let firstDocument = first[recordID] {
                record["firstDocument"] = firstDocument
            }
            records.append(record)
        }
        let values: [String: Any] = [
            "title": "\(labels["document"] ?? "") \(id)", "id": document.id, "sender": document.sender,
            "receivedAt": document.receivedAt, "bodySHA256": document.bodySHA256, "records": records,
        ]
        return page("document", values, request, caller)
    }

    /// The destinations, for operators: clearance, format, target, review policy, and their jobs
    /// by state.
    private func consoleDestinations(_ request: Request, _ caller: ConsoleCaller, _ labels: [String: String])
        async throws -> Response
    {
        let counts = try await gateway.store.jobCounts()
        let activity = try await gateway.store.destinationActivity()
        let routes = gateway.configuration.routes
        let rows: [[String: Any]] = gateway.configuration.systems.filter { $0.role == .destination }.map { system in
            let jobs = counts[system.id] ?? [:]
            let format: String =
                switch system.format {
                case .canonical?: "canonical"
                case .mapping(let name)?: name
                case nil: "—"
                }
            let target: String =
                switch system.target {
                case .directory(let directory)?: directory
                case .http(let url, _)?: url
                case nil: "—"
                }
            let reviewed = routes.contains {
                $0.destination == system.id && ($0.requiresReview ?? system.requiresReview)
            }
            return [
                "id": system.id, "clearance": system.clearance.rawValue, "format": format, "target": target,
                "review": labels[reviewed ? "required" : "notRequired"] ?? "",
                "delivered": jobs["delivered"] ?? 0,
                "waiting": (jobs["pending"] ?? 0) + (jobs["leased"] ?? 0) + (jobs["in-review"] ?? 0),
                "failing": jobs["failing"] ?? 0, "deadLettered": jobs["dead-lettered"] ?? 0, "held": jobs["held"] ?? 0,
                "lastDelivery": activity[system.id]?.lastDelivery.map(Self.time) ?? "—",
                "lastFailure": activity[system.id]?.lastFailure.map(Self.time) ?? "",
                "lastError": activity[system.id]?.lastError ?? "",
            ]
        }
        return page("destinations", ["title": labels["destinations"] ?? "", "destinations": rows], request, caller)
    }

    /// The audit trail, for operators: 100 entries from a sequence on, optionally from a time
    /// (UTC) and of one kind.
    private func consoleAudit(_ request: Request, _ caller: ConsoleCaller, _ labels: [String: String])
        async throws -> Response
    {
        let parameters = request.uri.queryParameters
        let kind = parameters["kind"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        let since = parameters["since"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        let from = parameters["from"].flatMap { Int($0) }.map { max(0, $0) } ?? 1
        let limit = 100
        var start: Int? = from
        var problem: String?
        if let since {
            if let bound = AuditTimeBound(since) {
                start = try await gateway.store.firstSequence(atOrAfter: bound).map { max(from, $0) }
            } else {
                (start, problem) = (nil, labels["badTime"])
            }
        }
        var entries: [AuditEntry] = []
        if let start { entries = try await gateway.store.entries(from: start, kind: kind, limit: limit) }
        let rows: [[String: Any]] = entries.map { entry in
            [
                "sequence": entry.sequence, "time": entry.time, "kind": entry.kind,
                "details": String(decoding: JSONWriter().bytes(.object(entry.details)), as: UTF8.self),
            ]
        }
        var values: [String: Any] = [
            "title": labels["audit"] ?? "", "entries": rows, "kind": kind ?? "", "from": String(from),
            "since": since ?? "", "chainCheck": chainCheckText(labels),
        ]
        if let problem { values["error"] = problem }
        if entries.count == limit, let last = entries.last {
            var components = URLComponents()
            components.queryItems =
                [URLQueryItem(name: "from", value: String(last.sequence + 1))]
                + (kind.map { [URLQueryItem(name: "kind", value: $0)] } ?? [])
                + (since.map { [URLQueryItem(name: "since", value: $0)] } ?? [])
            values["next"] = "/console/audit?" + (components.percentEncodedQuery ?? "")
        }
        return page("audit", values, request, caller, status: problem == nil ? .ok : .badRequest)
    }

    /// Held deliveries (`held`) or dead letters, for operators.
    private func consoleJobs(
        _ request: Request, _ caller: ConsoleCaller, _ labels: [String: String], held: Bool, message: String? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let jobs = try await gateway.store.jobs(in: held ? .held : .deadLettered)
        let kind = held ? "held" : "dead-letters"
        let actions: [(String, String)] =
            held
            ? [("redecide", labels["redecide"] ?? "")]
            : [
                ("retry", labels["retry"] ?? ""), ("purge", labels["purge"] ?? ""),
            ]
        let rows: [[String: Any]] = jobs.map { job in
            [
                "key": job.key, "destination": job.destination, "link": Self.escape(job.id),
                "since": held
                    ? Self.time(job.availableAt) : "\(job.attempts)",
                "reason": job.lastError ?? "", "kind": kind,
                "actions": actions.map { ["action": $0.0, "label": $0.1, "kind": kind, "link": Self.escape(job.id)] },
            ]
        }
        var values: [String: Any] = [
            "title": labels[held ? "held" : "deadLetters"] ?? "", "jobs": rows, "hasJobs": !rows.isEmpty,
        ]
        if let message {
            values["message"] = message
        } else if request.uri.queryParameters["m"] == "done" {
            values["message"] = labels["done"]
        }
        return page("jobs", values, request, caller, status: status)
    }

    /// An operator's re-decision, retry or purge from the console, once confirmed.
    private func consoleAct(
        _ request: Request, _ context: GatewayRequestContext, _ action: OperatorAction, kind: String
    ) async throws -> Response {
        guard originAllowed(request) else { return Self.forbidden("the form was sent from another site") }
        guard let caller = try await consoleCaller(request) else { return Self.redirect("/console/") }
        let form = try await Self.form(request)
        if let refusal = refuseForgedPost(request, form, caller) { return refusal }
        let held = action == .redecide
        let labels = ConsoleLabels.labels(language(request))
        guard caller.system.role == .operator else { return onlyOperators(request, caller, labels) }
        guard form["confirm"] == "yes" else {
            return try await consoleJobs(
                request, caller, labels, held: held, message: labels["notConfirmed"], status: .badRequest)
        }
        let id = context.parameters.get("id").flatMap { $0.removingPercentEncoding } ?? ""
        do {
            try await act(on: id, action, kind: kind, by: caller.system)
        } catch let error as QueueError {
            return try await consoleJobs(
                request, caller, labels, held: held, message: error.message,
                status: error.code == .noJob ? .notFound : .conflict)
        }
        return Self.redirect(held ? "/console/held?m=done" : "/console/dead-letters?m=done")
    }

    // MARK: - Signing in and out

    private func consoleSignIn(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        let labels = ConsoleLabels.labels(language(request))
        guard originAllowed(request) else { return Self.forbidden("the form was sent from another site") }
        let address = ClientAddress.of(
            peer: context.channel.remoteAddress, forwardedFor: request.headers[HTTPField.Name("X-Forwarded-For")!],
            trustedProxies: gateway.configuration.trustedProxies)
        guard
            await anonymousLimiter.admit(
                "console " + address, perSecond: gateway.configuration.anonymousPerSecond,
                burst: gateway.configuration.anonymousBurst, now: Date().timeIntervalSinceReferenceDate)
        else {
            return page(
                "sign-in", ["title": "Ferry", "error": labels["tooMany"] ?? ""], request, nil, status: .tooManyRequests)
        }
        let form = try await Self.form(request)
        // A token, or without one the client certificate of a mutual TLS connection.
        let token = form["token"] ?? ""
        let presented: GatewayConfiguration.System? =
            token.isEmpty
            ? await clientCertificateFingerprint(context).flatMap {
                gateway.configuration.system(presentingCertificate: $0)
            }
            : gateway.configuration.system(presenting: token)
        guard let system = presented, system.role == .operator || system.role == .reviewer else {
            await refusals.count(status: 401, reason: "console sign-in with an unknown token", address: address)
            return page(
                "sign-in", ["title": "Ferry", "error": labels["signInFailed"] ?? ""], request, nil,
                status: .unauthorized)
        }
        // A new session id at every sign-in; the old session (if any) ends.
        if let old = request.cookies[Self.consoleCookie]?.value {
            try await gateway.store.deleteSession(idHash: Self.sha256(old))
        }
        let id = Self.randomHex()
        let now = Date()
        try await gateway.store.createSession(
            ConsoleSession(
                idHash: Self.sha256(id), system: system.id, csrfToken: Self.randomHex(),
                createdAt: now.timeIntervalSinceReferenceDate, lastSeenAt: now.timeIntervalSinceReferenceDate))
        try await gateway.store.append(
            kind: "console-signed-in", time: Gateway.timestamp(now),
            details: JSONObject([("system", .string(system.id))]))
        var response = Self.redirect("/console/")
        response.setCookie(
            Cookie(
                name: Self.consoleCookie, value: id, path: "/console", secure: gateway.configuration.tls != nil,
                httpOnly: true, sameSite: .strict))
        return response
    }

    private func consoleSignOut(_ request: Request) async throws -> Response {
        guard originAllowed(request) else { return Self.forbidden("the form was sent from another site") }
        guard let caller = try await consoleCaller(request) else { return Self.redirect("/console/") }
        let form = try await Self.form(request)
        if let refusal = refuseForgedPost(request, form, caller) { return refusal }
        try await gateway.store.deleteSession(idHash: caller.session.idHash)
        try await gateway.store.append(
            kind: "console-signed-out", time: Gateway.timestamp(Date()),
            details: JSONObject([("system", .string(caller.system.id))]))
        var response = Self.redirect("/console/")
        response.setCookie(
            Cookie(
                name: Self.consoleCookie, value: "", maxAge: 0, path: "/console",
                secure: gateway.configuration.tls != nil, httpOnly: true, sameSite: .strict))
        return response
    }

    private func consoleLanguage(_ request: Request) async throws -> Response {
        guard originAllowed(request) else { return Self.forbidden("the form was sent from another site") }
        let form = try await Self.form(request)
        let language = ConsoleLabels.Language(rawValue: form["lang"] ?? "") ?? .en
        // Back to the page it was chosen on, on this site only.
        let back = form["back"].flatMap { $0.hasPrefix("/console/") || $0 == "/console" ? $0 : nil } ?? "/console/"
        var response = Self.redirect(back)
        response.setCookie(
            Cookie(
                name: Self.languageCookie, value: language.rawValue, path: "/console",
                secure: gateway.configuration.tls != nil, httpOnly: true, sameSite: .strict))
        return response
    }

    // MARK: - Helpers

    /// The last periodic chain check in words: intact through which entry, or the first break.
    private func chainCheckText(_ labels: [String: String]) -> String {
        guard let check = gateway.lastChainCheck else { return labels["none"] ?? "" }
        let when = Gateway.timestamp(check.time)
        if let problem = check.firstBreak {
            return "\(labels["chainBroken"] ?? "") #\(problem.sequence) (\(problem.kind.rawValue)), \(when)"
        }
        return "\(labels["chainIntact"] ?? "") #\(check.from)–#\(check.through), \(when)"
    }

    /// Answers an operators' page for a signed-in operator, with the labels of the request's
    /// language; anyone else gets the redirect to the sign-in form, or 403.
    private func asOperator(
        _ request: Request, _ body: (ConsoleCaller, [String: String]) async throws -> Response
    ) async throws -> Response {
        guard let caller = try await consoleCaller(request) else { return Self.redirect("/console/") }
        let labels = ConsoleLabels.labels(language(request))
        guard caller.system.role == .operator else { return onlyOperators(request, caller, labels) }
        return try await body(caller, labels)
    }

    /// The 403 page of a signed-in caller who is not an operator.
    private func onlyOperators(_ request: Request, _ caller: ConsoleCaller, _ labels: [String: String]) -> Response {
        page("overview", ["message": labels["onlyOperators"] ?? ""], request, caller, status: .forbidden)
    }

    /// The signed-in caller, or nil: no cookie, an unknown or idle session, or a system that is
    /// no longer an operator or a reviewer.
    func consoleCaller(_ request: Request) async throws -> ConsoleCaller? {
        guard let id = request.cookies[Self.consoleCookie]?.value, !id.isEmpty,
            let session = try await gateway.store.session(
                idHash: Self.sha256(id), now: Date().timeIntervalSinceReferenceDate,
                idleSeconds: gateway.configuration.consoleIdleSeconds),
            let system = gateway.configuration.system(session.system),
            system.role == .operator || system.role == .reviewer
        else { return nil }
        return ConsoleCaller(session: session, system: system)
    }

    /// A forged POST's refusal: another site's `Origin`, or a CSRF token that is not the session's.
    private func refuseForgedPost(_ request: Request, _ form: [String: String], _ caller: ConsoleCaller) -> Response? {
        guard originAllowed(request) else { return Self.forbidden("the form was sent from another site") }
        guard let token = form["csrf"], Self.constantTimeEqual(token, caller.session.csrfToken) else {
            return Self.forbidden("the form does not carry this session's token")
        }
        return nil
    }

    /// Whether a POST's `Origin`, when it has one, is this gateway's.
    private func originAllowed(_ request: Request) -> Bool {
        guard let origin = request.headers[.origin] else { return true }
        let scheme = gateway.configuration.tls == nil ? "http" : "https"
        return origin == "\(scheme)://\(request.head.authority ?? "")"
    }

    private func language(_ request: Request) -> ConsoleLabels.Language {
        ConsoleLabels.language(
            choice: request.cookies[Self.languageCookie]?.value, acceptLanguage: request.headers[.acceptLanguage])
    }

    private func page(
        _ template: String, _ values: [String: Any], _ request: Request, _ caller: ConsoleCaller?,
        status: HTTPResponse.Status = .ok
    ) -> Response {
        let language = language(request)
        var context = values
        context["t"] = ConsoleLabels.labels(language)
        context["lang"] = language.rawValue
        context["path"] = request.uri.path
        if let caller {
            context["signedIn"] = true
            context["isOperator"] = caller.system.role == .operator
            context["csrf"] = caller.session.csrfToken
            context["system"] = caller.system.id
        }
        let html = ConsoleTemplates.library.render(context, withTemplate: template) ?? ""
        var headers = Self.consoleHeaders
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    static let consoleHeaders: HTTPFields = [
        .contentSecurityPolicy: "default-src 'self'; script-src 'none'; frame-ancestors 'none'; form-action 'self'",
        .cacheControl: "no-store",
        HTTPField.Name("X-Content-Type-Options")!: "nosniff",
        HTTPField.Name("Referrer-Policy")!: "same-origin",
    ]

    private static func redirect(_ location: String) -> Response {
        var headers = consoleHeaders
        headers[.location] = location
        return Response(status: .seeOther, headers: headers)
    }

    private static func forbidden(_ reason: String) -> Response {
        var headers = consoleHeaders
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(
            status: .forbidden, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: reason)))
    }

    /// A form's fields (`application/x-www-form-urlencoded`), at most 64 KiB of them.
    private static func form(_ request: Request) async throws -> [String: String] {
        let body = try await request.body.collect(upTo: 64 << 10)
        var components = URLComponents()
        components.percentEncodedQuery = String(buffer: body).replacingOccurrences(of: "+", with: "%20")
        return Dictionary(
            (components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { first, _ in first })
    }

    /// A path segment with everything but RFC 3986's unreserved characters percent-encoded.
    static func escape(_ text: String) -> String {
        var unreserved = CharacterSet.alphanumerics
        unreserved.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    /// A stored time (seconds since the reference date) as the audit stamps times.
    private static func time(_ seconds: Double) -> String {
        Gateway.timestamp(Date(timeIntervalSinceReferenceDate: seconds))
    }

    private static func sha256(_ text: String) -> String { SHA256.hash(data: Array(text.utf8)).hexadecimal }

    private static func randomHex() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }.hexadecimal
    }

    private static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let (x, y) = (Array(a.utf8), Array(b.utf8))
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
