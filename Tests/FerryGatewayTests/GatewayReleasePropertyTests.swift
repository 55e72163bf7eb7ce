import FerryConvert
import FerryCore
import FerryGateway
import FerryStore
import FerryStoreSQLite
import FerryTesting
import FerryYAML
import Foundation
import Testing

/// Through the whole gateway — receive, route, release, store, re-decide, render, sign, drop —
/// over random records and random destination clearances: no delivered body ever holds a
/// field above its destination's clearance.
struct GatewayReleasePropertyTests {
    /// The canonical records of every fixture case, all record types.
    static func fixtureRecords() throws -> [JSONObject] {
        let root = FerryTesting.fixtures
        var records: [JSONObject] = []
        for mapping in try FileManager.default.contentsOfDirectory(atPath: root.path).sorted() {
            let directory = root.appendingPathComponent(mapping)
            for name in ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).sorted() {
                let output = directory.appendingPathComponent("\(name)/output.ndjson")
                guard FileManager.default.fileExists(atPath: output.path) else { continue }
                records += try String(decoding: FerryTesting.bytes(output), as: UTF8.self).split(separator: "\n").map {
                    try #require(try JSONParser.parseDocument(Array($0.utf8)).objectValue)
                }
            }
        }
        return records
    }

    @Test func noDeliveredBodyHoldsAFieldAboveItsDestinationsClearance() async throws {
        let (demo, loaded) = try loadDemoConfiguration()
        let (schemas, mappings) = (loaded.schemas, loaded.mappings)
        let all = try Self.fixtureRecords()
        let schemaOfType = Dictionary(schemas.map { ($0.recordType, $0) }, uniquingKeysWith: { first, _ in first })
        var random = FerryTesting.SplitMix64(state: 20261125)
        var delivered = 0, withheld = 0

        for round in 0..<12 {
            // Random clearances for the destinations, a canonical format for all of them, and
            // every sender allowed every type, so each record meets each clearance.
            var configuration = demo
            for index in configuration.systems.indices {
                switch configuration.systems[index].role {
                case .destination:
                    configuration.systems[index].clearance = Marking.allCases[Int(random.next() % 4)]
                    configuration.systems[index].format = .canonical
                case .sender:
                    configuration.systems[index].allowedTypes = schemas.map(\.recordType)
                    configuration.systems[index].clearance = .secret
                case .operator: break
                }
            }
            configuration.routes += schemas.flatMap { schema in
                configuration.systems.filter { $0.role == .destination }.map {
                    GatewayConfiguration.Route(destination: $0.id, recordType: schema.recordType, sender: nil, conditions: [],
                                               location: DocumentLocation(path: "test", line: 1, column: 1))
                }
            }
            let data = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-release-\(UUID().uuidString)")
            let store = try SQLiteGatewayStore(path: data.appendingPathComponent("ferry.sqlite").path(creatingDirectory: data))
            let gateway = try Gateway(configuration: configuration, schemas: schemas, mappings: mappings, store: store, dataDirectory: data)
            try gateway.keyring.rotate()

            // A random selection of records, as canonical NDJSON from a sender cleared for all.
            let chosen = all.filter { _ in random.next() % 2 == 0 || round == 0 }
            var body: [UInt8] = []
            for record in chosen {
                body += JSONWriter().bytes(.object(record))
                body.append(0x0A)
            }
            let sender = try #require(configuration.system("hr"))
            guard case .accepted = try await gateway.receive(.init(sender: sender, body: body, content: .canonical, idempotencyKey: nil))
            else {
                Issue.record("round \(round): the records were not accepted")
                continue
            }
            while try await gateway.deliverDue() > 0 {}

            for destination in configuration.systems where destination.role == .destination {
                let directory = data.appendingPathComponent("deliveries/\(destination.id)")
                let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(".ndjson") }
                var received = 0
                for file in files {
                    let lines = String(decoding: FerryTesting.bytes(directory.appendingPathComponent(file)), as: UTF8.self)
                        .split(separator: "\n")
                    for line in lines {
                        let record = try #require(try JSONParser.parseDocument(Array(line.utf8)).objectValue)
                        let type = try #require(record["type"]?.stringValue)
                        let schema = try #require(schemaOfType[type])
                        let classification = try #require(record["classification"]?.stringValue.flatMap(Marking.init(rawValue:)))
                        #expect(classification <= destination.clearance)
                        for (marking, pointer) in FerryTesting.markings(of: record["data"]?.objectValue ?? JSONObject(), type: schema.root) {
                            #expect(marking.map { $0 <= destination.clearance } ?? false,
                                    "round \(round): \(pointer) (\(String(describing: marking))) reached \(destination.id) (\(destination.clearance))")
                        }
                        received += 1
                    }
                }
                delivered += received
                withheld += chosen.count - received
            }
        }
        #expect(delivered > 0 && withheld > 0, "the rounds must both deliver and withhold records")
    }
}

