import FerryCore
import FerryStore
import FerryStorePostgres
import FerryTesting
import FerryTestingPostgres
import Foundation
import Testing

/// The contract every ``GatewayStore`` driver keeps, beyond the queue: documents, duplicates,
/// idempotency keys, delivery outcomes with their audit, checkpoints, pruning and retention.
struct GatewayStoreContractTests {
    static func record(_ id: String, key: String, destinations: [String]) -> InboundDocument.Record {
        InboundDocument.Record(
            id: id, type: "personnel", key: key, body: Array(#"{"id":"\#(id)"}"#.utf8),
            routing: destinations.map { InboundDocument.Routing(destination: $0, released: true) })
    }

    static func document(
        _ id: String, records: [InboundDocument.Record], rejects: [InboundDocument.Reject] = [],
        idempotencyKey: String? = nil, body: String = "body"
    ) -> InboundDocument {
        InboundDocument(
            id: id, sender: "hr", receivedAt: "2026-11-25T10:00:00Z", now: 0, bodySHA256: body,
            idempotencyKey: idempotencyKey,
            records: records.enumerated().map { ($0.offset, $0.element) }, rejects: rejects,
            audit: [AuditEvent("received", JSONObject([("document", .string(id))]))])
    }

    @Test(arguments: StoreDrivers.names)
    func commitsDocumentsWithDuplicatesRejectsAndTheirJobs(_ driver: String) async throws {
        try await StoreDrivers.withStore(driver) { store in
            let reject = InboundDocument.Reject(
                position: 2, line: 14, key: "K-3", reason: "service_end before service_start",
                input: "<record/>")
            let first = Self.document(
                "d1",
                records: [
                    Self.record("r1", key: "K-1", destinations: ["fund", "registry"]),
                    Self.record("r2", key: "K-2", destinations: []),
                ],
                rejects: [reject])
            #expect(try await store.commit(first) == .committed(duplicates: []))
            // The same record again, once in a later document and twice within it.
            let second = Self.document(
                "d2",
                records: [
                    Self.record("r1", key: "K-1", destinations: ["fund"]),
                    Self.record("r3", key: "K-1", destinations: ["fund"]),
                    Self.record("r3", key: "K-1", destinations: ["fund"]),
                ])
            #expect(try await store.commit(second) == .committed(duplicates: ["r1", "r3"]))

            #expect(try await store.documentCounts() == ["documents": 2, "accepted": 3, "duplicate": 2, "rejected": 1])
            // Newest first, ties by id; a page after a document goes on from it, ties included.
            #expect(try await store.documents(DocumentQuery()).map(\.id) == ["d1", "d2"])
            var after = DocumentQuery()
            after.after = ("2026-11-25T10:00:00Z", "d1")
            #expect(try await store.documents(after).map(\.id) == ["d2"])
            #expect(try await store.documents(DocumentQuery(key: "K-1")).map(\.id) == ["d1", "d2"])
            #expect(try await store.documents(DocumentQuery(outcome: .rejected)).map(\.id) == ["d1"])
            let stored = try #require(try await store.document("d1"))
            #expect(stored.sender == "hr" && stored.entries.count == 3)
            #expect(
                stored.entries[0].outcome == .accepted
                    && stored.entries[0].destinations.map(\.state) == ["pending", "pending"])
            #expect(stored.entries[1].unrouted)
            #expect(
                stored.entries[2].outcome == .rejected && stored.entries[2].line == 14
                    && stored.entries[2].input == "<record/>")
            let again = try #require(try await store.document("d2"))
            #expect(again.entries.map(\.outcome) == [.duplicate, .accepted, .duplicate])
            #expect(try await store.document("missing") == nil)

            let records = try await store.records(["r1", "r3", "missing"])
            #expect(records.keys.sorted() == ["r1", "r3"])
            #expect(records["r1"]?.body == Array(#"{"id":"r1"}"#.utf8) && records["r1"]?.documentID == "d1")
            #expect(try await store.storedRecordIDs(["r1", "missing", "r3"]) == ["r1", "r3"])
            // One job per new record and destination; duplicates add none.
            let jobs = try await store.jobs(in: .pending)
            #expect(jobs.map(\.id) == ["r1/fund", "r1/registry", "r3/fund"])
            #expect(try await store.queueDepth() == 3)
            #expect(try await store.entries().map(\.kind) == ["received", "received"])
        }
    }

    @Test(arguments: StoreDrivers.names)
    func anIdempotencyKeyReplaysTheSameBodyAndRefusesAnother(_ driver: String) async throws {
        try await StoreDrivers.withStore(driver) { store async throws in
            let records = [Self.record("r1", key: "K-1", destinations: ["fund"])]
            #expect(
                try await store.commit(Self.document("d1", records: records, idempotencyKey: "k", body: "A"))
                    == .committed(duplicates: []))
            #expect(
                try await store.commit(Self.document("d2", records: records, idempotencyKey: "k", body: "A"))
                    == .replayed(documentID: "d1"))
            await #expect(throws: StoreError.idempotencyConflict(documentID: "d1")) {
                try await store.commit(Self.document("d3", records: records, idempotencyKey: "k", body: "B"))
            }
            #expect(try await store.document("d2") == nil, "nothing of a replay is stored")
            #expect(try await store.document("d3") == nil)
            #expect(try await store.idempotencyKey(sender: "hr", key: "k")?.documentID == "d1")
            #expect(try await store.entries().count == 1)
        }
    }

    @Test(arguments: StoreDrivers.names)
    func deliveryOutcomesAndTheirAuditAreCommittedTogether(_ driver: String) async throws {
        var policy = RetryPolicy()
        policy.maximumAttempts = 1
        try await StoreDrivers.withStore(driver, policy: policy) { store in
            _ = try await store.commit(
                Self.document(
                    "d1",
                    records: [
                        Self.record("r1", key: "A", destinations: ["fund"]),
                        Self.record("r2", key: "B", destinations: ["fund"]),
                        Self.record("r3", key: "C", destinations: ["fund"]),
                    ]))
            #expect(try await store.claim(limit: 10, now: 0, leaseSeconds: 30).count == 3)
            try await store.finishDelivery(
                delivered: ["r1/fund"], blocked: ["r2/fund"], held: [:], review: [], now: 1,
                time: "2026-11-25T10:00:01Z",
                audit: [AuditEvent("delivered", JSONObject([("job", .string("r1/fund"))]))])
            let states = try await store.failDelivery(
                jobIDs: ["r3/fund"], error: "HTTP 503", now: 1, random: 0.5,
                time: "2026-11-25T10:00:02Z",
                audit: [AuditEvent("failed", JSONObject([("job", .string("r3/fund"))]))])
            #expect(states == ["r3/fund": .deadLettered])
            #expect(try await store.jobs(in: .delivered).map(\.id) == ["r1/fund"])
            #expect(try await store.jobs(in: .blocked).map(\.id) == ["r2/fund"])
            #expect(try await store.jobs(in: .deadLettered).first?.lastError == "HTTP 503")
            #expect(try await store.entries().map(\.kind) == ["received", "delivered", "failed", "dead-lettered"])
            // A job not leased cannot be finished, and nothing of the attempt is kept.
            await #expect(throws: QueueError.self) {
                try await store.finishDelivery(
                    delivered: ["r1/fund"], blocked: [], held: [:], review: [], now: 3, time: "2026-11-25T10:00:03Z",
                    audit: [AuditEvent("delivered", JSONObject())])
            }
            #expect(try await store.entries().count == 4)
            #expect(AuditChain.verify(try await store.entries()).isEmpty)
        }
    }

    @Test(arguments: StoreDrivers.names)
    func eachDestinationsLastDeliveryAndLastFailureAreKept(_ driver: String) async throws {
        try await StoreDrivers.withStore(driver) { store in
            _ = try await store.commit(
                Self.document(
                    "d1",
                    records: [
                        Self.record("r1", key: "A", destinations: ["fund", "registry"]),
                        Self.record("r2", key: "B", destinations: ["fund"]),
                    ]))
            #expect(try await store.destinationActivity().isEmpty)
            #expect(try await store.claim(limit: 10, now: 0, leaseSeconds: 30).count == 3)
            try await store.finishDelivery(
                delivered: ["r1/fund", "r1/registry"], blocked: [], held: [:], review: [], now: 100,
                time: "2026-11-25T10:00:01Z", audit: [])
            _ = try await store.failDelivery(
                jobIDs: ["r2/fund"], error: "HTTP 503", now: 200, random: 0.5, time: "2026-11-25T10:00:02Z", audit: [])
            #expect(
                try await store.destinationActivity() == [
                    "fund": DestinationActivity(lastDelivery: 100, lastFailure: 200, lastError: "HTTP 503"),
                    "registry": DestinationActivity(lastDelivery: 100),
                ])
            // A later delivery moves the time on and keeps the last failure as it was.
            #expect(try await store.claim(limit: 10, now: 10_000, leaseSeconds: 30).map(\.id) == ["r2/fund"])
            try await store.finishDelivery(
                delivered: ["r2/fund"], blocked: [], held: [:], review: [], now: 10_000, time: "2026-11-25T12:00:00Z",
                audit: [])
            #expect(
                try await store.destinationActivity()["fund"]
                    == DestinationActivity(lastDelivery: 10_000, lastFailure: 200, lastError: "HTTP 503"))
            // A delivery claimed earlier that finishes later (deliveries overlap) does not move
            // the time back.
            _ = try await store.commit(
                Self.document("d2", records: [Self.record("r3", key: "C", destinations: ["fund"])]))
            #expect(try await store.claim(limit: 10, now: 20_000, leaseSeconds: 30).map(\.id) == ["r3/fund"])
            try await store.finishDelivery(
                delivered: ["r3/fund"], blocked: [], held: [:], review: [], now: 9_000, time: "2026-11-25T11:00:00Z",
                audit: [])
            #expect(try await store.destinationActivity()["fund"]?.lastDelivery == 10_000)
        }
    }

    @Test(arguments: StoreDrivers.names)
    func theAuditTrailStartsAtTheFirstEntryStampedFromATime(_ driver: String) async throws {
        try await StoreDrivers.withStore(driver) { store in
            for time in [
                "2026-12-06T23:59:59.999Z", "2026-12-07T08:00:00.000Z", "2026-12-07T08:00:55.123Z",
                "2026-12-07T09:30:00.000Z",
            ] {
                _ = try await store.append(kind: "operator-action", time: time, details: JSONObject())
            }
            func first(_ text: String) async throws -> Int? {
                try await store.firstSequence(atOrAfter: try #require(AuditTimeBound(text)))
            }
            #expect(try await first("2026-12-07") == 2)
            #expect(try await first("2026-12-07 08:00:01") == 3)
            #expect(try await first("2026-12-07T08:00:55Z") == 3)
            #expect(try await first("2026-12-07T08:00:55.124") == 4)
            #expect(try await first("2026-12-08") == nil)
            #expect(try await first("2000-01-01") == 1)
            // Stamps follow the sequence only roughly (a delivery's entries carry the time it
            // was claimed): the trail from a time starts at the first entry stamped then or
            // later, even when a later entry carries an earlier stamp.
            _ = try await store.append(kind: "delivered", time: "2026-12-07T10:00:00.000Z", details: JSONObject())
            _ = try await store.append(kind: "delivered", time: "2026-12-07T09:59:45.000Z", details: JSONObject())
            #expect(try await first("2026-12-07T09:59:30") == 5)
        }
    }

    @Test func anAuditTimeIsAUTCDateOrDateAndTime() {
        for accepted in ["2026-12-07", "2026-12-07T08:00", "2026-12-07 08:00:01", "2026-12-07T08:00:01.5Z"] {
            #expect(AuditTimeBound(accepted) != nil, "\(accepted)")
        }
        for refused in [
            "", "yesterday", "07.12.2026", "2026-12-7", "2026-12-07T8:00", "2026-12-07T08:00+03:00",
            "2026-12-07T08:00:01.", "2026-12-07T08", "2026-12-07x",
        ] {
            #expect(AuditTimeBound(refused) == nil, "\(refused)")
        }
        #expect(AuditTimeBound("2026-12-07 08:00Z")?.text == "2026-12-07T08:00")
    }

    @Test(arguments: StoreDrivers.names)
    func aHeldJobKeepsItsBodyAndItsKeysLaterVersionsUntilItIsDecidedAgain(_ driver: String) async throws {
        try await StoreDrivers.withStore(driver) { store in
            _ = try await store.commit(
                Self.document("d1", records: [Self.record("r1", key: "A", destinations: ["fund"])]))
            _ = try await store.commit(
                Self.document("d2", records: [Self.record("r2", key: "A", destinations: ["fund"])]))
            #expect(try await store.claim(limit: 10, now: 0, leaseSeconds: 30).map(\.id) == ["r1/fund"])
            try await store.finishDelivery(
                delivered: [], blocked: [], held: ["r1/fund": "no longer routed to fund"], review: [], now: 5,
                time: "t1",
                audit: [AuditEvent("held", JSONObject([("records", .array([.string("r1")]))]))])
            let held = try await store.jobs(in: .held)
            #expect(held.map(\.id) == ["r1/fund"])
            #expect(held.first?.lastError == "no longer routed to fund" && held.first?.availableAt == 5)
            // The later version of the key waits behind it, however long.
            #expect(try await store.claim(limit: 10, now: 1_000_000, leaseSeconds: 30).isEmpty)
            #expect(try await store.waitingCounts(behind: held) == ["r1/fund": 1])
            #expect(try await store.queueDepth() == 2)
            // Retention keeps a held record's body.
            _ = try await store.removeBodies(receivedBefore: "2030-01-01T00:00:00Z")
            #expect(try await store.records(["r1"])["r1"]?.body != nil)
            // Only a held job can be re-decided; a retry wants a dead letter.
            let wrong = await #expect(throws: QueueError.self) {
                try await store.act(on: "r1/fund", .retry, now: 6, time: "t2") { _, _ in AuditEvent("x", JSONObject()) }
            }
            #expect(wrong?.code == .wrongState)
            try await store.act(on: "r1/fund", .redecide, now: 7, time: "t3") { destination, records in
                AuditEvent(
                    "redecided",
                    JSONObject([
                        ("destination", .string(destination)), ("records", .array(records.map(JSONValue.string))),
                    ]))
            }
            #expect(try await store.jobs(in: .held).isEmpty)
            let pending = try await store.jobs(in: .pending)
            #expect(pending.map(\.id) == ["r1/fund", "r2/fund"] && pending[0].lastError == nil)
            #expect(try await store.claim(limit: 10, now: 7, leaseSeconds: 30).map(\.id) == ["r1/fund"])
            let entries = try await store.entries()
            #expect(entries.map(\.kind) == ["received", "received", "held", "redecided"])
            #expect(entries.last?.details["destination"]?.stringValue == "fund")
            #expect(AuditChain.verify(entries).isEmpty)
            let missing = await #expect(throws: QueueError.self) {
                try await store.act(on: "nothing/fund", .redecide, now: 8, time: "t4") { _, _ in
                    AuditEvent("x", JSONObject())
                }
            }
            #expect(missing?.code == .noJob)
        }
    }

    @Test(arguments: StoreDrivers.names)
    func consoleSessionsAreFoundWhileUsedAndEndWhenIdleOrSignedOut(_ driver: String) async throws {
        try await StoreDrivers.withStore(driver) { store in
            let session = ConsoleSession(
                idHash: "h1", system: "operations", csrfToken: "c1", createdAt: 0, lastSeenAt: 0)
            try await store.createSession(session)
            try await store.createSession(
                ConsoleSession(idHash: "h2", system: "reviewer-a", csrfToken: "c2", createdAt: 0, lastSeenAt: 0))
            let found = try await store.session(idHash: "h1", now: 100, idleSeconds: 300)
            #expect(found?.system == "operations" && found?.csrfToken == "c1" && found?.lastSeenAt == 100)
            // Used at 100, so still alive at 350; then idle past 300 s.
            #expect(try await store.session(idHash: "h1", now: 350, idleSeconds: 300) != nil)
            #expect(try await store.session(idHash: "h1", now: 651, idleSeconds: 300) == nil)
            #expect(
                try await store.session(idHash: "h1", now: 652, idleSeconds: 10_000) == nil, "an idle session is gone")
            #expect(try await store.session(idHash: "nothing", now: 1, idleSeconds: 300) == nil)
            try await store.deleteSession(idHash: "h2")
            #expect(try await store.session(idHash: "h2", now: 1, idleSeconds: 300) == nil)
        }
    }

    @Test(arguments: StoreDrivers.names)
    func pruningStopsAtACheckpointAndTheChainGoesOnFromIt(_ driver: String) async throws {
        try await StoreDrivers.withStore(driver) { store in
            for index in 1...5 { try await store.append(kind: "received", time: "t\(index)", details: JSONObject()) }
            let refused = await #expect(throws: QueueError.self) { try await store.pruneAudit(through: 3) }
            #expect(refused?.code == .noCheckpoint)
            let head = try #require(try await store.head())
            let checkpoint = AuditCheckpoint(
                sequence: 3, hash: try await store.entries()[2].hash, time: "t", keyID: "k", signature: "s")
            try await store.addCheckpoint(checkpoint)
            #expect(try await store.lastCheckpoint() == checkpoint)
            let later = AuditCheckpoint(
                sequence: 5, hash: try await store.entries()[4].hash, time: "t2", keyID: "k", signature: "s2")
            try await store.addCheckpoint(later)
            try await store.addCheckpoint(checkpoint)  // written again: still one row
            #expect(try await store.checkpoints() == [checkpoint, later], "every checkpoint, by sequence")
            #expect(try await store.lastCheckpoint() == later)
            #expect(try await store.pruneAudit(through: 3) == 2)
            try await store.append(kind: "delivered", time: "t6", details: JSONObject())
            let entries = try await store.entries()
            #expect(entries.map(\.sequence) == [3, 4, 5, 6])
            #expect(entries[3].previousHash == head.hash)
            #expect(AuditChain.verify(entries, checkpoint: (checkpoint.sequence, checkpoint.hash)) == nil)
        }
    }

    @Test(arguments: StoreDrivers.names)
    func retentionRemovesFinishedBodiesOnly(_ driver: String) async throws {
        try await StoreDrivers.withStore(driver) { store in
            let reject = InboundDocument.Reject(position: 2, line: 3, key: nil, reason: "bad date", input: "<r/>")
            _ = try await store.commit(
                Self.document(
                    "d1",
                    records: [
                        Self.record("r1", key: "A", destinations: ["fund"]),
                        Self.record("r2", key: "B", destinations: ["fund"]),
                    ],
                    rejects: [reject]))
            let claimed = try await store.claim(limit: 10, now: 0, leaseSeconds: 30)
            #expect(claimed.count == 2)
            try await store.finishDelivery(
                delivered: ["r1/fund"], blocked: [], held: [:], review: [], now: 1, time: "t", audit: [])
            #expect(try await store.removeBodies(receivedBefore: "2026-11-25T09:00:00Z") == 0, "nothing that old")
            #expect(
                try await store.removeBodies(receivedBefore: "2026-11-26T00:00:00Z") == 2,
                "r1's body and the rejected input")
            let records = try await store.records(["r1", "r2"])
            #expect(records["r1"]?.body == nil && records["r1"]?.key == "A")
            #expect(records["r2"]?.body != nil, "r2 is still being delivered")
            #expect(try await store.document("d1")?.entries[2].input == nil)
            try await store.probeWritable()
        }
    }
}

