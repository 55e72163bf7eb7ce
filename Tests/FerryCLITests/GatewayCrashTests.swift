import FerryCore
import FerryTesting
import Foundation
import GRDB
import Testing

/// The gateway killed with SIGKILL at random moments while a client sends documents and a
/// destination fails intermittently: after a restart, nothing accepted is lost.
@Suite(.serialized)
struct GatewayCrashTests {
    let cli = CLITests()

    /// A destination on loopback that answers 503 to 30 % of deliveries and keeps the others.
    final class FlakyDestination {
        let server: FerryTesting.ScriptServer
        let directory: URL
        var port: Int { server.port }

        /// - Parameter hold: seconds each request takes, so that overlapping deliveries would show.
        init(directory: URL, failureShare: Double = 0.3, hold: Double = 0) throws {
            self.directory = directory
            server = try FerryTesting.ScriptServer(
                script: "flaky-destination.py", arguments: [directory.path, "\(failureShare)", "\(hold)"])
        }

        /// The ids of the canonical records it received.
        func receivedIDs() throws -> [String] {
            let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter {
                $0.hasSuffix(".body")
            }
            return try names.flatMap { name in
                try String(decoding: try Data(contentsOf: directory.appendingPathComponent(name)), as: UTF8.self)
                    .split(separator: "\n").compactMap {
                        try JSONParser.parseDocument(Array($0.utf8)).objectValue?["id"]?.stringValue
                    }
            }
        }

        /// One request as the destination logged it.
        struct Request {
            /// Microseconds since 1970.
            let start: Int
            let end: Int
            let status: Int
            /// The records' ids.
            let records: [String]
        }

        /// Every request, in the order they ended.
        func requests() throws -> [Request] {
            let text =
                (try? String(contentsOf: directory.appendingPathComponent("requests.log"), encoding: .utf8)) ?? ""
            return try text.split(separator: "\n").compactMap { line in
                guard let object = try JSONParser.parseDocument(Array(line.utf8)).objectValue else { return nil }
                return Request(
                    start: object["start"]?.integerValue ?? 0, end: object["end"]?.integerValue ?? 0,
                    status: object["status"]?.integerValue ?? 0,
                    records: object["records"]?.arrayValue?.compactMap(\.stringValue) ?? [])
            }
        }

        func stop() { server.stop() }
    }

    /// Writes a format-A export of five generated people (Benchmarks/generate.py).
    static func generateExport(_ file: URL, seed: Int) throws {
        let generate = Process()
        generate.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        generate.arguments = [
            "python3", FerryTesting.packageRoot.appendingPathComponent("Benchmarks/generate.py").path,
            "a", "5r", file.path, "\(seed)",
        ]
        generate.standardOutput = FileHandle.nullDevice
        try generate.run()
        generate.waitUntilExit()
    }

    /// Format-A documents of five records each, every third with one record that cannot convert.
    func documents(count: Int, in directory: URL) throws -> [URL] {
        try (0..<count).map { index in
            let file = directory.appendingPathComponent("export-\(index).xml")
            try Self.generateExport(file, seed: 1000 + index)
            if index % 3 == 0 {
                // 31 February: the record is rejected, and must be kept with its reason.
                var bytes = try Data(contentsOf: file)
                let tag = Data("<ДатаРождения>".data(using: .windowsCP1251)!)
                let range = try #require(bytes.range(of: tag))
                bytes.replaceSubrange(range.upperBound..<range.upperBound + 10, with: Data("31.02.1990".utf8))
                try bytes.write(to: file)
            }
            return file
        }
    }

    @Test func nothingAcceptedIsLostWhenTheGatewayIsKilledAtRandomMoments() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-crash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let destination = try FlakyDestination(directory: root.appendingPathComponent("received"))
        defer { destination.stop() }
        #expect(destination.port > 0)
        let (config, data) = try RunningGateway.prepare(replacing: [
            (
                "deliver: { directory: deliveries/veterans-registry }",
                "deliver: { url: \"http://127.0.0.1:\(destination.port)/records\", timeout: 5s }"
            ),
            (
                "delivery: { attempts: 8, initial_delay: 1s, maximum_delay: 5m, lease: 60s }",
                "delivery: { attempts: 1000, initial_delay: 20ms, maximum_delay: 200ms, lease: 1s }"
            ),
        ])
        let exports = try documents(count: 36, in: root)

