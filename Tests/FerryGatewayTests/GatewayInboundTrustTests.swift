import FerryConvert
import FerryCore
import FerryGateway
import FerryStore
import FerryStoreSQLite
import FerryTesting
import Foundation
import Testing

/// What a sender cannot smuggle past release by marking: members beside the canonical
/// envelope, and records in another system's name.
struct GatewayInboundTrustTests {
    /// A gateway on the demo configuration in a fresh data directory, with a signing key.
    static func gateway(_ change: (inout GatewayConfiguration) -> Void = { _ in }) throws -> (Gateway, URL) {
        var (configuration, loaded) = try loadDemoConfiguration()
        change(&configuration)
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-trust-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        let store = try SQLiteGatewayStore(
            path: data.appendingPathComponent("ferry.sqlite").path, policy: configuration.retry)
        let gateway = try Gateway(
            configuration: configuration, schemas: loaded.schemas, mappings: loaded.mappings, store: store,
            dataDirectory: data, patternCompiler: ProjectLoader.patternCompiler)
        try gateway.keyring.rotate()
        return (gateway, data)
    }

    /// The canonical records of a fixture case's expected output.
    static func fixtureRecords(_ mapping: String, _ fixture: String = "example") throws -> [JSONObject] {
        let text = String(
            decoding: FerryTesting.bytes(
                FerryTesting.fixtures.appendingPathComponent("\(mapping)/\(fixture)/output.ndjson")),
            as: UTF8.self)
        return try text.split(separator: "\n").map {
            try #require(try JSONParser.parseDocument(Array($0.utf8)).objectValue)
        }
    }

    static func ndjson(_ records: [JSONObject]) -> [UInt8] {
        records.flatMap { JSONWriter().bytes(.object($0)) + [0x0A] }
    }

