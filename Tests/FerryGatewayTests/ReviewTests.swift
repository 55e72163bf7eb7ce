import FerryConvert
import FerryCore
import FerryGateway
import FerryStore
import FerryStorePostgres
import FerryTesting
import FerryTestingPostgres
import Foundation
import Testing

/// Two-person review, on every store driver: two different reviewers' approvals release a
/// record, one does not; the same reviewer twice is refused; a reviewer sees nothing above their
/// clearance; a rejection blocks; an approval is bound to the release it saw.
struct ReviewTests {
    /// The demo gateway over a store, with personnel records to the veterans registry reviewed
    /// too, a reviewer cleared only for public records, and what a test changes.
    static func gateway(
        _ store: any GatewayStore, data: URL, _ change: (inout GatewayConfiguration) -> Void = { _ in }
    ) throws -> Gateway {
        var (configuration, loaded) = try loadDemoConfiguration()
        for index in configuration.routes.indices where configuration.routes[index].destination == "veterans-registry" {
            configuration.routes[index].requiresReview = true
        }
        var low = try #require(configuration.system("reviewer-a"))
        low.id = "reviewer-public"
        low.clearance = .public
        configuration.systems.append(low)
        change(&configuration)
        let gateway = try Gateway(
            configuration: configuration, schemas: loaded.schemas, mappings: loaded.mappings, store: store,
            dataDirectory: data, patternCompiler: ProjectLoader.patternCompiler)
        if (try? gateway.keyring.currentKeyID()) == nil { try gateway.keyring.rotate() }
        return gateway
    }

    static func dataDirectory() throws -> URL {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-review-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        return data
    }

    /// Receives the personnel example (format A) from hr.
    static func receivePersonnel(_ gateway: Gateway) async throws {
        try await receiveExport(
            gateway, from: "hr",
            FerryTesting.bytes(FerryTesting.fixtures.appendingPathComponent("kadry-personnel/example/input.xml")))
    }

    static func reviewer(_ gateway: Gateway, _ id: String) throws -> GatewayConfiguration.System {
        try #require(gateway.configuration.system(id))
    }

    static func delivered(_ data: URL, _ destination: String) -> Int {
        let directory = data.appendingPathComponent("deliveries/\(destination)")
        return ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter {
            $0.hasSuffix(".ndjson")
        }.count
    }

    @Test(arguments: StoreDrivers.names)
    func twoDifferentReviewersReleaseOneDoesNotAndTheSameOneTwiceIsRefused(_ driver: String) async throws {
        try await StoreDrivers.withStore(driver) { store in
            let data = try Self.dataDirectory()
            let gateway = try Self.gateway(store, data: data)
            try await Self.receivePersonnel(gateway)
            let (a, b) = (try Self.reviewer(gateway, "reviewer-a"), try Self.reviewer(gateway, "reviewer-b"))
            let reviews = try await gateway.reviews(for: a, destination: "veterans-registry", offset: 0, limit: 100)
            #expect(!reviews.isEmpty && reviews.allSatisfy { $0.state == .open && $0.approvals.isEmpty })
            #expect(try await store.jobs(in: .inReview).count == reviews.count)
            while try await gateway.deliverDue() > 0 {}
            #expect(Self.delivered(data, "veterans-registry") == 0, "nothing leaves before two approvals")

            let review = reviews[0]
            guard
                case .done(let once) = try await gateway.approve(
                    review: review.id, sha256: review.releasedSHA256, by: a)
            else {
                Issue.record("the first approval was not counted")
                return
            }
            #expect(once.state == .open && once.approvals.map(\.reviewer) == ["reviewer-a"])
            guard
                case .conflict(_, let code) = try await gateway.approve(
                    review: review.id, sha256: review.releasedSHA256, by: a)
            else {
                Issue.record("the same reviewer was counted twice")
                return
            }
            #expect(code == "review.duplicate")
            while try await gateway.deliverDue() > 0 {}
            #expect(Self.delivered(data, "veterans-registry") == 0, "one approval releases nothing")

            guard
                case .done(let twice) = try await gateway.approve(
                    review: review.id, sha256: review.releasedSHA256, by: b)
            else {
                Issue.record("the second approval was not counted")
                return
            }
            #expect(twice.state == .approved && Set(twice.approvals.map(\.reviewer)) == ["reviewer-a", "reviewer-b"])
            while try await gateway.deliverDue() > 0 {}
            #expect(Self.delivered(data, "veterans-registry") == 1)
            #expect(try await store.jobs(in: .inReview).count == reviews.count - 1)
            let kinds = try await store.entries().map(\.kind)
            #expect(kinds.filter { $0 == "review-approval" }.count == 2 && kinds.contains("review-approved"))
            #expect(AuditChain.verify(try await store.entries()).isEmpty)
        }
    }