        var acceptedDocuments: [String] = []
        var acceptedRecords: Set<String> = []
        var faultyAccepted = 0
        var next = 0
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5 where next < exports.count {
            let gateway = try RunningGateway.start(config: config, data: data)
            let killAt = Date().addingTimeInterval(Double.random(in: 0.2...0.8, using: &generator))
            while Date() < killAt && next < exports.count {
                if let (status, report) = try? await gateway.send(exports[next], as: "hr"), status == 202 {
                    acceptedDocuments.append(report["document"]?.stringValue ?? "")
                    if next % 3 == 0 { faultyAccepted += 1 }
                    for entry in (report["records"]?.arrayValue ?? []).compactMap(\.objectValue)
                    where entry["outcome"] == .string("accepted") {
                        // The id of the record as released to the destination: the report links it.
                        let routing = (entry["destinations"]?.arrayValue ?? []).compactMap(\.objectValue)
                            .first { $0["destination"] == .string("veterans-registry") }
                        acceptedRecords.insert(routing?["released_id"]?.stringValue ?? entry["id"]?.stringValue ?? "")
                    }
                }
                next += 1
            }
            gateway.kill()
        }
        #expect(acceptedDocuments.count >= 5, "too few documents were accepted to test anything")

        let gateway = try RunningGateway.start(config: config, data: data)
        defer { gateway.stop() }
        #expect(try await gateway.waitUntilDelivered(acceptedDocuments, timeout: 120))

        // The HTTP deliveries verify with the signature headers and the gateway's /v1/keys.
        let keys = root.appendingPathComponent("keys.json")
        try await gateway.request("GET", "/v1/keys").body.write(to: keys)
        let bodies = try FileManager.default.contentsOfDirectory(atPath: destination.directory.path).filter {
            $0.hasSuffix(".body")
        }
        #expect(!bodies.isEmpty)
        for name in bodies.prefix(3) {
            let body = destination.directory.appendingPathComponent(name)
            let headers = body.deletingPathExtension().appendingPathExtension("headers.json").path
            let verified = try cli.ferry([
                "verify", "--keys", keys.path, "--headers", headers, "--destination", "veterans-registry",
                body.path,
            ])
            #expect(verified.status == 0, "\(verified.stderr)")
            let forged = try cli.ferry(["verify", "--keys", keys.path, "--headers", headers, keys.path])
            #expect(forged.status == 1)
        }

        // Every accepted record reached the failing destination at least once, with its id.
        let received = Set(try destination.receivedIDs())
        #expect(
            acceptedRecords.subtracting(received).isEmpty,
            "\(acceptedRecords.subtracting(received).count) of \(acceptedRecords.count) accepted records never arrived")
        // Every routed delivery is finished: delivered, none dead-lettered.
        var rejectedKept = 0
        for document in acceptedDocuments {
            let records = try await gateway.status(of: document)["records"]?.arrayValue?.compactMap(\.objectValue) ?? []
            for record in records {
                if record["outcome"] == .string("rejected") {
                    #expect(record["reason"]?.stringValue?.isEmpty == false && record["input"]?.stringValue != nil)
                    rejectedKept += 1
                }
                for destination in (record["destinations"]?.arrayValue ?? []).compactMap(\.objectValue) {
                    #expect(destination["state"] == .string("delivered"), "\(document): \(destination)")
                }
            }
        }
        #expect(rejectedKept == faultyAccepted)
        #expect(gateway.stop() == 0)
        let audit = try cli.ferry(["audit", "verify", "--data", data.path])
        #expect(audit.status == 0, "\(audit.stderr)")
    }
}

/// Dead letters: a destination that always fails, a delivery out of attempts, later versions of
/// its key waiting behind it, and the operators' `ferry queue list|purge|retry`.
@Suite(.serialized)
struct GatewayDeadLetterTests {
    let cli = CLITests()

