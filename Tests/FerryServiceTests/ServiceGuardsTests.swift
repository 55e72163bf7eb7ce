import FerryCore
import FerryStore
@testable import FerryService
import Foundation
import NIOCore
import Testing

/// The small guards of the HTTP interface: client addresses behind proxies, readiness probed at
/// most once a second, log values that cannot forge lines, free space that cannot be read.
struct ServiceGuardsTests {
    @Test func believesForwardedForOnlyFromTrustedProxies() throws {
        let proxy = try SocketAddress(ipAddress: "10.0.0.5", port: 443)
        let stranger = try SocketAddress(ipAddress: "198.51.100.7", port: 443)
        let trusted = [try #require(NetworkAddress.Range("10.0.0.0/8"))]
        #expect(
            ClientAddress.of(peer: stranger, forwardedFor: "203.0.113.9", trustedProxies: trusted) == "198.51.100.7",
            "an untrusted peer's header is not believed")
        #expect(
            ClientAddress.of(peer: proxy, forwardedFor: "203.0.113.9", trustedProxies: []) == "10.0.0.5",
            "no proxy is trusted by default")
        #expect(ClientAddress.of(peer: proxy, forwardedFor: "203.0.113.9", trustedProxies: trusted) == "203.0.113.9")
        // A client's own forged entry sits left of what the trusted hops appended.
        #expect(
            ClientAddress.of(peer: proxy, forwardedFor: "1.2.3.4, 203.0.113.9, 10.0.0.7", trustedProxies: trusted)
                == "203.0.113.9")
        #expect(ClientAddress.of(peer: proxy, forwardedFor: "junk", trustedProxies: trusted) == "10.0.0.5")
        #expect(NetworkAddress.Range("2001:db8::/32")?.contains("2001:db8:1::5") == true)
        #expect(NetworkAddress.Range("2001:db8::/32")?.contains("2001:db9::5") == false)
        #expect(
            NetworkAddress.isLoopback("127.3.4.5") && NetworkAddress.isLoopback("[::1]")
                && NetworkAddress.isLoopback("localhost"))
        #expect(!NetworkAddress.isLoopback("0.0.0.0") && !NetworkAddress.isLoopback("db.internal"))
    }

    @Test func probesReadinessAtMostOnceASecond() async {
        let probe = ReadinessProbe()
        let calls = Counter()
        for _ in 0..<50 {
            let result = await probe.result {
                await calls.increment()
                return ReadinessProbe.Result(ready: true, report: JSONObject())
            }
            #expect(result.ready)
        }
        #expect(await calls.value == 1)
    }

    actor Counter {
        var value = 0
        func increment() { value += 1 }
    }

    /// A flood from more addresses than the limiter keeps neither grows it without bound nor
    /// lets a spent key through while it is kept.
    @Test func theRateLimiterStaysBoundedUnderAWideFlood() async {
        let limiter = RateLimiter()
        #expect(await limiter.admit("a", perSecond: 0.001, burst: 1, now: 0))
        #expect(await !limiter.admit("a", perSecond: 0.001, burst: 1, now: 0), "spent")
        for index in 0..<(3 * RateLimiter.maximumBuckets) {
            _ = await limiter.admit("address-\(index)", perSecond: 0.001, burst: 1, now: 1)
            #expect(await limiter.count <= RateLimiter.maximumBuckets)
        }
        #expect(await limiter.count > 0)
    }

    /// A flood from more addresses than a window counts apart is counted, all of it, with the
    /// addresses past the bound together as `other`: the audit gets a bounded number of entries.
    @Test func theRefusalTallyIsBoundedPerWindow() async {
        let tally = RefusalTally()
        for index in 0..<(RefusalTally.maximumKeys + 500) {
            await tally.count(status: 401, reason: "no bearer token", address: "198.51.100.\(index)")
        }
        let events = await tally.takeEvents()
        #expect(events.count == RefusalTally.maximumKeys + 1)
        #expect(events.compactMap { $0.details["count"]?.integerValue }.reduce(0, +) == RefusalTally.maximumKeys + 500)
        #expect(events.first { $0.details["address"] == .string("other") }?.details["count"] == .integer(500))
        #expect(await tally.takeEvents().isEmpty, "a new window starts empty")
    }

    @Test func logValuesCannotForgeLines() {
        #expect("x\nferry: forged".loggable == "x\\u{A}ferry: forged")
        #expect("кадры\u{2028}".loggable == "кадры\\u{2028}")
    }

    @Test func unknownFreeSpaceIsNone() {
        #expect(StorageSpace.available(at: URL(fileURLWithPath: "/no/such/directory/\(UUID().uuidString)")) == nil)
        #expect((StorageSpace.available(at: FileManager.default.temporaryDirectory) ?? 0) > 0)
    }

    /// A store error answers clients with a fixed text for its kind: the database's message
    /// (file paths, SQL) goes to the log only.
    @Test func storeErrorsTellClientsNothingOfTheDatabase() {
        let message = "could not extend file \"base/16384/2619\": No space left on device"
        for error in [StoreError.full(message), StoreError.unavailable(message)] {
            #expect(!error.publicMessage.contains("base/16384"), "\(error.code)")
            #expect(error.description.contains("base/16384"), "the log keeps it")
        }
        #expect(StoreError.idempotencyConflict(documentID: "d-1").publicMessage.contains("d-1"))
    }
}
