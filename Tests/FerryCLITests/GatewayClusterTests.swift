import FerryCore
import FerryGateway
import FerryTesting
import FerryTestingPostgres
import Foundation
import Testing

/// Three `ferry serve` instances on one PostgreSQL database, behind a client that moves to
/// another instance when one does not answer (as a load balancer would), while a destination
/// fails intermittently and instances are killed with SIGKILL at random moments and restarted.
@Suite(.serialized, .enabled(if: TestPostgres.isAvailable, "needs FERRY_TEST_POSTGRES_URL (make test starts a server)"))
struct GatewayClusterTests {
    let cli = CLITests()

    /// A format-A export whose records keep their keys from version to version while their pay
    /// and street (and so their ids, and the ids released to the veterans' registry, which holds
    /// the street and not the pay) change: versions of the same people, to check per-key order.
    func versions(of base: Int, count: Int, in directory: URL) throws -> [URL] {
        let template = directory.appendingPathComponent("base-\(base).xml")
        try GatewayCrashTests.generateExport(template, seed: 2000 + base)
        let text = try #require(String(data: try Data(contentsOf: template), encoding: .windowsCP1251))
        let pay = try Regex(#",\d\d</ДенежноеДовольствие>"#)
        let street = try Regex(#"кв\. \d+</Улица>"#)
        return try (0..<count).map { version in
            let file = directory.appendingPathComponent("base-\(base)-v\(version).xml")
            let changed = text.replacing(pay, with: ",\(version < 10 ? "0" : "")\(version)</ДенежноеДовольствие>")
                .replacing(street, with: "кв. \(version + 1)</Улица>")
            try #require(changed.data(using: .windowsCP1251)).write(to: file)
            return file
        }
    }

    @Test func threeInstancesLoseNothingDeliverOnceAtATimeAndKeepKeyOrder() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-cluster-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let destination = try GatewayCrashTests.FlakyDestination(
            directory: root.appendingPathComponent("received"),
            failureShare: 0.3, hold: 0.02)
        defer { destination.stop() }
        let url = try await TestPostgres.createDatabase()
        let (config, firstData) = try RunningGateway.prepare(replacing: [
            ("store: sqlite", "store: \"\(url)\""),
            ("signing_key: keys", "signing_key: \(root.path)/keys"),
            (
                "deliver: { directory: deliveries/veterans-registry }",
                "deliver: { url: \"http://127.0.0.1:\(destination.port)/records\", timeout: 2s }"
            ),
            ("deliver: { directory: deliveries/", "deliver: { directory: \(root.path)/deliveries/"),
            // A lease longer than the destination's timeout: a live delivery is never taken over.
            (
                "delivery: { attempts: 8, initial_delay: 1s, maximum_delay: 5m, lease: 60s }",
                "delivery: { attempts: 1000, initial_delay: 20ms, maximum_delay: 200ms, lease: 3s }"
            ),
        ])
        try FileManager.default.moveItem(
            at: firstData.appendingPathComponent("keys"), to: root.appendingPathComponent("keys"))
        let dataDirectories = (0..<3).map { root.appendingPathComponent("instance-\($0)") }
        var instances = try dataDirectories.map { try RunningGateway.start(config: config, data: $0) }
        defer { for instance in instances { instance.stop() } }

        // Five groups of people, eight versions each, sent in version order.
        var documents: [(file: URL, version: Int)] = []
        for base in 0..<5 {
            for (version, file) in try versions(of: base, count: 8, in: root).enumerated() {
                documents.append((file, version))
            }
        }
        documents.sort { $0.version < $1.version }

        var generator = SystemRandomNumberGenerator()
        var versionOfRecord: [String: (key: String, version: Int)] = [:]
        var acceptedDocuments: [String] = []
        var kills = 0
        for (file, version) in documents {
            let idempotencyKey = UUID().uuidString
            let body = try Data(contentsOf: file)
            var report: JSONObject?
            for attempt in 0..<40 where report == nil {
                let index = Int.random(in: 0..<instances.count, using: &generator)
                let instance = instances[index]
                // Now and then the instance is killed while it handles the request (before,
                // during or after its commit); the client retries elsewhere with the same key.
                let killer: Task<Void, Never>? =
                    attempt < 3 && Double.random(in: 0..<1, using: &generator) < 0.25
                    ? Task {
                        try? await Task.sleep(for: .milliseconds(Int.random(in: 0...40)))
                        instance.kill()
                    } : nil
                let answer = try? await instance.request(
                    "POST", "/v1/documents", token: RunningGateway.tokens["hr"],
                    contentType: "application/xml", body: body,
                    headers: ["Idempotency-Key": idempotencyKey])
                if let killer {
                    await killer.value
                    instances[index] = try RunningGateway.start(config: config, data: dataDirectories[index])
                    kills += 1
                }
                if let answer, answer.status == 202 {
                    report = try JSONParser.parseDocument([UInt8](answer.body)).objectValue
                } else {
                    try await Task.sleep(for: .milliseconds(50))
                }
            }
            let accepted = try #require(report, "\(file.lastPathComponent) was never accepted")
            acceptedDocuments.append(accepted["document"]?.stringValue ?? "")
            for entry in (accepted["records"]?.arrayValue ?? []).compactMap(\.objectValue) {
                #expect(entry["outcome"] == .string("accepted"), "\(file.lastPathComponent): \(entry)")
                // What the registry receives is the record as released to it: the report links the two.
                let released = (entry["destinations"]?.arrayValue ?? []).compactMap(\.objectValue)
                    .first { $0["destination"] == .string("veterans-registry") }?["released_id"]?.stringValue
                if let id = released ?? entry["id"]?.stringValue, let key = entry["key"]?.stringValue {
                    versionOfRecord[id] = (key, version)
                }
            }
        }
        #expect(kills > 0, "no instance was killed")
        #expect(versionOfRecord.count == 5 * 8 * 5)

        var settled = false
        for instance in instances where !settled {
            settled = (try? await instance.waitUntilDelivered(acceptedDocuments, timeout: 120)) ?? false
        }
        #expect(settled, "deliveries did not finish")

        // Every routed delivery of every accepted record is delivered, whichever instance took it.
        for document in acceptedDocuments {
            let records =
                try await instances[0].status(of: document)["records"]?.arrayValue?.compactMap(\.objectValue) ?? []
            #expect(records.count == 5)
            for record in records {
                for state in (record["destinations"]?.arrayValue ?? []).compactMap({ $0.objectValue?["state"] }) {
                    #expect(state == .string("delivered"), "\(document): \(record)")
                }
            }
        }

        let requests = try destination.requests()
        let delivered = requests.filter { $0.status == 200 }
        // Each accepted record reached the failing destination.
        let arrived = Set(delivered.flatMap(\.records))
        #expect(
            Set(versionOfRecord.keys).subtracting(arrived).isEmpty,
            "\(Set(versionOfRecord.keys).subtracting(arrived).count) accepted records never arrived")
        // No record was ever being delivered by two instances at once.
        var byRecord: [String: [GatewayCrashTests.FlakyDestination.Request]] = [:]
        for request in requests { for record in request.records { byRecord[record, default: []].append(request) } }
        for (record, attempts) in byRecord {
            let sorted = attempts.sorted { $0.start < $1.start }
            for (earlier, later) in zip(sorted, sorted.dropFirst()) {
                #expect(later.start >= earlier.end, "record \(record) was delivered twice at once")
            }
        }
        // Per key, no version arrived after a later version had arrived.
        var latestVersion: [String: Int] = [:]
        for request in delivered.sorted(by: { $0.start < $1.start }) {
            for record in request.records {
                guard let (key, version) = versionOfRecord[record] else { continue }
                #expect(
                    version >= latestVersion[key, default: 0],
                    "key \(key): version \(version) after \(latestVersion[key]!)")
                latestVersion[key] = max(version, latestVersion[key, default: 0])
            }
        }

