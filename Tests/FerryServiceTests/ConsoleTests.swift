import FerryCore
import FerryGateway
import FerryService
import FerryStore
import FerryTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// The operators' console over HTTP on the demo gateway: sign-in, sessions, the security
/// headers, forged posts, and two reviewers approving a contract in two sessions.
struct ConsoleTests {
    static let contract = FerryTesting.bytes(
        FerryTesting.fixtures.appendingPathComponent("zakupki-contract/example/input.xml"))

    static func text(_ response: TestResponse) -> String { String(buffer: response.body) }

    /// The session cookie a sign-in set.
    static func sessionCookie(_ response: TestResponse) -> String? {
        response.headers[values: .setCookie].first { $0.hasPrefix("ferry_console=") }?
            .split(separator: ";").first.map(String.init)
    }

    static func form(_ fields: [(String, String)]) -> ByteBuffer {
        var components = URLComponents()
        components.queryItems = fields.map { URLQueryItem(name: $0.0, value: $0.1) }
        return ByteBuffer(string: components.percentEncodedQuery ?? "")
    }

    static let formType: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    static func headers(cookie: String?, origin: String? = nil, language: String? = nil) -> HTTPFields {
        var fields = formType
        if let cookie { fields[.cookie] = cookie }
        if let origin { fields[.origin] = origin }
        if let language { fields[.acceptLanguage] = language }
        return fields
    }

    /// The value of a hidden field in a page.
    static func hidden(_ name: String, in page: String) -> String? {
        guard let range = page.range(of: "name=\"\(name)\" value=\"") else { return nil }
        return String(page[range.upperBound...].prefix { $0 != "\"" })
    }

    func signIn(_ client: some TestClientProtocol, _ token: String) async throws -> String? {
        try await client.execute(
            uri: "/console/sign-in", method: .post, headers: Self.formType, body: Self.form([("token", token)])
        ) { response in
            #expect(response.status == .seeOther, "\(token)")
            let cookie = response.headers[values: .setCookie].first { $0.hasPrefix("ferry_console=") } ?? ""
            #expect(
                cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/console"))
            return Self.sessionCookie(response)
        }
    }