extension URL {
    /// The path of a file in `directory`, creating the directory.
    fileprivate func path(creatingDirectory directory: URL) throws -> String {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return path
    }
}

/// Retention: record bodies (personal data) go once their deliveries are finished, while ids,
/// document reports and the audit chain stay.
struct GatewayRetentionTests {
    @Test func removesDeliveredBodiesAndKeepsTheAudit() async throws {
        let (configuration, loaded) = try loadDemoConfiguration()
        let (schemas, mappings) = (loaded.schemas, loaded.mappings)
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-retention-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        let store = try SQLiteGatewayStore(path: data.appendingPathComponent("ferry.sqlite").path)
        let gateway = try Gateway(configuration: configuration, schemas: schemas, mappings: mappings, store: store, dataDirectory: data)
        try gateway.keyring.rotate()
        let export = FerryTesting.bytes(FerryTesting.fixtures.appendingPathComponent("snab2-requisition/example/input.xml"))
        let sender = try #require(configuration.system("logistics"))
        guard case .accepted(let id, let report) = try await gateway.receive(.init(sender: sender, body: export, content: .legacy(mapping: nil),
                                                                                   idempotencyKey: nil))
        else {
            Issue.record("the export was not accepted")
            return
        }
        let recordIDs = (report["records"]?.arrayValue ?? []).compactMap { $0.objectValue?["id"]?.stringValue }
        #expect(!recordIDs.isEmpty)
        let later = Date().addingTimeInterval(3600)
        // Undelivered records keep their bodies whatever their age.
        #expect(try await store.removeBodies(receivedBefore: Gateway.timestamp(later)) == 0)
        while try await gateway.deliverDue() > 0 {}
        let auditBefore = try await store.entries()
        #expect(try await store.removeBodies(receivedBefore: Gateway.timestamp(later)) == recordIDs.count)
        let stored = try await store.records(recordIDs)
        #expect(stored.count == recordIDs.count && stored.values.allSatisfy { $0.body == nil })
        #expect(try await gateway.status(of: id, includeInputs: true)?["accepted"]?.integerValue == recordIDs.count)
        #expect(try await store.entries() == auditBefore)
        #expect(AuditChain.verify(auditBefore).isEmpty)
    }
}

/// The answer to a receipt is the document's report as the store holds it: built from what was
/// committed when nothing was a duplicate, read back when something was.
struct GatewayReceiptReportTests {
    @Test func theAnswerIsWhatTheStoreReadsBack() async throws {
        let (configuration, loaded) = try loadDemoConfiguration()
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        let store = try SQLiteGatewayStore(path: data.appendingPathComponent("ferry.sqlite").path)
        let gateway = try Gateway(configuration: configuration, schemas: loaded.schemas, mappings: loaded.mappings, store: store,
                                  dataDirectory: data)
        let sender = try #require(configuration.system("hr"))
        // The example holds records for several destinations and fields removed for some; the
        // faulty records add rejects.
        for fixture in ["example", "faulty-records"] {
            let export = FerryTesting.bytes(FerryTesting.fixtures.appendingPathComponent("kadry-personnel/\(fixture)/input.xml"))
            for round in ["first", "duplicate"] {
                let outcome = try await gateway.receive(.init(sender: sender, body: export, content: .legacy(mapping: nil),
                                                              idempotencyKey: nil))
                guard case .accepted(let id, let report) = outcome else {
                    Issue.record("\(fixture), \(round): \(outcome)")
                    continue
                }
                #expect(report == (try await gateway.status(of: id, includeInputs: false)), "\(fixture), \(round)")
                #expect((report["records"]?.arrayValue ?? []).count > 1)
            }
        }
    }
}