        for instance in instances { #expect(instance.stop() == 0) }
        // Each instance wrote the files of the checkpoints it signed: together they cover the store's.
        let checkpointDirectories = dataDirectories.map { AuditVerifier.checkpointDirectory(in: $0) }
            .filter { !AuditVerifier.checkpointFiles(inDirectory: $0).isEmpty }
        let audit = try cli.ferry(
            [
                "audit", "verify", "--store", url, "--data", dataDirectories[0].path,
                "--keys", root.appendingPathComponent("keys").path,
            ]
                + checkpointDirectories.flatMap { ["--checkpoints", $0.path] })
        #expect(audit.status == 0, "\(audit.stderr)")
        #expect(audit.stdout.contains("chain intact"), "\(audit.stdout)")
    }
}

/// PostgreSQL unreachable (a TCP relay in front of it is killed, as a network partition would
/// cut it): the gateway stops being ready and accepts nothing it cannot commit, then recovers
/// by itself when the database is back.
@Suite(.serialized, .enabled(if: TestPostgres.isAvailable, "needs FERRY_TEST_POSTGRES_URL (make test starts a server)"))
struct GatewayPostgresOutageTests {
    let cli = CLITests()

    /// scripts/tcp-proxy.py: relays a loopback port (0: a free one) to the test server.
    func relay(port: Int, to target: URLComponents) throws -> FerryTesting.ScriptServer {
        try FerryTesting.ScriptServer(
            script: "tcp-proxy.py",
            arguments: ["\(port)", target.host ?? "127.0.0.1", "\(target.port ?? 5432)"])
    }

