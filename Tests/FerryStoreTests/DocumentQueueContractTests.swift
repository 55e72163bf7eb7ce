import FerryStore
import FerryCore
import FerryStoreSQLite
import FerryTestingPostgres
import Foundation
import Testing

/// The contract every ``DocumentQueue`` driver keeps; each driver runs these tests (PostgreSQL
/// when `FERRY_TEST_POSTGRES_URL` names a server, as `make test` does).
struct DocumentQueueContractTests {
    /// The drivers under test: the in-memory queue and every store driver.
    static let drivers = ["memory"] + StoreDrivers.names

    /// Runs the body on an empty queue of the driver.
    static func withQueue(
        _ driver: String, _ policy: RetryPolicy, _ body: (any DocumentQueue) async throws -> Void
    ) async throws {
        guard driver != "memory" else { return try await body(MemoryDocumentQueue(policy: policy)) }
        try await StoreDrivers.withStore(driver, policy: policy, body)
    }

    func job(_ id: String, key: String, destination: String = "registry") -> DeliveryJob {
        DeliveryJob(id: id, destination: destination, key: key, recordIDs: ["r-\(id)"], now: 0)
    }

    @Test(arguments: drivers)
    func deliversJobsOfOneKeyInOrderAndOtherKeysAlongside(_ driver: String) async throws {
        try await Self.withQueue(driver, RetryPolicy()) { queue in
            try await queue.enqueue([job("a1", key: "A"), job("a2", key: "A"), job("b1", key: "B")])
            let first = try await queue.claim(limit: 10, now: 0, leaseSeconds: 30)
            #expect(first.map(\.id) == ["a1", "b1"], "a2 waits behind a1")
            try await queue.complete("a1")
            #expect(try await queue.claim(limit: 10, now: 1, leaseSeconds: 30).map(\.id) == ["a2"])
        }
    }

    @Test(arguments: drivers)
    func countsEachDestinationsJobsByStateAndThoseFailing(_ driver: String) async throws {
        try await Self.withQueue(driver, RetryPolicy()) { queue in
            try await queue.enqueue([
                job("a1", key: "A"), job("b1", key: "B"), job("c1", key: "C"), job("x1", key: "X", destination: "fund"),
            ])
            #expect(try await queue.claim(limit: 10, now: 0, leaseSeconds: 30).count == 4)
            try await queue.complete("a1")
            try await queue.fail("b1", error: "HTTP 503", now: 1, random: 0.5)
            #expect(
                try await queue.oldestPending() == [
                    "registry": try #require(try await queue.jobs(in: .pending).first).availableAt
                ])
            let counts = try await queue.jobCounts()
            #expect(counts["registry"]?["delivered"] == 1 && counts["registry"]?["pending"] == 1)
            #expect(counts["registry"]?["leased"] == 1 && counts["registry"]?["failing"] == 1)
            #expect(counts["fund"]?["leased"] == 1 && (counts["fund"]?["failing"] ?? 0) == 0)
        }
    }

    /// A worker claims one destination's jobs, never one in flight elsewhere, and keeps per-key order.
    @Test(arguments: drivers)
    func claimsOneDestinationAtATimeExceptThoseInFlight(_ driver: String) async throws {
        try await Self.withQueue(driver, RetryPolicy()) { queue in
            try await queue.enqueue([
                job("s1", key: "A", destination: "slow"), job("f1", key: "B", destination: "fast"),
                job("s2", key: "C", destination: "slow"), job("f2", key: "B", destination: "fast"),
            ])
            let first = try await queue.claim(limit: 10, now: 0, leaseSeconds: 30, oneDestinationExcept: [])
            #expect(first.map(\.id) == ["s1", "s2"], "the destination first in the queue, all its due jobs")
            let second = try await queue.claim(limit: 10, now: 0, leaseSeconds: 30, oneDestinationExcept: ["slow"])
            #expect(second.map(\.id) == ["f1"], "f2 waits behind f1 of its key")
            #expect(
                try await queue.claim(limit: 10, now: 0, leaseSeconds: 30, oneDestinationExcept: ["slow", "fast"])
                    .isEmpty)
            try await queue.complete("f1")
            #expect(
                try await queue.claim(limit: 10, now: 0, leaseSeconds: 30, oneDestinationExcept: ["slow"]).map(\.id)
                    == [
                        "f2"
                    ])
        }
    }

    @Test(arguments: drivers)
    func retriesWithGrowingDelaysThenDeadLettersWithoutBlockingOtherKeys(_ driver: String) async throws {
        try await Self.withQueue(driver, RetryPolicy()) { queue in
            try await queue.enqueue([job("a1", key: "A"), job("a2", key: "A"), job("b1", key: "B")])
            var now = 0.0
            var delays: [Double] = []
            while true {
                let claimed = try await queue.claim(limit: 10, now: now, leaseSeconds: 30)
                guard let a1 = claimed.first(where: { $0.id == "a1" }) else {
                    now += 1
                    if now > 10_000 { Issue.record("a1 never came back"); return }
                    continue
                }
                if let b1 = claimed.first(where: { $0.id == "b1" }) { try await queue.complete(b1.id) }
                let state = try await queue.fail(a1.id, error: "HTTP 503", now: now, random: 0.5)
                if state == .deadLettered { break }
                let pending = try await queue.jobs(in: .pending).first { $0.id == "a1" }
                delays.append((pending?.availableAt ?? now) - now)
            }
            #expect(delays.count == RetryPolicy().maximumAttempts - 1)
            #expect(zip(delays, delays.dropFirst()).allSatisfy { $0 <= $1 }, "back-off grows: \(delays)")
            #expect(try await queue.jobs(in: .delivered).map(\.id) == ["b1"], "another key was not blocked")
            #expect(
                try await queue.claim(limit: 10, now: now + 10_000, leaseSeconds: 30).isEmpty,
                "a2 waits behind its dead-lettered predecessor")
            #expect(try await queue.jobs(in: .deadLettered).first?.lastError == "HTTP 503")

            try await queue.retry("a1", now: now + 10_000)
            #expect(try await queue.claim(limit: 10, now: now + 10_000, leaseSeconds: 30).map(\.id) == ["a1"])
        }
    }

    @Test(arguments: drivers)
    func purgingADeadLetterReleasesTheJobsBehindIt(_ driver: String) async throws {
        var policy = RetryPolicy()
        policy.maximumAttempts = 1
        try await Self.withQueue(driver, policy) { queue in
            try await queue.enqueue([job("a1", key: "A"), job("a2", key: "A")])
            _ = try await queue.claim(limit: 1, now: 0, leaseSeconds: 30)
            #expect(try await queue.fail("a1", error: "refused", now: 0, random: 0) == .deadLettered)
            try await queue.purge("a1")
            #expect(try await queue.claim(limit: 10, now: 0, leaseSeconds: 30).map(\.id) == ["a2"])
        }
    }

    @Test(arguments: drivers)
    func anExpiredLeaseIsClaimedAgainAndALiveOneIsNot(_ driver: String) async throws {
        try await Self.withQueue(driver, RetryPolicy()) { queue in
            try await queue.enqueue([job("a1", key: "A")])
            #expect(try await queue.claim(limit: 10, now: 0, leaseSeconds: 30).count == 1)
            #expect(try await queue.claim(limit: 10, now: 29, leaseSeconds: 30).isEmpty, "one worker at a time")
            #expect(try await queue.claim(limit: 10, now: 31, leaseSeconds: 30).map(\.id) == ["a1"], "the worker died")
        }
    }

    @Test(arguments: drivers)
    func refusesOperationsOnJobsInTheWrongState(_ driver: String) async throws {
        try await Self.withQueue(driver, RetryPolicy()) { queue in
            try await queue.enqueue([job("a1", key: "A")])
            // The code says which (the gateway answers 409 and 404 for them).
            let complete = await #expect(throws: QueueError.self) { try await queue.complete("a1") }
            #expect(complete?.code == .wrongState)
            let purge = await #expect(throws: QueueError.self) { try await queue.purge("a1") }
            #expect(purge?.code == .wrongState)
            let retry = await #expect(throws: QueueError.self) { try await queue.retry("missing", now: 0) }
            #expect(retry?.code == .noJob)
        }
    }

    @Test func jitterSpreadsDelaysAroundTheBackOff() {
        let policy = RetryPolicy()
        let low = policy.delay(afterAttempts: 3, random: 0) ?? 0
        let high = policy.delay(afterAttempts: 3, random: 0.999) ?? 0
        #expect(low == 4 * 0.8 && high > 4.79 && high < 4.8)
        #expect(policy.delay(afterAttempts: 40, random: 0.5) == nil)
        var capped = RetryPolicy()
        capped.maximumAttempts = 100
        #expect(capped.delay(afterAttempts: 60, random: 0.5) == 300)
    }
}

