import FerryGateway
import FerryService
import FerryTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// The inbound endpoint's answers, in process through the service's router: authentication
/// (401, 403) and the limits (413, 415, 429), each as a client would meet it.
struct GatewayHTTPTests {
    /// The demo gateway's service behind Hummingbird, with the limits a test sets.
    func application(_ adjust: (inout GatewayConfiguration) -> Void = { _ in }) throws -> some ApplicationProtocol {
        Application(router: try demoService(adjust).router())
    }

    static let export = FerryTesting.bytes(
        FerryTesting.fixtures.appendingPathComponent("kadry-personnel/example/input.xml"))

    static func headers(token: String?, contentType: String = "application/xml") -> HTTPFields {
        var headers: HTTPFields = [.contentType: contentType]
        if let token { headers[.authorization] = "Bearer \(token)" }
        return headers
    }

    @Test func aSenderIsAnsweredAndEveryOtherCallerRefused() async throws {
        try await application().test(.router) { client in
            let body = ByteBuffer(bytes: Self.export)
            try await client.execute(
                uri: "/v1/documents", method: .post, headers: Self.headers(token: "hr-demo-token"), body: body
            ) { response in
                #expect(response.status == .accepted)
            }
            try await client.execute(uri: "/v1/documents", method: .post, headers: Self.headers(token: nil), body: body)
            { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate] == "Bearer")
            }
            try await client.execute(
                uri: "/v1/documents", method: .post, headers: Self.headers(token: "not-a-token"), body: body
            ) { response in
                #expect(response.status == .unauthorized)
            }
            // Known callers that are not senders: the operator, a reviewer.
            for token in ["ops-demo-token", "reviewer-a-demo-token"] {
                try await client.execute(
                    uri: "/v1/documents", method: .post, headers: Self.headers(token: token), body: body
                ) { response in
                    #expect(response.status == .forbidden, "\(token)")
                }
            }
        }
    }

    @Test func aBodyOverMaxBodyIs413AndAnUnknownTypeIs415() async throws {
        let app = try application { $0.limits.maximumBodyBytes = 1024 }
        try await app.test(.router) { client in
            try await client.execute(
                uri: "/v1/documents", method: .post, headers: Self.headers(token: "hr-demo-token"),
                body: ByteBuffer(bytes: [UInt8](repeating: UInt8(ascii: " "), count: 1025) + Self.export)
            ) { response in
                #expect(response.status == .contentTooLarge)
            }
            try await client.execute(
                uri: "/v1/documents", method: .post,
                headers: Self.headers(token: "hr-demo-token", contentType: "text/plain"),
                body: ByteBuffer(bytes: Array("<a/>".utf8))
            ) { response in
                #expect(response.status == .unsupportedMediaType)
            }
        }
    }

    @Test func aSenderOverItsRateIs429WithRetryAfterAndSoIsAnAnonymousFlood() async throws {
        let app = try application {
            $0.limits.requestsPerSecond = 0.001
            $0.limits.burst = 2
            $0.anonymousPerSecond = 0.001
            $0.anonymousBurst = 3
        }
        try await app.test(.router) { client in
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<3 {
                try await client.execute(
                    uri: "/v1/documents", method: .post, headers: Self.headers(token: "hr-demo-token"),
                    body: ByteBuffer(bytes: Self.export)
                ) { response in
                    statuses.append(response.status)
                    if response.status == .tooManyRequests { #expect(response.headers[.retryAfter] == "1") }
                }
            }
            #expect(statuses == [.accepted, .accepted, .tooManyRequests])
            var anonymous: [HTTPResponse.Status] = []
            for _ in 0..<4 {
                try await client.execute(
                    uri: "/v1/documents", method: .post, headers: Self.headers(token: nil),
                    body: ByteBuffer(bytes: Self.export)
                ) { response in anonymous.append(response.status) }
            }
            #expect(anonymous == [.unauthorized, .unauthorized, .unauthorized, .tooManyRequests])
        }
    }

    /// Every endpoint that needs a caller refuses one without credentials, and the operators'
    /// endpoints refuse a sender; the public ones answer anyone.
    @Test func everyProtectedEndpointAuthenticatesAndChecksTheRole() async throws {
        let operatorOnly: [(HTTPRequest.Method, String)] = [
            (.get, "/v1/dead-letters"), (.post, "/v1/dead-letters/job/retry"), (.delete, "/v1/dead-letters/job"),
            (.get, "/metrics"), (.get, "/v1/held"), (.post, "/v1/held/job/redecide"),
        ]
        let protected = operatorOnly + [(.get, "/v1/documents/some-id")]
        try await application().test(.router) { client in
            for (method, uri) in protected {
                try await client.execute(uri: uri, method: method, headers: Self.headers(token: nil)) { response in
                    #expect(response.status == .unauthorized, "\(method) \(uri)")
                }
            }
            for (method, uri) in operatorOnly {
                for token in ["hr-demo-token", "reviewer-a-demo-token"] {
                    try await client.execute(uri: uri, method: method, headers: Self.headers(token: token)) {
                        response in
                        #expect(response.status == .forbidden, "\(method) \(uri) \(token)")
                    }
                }
            }
            // Reviews: senders see none; only reviewers decide.
            for (method, uri, tokens) in [
                (HTTPRequest.Method.get, "/v1/reviews", ["hr-demo-token"]),
                (.get, "/v1/reviews/job", ["hr-demo-token"]),
                (.post, "/v1/reviews/job/approve", ["hr-demo-token", "ops-demo-token"]),
                (.post, "/v1/reviews/job/reject", ["hr-demo-token", "ops-demo-token"]),
            ] {
                try await client.execute(uri: uri, method: method, headers: Self.headers(token: nil)) { response in
                    #expect(response.status == .unauthorized, "\(method) \(uri)")
                }
                for token in tokens {
                    try await client.execute(uri: uri, method: method, headers: Self.headers(token: token)) {
                        response in
                        #expect(response.status == .forbidden, "\(method) \(uri) \(token)")
                    }
                }
            }
            for uri in ["/healthz", "/v1/keys", "/openapi.yaml"] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .ok, "\(uri)")
                }
            }
        }
    }
}
