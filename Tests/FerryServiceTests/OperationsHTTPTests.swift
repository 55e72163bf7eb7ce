import FerryCore
import FerryGateway
import FerryService
import FerryTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// What operators and senders read over HTTP: the documents received (operators all, a sender
/// its own) and the audit trail (operators).
struct OperationsHTTPTests {
    static let export = FerryTesting.bytes(
        FerryTesting.fixtures.appendingPathComponent("kadry-personnel/example/input.xml"))

    static func headers(_ token: String) -> HTTPFields {
        [.contentType: "application/xml", .authorization: "Bearer \(token)"]
    }

    static func object(_ response: TestResponse) -> JSONObject {
        (try? JSONParser.parseDocument(Array(buffer: response.body)))?.objectValue ?? JSONObject()
    }

    @Test func documentsAreListedFilteredAndADuplicateNamesItsFirstDocument() async throws {
        try await Application(router: try demoService().router()).test(.router) { client in
            var first = ""
            var key = ""
            try await client.execute(
                uri: "/v1/documents", method: .post, headers: Self.headers("hr-demo-token"),
                body: ByteBuffer(bytes: Self.export)
            ) { response in
                let report = Self.object(response)
                first = report["document"]?.stringValue ?? ""
                key = report["records"]?.arrayValue?.first?.objectValue?["key"]?.stringValue ?? ""
            }
            try await client.execute(
                uri: "/v1/documents", method: .post, headers: Self.headers("hr-demo-token"),
                body: ByteBuffer(bytes: Self.export)
            ) { response in
                let records = (Self.object(response)["records"]?.arrayValue ?? []).compactMap(\.objectValue)
                #expect(!records.isEmpty && records.allSatisfy { $0["outcome"] == .string("duplicate") })
                #expect(records.allSatisfy { $0["first_document"] == .string(first) }, "\(records)")
            }
            func documents(_ query: String, _ token: String = "ops-demo-token") async throws -> [JSONObject] {
                try await client.execute(uri: "/v1/documents" + query, method: .get, headers: Self.headers(token)) {
                    response in
                    #expect(response.status == .ok, "\(query)")
                    return (Self.object(response)["documents"]?.arrayValue ?? []).compactMap(\.objectValue)
                }
            }
            let all = try await documents("")
            #expect(all.count == 2 && all.last?["document"] == .string(first), "newest first")
            #expect(all.first?["duplicates"] == all.last?["accepted"])
            #expect(try await documents("?sender=hr").count == 2)
            #expect(try await documents("?sender=logistics").isEmpty)
            #expect(try await documents("?outcome=duplicate").count == 1)
            #expect(
                try await documents("?key=" + (key.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? key))
                    .count == 2)
            #expect(try await documents("?key=nobody").isEmpty)
            #expect(try await documents("?from=2100-01-01").isEmpty)
            #expect(try await documents("?before=2100-01-01T00:00:00Z&limit=1").count == 1)
            // A page is at most 1,000, whatever is asked; the answer says what was used.
            try await client.execute(
                uri: "/v1/documents?limit=5000", method: .get, headers: Self.headers("ops-demo-token")
            ) { response in
                #expect(response.status == .ok && Self.object(response)["limit"] == .integer(1000))
            }
            #expect(try await documents("", "hr-demo-token").count == 2, "a sender sees its own")
            #expect(try await documents("", "logistics-demo-token").isEmpty)
            for (query, token, status) in [
                ("?from=yesterday", "ops-demo-token", HTTPResponse.Status.badRequest),
                ("?outcome=lost", "ops-demo-token", .badRequest),
                ("?sender=logistics", "hr-demo-token", .badRequest),
                ("", "reviewer-a-demo-token", .forbidden),
            ] {
                try await client.execute(uri: "/v1/documents" + query, method: .get, headers: Self.headers(token)) {
                    response in
                    #expect(response.status == status, "\(query) \(token)")
                }
            }
            try await client.execute(
                uri: "/v1/audit?kind=received", method: .get, headers: Self.headers("ops-demo-token")
            ) {
                response in
                let entries = (Self.object(response)["entries"]?.arrayValue ?? []).compactMap(\.objectValue)
                #expect(entries.count == 2 && entries.allSatisfy { $0["kind"] == .string("received") })
            }
            try await client.execute(
                uri: "/v1/audit?from=2&limit=1", method: .get, headers: Self.headers("ops-demo-token")
            ) {
                response in
                let entries = (Self.object(response)["entries"]?.arrayValue ?? []).compactMap(\.objectValue)
                #expect(entries.count == 1 && entries.first?["sequence"] == .integer(2))
            }
            // From a time: every entry of today, none of tomorrow; a time that is not UTC is refused.
            for (day, expected) in [(Date(), true), (Date().addingTimeInterval(86_400), false)] {
                let since = String(Gateway.timestamp(day).prefix(10))
                try await client.execute(
                    uri: "/v1/audit?kind=received&since=\(since)", method: .get, headers: Self.headers("ops-demo-token")
                ) { response in
                    let entries = (Self.object(response)["entries"]?.arrayValue ?? []).compactMap(\.objectValue)
                    #expect(response.status == .ok && entries.count == (expected ? 2 : 0), "\(since)")
                }
            }
            try await client.execute(
                uri: "/v1/audit?since=2026-12-07T08:00%2B03:00", method: .get, headers: Self.headers("ops-demo-token")
            ) { response in
                #expect(response.status == .badRequest)
            }
            try await client.execute(uri: "/v1/audit", method: .get, headers: Self.headers("hr-demo-token")) {
                response in
                #expect(response.status == .forbidden)
            }
        }
    }
}
