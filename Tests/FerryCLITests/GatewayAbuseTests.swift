import FerryCore
import FerryTesting
import Foundation
import GRDB
import Testing

/// What an anonymous client or a careless sender could do to the gateway's resources: flood it
/// without credentials, send a document of countless records, or have it listen in the clear.
@Suite(.serialized)
struct GatewayAbuseTests {
    let cli = CLITests()

    /// Runs a Python client of raw sockets against the gateway's port; what it printed.
    static func runClient(_ script: String, port: Int) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, "\(port)"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return printed
    }

    @Test func anAnonymousFloodIsCountedInTheAuditNotWrittenPerRequest() async throws {
        // A slow refill, so that what the burst admits does not depend on how fast the requests go.
        let (config, data) = try RunningGateway.prepare(replacing: [
            (
                "limits: { max_body: 16MiB, requests_per_second: 100, burst: 200 }",
                "limits: { max_body: 16MiB, requests_per_second: 100, burst: 200, anonymous_per_second: 0.05, anonymous_burst: 20 }"
            )
        ])
        let gateway = try RunningGateway.start(config: config, data: data)
        defer { gateway.stop() }
        let small = Data(#"<?xml version="1.0"?><REQLIST/>"#.utf8)
        var statuses: [Int: Int] = [:]
        for index in 0..<300 {
            let token = index % 2 == 0 ? nil : "not-a-token-\(index)"
            let status = try await gateway.request(
                "POST", "/v1/documents", token: token, contentType: "application/xml", body: small
            ).status
            statuses[status, default: 0] += 1
            if index == 150 {
                // A sender from the same address is not held back by the flood.
                let (sent, _) = try await gateway.send(
                    CLITests.examples.appendingPathComponent("logistics.xml"), as: "logistics")
                #expect(sent == 202)
            }
        }
        #expect(Set(statuses.keys) == [401, 429], "\(statuses)")
        #expect((statuses[401] ?? 0) >= 20 && (statuses[401] ?? 0) < 30, "the burst, then the rate: \(statuses)")
        #expect(gateway.stop() == 0)

        let store = try DatabaseQueue(path: data.appendingPathComponent("ferry.sqlite").path)
        let kinds = try await store.read { db in try String.fetchAll(db, sql: "SELECT kind FROM audit_entry") }
        #expect(!kinds.contains("refused"), "no refusal written one by one")
        let counted = try await store.read { db in
            try String.fetchAll(db, sql: "SELECT details FROM audit_entry WHERE kind = 'refusals'")
        }.compactMap { try JSONParser.parseDocument(Array($0.utf8)).objectValue }
        #expect(counted.count <= 8, "a bounded number of entries: \(counted.count)")
        #expect(counted.compactMap { $0["count"]?.integerValue }.reduce(0, +) == 300)
        #expect(counted.allSatisfy { $0["address"] == .string("127.0.0.1") && $0["from"] != nil && $0["to"] != nil })
    }

    @Test func aDocumentOfTooManyRecordsIsRefusedAndPagesListTheRest() async throws {
        let (config, data) = try RunningGateway.prepare()
        let gateway = try RunningGateway.start(config: config, data: data)
        defer { gateway.stop() }
        func records(_ count: Int) -> Data {
            Data(("[" + Array(repeating: "{}", count: count).joined(separator: ",") + "]").utf8)
        }

        let over = try await gateway.request(
            "POST", "/v1/documents", token: RunningGateway.tokens["hr"],
            contentType: "application/json", body: records(100_001))
        #expect(over.status == 413)
        #expect(String(decoding: over.body, as: UTF8.self).contains("more than 100000 records"))

        // Under the limit, the answer lists the first 1,000 of each outcome beside the totals.
        let (status, body) = try await gateway.request(
            "POST", "/v1/documents", token: RunningGateway.tokens["hr"],
            contentType: "application/json", body: records(2_500))
        #expect(status == 422)
        let report = try #require(try JSONParser.parseDocument([UInt8](body)).objectValue)
        #expect(report["rejected"] == .integer(2_500) && report["records"]?.arrayValue?.count == 1_000)
        #expect(report["page"]?.objectValue?["more"] == .bool(true))
        let document = try #require(report["document"]?.stringValue)
        var positions: [Int] = []
        for offset in stride(from: 0, to: 3_000, by: 1_000) {
            let (pageStatus, pageBody) = try await gateway.request(
                "GET", "/v1/documents/\(document)?outcome=rejected&offset=\(offset)&limit=1000",
                token: RunningGateway.tokens["hr"])
            #expect(pageStatus == 200)
            let page = try #require(try JSONParser.parseDocument([UInt8](pageBody)).objectValue)
            positions += (page["records"]?.arrayValue ?? []).compactMap { $0.objectValue?["position"]?.integerValue }
            #expect(page["page"]?.objectValue?["more"] == .bool(offset < 2_000))
        }
        #expect(positions == Array(0..<2_500), "every record on exactly one page")
        #expect(
            try await gateway.request("GET", "/v1/documents/\(document)?offset=-1", token: RunningGateway.tokens["hr"])
                .status == 400)
        #expect(gateway.stop() == 0)

        // Nothing of the refused document was kept.
        let store = try DatabaseQueue(path: data.appendingPathComponent("ferry.sqlite").path)
        #expect(try await store.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM document") } == 1)
    }

    @Test func aPlaintextListenerOffTheLoopbackIsRefused() throws {
        let (config, data) = try RunningGateway.prepare()
        let refused = try cli.ferry(["serve", "--config", config.path, "--data", data.path, "--listen", "0.0.0.0:0"])
        #expect(refused.status == 78)
        #expect(refused.stderr.contains("without tls would carry tokens and records in the clear"), "\(refused.stderr)")
        let check = try cli.ferry(["check", config.path])
        #expect(check.status == 0, "loopback without TLS is fine: \(check.stderr)")
    }

    /// A destination that answers after 20 s holds one delivery worker; the others go on, so a
    /// healthy destination is delivered meanwhile.
    @Test func aTricklingDestinationDelaysOnlyItself() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-trickle-\(UUID().uuidString)")
        let slow = try GatewayCrashTests.FlakyDestination(
            directory: root.appendingPathComponent("received"), failureShare: 0, hold: 20)
        let (config, data) = try RunningGateway.prepare(replacing: [
            (
                "deliver: { directory: deliveries/veterans-registry }",
                "deliver: { url: \"http://127.0.0.1:\(slow.port)/records\", timeout: 30s }"
            )
        ])
        let gateway = try RunningGateway.start(config: config, data: data)
        defer {
            slow.stop()
            gateway.stop()
        }
        let (status, report) = try await gateway.send(
            CLITests.examples.appendingPathComponent("kadry-export.xml"), as: "hr")
        #expect(status == 202)
        let document = try #require(report["document"]?.stringValue)
        func states() async throws -> [String: [String]] {
            var states: [String: [String]] = [:]
            for record in try await gateway.status(of: document)["records"]?.arrayValue ?? [] {
                for destination in (record.objectValue?["destinations"]?.arrayValue ?? []).compactMap(\.objectValue) {
                    states[destination["destination"]?.stringValue ?? "", default: []].append(
                        destination["state"]?.stringValue ?? "")
                }
            }
            return states
        }
        var fundDelivered = false
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline && !fundDelivered {
            let current = try await states()
            fundDelivered = current["social-fund"] == ["delivered"]
            if fundDelivered {
                #expect(
                    current["veterans-registry"]?.contains("leased") == true,
                    "the slow delivery is still in hand: \(current)")
            } else {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        #expect(fundDelivered, "the social fund waited for the trickling registry")
    }

    /// A client that sends its headers a byte at a time (slowloris) keeps no connection:
    /// `header_timeout` closes it, however often a byte arrives.
    @Test func halfSentHeadersAreCutOffAtTheHeaderTimeout() throws {
        let (config, data) = try RunningGateway.prepare(
            appending: "server: { header_timeout: 2s, idle_timeout: 60s }\n")
        let gateway = try RunningGateway.start(config: config, data: data)
        defer { gateway.stop() }
        let client = """
            import socket, sys, time
            s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
            s.settimeout(0.5)
            s.sendall(b"POST /v1/documents HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\n")
            start = time.time()
            while time.time() - start < 20:
                try:
                    s.sendall(b"X")
                    if s.recv(1) == b"":
                        break
                except socket.timeout:
                    continue
                except OSError:
                    break
            print(round(time.time() - start, 1))
            """
        let printed = try Self.runClient(client, port: gateway.port)
        let seconds = try #require(Double(printed.trimmingCharacters(in: .whitespacesAndNewlines)), "\(printed)")
        #expect(seconds >= 1 && seconds < 10, "closed after \(seconds) s")
    }

    /// Above `max_connections` a connection waits to be served until one closes; here the two
    /// idle connections that hold the slots are closed at the header timeout.
    @Test func connectionsAboveTheLimitWaitForASlot() throws {
        let (config, data) = try RunningGateway.prepare(
            appending: "server: { max_connections: 2, header_timeout: 3s }\n")
        let gateway = try RunningGateway.start(config: config, data: data)
        defer { gateway.stop() }
        let client = """
            import socket, sys, time
            port = int(sys.argv[1])
            held = [socket.create_connection(("127.0.0.1", port)) for _ in range(2)]
            time.sleep(0.5)
            start = time.time()
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(b"GET /healthz HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nConnection: close\\r\\n\\r\\n")
            s.settimeout(20)
            answer = s.recv(64)
            print(round(time.time() - start, 1), answer.split(b"\\r\\n")[0].decode())
            """
        let printed = try Self.runClient(client, port: gateway.port)
        let fields = printed.split(separator: " ", maxSplits: 1)
        let seconds = try #require(fields.first.flatMap { Double($0) }, "\(printed)")
        #expect(fields.last?.contains("200") == true, "\(printed)")
        #expect(seconds >= 1.5 && seconds < 15, "served once a slot was free, after \(seconds) s")
    }
}