/// Several gateway instances on one PostgreSQL database: what `ferry serve` instances share.
@Suite(.enabled(if: TestPostgres.isAvailable, "needs FERRY_TEST_POSTGRES_URL (make test starts a server)"))
struct PostgresSharedStoreTests {
    @Test func instancesStartingTogetherMigrateOnce() async throws {
        let url = try await TestPostgres.createDatabase()
        try await StoreDrivers.withPostgresInstances(4, url: url) { stores in
            try await stores[0].append(kind: "received", time: "t", details: JSONObject())
            #expect(try await stores[3].entries().count == 1)
        }
    }

    @Test func concurrentInstancesClaimEachJobOnceAndKeepKeyOrder() async throws {
        let url = try await TestPostgres.createDatabase()
        try await StoreDrivers.withPostgresInstances(3, url: url) { instances in
            let keys = (0..<10).map { "K\($0)" }
            let jobs = (0..<200).map { index in
                DeliveryJob(
                    id: "j\(index)", destination: "fund", key: keys[index % keys.count], recordIDs: ["r\(index)"],
                    now: 0)
            }
            try await instances[0].enqueue(jobs)
            let log = DeliveryLog()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (number, instance) in instances.enumerated() {
                    group.addTask {
                        var idle = 0
                        while idle < 20 {
                            let claimed = try await instance.claim(limit: 4, now: 0, leaseSeconds: 600)
                            if claimed.isEmpty {
                                idle += 1
                                try await Task.sleep(for: .milliseconds(5))
                                continue
                            }
                            idle = 0
                            for job in claimed {
                                await log.deliver(job, by: number)
                                try await instance.complete(job.id)
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let delivered = await log.deliveries
            #expect(delivered.count == 200, "every job delivered once")
            #expect(Set(delivered.map(\.id)).count == 200, "no job delivered twice")
            for key in keys {
                let order = delivered.filter { $0.key == key }.map { Int($0.id.dropFirst())! }
                #expect(order == order.sorted(), "key \(key) in queue order across instances")
            }
            #expect(Set(delivered.map(\.instance)).count > 1, "the work was shared")
        }
    }

    @Test func concurrentCommitsOnSeveralInstancesKeepOneChain() async throws {
        let url = try await TestPostgres.createDatabase()
        try await StoreDrivers.withPostgresInstances(2, url: url) { instances in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (number, instance) in instances.enumerated() {
                    group.addTask {
                        for index in 0..<25 {
                            let id = "d\(number)-\(index)"
                            // Both instances receive the same record r-shared: it is stored once.
                            _ = try await instance.commit(
                                GatewayStoreContractTests.document(
                                    id,
                                    records: [
                                        GatewayStoreContractTests.record(
                                            "r-\(id)", key: "K\(index % 3)", destinations: ["fund"]),
                                        GatewayStoreContractTests.record("r-shared", key: "S", destinations: ["fund"]),
                                    ]))
                        }
                    }
                }
                try await group.waitForAll()
            }
            let entries = try await instances[1].entries()
            #expect(entries.count == 50 && entries.map(\.sequence) == Array(1...50))
            #expect(AuditChain.verify(entries).isEmpty)
            let jobs = try await instances[0].jobs(in: .pending)
            #expect(jobs.count == 51, "50 own records and the shared one once")
            #expect(jobs.map(\.sequence) == jobs.map(\.sequence).sorted())
        }
    }

    @Test func anUnreachableServerIsUnavailableNotAFault() async throws {
        guard case .postgres(let location) = try StoreLocation("postgres://ferry@127.0.0.1:1/ferry?sslmode=disable")
        else { return }
        let store = PostgresGatewayStore(location: location)
        await #expect(throws: StoreError.self) { try await store.withUpkeep {} }
    }
}

/// Deliveries as a destination saw them, in order.
actor DeliveryLog {
    struct Delivery {
        let id: String
        let key: String
        let instance: Int
    }

    private(set) var deliveries: [Delivery] = []

    func deliver(_ job: DeliveryJob, by instance: Int) {
        deliveries.append(Delivery(id: job.id, key: job.key, instance: instance))
    }
}
