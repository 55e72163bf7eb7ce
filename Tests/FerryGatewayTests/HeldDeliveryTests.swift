import FerryConvert
import FerryCore
import FerryGateway
import FerryStore
import FerryStorePostgres
import FerryTestingPostgres
import FerryTesting
import Foundation
import Testing

/// Records the configuration stops at delivery are held, not lost.
///
/// They are kept with their bodies, later versions of their key waiting behind them, until an
/// operator has them decided again. Records policy stops stay blocked.
struct HeldDeliveryTests {
    /// Gateways over one store and data directory, each with its own configuration: the
    /// configuration an operator changes and fixes between receipt and delivery.
    struct Site {
        let data: URL
        let store: any GatewayStore

        /// Runs the body with a site on an empty store of a driver.
        static func with(_ driver: String, _ body: (Site) async throws -> Void) async throws {
            let data = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-held-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
            try await StoreDrivers.withStore(driver) { store in try await body(Site(data: data, store: store)) }
        }

        func gateway(_ change: (inout GatewayConfiguration) -> Void = { _ in }) throws -> Gateway {
            var (configuration, loaded) = try loadDemoConfiguration()
            change(&configuration)
            let gateway = try Gateway(
                configuration: configuration, schemas: loaded.schemas, mappings: loaded.mappings, store: store,
                dataDirectory: data, patternCompiler: ProjectLoader.patternCompiler)
            if (try? gateway.keyring.currentKeyID()) == nil { try gateway.keyring.rotate() }
            return gateway
        }

        func dropped(_ destination: String) -> [String] {
            let directory = data.appendingPathComponent("deliveries/\(destination)")
            return ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter {
                $0.hasSuffix(".ndjson")
            }
        }
    }

    static let requisitions = FerryTesting.bytes(
        FerryTesting.fixtures.appendingPathComponent("snab2-requisition/example/input.xml"))

    /// The export with the first requisition's first quantity changed: a later version of its key.
    static var laterVersion: [UInt8] {
        // Byte by byte: the export is in KOI8-R.
        var bytes = requisitions
        let quantity = Array("QTY=\"120\"".utf8)
        guard
            let start = (0...(bytes.count - quantity.count)).first(where: {
                Array(bytes[$0..<$0 + quantity.count]) == quantity
            })
        else { return bytes }
        bytes[start + quantity.count - 2] = UInt8(ascii: "1")
        return bytes
    }

    @Test(arguments: StoreDrivers.names)
    func aRouteRemovedAfterReceiptHoldsTheRecordUntilTheFixedConfigurationDeliversIt(_ driver: String) async throws {
        try await Site.with(driver) { site in
            try await receiveExport(try site.gateway(), from: "logistics", Self.requisitions)
            let withoutRoute = try site.gateway { $0.routes.removeAll { $0.destination == "emergency-service" } }
            while try await withoutRoute.deliverDue() > 0 {}
            let held = try await site.store.jobs(in: .held)
            #expect(held.count == 2)
            #expect(held.allSatisfy { $0.lastError == "no longer routed to emergency-service" })
            #expect(site.dropped("emergency-service").isEmpty)
            #expect(try await site.store.entries().contains { $0.kind == "held" })

            // A later version of a held key waits behind it, whatever the configuration says.
            try await receiveExport(try site.gateway(), from: "logistics", Self.laterVersion)
            let fixed = try site.gateway()
            while try await fixed.deliverDue() > 0 {}
            #expect(try await site.store.jobs(in: .held).count == 2)
            #expect(try await site.store.waitingCounts(behind: held).values.sorted() == [0, 1])
            #expect(site.dropped("emergency-service").isEmpty, "nothing overtakes a held version of its key")
            // The later version's document shows it waiting.
            let newest = try #require(try await site.store.documents(DocumentQuery(limit: 1)).first)
            let states = try #require(try await site.store.document(newest.id)).entries.flatMap {
                $0.destinations.map(\.state)
            }
            #expect(states.contains("waiting"), "\(states)")

            // Retention does not take what is held.
            _ = try await site.store.removeBodies(receivedBefore: "2100-01-01T00:00:00Z")
            #expect(try await site.store.records(held.flatMap(\.recordIDs)).values.allSatisfy { $0.body != nil })

            for job in held {
                try await site.store.act(on: job.id, .redecide, now: Date().timeIntervalSinceReferenceDate, time: "t") {
                    _, _ in AuditEvent("redecided", JSONObject())
                }
            }
            while try await fixed.deliverDue() > 0 {}
            #expect(try await site.store.jobs(in: .held).isEmpty)
            #expect(try await site.store.jobs(in: .delivered).count == 3)
            #expect(!site.dropped("emergency-service").isEmpty)
        }
    }

    @Test(arguments: StoreDrivers.names)
    func aRenamedDestinationHoldsAndAClearanceBelowTheRecordBlocks(_ driver: String) async throws {
        try await Site.with(driver) { site in
            try await receiveExport(try site.gateway(), from: "logistics", Self.requisitions)
            let renamed = try site.gateway { configuration in
                configuration.systems.removeAll { $0.id == "emergency-service" }
            }
            while try await renamed.deliverDue() > 0 {}
            let held = try await site.store.jobs(in: .held)
            #expect(held.count == 2)
            #expect(held.first?.lastError == "emergency-service is not a destination in the configuration")
            for job in held {
                try await site.store.act(on: job.id, .redecide, now: Date().timeIntervalSinceReferenceDate, time: "t") {
                    _, _ in AuditEvent("redecided", JSONObject())
                }
            }
            // Policy, not configuration: a clearance below the records blocks them for good.
            let lowered = try site.gateway { configuration in
                for index in configuration.systems.indices where configuration.systems[index].id == "emergency-service"
                {
                    configuration.systems[index].clearance = .public
                }
            }
            while try await lowered.deliverDue() > 0 {}
            #expect(try await site.store.jobs(in: .held).isEmpty)
            #expect(try await site.store.jobs(in: .blocked).count == 2)
            #expect(site.dropped("emergency-service").isEmpty)
        }
    }
}