    @Test func aDeadLetterHoldsBackItsKeyUntilAnOperatorActs() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-dead-\(UUID().uuidString)")
        let destination = try GatewayCrashTests.FlakyDestination(
            directory: root.appendingPathComponent("received"), failureShare: 1)
        defer { destination.stop() }
        let (config, data) = try RunningGateway.prepare(replacing: [
            (
                "deliver: { directory: deliveries/veterans-registry }",
                "deliver: { url: \"http://127.0.0.1:\(destination.port)/records\", timeout: 5s }"
            ),
            (
                "delivery: { attempts: 8, initial_delay: 1s, maximum_delay: 5m, lease: 60s }",
                "delivery: { attempts: 2, initial_delay: 10ms, maximum_delay: 20ms, lease: 5s }"
            ),
        ])
        let gateway = try RunningGateway.start(config: config, data: data)
        defer { gateway.stop() }
        let export = CLITests.examples.appendingPathComponent("kadry-export.xml")
        let first = try await gateway.send(export, as: "hr")
        #expect(first.status == 202)
        let document = try #require(first.report["document"]?.stringValue)
        #expect(try await waitFor { try await veteransState(gateway, document, position: 0) == "dead-lettered" })

        // A later version of the same person (same key, other data) waits behind the dead letter.
        // Format A is windows-1251.
        let text = try #require(String(data: try Data(contentsOf: export), encoding: .windowsCP1251))
        let changed = root.appendingPathComponent("changed.xml")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try #require(text.replacingOccurrences(of: "Иванов", with: "Иваненко").data(using: .windowsCP1251)).write(
            to: changed)
        let second = try await gateway.send(changed, as: "hr")
        let later = try #require(second.report["document"]?.stringValue)
        // Something that must not happen has no condition to await: the delivery loop gets half a
        // second (ten of its idle rounds) to deliver the later version wrongly.
        try await Task.sleep(for: .milliseconds(500))
        #expect(try await veteransState(gateway, later, position: 0) == "waiting", "shown as waiting behind it")

        let environment = ["FERRY_TOKEN": "ops-demo-token"]
        let url = "http://127.0.0.1:\(gateway.port)"
        let listed = try cli.ferry(["queue", "list", "--url", url], environment: environment)
        #expect(listed.status == 0, "\(listed.stderr)")
        let jobs = listed.stdoutLines.map { $0.split(separator: "\t").map(String.init) }
        let job = try #require(jobs.first { $0.count > 1 && $0[1] == "veterans-registry" }?.first)
        #expect(jobs.first { $0.first == job }?[3] == "2")  // attempts
        #expect(try cli.ferry(["queue", "list", "--url", url]).status == 64)  // no token: usage error
        #expect(try cli.ferry(["queue", "purge", "--url", url, "no-such-job"], environment: environment).status == 1)

        let purged = try cli.ferry(["queue", "purge", "--url", url, job], environment: environment)
        #expect(purged.status == 0, "\(purged.stderr)")
        // Released, the later version is tried (and, the destination still failing, dead-lettered in turn).
        #expect(try await waitFor { try await veteransState(gateway, later, position: 0) == "dead-lettered" })
        let relisted = try cli.ferry(["queue", "list", "--url", url], environment: environment)
        let next = try #require(
            relisted.stdoutLines.first { $0.contains("veterans-registry") }?.split(separator: "\t").first)
        #expect(try cli.ferry(["queue", "retry", "--url", url, String(next)], environment: environment).status == 0)

        #expect(gateway.stop() == 0)
        let audit = try cli.ferry(["audit", "verify", "--data", data.path])
        #expect(audit.status == 0, "\(audit.stderr)")
        let store = try DatabaseQueue(path: data.appendingPathComponent("ferry.sqlite").path)
        let kinds = try await store.read { db in try String.fetchSet(db, sql: "SELECT kind FROM audit_entry") }
        #expect(kinds.isSuperset(of: ["failed", "dead-lettered", "replayed", "operator-action"]), "\(kinds)")
        // Each operator action names what it touched.
        let actions = try await store.read { db in
            try String.fetchAll(
                db, sql: "SELECT details FROM audit_entry WHERE kind IN ('replayed', 'operator-action')")
        }.compactMap { try JSONParser.parseDocument(Array($0.utf8)).objectValue }
        #expect(
            actions.count == 2
                && actions.allSatisfy {
                    $0["destination"] == .string("veterans-registry") && $0["records"]?.arrayValue?.isEmpty == false
                        && $0["operator"] == .string("operations")
                }, "\(actions)")
    }

    @Test func aRecordWhoseRouteIsRemovedIsHeldAndDeliveredOnceAnOperatorRedecides() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-held-\(UUID().uuidString)")
        let destination = try GatewayCrashTests.FlakyDestination(
            directory: root.appendingPathComponent("received"), failureShare: 1)
        defer { destination.stop() }
        let failing: [(String, String)] = [
            (
                "deliver: { directory: deliveries/veterans-registry }",
                "deliver: { url: \"http://127.0.0.1:\(destination.port)/records\", timeout: 5s }"
            ),
            (
                "delivery: { attempts: 8, initial_delay: 1s, maximum_delay: 5m, lease: 60s }",
                "delivery: { attempts: 1000, initial_delay: 10ms, maximum_delay: 20ms, lease: 5s }"
            ),
        ]
        let (config, data) = try RunningGateway.prepare(replacing: failing)
        var gateway = try RunningGateway.start(config: config, data: data)
        let sent = try await gateway.send(CLITests.examples.appendingPathComponent("kadry-export.xml"), as: "hr")
        let document = try #require(sent.report["document"]?.stringValue)
        #expect(gateway.stop() == 0)

        // The route to the registry is removed (a typo, a reorganisation) while its records wait.
        let (withoutRoute, _) = try RunningGateway.prepare(
            replacing: failing + [("  - { to: veterans-registry, type: personnel.record }\n", "")])
        gateway = try RunningGateway.start(config: withoutRoute, data: data)
        #expect(try await waitFor { try await veteransState(gateway, document, position: 0) == "held" })
        let environment = ["FERRY_TOKEN": "ops-demo-token"]
        let listed = try cli.ferry(
            ["queue", "held", "--url", "http://127.0.0.1:\(gateway.port)"], environment: environment)
        #expect(listed.status == 0, "\(listed.stderr)")
        let rows = listed.stdoutLines.map { $0.split(separator: "\t").map(String.init) }
        #expect(!rows.isEmpty && rows.allSatisfy { $0.count == 6 && $0[1] == "veterans-registry" }, "\(rows)")
        #expect(rows.allSatisfy { $0.count == 6 && $0[5] == "no longer routed to veterans-registry" }, "\(rows)")
        #expect(listed.stderr == (rows.count == 1 ? "1 held delivery\n" : "\(rows.count) held deliveries\n"))
        #expect(gateway.stop() == 0)

        // Fixed, the operator has the held records decided again: they are delivered.
        let (fixed, _) = try RunningGateway.prepare()
        gateway = try RunningGateway.start(config: fixed, data: data)
        defer { gateway.stop() }
        let url = "http://127.0.0.1:\(gateway.port)"
        for row in rows {
            let redecided = try cli.ferry(["queue", "redecide", "--url", url, row[0]], environment: environment)
            #expect(redecided.status == 0, "\(redecided.stderr)")
        }
        #expect(try await waitFor { try await veteransState(gateway, document, position: 0) == "delivered" })
        let again = try cli.ferry(["queue", "redecide", "--url", url, rows[0][0]], environment: environment)
        #expect(again.status == 1)
        #expect(again.stderr.contains("not held"), "\(again.stderr)")
        #expect(gateway.stop() == 0)
        let store = try DatabaseQueue(path: data.appendingPathComponent("ferry.sqlite").path)
        let kinds = try await store.read { db in try String.fetchSet(db, sql: "SELECT kind FROM audit_entry") }
        #expect(kinds.isSuperset(of: ["held", "redecided"]), "\(kinds)")
        #expect(try cli.ferry(["audit", "verify", "--data", data.path]).status == 0)
    }

    func veteransState(_ gateway: RunningGateway, _ document: String, position: Int) async throws -> String? {
        let records = try await gateway.status(of: document)["records"]?.arrayValue ?? []
        guard records.count > position else { return nil }
        let destinations = records[position].objectValue?["destinations"]?.arrayValue ?? []
        return destinations.compactMap(\.objectValue).first { $0["destination"] == .string("veterans-registry") }?[
            "state"]?.stringValue
    }

    func waitFor(_ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }
}