    /// Every byte dropped for a destination: bodies and sidecars.
    static func droppedText(_ data: URL, _ destination: String) -> String {
        let directory = data.appendingPathComponent("deliveries/\(destination)")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).sorted()
        return names.map { String(decoding: FerryTesting.bytes(directory.appendingPathComponent($0)), as: UTF8.self) }
            .joined()
    }

    @Test func aMemberBesideTheEnvelopeRejectsTheRecordAndNeverLeaves() async throws {
        let (gateway, data) = try Self.gateway()
        let requisitions = try Self.fixtureRecords("snab2-requisition")
        var withNotes = requisitions[0]
        withNotes["notes"] = .object(JSONObject([("requested_by", .string("в/ч 54321"))]))
        var inFerrysName = requisitions[1]
        inFerrysName["ferryoriginid"] = .string(String(repeating: "0", count: 64))
        let sender = try #require(gateway.configuration.system("logistics"))
        let body = Self.ndjson([withNotes, inFerrysName, requisitions[0]])
        guard
            case .accepted(_, let report) = try await gateway.receive(
                .init(
                    sender: sender, body: body, content: .canonical,
                    idempotencyKey: nil))
        else {
            Issue.record("the clean record was not accepted")
            return
        }
        let entries = (report["records"]?.arrayValue ?? []).compactMap(\.objectValue)
        #expect(entries.map { $0["outcome"]?.stringValue ?? "" } == ["rejected", "rejected", "accepted"])
        #expect(entries[0]["reason"]?.stringValue?.hasPrefix("/notes: ") == true, "\(entries[0])")
        #expect(entries[1]["reason"]?.stringValue?.hasPrefix("/ferryoriginid: ") == true, "\(entries[1])")

        while try await gateway.deliverDue() > 0 {}
        // What the destination holds is for its group, not for everybody on the host.
        let directory = data.appendingPathComponent("deliveries/emergency-service")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(!files.isEmpty)
        for name in files {
            #expect(
                try FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent(name).path)[
                    .posixPermissions]
                    as? Int == 0o640, "\(name)")
        }
        #expect(try FileManager.default.attributesOfItem(atPath: directory.path)[.posixPermissions] as? Int == 0o750)
        let dropped = Self.droppedText(data, "emergency-service")
        #expect(dropped.contains(requisitions[0]["subject"]?.stringValue ?? "?"), "the clean record is delivered")
        #expect(!dropped.contains("в/ч") && !dropped.contains("notes") && !dropped.contains("ferryoriginid"))
    }

    @Test func aSenderCannotSendInAnotherSystemsName() async throws {
        // The logistics sender may send personnel records, but only as its own system.
        let (gateway, data) = try Self.gateway { configuration in
            for index in configuration.systems.indices where configuration.systems[index].id == "logistics" {
                configuration.systems[index].allowedTypes.append("personnel.record")
            }
        }
        let sender = try #require(gateway.configuration.system("logistics"))
        let personnel = try Self.fixtureRecords("kadry-personnel")  // source urn:ferry:system:kadry
        let requisitions = try Self.fixtureRecords("snab2-requisition")
        let body = Self.ndjson([personnel[0], requisitions[0], personnel[1]])
        guard
            case .accepted(let documentID, let report) = try await gateway.receive(
                .init(
                    sender: sender, body: body,
                    content: .canonical, idempotencyKey: nil))
        else {
            Issue.record("the logistics sender's own record was not accepted")
            return
        }
        let entries = (report["records"]?.arrayValue ?? []).compactMap(\.objectValue)
        #expect(entries.map { $0["outcome"]?.stringValue ?? "" } == ["rejected", "accepted", "rejected"])
        for entry in [entries[0], entries[2]] {
            #expect(
                entry["reason"]?.stringValue == "/source: logistics may send records of urn:ferry:system:snab2, "
                    + "not of urn:ferry:system:kadry")
            #expect(entry["key"] != nil && entry["line"] != nil)
        }
        // Operators see what was refused; the audit names the problem, not the values.
        let status = try #require(try await gateway.status(of: documentID, includeInputs: true))
        #expect(
            (status["records"]?.arrayValue ?? []).compactMap(\.objectValue).filter { $0["input"] != nil }.count == 2)
        let rejected = try await gateway.store.entries().filter { $0.kind == "rejected" }
        #expect(rejected.count == 1)
        let problems = (rejected.first?.details["rejects"]?.arrayValue ?? []).compactMap {
            $0.objectValue?["problems"]?.arrayValue
        }
        #expect(problems == [[.string("gateway.source /source")], [.string("gateway.source /source")]])

        // The same through its XML: read with the HR system's mapping, the records are the HR system's.
        let export = FerryTesting.bytes(
            FerryTesting.fixtures.appendingPathComponent("kadry-personnel/example/input.xml"))
        let outcome = try await gateway.receive(
            .init(
                sender: sender, body: export, content: .legacy(mapping: "kadry-personnel"),
                idempotencyKey: nil))
        guard case .nothingAccepted(_, let legacyReport) = outcome else {
            Issue.record("records read in another system's name were accepted: \(outcome)")
            return
        }
        #expect(
            (legacyReport["records"]?.arrayValue ?? []).allSatisfy {
                $0.objectValue?["reason"]?.stringValue?.hasPrefix("/source: ") == true
            })

        while try await gateway.deliverDue() > 0 {}
        #expect(Self.droppedText(data, "veterans-registry").isEmpty, "nothing in the HR system's name was delivered")
        #expect(!Self.droppedText(data, "emergency-service").isEmpty)
    }

    @Test func aSenderCannotPassOnWhatItIsNotClearedFor() async throws {
        let (gateway, _) = try Self.gateway { configuration in
            for index in configuration.systems.indices where configuration.systems[index].id == "logistics" {
                configuration.systems[index].clearance = .public
            }
        }
        let sender = try #require(gateway.configuration.system("logistics"))
        let body = Self.ndjson(try Self.fixtureRecords("snab2-requisition"))
        guard
            case .nothingAccepted(_, let report) = try await gateway.receive(
                .init(
                    sender: sender, body: body, content: .canonical,
                    idempotencyKey: nil))
        else {
            Issue.record("internal records were accepted from a sender cleared public")
            return
        }
        let reasons = (report["records"]?.arrayValue ?? []).compactMap { $0.objectValue?["reason"]?.stringValue }
        #expect(
            reasons.count == 2
                && reasons.allSatisfy {
                    $0 == "/classification: the record is internal, above the clearance of logistics (public)"
                }, "\(reasons)")
    }
}