/// The SQLite queue keeps its jobs across a restart of the gateway.
struct SQLiteGatewayStoreQueueTests {
    @Test func jobsSurviveARestartAndALeaseOfTheDeadProcessExpires() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "ferry-queue-\(UUID().uuidString).sqlite"
        ).path
        do {
            let queue = try SQLiteGatewayStore(path: path)
            try await queue.enqueue([
                DeliveryJob(id: "a1", destination: "fund", key: "A", recordIDs: ["r1", "r2"], now: 0),
                DeliveryJob(id: "b1", destination: "fund", key: "B", recordIDs: ["r3"], now: 0),
            ])
            #expect(try await queue.claim(limit: 1, now: 0, leaseSeconds: 30).map(\.id) == ["a1"])
        }
        let reopened = try SQLiteGatewayStore(path: path)  // migrations run once; the second open finds them applied
        #expect(try await reopened.claim(limit: 10, now: 10, leaseSeconds: 30).map(\.id) == ["b1"])
        let reclaimed = try await reopened.claim(limit: 10, now: 31, leaseSeconds: 30)
        #expect(reclaimed.map(\.id) == ["a1"])
        #expect(reclaimed.first?.recordIDs == ["r1", "r2"])
    }
}

/// The audit logs keep one verifiable chain, concurrent writers included.
struct AuditLogTests {
    /// Runs the body on an empty audit log of the driver.
    static func withLog(_ driver: String, _ body: (any AuditLog) async throws -> Void) async throws {
        guard driver != "memory" else { return try await body(MemoryAuditLog()) }
        try await StoreDrivers.withStore(driver, body)
    }

    @Test(arguments: ["memory"] + StoreDrivers.names)
    func concurrentAppendsFormOneVerifiableChain(_ driver: String) async throws {
        try await Self.withLog(driver) { log in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<4 {
                    group.addTask {
                        for event in 0..<25 {
                            let details = JSONObject([("writer", .string("\(writer)")), ("event", .string("\(event)"))])
                            try await log.append(kind: "received", time: "2026-11-25T10:00:00Z", details: details)
                        }
                    }
                }
                try await group.waitForAll()
            }
            let entries = try await log.entries()
            #expect(entries.count == 100)
            #expect(entries.map(\.sequence) == Array(1...100))
            #expect(AuditChain.verify(entries).isEmpty)
        }
    }
}
