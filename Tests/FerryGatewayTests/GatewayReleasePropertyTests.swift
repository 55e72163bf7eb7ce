import FerryConvert
import FerryCore
import FerryGateway
import FerryStore
import FerryStoreSQLite
import FerryTesting
import FerryYAML
import Foundation
import Testing

/// Through the whole gateway — receive, route, release, store, re-decide, render, sign, drop or
/// POST — over random records and random destination clearances: no byte a destination
/// receives (body, sidecar, HTTP headers) holds a field above its clearance, a member beside
/// the canonical envelope, or a hash that would confirm a guess of a removed field.
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

    /// `released` with the value at a JSON pointer into `original` put back: what someone
    /// holding the released record would hash to confirm a guess of that field.
    static func restoring(_ pointer: String, from original: JSONValue, into released: JSONValue?) -> JSONValue? {
        func restore(_ tokens: ArraySlice<Substring>, _ original: JSONValue, _ released: JSONValue?) -> JSONValue? {
            guard let token = tokens.first else { return original }
            switch original {
            case .object(let object):
                guard let child = object[String(token)] else { return nil }
                var result = released?.objectValue ?? JSONObject()
                result[String(token)] = restore(tokens.dropFirst(), child, result[String(token)])
                return .object(result)
            case .array(let items):
                guard let index = Int(token), index < items.count else { return nil }
                var result = released?.arrayValue ?? []
                if index < result.count {
                    result[index] = restore(tokens.dropFirst(), items[index], result[index]) ?? result[index]
                } else if let item = restore(tokens.dropFirst(), items[index], nil) {
                    result.append(item)
                }
                return .array(result)
            default: return nil
            }
        }
        return restore(pointer.split(separator: "/").dropFirst()[...], original, released)
    }

    /// The hashes that would confirm a guess of what a destination does not hold: the record's
    /// own id, and the id of the released record with each removed field restored.
    static func oracleHashes(of record: CanonicalRecord, released: CanonicalRecord, removed: [String]) -> [String] {
        guard !removed.isEmpty else { return [] }
        var hashes = [record.id]
        for pointer in removed {
            let field = String(pointer.dropFirst("/data".count))
            if case .object(let data)? = restoring(field, from: .object(record.data), into: .object(released.data)) {
                hashes.append(CanonicalRecord.id(source: record.source, type: record.type, data: data))
            }
        }
        return hashes
    }

    @Test func noDeliveredByteHoldsAnythingAboveItsDestinationsClearance() async throws {
        let (demo, loaded) = try loadDemoConfiguration()
        let (schemas, mappings) = (loaded.schemas, loaded.mappings)
        let all = try Self.fixtureRecords()
        let schemaOfType = Dictionary(schemas.map { ($0.recordType, $0) }, uniquingKeysWith: { first, _ in first })
        let release = RecordRelease(schemas: schemas)
        var random = FerryTesting.SplitMix64(state: 20261125)
        var delivered = 0, withheld = 0, oracleChecks = 0

        for round in 0..<12 {
            let data = FileManager.default.temporaryDirectory.appendingPathComponent(
                "ferry-release-\(UUID().uuidString)")
            let received = data.appendingPathComponent("http-received")
            let endpoint = try FerryTesting.ScriptServer(
                script: "flaky-destination.py", arguments: [received.path, "0"])
            defer { endpoint.stop() }
            // Random clearances for the destinations, a canonical format for all of them (one
            // over HTTP), and every sender allowed every type, so each record meets each clearance.
            var configuration = demo
            for index in configuration.systems.indices {
                switch configuration.systems[index].role {
                case .destination:
                    configuration.systems[index].clearance = Marking.allCases[Int(random.next() % 4)]
                    configuration.systems[index].format = .canonical
                    if configuration.systems[index].id == "emergency-service" {
                        configuration.systems[index].target = .http(
                            url: "http://127.0.0.1:\(endpoint.port)/records", timeout: 10)
                    }
                case .sender:
                    configuration.systems[index].allowedTypes = schemas.map(\.recordType)
                    configuration.systems[index].clearance = .secret
                    configuration.systems[index].sources = Array(Set(all.compactMap { $0["source"]?.stringValue }))
                case .operator, .reviewer: break
                }
            }
            // Release is under test here, not review: nothing waits for reviewers.
            for index in configuration.routes.indices { configuration.routes[index].requiresReview = nil }
            configuration.routes += schemas.flatMap { schema in
                configuration.systems.filter { $0.role == .destination }.map {
                    GatewayConfiguration.Route(
                        destination: $0.id, recordType: schema.recordType, sender: nil, conditions: [],
                        location: DocumentLocation(path: "test", line: 1, column: 1))
                }
            }
            let store = try SQLiteGatewayStore(
                path: data.appendingPathComponent("ferry.sqlite").path(creatingDirectory: data))
            let gateway = try Gateway(
                configuration: configuration, schemas: schemas, mappings: mappings, store: store, dataDirectory: data,
                patternCompiler: ProjectLoader.patternCompiler)
            try gateway.keyring.rotate()

            // A random selection of records, as canonical NDJSON from a sender cleared for all.
            let chosen = all.filter { _ in random.next() % 2 == 0 || round == 0 }
            var body: [UInt8] = []
            for record in chosen {
                body += JSONWriter().bytes(.object(record))
                body.append(0x0A)
            }
            let sender = try #require(configuration.system("hr"))
            guard
                case .accepted = try await gateway.receive(
                    .init(sender: sender, body: body, content: .canonical, idempotencyKey: nil))
            else {
                Issue.record("round \(round): the records were not accepted")
                continue
            }
            while try await gateway.deliverDue() > 0 {}

            for destination in configuration.systems where destination.role == .destination {
                // Each delivery: the body, and what came with it (the sidecar, or the HTTP headers).
                let isHTTP = destination.id == "emergency-service"
                let directory = isHTTP ? received : data.appendingPathComponent("deliveries/\(destination.id)")
                let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
                let bodies = names.filter { $0.hasSuffix(isHTTP ? ".body" : ".ndjson") }
                #expect(
                    names.filter { !$0.hasPrefix(".") && $0 != "requests.log" }.count == 2 * bodies.count,
                    "round \(round): \(destination.id) holds only deliveries and what came with them: \(names)")
                var everything = ""
                var received = 0
                for name in bodies {
                    let file = directory.appendingPathComponent(name)
                    let companion =
                        isHTTP
                        ? file.deletingPathExtension().appendingPathExtension("headers.json")
                        : file.appendingPathExtension("sig.json")
                    let text = String(decoding: FerryTesting.bytes(file), as: UTF8.self)
                    everything += text + String(decoding: FerryTesting.bytes(companion), as: UTF8.self)
                    for line in text.split(separator: "\n") {
                        let record = try #require(try JSONParser.parseDocument(Array(line.utf8)).objectValue)
                        #expect(FerryTesting.hasExactlyTheCanonicalEnvelope(record), "round \(round): \(record.keys)")
                        let type = try #require(record["type"]?.stringValue)
                        let schema = try #require(schemaOfType[type])
                        let classification = try #require(
                            record["classification"]?.stringValue.flatMap(Marking.init(rawValue:)))
                        #expect(classification <= destination.clearance)
                        for (marking, pointer) in FerryTesting.markings(
                            of: record["data"]?.objectValue ?? JSONObject(), type: schema.root)
                        {
                            #expect(
                                marking.map { $0 <= destination.clearance } ?? false,
                                "round \(round): \(pointer) (\(String(describing: marking))) reached \(destination.id) (\(destination.clearance))"
                            )
                        }
                        received += 1
                    }
                }
                // The oracle attack: nothing delivered equals a hash of a record with a removed field restored.
                for object in chosen {
                    let record = CanonicalRecord(
                        type: object["type"]?.stringValue ?? "", source: object["source"]?.stringValue ?? "",
                        subject: object["subject"]?.stringValue ?? "",
                        dataschema: object["dataschema"]?.stringValue ?? "",
                        time: object["time"]?.stringValue, classification: .public,
                        data: object["data"]?.objectValue ?? JSONObject())
                    guard
                        case .released(let released, let removed) = release.decide(
                            record, clearance: destination.clearance)
                    else { continue }
                    for hash in Self.oracleHashes(of: record, released: released, removed: removed) {
                        #expect(
                            !everything.contains(hash), "round \(round): \(destination.id) holds a hash of \(removed)")
                        oracleChecks += 1
                    }
                }
                delivered += received
                withheld += chosen.count - received
            }
        }
        #expect(delivered > 0 && withheld > 0, "the rounds must both deliver and withhold records")
        #expect(oracleChecks > 0, "the rounds must strip fields")
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
        let gateway = try Gateway(
            configuration: configuration, schemas: schemas, mappings: mappings, store: store, dataDirectory: data,
            patternCompiler: ProjectLoader.patternCompiler)
        try gateway.keyring.rotate()
        let export = FerryTesting.bytes(
            FerryTesting.fixtures.appendingPathComponent("snab2-requisition/example/input.xml"))
        let sender = try #require(configuration.system("logistics"))
        guard
            case .accepted(let id, let report) = try await gateway.receive(
                .init(
                    sender: sender, body: export, content: .legacy(mapping: nil),
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
        let gateway = try Gateway(
            configuration: configuration, schemas: loaded.schemas, mappings: loaded.mappings, store: store,
            dataDirectory: data, patternCompiler: ProjectLoader.patternCompiler)
        let sender = try #require(configuration.system("hr"))
        // The example holds records for several destinations and fields removed for some; the
        // faulty records add rejects.
        for fixture in ["example", "faulty-records"] {
            let export = FerryTesting.bytes(
                FerryTesting.fixtures.appendingPathComponent("kadry-personnel/\(fixture)/input.xml"))
            for round in ["first", "duplicate"] {
                let outcome = try await gateway.receive(
                    .init(
                        sender: sender, body: export, content: .legacy(mapping: nil),
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