    @Test func nothingIsAcceptedWhileTheDatabaseIsDownAndWorkResumesAfter() async throws {
        let database = try #require(URLComponents(string: try await TestPostgres.createDatabase()))
        var relay = try self.relay(port: 0, to: database)
        defer { relay.stop() }
        var throughRelay = database
        throughRelay.port = relay.port
        // A delivery cut off by the outage keeps its claim until the lease expires; a short lease
        // lets the test see it delivered again well within its wait.
        let (config, data) = try RunningGateway.prepare(replacing: [
            ("store: sqlite", "store: \"\(throughRelay.string!)\""),
            ("lease: 60s", "lease: 10s"),
        ])
        let gateway = try RunningGateway.start(config: config, data: data)
        defer { gateway.stop() }
        let export = CLITests.examples.appendingPathComponent("kadry-export.xml")
        let first = try await gateway.send(export, as: "hr")
        #expect(first.status == 202)
        #expect(try await gateway.request("GET", "/readyz").status == 200)

        relay.stop()
        let started = Date()
        // Readiness answers from a probe at most a second old: it turns within a probe's deadline.
        var unready = false
        while !unready && Date().timeIntervalSince(started) < 5 {
            unready = try await gateway.request("GET", "/readyz").status == 503
            if !unready { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(unready && Date().timeIntervalSince(started) < 5, "readiness answers promptly")
        #expect(try await gateway.request("GET", "/healthz").status == 200, "the process is alive")
        let body = try Data(contentsOf: CLITests.examples.appendingPathComponent("logistics.xml"))
        let refused = try await gateway.request(
            "POST", "/v1/documents", token: RunningGateway.tokens["logistics"],
            contentType: "application/xml", body: body, headers: ["Idempotency-Key": "outage-1"])
        #expect(refused.status == 503)
        #expect(Date().timeIntervalSince(started) < 15, "a sender is told within the store's deadline")
        #expect(String(decoding: refused.body, as: UTF8.self).contains("unavailable"))

        relay = try self.relay(port: relay.port, to: database)
        var ready = false
        let deadline = Date().addingTimeInterval(60)
        while !ready && Date() < deadline {
            ready = try await gateway.request("GET", "/readyz").status == 200
            if !ready { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(ready, "the gateway recovers when the database is back")
        // The refused document was not committed: the same key now commits it, not a replay.
        let retried = try await gateway.request(
            "POST", "/v1/documents", token: RunningGateway.tokens["logistics"],
            contentType: "application/xml", body: body, headers: ["Idempotency-Key": "outage-1"])
        #expect(retried.status == 202)
        let second = try JSONParser.parseDocument([UInt8](retried.body)).objectValue?["document"]?.stringValue
        let documents = [first.report["document"]?.stringValue, second].compactMap { $0 }
        #expect(documents.count == 2)
        #expect(try await gateway.waitUntilDelivered(documents))
        #expect(gateway.stop() == 0)
        let audit = try cli.ferry(["audit", "verify", "--store", database.string!, "--data", data.path])
        #expect(audit.status == 0, "\(audit.stderr)")
    }

    @Test func serveRefusesToStartWithoutItsDatabase() throws {
        let (config, data) = try RunningGateway.prepare(replacing: [
            ("store: sqlite", "store: \"postgres://ferry@127.0.0.1:9/ferry?sslmode=disable\"")
        ])
        let result = try cli.ferry(["serve", "--config", config.path, "--data", data.path, "--listen", "127.0.0.1:0"])
        #expect(result.status == 69)
        #expect(result.stderr.contains("the store is unavailable"), "\(result.stderr)")
    }
}
