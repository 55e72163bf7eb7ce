import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import NIOSSL

/// Delivers a body to a destination's HTTP(S) endpoint: one POST with the signed
/// ``DeliveryManifest`` in `Ferry-*` headers.
///
/// Any 2xx answer is a delivery; anything else — a redirect included, which is never followed (a
/// `303` answered with a `GET` would lose the body) — or no answer within the timeout is a failure
/// to retry.
///
/// The client is AsyncHTTPClient with redirects disallowed, TLS 1.2 at least, certificates
/// verified against the system's roots, and no proxy from the environment.
struct HTTPDelivery {
    let url: String
    let timeout: Double

    /// The most records one POST carries.
    ///
    /// A record id is 64 hex digits and a comma, so the `Ferry-Record-Ids` header of 100 records is
    /// 6,499 bytes and every header of the request together stays under 8 KiB, the limit of common
    /// proxies.
    static let maximumRecords = 100

    /// One client for the process: connections are pooled across deliveries.
    ///
    /// It lives as long as the process, so it is never shut down.
    private static let client: HTTPClient = {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        let configuration = HTTPClient.Configuration(
            tlsConfiguration: tls, redirectConfiguration: .disallow, timeout: .init(connect: .seconds(10)))
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    /// The most of an answer's body read (and thrown away) before the connection is reused.
    private static let maximumAnswerBytes = 64 << 10

    func post(_ body: [UInt8], contentType: String, headers: [(name: String, value: String)]) async throws {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: contentType)
        for header in headers { request.headers.add(name: header.name, value: header.value) }
        request.body = .bytes(body)
        let status: HTTPResponseStatus
        do {
            let response = try await Self.client.execute(request, timeout: .milliseconds(Int64(timeout * 1000)))
            status = response.status
            _ = try? await response.body.collect(upTo: Self.maximumAnswerBytes)
        } catch {
            throw DeliveryError(message: "\(url): \(error)")
        }
        guard (200..<300).contains(status.code) else {
            let redirect = (300..<400).contains(status.code) ? " (a redirect, not followed)" : ""
            throw DeliveryError(message: "\(url) answered \(status.code)\(redirect)")
        }
    }
}
