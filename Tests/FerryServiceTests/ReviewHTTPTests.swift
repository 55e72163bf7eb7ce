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

/// Reviews as reviewers meet them over HTTP on the demo gateway, whose contracts to the public
/// register need two reviewers' approval.
struct ReviewHTTPTests {
    static let contract = FerryTesting.bytes(
        FerryTesting.fixtures.appendingPathComponent("zakupki-contract/example/input.xml"))

    static func headers(_ token: String, contentType: String = "application/json") -> HTTPFields {
        [.contentType: contentType, .authorization: "Bearer \(token)"]
    }

    static func object(_ response: TestResponse) -> JSONObject {
        (try? JSONParser.parseDocument(Array(buffer: response.body)))?.objectValue ?? JSONObject()
    }

    @Test func twoReviewersReleaseAContractAndEveryMisuseIsRefused() async throws {
        let service = try demoService()
        try await Application(router: service.router()).test(.router) { client in
            try await client.execute(
                uri: "/v1/documents", method: .post,
                headers: Self.headers("contracts-demo-token", contentType: "application/xml"),
                body: ByteBuffer(bytes: Self.contract)
            ) { response in
                #expect(response.status == .accepted)
            }
            var id = ""
            var sha256 = ""
            try await client.execute(
                uri: "/v1/reviews?destination=procurement-register", method: .get,
                headers: Self.headers("reviewer-a-demo-token")
            ) { response in
                #expect(response.status == .ok)
                let reviews = Self.object(response)["reviews"]?.arrayValue?.compactMap(\.objectValue) ?? []
                #expect(reviews.count == 1)
                id = reviews.first?["id"]?.stringValue ?? ""
                sha256 = reviews.first?["sha256"]?.stringValue ?? ""
                #expect(reviews.first?["approvals"] == .array([]) && reviews.first?["overdue"] == .bool(false))
            }
            let path = "/v1/reviews/" + (id.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? id)
            try await client.execute(uri: path, method: .get, headers: Self.headers("reviewer-b-demo-token")) {
                response in
                #expect(response.status == .ok)
                let review = Self.object(response)
                #expect(review["record"]?.objectValue?["type"] == .string("procurement.contract"))
                #expect(review["release_changed"] == .bool(false))
            }
            try await client.execute(
                uri: "/v1/reviews/nothing/approve", method: .post, headers: Self.headers("reviewer-a-demo-token"),
                body: ByteBuffer(string: #"{"sha256": "x"}"#)
            ) {
                response in
                #expect(response.status == .notFound)
            }
            try await client.execute(
                uri: path + "/approve", method: .post, headers: Self.headers("reviewer-a-demo-token"),
                body: ByteBuffer(string: #"{"sha256": "\#(sha256)"}"#)
            ) {
                response in
                #expect(response.status == .ok)
                #expect(Self.object(response)["state"] == .string("open"))
            }
            try await client.execute(
                uri: path + "/approve", method: .post, headers: Self.headers("reviewer-a-demo-token"),
                body: ByteBuffer(string: #"{"sha256": "\#(sha256)"}"#)
            ) {
                response in
                #expect(response.status == .conflict)
                #expect(Self.object(response)["code"] == .string("review.duplicate"))
            }
            // A decision's body over 64 KiB is refused before it is read.
            for action in ["approve", "reject"] {
                try await client.execute(
                    uri: path + "/\(action)", method: .post, headers: Self.headers("reviewer-b-demo-token"),
                    body: ByteBuffer(string: #"{"reason": ""# + String(repeating: "a", count: 70_000) + #""}"#)
                ) { response in
                    #expect(response.status == .contentTooLarge, "\(action)")
                }
            }
            // An approval names the release reviewed: none is 400, another is 409.
            for (body, status, code) in [
                ("{}", HTTPResponse.Status.badRequest, nil), (#"{"sha256": "0000"}"#, .conflict, "review.stale"),
            ] {
                try await client.execute(
                    uri: path + "/approve", method: .post, headers: Self.headers("reviewer-b-demo-token"),
                    body: ByteBuffer(string: body)
                ) { response in
                    #expect(response.status == status, "\(body)")
                    if let code { #expect(Self.object(response)["code"] == .string(code)) }
                }
            }
            try await client.execute(
                uri: path + "/reject", method: .post, headers: Self.headers("reviewer-b-demo-token"),
                body: ByteBuffer(string: "{}")
            ) { response in
                #expect(response.status == .badRequest, "a rejection needs a reason")
            }
            try await client.execute(
                uri: path + "/approve", method: .post, headers: Self.headers("reviewer-b-demo-token"),
                body: ByteBuffer(string: #"{"sha256": "\#(sha256)"}"#)
            ) {
                response in
                #expect(response.status == .ok)
                let review = Self.object(response)
                #expect(review["state"] == .string("approved"))
                #expect(review["approvals"]?.arrayValue?.count == 2)
            }
            try await client.execute(
                uri: path + "/reject", method: .post, headers: Self.headers("reviewer-b-demo-token"),
                body: ByteBuffer(string: #"{"reason": "too late"}"#)
            ) { response in
                #expect(response.status == .conflict)
                #expect(Self.object(response)["code"] == .string("review.closed"))
            }
        }
        try service.gateway.keyring.rotate()
        while try await service.gateway.deliverDue() > 0 {}
        #expect(
            try await service.gateway.store.jobs(in: .delivered).contains { $0.destination == "procurement-register" })
    }
}