    @Test(arguments: StoreDrivers.names)
    func aReviewerSeesNothingAboveTheirClearanceAndNonReviewersDecideNothing(_ driver: String) async throws {
        try await StoreDrivers.withStore(driver) { store in
            let gateway = try Self.gateway(store, data: try Self.dataDirectory())
            try await Self.receivePersonnel(gateway)
            let a = try Self.reviewer(gateway, "reviewer-a")
            let low = try Self.reviewer(gateway, "reviewer-public")
            let review = try #require(try await gateway.reviews(for: a, destination: nil, offset: 0, limit: 10).first)
            #expect(review.classification == "internal")
            #expect(try await gateway.reviews(for: low, destination: nil, offset: 0, limit: 10).isEmpty)
            guard case .notFound = try await gateway.approve(review: review.id, sha256: review.releasedSHA256, by: low)
            else {
                Issue.record("a reviewer below the record's classification could approve it")
                return
            }
            guard case .notFound = try await gateway.reject(review: review.id, by: low, reason: "x") else {
                Issue.record("a reviewer below the record's classification could reject it")
                return
            }
            let sender = try #require(gateway.configuration.system("hr"))
            guard
                case .notFound = try await gateway.approve(review: review.id, sha256: review.releasedSHA256, by: sender)
            else {
                Issue.record("a sender could approve")
                return
            }
            #expect(try await store.review(review.id)?.approvals.isEmpty == true)
        }
    }