    @Test func twoReviewersApproveInTwoSessionsAndForgedOrSignedOutRequestsAreRefused() async throws {
        let service = try demoService()
        try await Application(router: service.router()).test(.router) { client in
            try await client.execute(uri: "/console/", method: .get) { response in
                #expect(response.status == .ok)
                #expect(Self.text(response).contains("name=\"token\" type=\"password\""))
                #expect(
                    response.headers[.contentSecurityPolicy]
                        == "default-src 'self'; script-src 'none'; frame-ancestors 'none'; form-action 'self'")
                #expect(response.headers[.cacheControl] == "no-store")
            }
            try await client.execute(uri: "/console/reviews", method: .get) { response in
                #expect(response.status == .seeOther && response.headers[.location] == "/console/")
            }
            for token in ["not-a-token", "contracts-demo-token"] {
                try await client.execute(
                    uri: "/console/sign-in", method: .post, headers: Self.formType, body: Self.form([("token", token)])
                ) { response in
                    #expect(response.status == .unauthorized, "\(token)")
                    #expect(response.headers[values: .setCookie].isEmpty)
                }
            }
            try await client.execute(
                uri: "/v1/documents", method: .post,
                headers: [.contentType: "application/xml", .authorization: "Bearer contracts-demo-token"],
                body: ByteBuffer(bytes: Self.contract)
            ) { response in #expect(response.status == .accepted) }

            let first = try #require(try await signIn(client, "reviewer-a-demo-token"))
            let second = try #require(try await signIn(client, "reviewer-b-demo-token"))
            #expect(first != second)
            try await client.execute(uri: "/console/", method: .get, headers: Self.headers(cookie: first)) { response in
                #expect(Self.text(response).contains("<dd id=\"open-reviews\">1</dd>"), "\(Self.text(response))")
            }
            var link = ""
            try await client.execute(uri: "/console/reviews", method: .get, headers: Self.headers(cookie: first)) {
                response in
                let page = Self.text(response)
                #expect(page.contains(">3312100001816000003</a>") && page.contains("procurement-register"), "\(page)")
                if let range = page.range(of: "href=\"/console/reviews/") {
                    link = String(page[range.upperBound...].prefix { $0 != "\"" })
                }
            }
            func reviewPage(_ cookie: String, language: String? = nil) async throws -> String {
                try await client.execute(
                    uri: "/console/reviews/\(link)", method: .get,
                    headers: Self.headers(cookie: cookie, language: language)
                ) { response in
                    #expect(response.status == .ok)
                    return Self.text(response)
                }
            }
            let page = try await reviewPage(first)
            let csrf = try #require(Self.hidden("csrf", in: page))
            let sha256 = try #require(Self.hidden("sha256", in: page))
            #expect(page.contains("procurement.contract") && page.contains("<dd id=\"approvals\">0/2</dd>"))
            // Forged: no token, another session's token, another site's Origin.
            let secondCSRF = try #require(Self.hidden("csrf", in: try await reviewPage(second)))
            for (fields, origin) in [
                ([("sha256", sha256)], nil as String?), ([("csrf", secondCSRF), ("sha256", sha256)], nil),
                ([("csrf", csrf), ("sha256", sha256)], "https://evil.example"),
            ] {
                try await client.execute(
                    uri: "/console/reviews/\(link)/approve", method: .post,
                    headers: Self.headers(cookie: first, origin: origin), body: Self.form(fields)
                ) { response in
                    #expect(response.status == .forbidden, "\(fields) \(origin ?? "")")
                }
            }
            try await client.execute(
                uri: "/console/reviews/\(link)/approve", method: .post, headers: Self.headers(cookie: first),
                body: Self.form([("csrf", csrf), ("sha256", sha256)])
            ) { response in
                #expect(response.status == .seeOther)
            }
            #expect(try await reviewPage(second).contains("<dd id=\"approvals\">1/2 (reviewer-a)</dd>"))
            let released = try await client.execute(
                uri: "/console/reviews/\(link)/approve", method: .post, headers: Self.headers(cookie: second),
                body: Self.form([("csrf", secondCSRF), ("sha256", sha256)])
            ) { response in
                #expect(response.status == .seeOther)
                return response.headers[.location] ?? ""
            }
            try await client.execute(uri: released, method: .get, headers: Self.headers(cookie: second, language: "ru"))
            {
                response in
                let page = Self.text(response)
                #expect(
                    page.contains("Одобрено.")
                        && page.contains("<dd id=\"approvals\">2/2 (reviewer-a, reviewer-b)</dd>"), "\(page)")
                #expect(!page.contains("/approve\""), "a decided review has no forms")
            }

            // Signed out, the session is gone.
            try await client.execute(
                uri: "/console/sign-out", method: .post, headers: Self.headers(cookie: first),
                body: Self.form([("csrf", csrf)])
            ) { response in
                #expect(response.status == .seeOther)
            }
            try await client.execute(uri: "/console/reviews", method: .get, headers: Self.headers(cookie: first)) {
                response in
                #expect(response.status == .seeOther)
            }
        }
        let kinds = try await service.gateway.store.entries().map(\.kind)
        #expect(kinds.contains("console-signed-in") && kinds.contains("console-signed-out"))
        #expect(kinds.filter { $0 == "review-approval" }.count == 2 && kinds.contains("review-approved"))
    }

    @Test func anOperatorReadsReviewsButCannotDecideThem() async throws {
        let service = try demoService()
        try await Application(router: service.router()).test(.router) { client in
            try await client.execute(
                uri: "/v1/documents", method: .post,
                headers: [.contentType: "application/xml", .authorization: "Bearer contracts-demo-token"],
                body: ByteBuffer(bytes: Self.contract)
            ) { response in #expect(response.status == .accepted) }
            let cookie = try #require(try await signIn(client, "ops-demo-token"))
            let id = try #require(
                try await service.gateway.store.reviews(
                    destinations: ["procurement-register"], classifications: ["public"], offset: 0, limit: 1
                ).first?.id)
            let escaped = id.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? id
            try await client.execute(
                uri: "/console/reviews/\(escaped)", method: .get, headers: Self.headers(cookie: cookie)
            ) {
                response in
                let page = Self.text(response)
                #expect(response.status == .ok && page.contains("Only reviewers approve or reject."))
                #expect(!page.contains("/approve\""))
                let csrf = Self.hidden("csrf", in: page) ?? ""
                try await client.execute(
                    uri: "/console/reviews/\(escaped)/approve", method: .post, headers: Self.headers(cookie: cookie),
                    body: Self.form([("csrf", csrf), ("sha256", "x")])
                ) { response in
                    #expect(response.status == .forbidden)
                }
            }
        }
    }

    @Test func anOperatorRedecidesAHeldDeliveryOnceConfirmedAndAReviewerCannot() async throws {
        let service = try demoService()
        let store = service.gateway.store
        try await Application(router: service.router()).test(.router) { client in
            try await client.execute(
                uri: "/v1/documents", method: .post,
                headers: [.contentType: "application/xml", .authorization: "Bearer logistics-demo-token"],
                body: ByteBuffer(
                    bytes: FerryTesting.bytes(
                        FerryTesting.fixtures.appendingPathComponent("snab2-requisition/example/input.xml")))
            ) { response in #expect(response.status == .accepted) }
            // One delivery is held, as a configuration change would hold it.
            let job = try #require(
                try await store.claim(limit: 1, now: Date().timeIntervalSinceReferenceDate, leaseSeconds: 60).first)
            try await store.finishDelivery(
                delivered: [], blocked: [], held: [job.id: "no longer routed to emergency-service"], review: [],
                now: Date().timeIntervalSinceReferenceDate, time: "t", audit: [])
            let cookie = try #require(try await signIn(client, "ops-demo-token"))
            let page = try await client.execute(
                uri: "/console/held", method: .get, headers: Self.headers(cookie: cookie)
            ) {
                response in
                #expect(response.status == .ok)
                return Self.text(response)
            }
            #expect(page.contains("no longer routed to emergency-service") && page.contains(job.key), "\(page)")
            let csrf = try #require(Self.hidden("csrf", in: page))
            let action =
                "/console/held/\(job.id.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? job.id)/redecide"
            try await client.execute(
                uri: action, method: .post, headers: Self.headers(cookie: cookie), body: Self.form([("csrf", csrf)])
            ) { response in
                #expect(response.status == .badRequest, "not confirmed")
            }
            #expect(try await store.jobs(in: .held).map(\.id) == [job.id])
            try await client.execute(
                uri: action, method: .post, headers: Self.headers(cookie: cookie),
                body: Self.form([("csrf", csrf), ("confirm", "yes")])
            ) { response in
                #expect(response.status == .seeOther && response.headers[.location] == "/console/held?m=done")
            }
            #expect(try await store.jobs(in: .held).isEmpty)
            #expect(
                try await store.entries().contains {
                    $0.kind == "redecided" && $0.details["operator"] == .string("operations")
                })
            let reviewer = try #require(try await signIn(client, "reviewer-a-demo-token"))
            try await client.execute(uri: "/console/held", method: .get, headers: Self.headers(cookie: reviewer)) {
                response in
                #expect(response.status == .forbidden)
            }
        }
    }

    @Test func anOperatorFindsDocumentsAndSeesWhatEachDestinationGotWithoutWhatItMayNot() async throws {
        let service = try demoService()
        try await Application(router: service.router()).test(.router) { client in
            let document = try await client.execute(
                uri: "/v1/documents", method: .post,
                headers: [.contentType: "application/xml", .authorization: "Bearer hr-demo-token"],
                body: ByteBuffer(
                    bytes: FerryTesting.bytes(
                        FerryTesting.fixtures.appendingPathComponent("kadry-personnel/example/input.xml")))
            ) { response in
                (try? JSONParser.parseDocument(Array(buffer: response.body)))?.objectValue?["document"]?.stringValue
                    ?? ""
            }
            let cookie = try #require(try await signIn(client, "ops-demo-token"))
            func get(_ uri: String) async throws -> (HTTPResponse.Status, String) {
                try await client.execute(uri: uri, method: .get, headers: Self.headers(cookie: cookie)) {
                    ($0.status, Self.text($0))
                }
            }
            let overview = try await get("/console/").1
            #expect(
                overview.contains("<dd id=\"documents\">1</dd>") && overview.contains("<dd id=\"accepted\">2</dd>"),
                "\(overview)")
            #expect(overview.contains("Oldest pending delivery") && overview.contains("<dd id=\"free-space\">"))
            let (listed, list) = try await get("/console/documents?sender=hr")
            #expect(listed == .ok && list.contains("/console/documents/\(document)"), "\(list)")
            #expect(try await get("/console/documents?sender=logistics").1.contains("Nothing here."))
            #expect(try await get("/console/documents?outcome=lost").0 == .badRequest)
            #expect(try await get("/console/documents?from=yesterday").0 == .badRequest)
            let (shown, page) = try await get("/console/documents/\(document)")
            #expect(
                shown == .ok && page.contains("veterans-registry")
                    && page.contains("&quot;type&quot;:&quot;personnel.record&quot;"))
            // The registry's record is shown as released: the fields removed for it are named, not shown.
            #expect(
                page.contains("Fields removed for the destination: ") && !page.contains("&quot;unit&quot;:"), "\(page)")
            #expect(try await get("/console/documents/nothing").0 == .notFound)
            let before = try await get("/console/destinations").1
            #expect(
                before.contains(
                    "<td>procurement-register</td><td>public</td><td>canonical<div class=\"target\">deliveries/procurement-register</div></td>"
                )
                    && before.contains("social-fund-discharge") && before.contains("<td>required</td>"),
                "\(before)")
            #expect(!before.contains("<td class=\"last-delivery\">20"), "\(before)")
            // Without a signing key, delivery fails: the failure and its reason are shown.
            _ = try await service.gateway.deliverDue()
            let failed = try await get("/console/destinations").1.components(separatedBy: "<tr><td>")
            let failing = try #require(failed.first { $0.hasPrefix("veterans-registry</td>") })
            #expect(
                failing.contains("<td class=\"last-delivery\">—</td><td class=\"last-failure\">20")
                    && failing.contains("no current key"), "\(failing)")
            // With a key and past the retry delay, the registry gets the personnel records; the
            // emergency service gets nothing.
            try service.gateway.keyring.rotate()
            let retried = Date().addingTimeInterval(3_600)
            while try await service.gateway.deliverDue(now: retried) > 0 {}
            let today = String(Gateway.timestamp(Date()).prefix(10))
            let destinations = try await get("/console/destinations").1
            let rows = destinations.components(separatedBy: "<tr><td>")
            let registry = try #require(rows.first { $0.hasPrefix("veterans-registry</td>") })
            #expect(
                registry.contains("<td class=\"last-delivery\">\(Gateway.timestamp(retried))</td>")
                    && registry.contains("no current key"), "\(registry)")
            let emergency = try #require(rows.first { $0.hasPrefix("emergency-service</td>") })
            #expect(emergency.contains("<td class=\"last-delivery\">—</td>"), "\(emergency)")
            _ = try await service.gateway.checkRecentChain()
            let audit = try await get("/console/audit?kind=console-signed-in").1
            #expect(audit.contains("Audit chain check: intact #1–#"), "\(audit)")
            #expect(audit.contains("<td>console-signed-in</td>") && audit.contains("operations"), "\(audit)")
            #expect(!audit.contains("<td>received</td>"))
            // By time: today's entries hold the sign-in, tomorrow's nothing; a time not in UTC form is refused.
            let sinceToday = try await get("/console/audit?kind=console-signed-in&since=\(today)").1
            #expect(sinceToday.contains("<td>console-signed-in</td>"), "\(sinceToday)")
            let tomorrow = String(Gateway.timestamp(Date().addingTimeInterval(86_400)).prefix(10))
            let (later, empty) = try await get("/console/audit?since=\(tomorrow)")
            #expect(
                later == .ok && !empty.contains("<td>console-signed-in</td>") && !empty.contains("<td>received</td>"))
            let (refused, refusal) = try await get("/console/audit?since=yesterday")
            #expect(refused == .badRequest && refusal.contains("such as 2026-12-07T08:00"), "\(refusal)")
            let reviewer = try #require(try await signIn(client, "reviewer-a-demo-token"))
            for uri in ["/console/documents", "/console/destinations", "/console/audit"] {
                try await client.execute(uri: uri, method: .get, headers: Self.headers(cookie: reviewer)) {
                    #expect($0.status == .forbidden, "\(uri)")
                }
            }
        }
    }

    @Test func aReviewersClearanceIsEnforcedInPagesAsInTheAPI() async throws {
        // Personnel records (internal) to the veterans registry need review too; reviewer-b is
        // cleared for public records only.
        let service = try demoService { configuration in
            for index in configuration.routes.indices
            where configuration.routes[index].destination == "veterans-registry" {
                configuration.routes[index].requiresReview = true
            }
            for index in configuration.systems.indices where configuration.systems[index].id == "reviewer-b" {
                configuration.systems[index].clearance = .public
            }
        }
        try await Application(router: service.router()).test(.router) { client in
            try await client.execute(
                uri: "/v1/documents", method: .post,
                headers: [.contentType: "application/xml", .authorization: "Bearer hr-demo-token"],
                body: ByteBuffer(
                    bytes: FerryTesting.bytes(
                        FerryTesting.fixtures.appendingPathComponent("kadry-personnel/example/input.xml")))
            ) { response in #expect(response.status == .accepted) }
            let review = try #require(
                try await service.gateway.store.reviews(
                    destinations: ["veterans-registry"], classifications: ["internal"], offset: 0, limit: 1
                ).first)
            let path =
                "/console/reviews/"
                + (review.id.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? review.id)
            let cleared = try #require(try await signIn(client, "reviewer-a-demo-token"))
            let low = try #require(try await signIn(client, "reviewer-b-demo-token"))
            try await client.execute(uri: "/console/reviews", method: .get, headers: Self.headers(cookie: cleared)) {
                #expect(Self.text($0).contains(review.subject))
            }
            try await client.execute(uri: "/console/reviews", method: .get, headers: Self.headers(cookie: low)) {
                #expect(!Self.text($0).contains(review.subject) && Self.text($0).contains("No review waits for you."))
            }
            let csrf = try await client.execute(uri: "/console/", method: .get, headers: Self.headers(cookie: low)) {
                Self.hidden("csrf", in: Self.text($0)) ?? ""
            }
            try await client.execute(uri: path, method: .get, headers: Self.headers(cookie: low)) {
                #expect($0.status == .notFound)
                #expect(!Self.text($0).contains(review.releasedSHA256))
            }
            try await client.execute(
                uri: path + "/approve", method: .post, headers: Self.headers(cookie: low),
                body: Self.form([("csrf", csrf), ("sha256", review.releasedSHA256)])
            ) {
                #expect($0.status == .notFound)
            }
            #expect(try await service.gateway.store.review(review.id)?.approvals.isEmpty == true)
        }
    }

    @Test func signInAttemptsAreRateLimitedAndFormsAreBounded() async throws {
        let service = try demoService { configuration in
            configuration.anonymousPerSecond = 0.001
            configuration.anonymousBurst = 2
        }
        try await Application(router: service.router()).test(.router) { client in
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<4 {
                try await client.execute(
                    uri: "/console/sign-in", method: .post, headers: Self.formType,
                    body: Self.form([("token", "guess")])
                ) { statuses.append($0.status) }
            }
            #expect(statuses == [.unauthorized, .unauthorized, .tooManyRequests, .tooManyRequests])
            // Past its burst, a right token is refused too: guessing is what the limit stops.
            try await client.execute(
                uri: "/console/sign-in", method: .post, headers: Self.formType,
                body: Self.form([("token", "ops-demo-token")])
            ) { #expect($0.status == .tooManyRequests) }
        }
        let open = try demoService()
        try await Application(router: open.router()).test(.router) { client in
            // A form over 64 KiB is refused before it is read.
            try await client.execute(
                uri: "/console/sign-in", method: .post, headers: Self.formType,
                body: ByteBuffer(string: "token=" + String(repeating: "a", count: 70_000))
            ) { #expect($0.status == .contentTooLarge) }
        }
    }
}