    @Test(arguments: StoreDrivers.names)
    func aReviewerSeesNothingOfADestinationClearedAboveThem(_ driver: String) async throws {
        try await StoreDrivers.withStore(driver) { store in
            // The registry may receive secret fields: the internal records sent to it keep them.
            let gateway = try Self.gateway(store, data: try Self.dataDirectory()) { configuration in
                for index in configuration.systems.indices where configuration.systems[index].id == "veterans-registry"
                {
                    configuration.systems[index].clearance = .secret
                }
            }
            try await Self.receivePersonnel(gateway)
            let a = try Self.reviewer(gateway, "reviewer-a")
            let operations = try #require(gateway.configuration.system("operations"))
            let reviews = try await gateway.reviews(for: operations, destination: nil, offset: 0, limit: 10)
            #expect(!reviews.isEmpty && reviews.allSatisfy { $0.classification == "internal" })
            #expect(try await gateway.reviews(for: a, destination: nil, offset: 0, limit: 10).isEmpty)
            #expect(
                try await gateway.reviews(for: a, destination: "veterans-registry", offset: 0, limit: 10).isEmpty)
            guard
                case .notFound = try await gateway.approve(
                    review: reviews[0].id, sha256: reviews[0].releasedSHA256, by: a)
            else {
                Issue.record("a reviewer below the destination's clearance could approve")
                return
            }
        }
    }

    @Test(arguments: StoreDrivers.names)
    func aRejectionEndsTheReviewAndBlocksTheDelivery(_ driver: String) async throws {
        try await StoreDrivers.withStore(driver) { store in
            let data = try Self.dataDirectory()
            let gateway = try Self.gateway(store, data: data)
            try await Self.receivePersonnel(gateway)
            let (a, b) = (try Self.reviewer(gateway, "reviewer-a"), try Self.reviewer(gateway, "reviewer-b"))
            let review = try #require(try await gateway.reviews(for: a, destination: nil, offset: 0, limit: 10).first)
            _ = try await gateway.approve(review: review.id, sha256: review.releasedSHA256, by: a)
            guard case .done(let rejected) = try await gateway.reject(review: review.id, by: b, reason: "wrong unit")
            else {
                Issue.record("the rejection was refused")
                return
            }
            #expect(
                rejected.state == .rejected && rejected.rejectedBy == "reviewer-b" && rejected.reason == "wrong unit")
            guard
                case .conflict(_, let code) = try await gateway.approve(
                    review: review.id, sha256: review.releasedSHA256, by: b)
            else {
                Issue.record("a rejected review was approved")
                return
            }
            #expect(code == "review.closed")
            let blocked = try await store.jobs(in: .blocked).first { $0.id == review.id }
            #expect(blocked?.lastError == "rejected by reviewer-b: wrong unit")
            while try await gateway.deliverDue() > 0 {}
            #expect(Self.delivered(data, "veterans-registry") == 0)
            #expect(try await store.entries().contains { $0.kind == "review-rejected" })
        }
    }

    @Test(arguments: StoreDrivers.names)
    func aReleaseThatChangesRestartsTheReviewBeforeAndAfterApproval(_ driver: String) async throws {
        try await StoreDrivers.withStore(driver) { store in
            let data = try Self.dataDirectory()
            let gateway = try Self.gateway(store, data: data)
            try await Self.receivePersonnel(gateway)
            let (a, b) = (try Self.reviewer(gateway, "reviewer-a"), try Self.reviewer(gateway, "reviewer-b"))
            let reviews = try await gateway.reviews(for: a, destination: nil, offset: 0, limit: 10)
            try #require(reviews.count >= 2)
            // The registry is cleared higher (still within the reviewers' clearance): its release
            // keeps fields it lost before.
            let widened = try Self.gateway(store, data: data) { configuration in
                for index in configuration.systems.indices where configuration.systems[index].id == "veterans-registry"
                {
                    configuration.systems[index].clearance = .restricted
                }
            }
            // Before approval: the approval is refused and the review opens again on the new release.
            _ = try await gateway.approve(review: reviews[0].id, sha256: reviews[0].releasedSHA256, by: a)
            guard
                case .conflict(_, let code) = try await widened.approve(
                    review: reviews[0].id, sha256: reviews[0].releasedSHA256, by: b)
            else {
                Issue.record("an approval of a changed release was counted")
                return
            }
            #expect(code == "review.restarted")
            let restarted = try #require(try await store.review(reviews[0].id))
            #expect(restarted.approvals.isEmpty && restarted.releasedSHA256 != reviews[0].releasedSHA256)
            // After approval, before delivery: the delivery opens the review again instead.
            _ = try await gateway.approve(review: reviews[1].id, sha256: reviews[1].releasedSHA256, by: a)
            _ = try await gateway.approve(review: reviews[1].id, sha256: reviews[1].releasedSHA256, by: b)
            #expect(try await store.review(reviews[1].id)?.state == .approved)
            while try await widened.deliverDue() > 0 {}
            let reopened = try #require(try await store.review(reviews[1].id))
            #expect(reopened.state == .open && reopened.approvals.isEmpty)
            #expect(Self.delivered(data, "veterans-registry") == 0)
            // Approved as it is now, it goes; an approval of the release it replaced is refused.
            guard
                case .conflict(_, let stale) = try await widened.approve(
                    review: reviews[1].id, sha256: reviews[1].releasedSHA256, by: a)
            else {
                Issue.record("an approval of a replaced release was counted")
                return
            }
            #expect(stale == "review.stale")
            _ = try await widened.approve(review: reviews[1].id, sha256: reopened.releasedSHA256, by: a)
            _ = try await widened.approve(review: reviews[1].id, sha256: reopened.releasedSHA256, by: b)
            while try await widened.deliverDue() > 0 {}
            #expect(Self.delivered(data, "veterans-registry") == 1)
        }
    }

    @Test(arguments: StoreDrivers.names)
    func anOverdueReviewIsListedAsSuchAndNeverReleasedByTime(_ driver: String) async throws {
        try await StoreDrivers.withStore(driver) { store in
            let data = try Self.dataDirectory()
            let gateway = try Self.gateway(store, data: data) { $0.reviewTimeoutSeconds = 60 }
            try await Self.receivePersonnel(gateway)
            let a = try Self.reviewer(gateway, "reviewer-a")
            let review = try #require(try await gateway.reviews(for: a, destination: nil, offset: 0, limit: 10).first)
            let opened = Date(timeIntervalSinceReferenceDate: review.openedAt)
            #expect(!gateway.isOverdue(review, now: opened.addingTimeInterval(59)))
            #expect(gateway.isOverdue(review, now: opened.addingTimeInterval(61)))
            // A day later, nothing has left without its approvals.
            while try await gateway.deliverDue(now: opened.addingTimeInterval(86_400)) > 0 {}
            #expect(try await store.review(review.id)?.state == .open)
            #expect(try await store.jobs(in: .inReview).contains { $0.id == review.id })
            #expect(Self.delivered(data, "veterans-registry") == 0)
        }
    }

    @Test(.enabled(if: TestPostgres.isAvailable, "needs FERRY_TEST_POSTGRES_URL (make test starts a server)"))
    func concurrentApprovalsOnTwoInstancesReleaseOnce() async throws {
        let url = try await TestPostgres.createDatabase()
        try await StoreDrivers.withPostgresInstances(2, url: url) { stores in
            let data = try Self.dataDirectory()
            let first = try Self.gateway(stores[0], data: data)
            let second = try Self.gateway(stores[1], data: data)
            try await Self.receivePersonnel(first)
            let (a, b) = (try Self.reviewer(first, "reviewer-a"), try Self.reviewer(second, "reviewer-b"))
            let reviews = try await first.reviews(for: a, destination: nil, offset: 0, limit: 100)
            try #require(!reviews.isEmpty)
            for review in reviews {
                async let one = first.approve(review: review.id, sha256: review.releasedSHA256, by: a)
                async let other = second.approve(review: review.id, sha256: review.releasedSHA256, by: b)
                _ = try await (one, other)
                #expect(try await stores[1].review(review.id)?.state == .approved)
            }
            let entries = try await stores[0].entries()
            for review in reviews {
                let approved = entries.filter {
                    $0.kind == "review-approved" && $0.details["review"]?.stringValue == review.id
                }
                #expect(approved.count == 1, "\(review.id) released once")
            }
            #expect(
                try await stores[0].jobs(in: .pending).filter { job in reviews.contains { $0.id == job.id } }.count
                    == reviews.count)
            #expect(AuditChain.verify(entries).isEmpty)
        }
    }
}
