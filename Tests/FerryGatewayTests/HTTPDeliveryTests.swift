import FerryConvert
import FerryCore
import FerryGateway
import FerryStore
import FerryTesting
import Foundation
import Testing

/// Deliveries to an HTTP destination on loopback (`scripts/flaky-destination.py`): the manifest
/// in headers within 8 KiB, a receiver's own verification, and redirects never followed.
struct HTTPDeliveryTests {
    /// A gateway on the demo configuration whose emergency service receives over HTTP.
    static func gateway(endpoint: FerryTesting.ScriptServer, attempts: Int = 8) throws -> (Gateway, URL) {
        try GatewayInboundTrustTests.gateway { configuration in
            for index in configuration.systems.indices where configuration.systems[index].id == "emergency-service" {
                configuration.systems[index].target = .http(
                    url: "http://127.0.0.1:\(endpoint.port)/records", timeout: 10)
            }
            configuration.retry.maximumAttempts = attempts
            configuration.retry.jitter = 0
        }
    }

    /// The requests the endpoint logged, as JSON objects.
    static func requests(in directory: URL) throws -> [JSONObject] {
        let text = (try? String(contentsOf: directory.appendingPathComponent("requests.log"), encoding: .utf8)) ?? ""
        return try text.split(separator: "\n").map {
            try #require(try JSONParser.parseDocument(Array($0.utf8)).objectValue)
        }
    }

    @Test func largeBatchesGoInPostsWhoseHeadersStayWithin8KiB() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-http-\(UUID().uuidString)")
        let received = root.appendingPathComponent("received")
        let endpoint = try FerryTesting.ScriptServer(script: "flaky-destination.py", arguments: [received.path, "0"])
        defer { endpoint.stop() }
        let (gateway, _) = try Self.gateway(endpoint: endpoint)

        // 250 requisitions in one export: one claim, three POSTs.
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let export = root.appendingPathComponent("requisitions.xml")
        let generate = Process()
        generate.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        generate.arguments = [
            "python3", FerryTesting.packageRoot.appendingPathComponent("Benchmarks/generate.py").path, "c", "250r",
            export.path, "7",
        ]
        generate.standardOutput = FileHandle.nullDevice
        try generate.run()
        generate.waitUntilExit()
        let sender = try #require(gateway.configuration.system("logistics"))
        guard
            case .accepted(_, let report) = try await gateway.receive(
                .init(
                    sender: sender, body: FerryTesting.bytes(export),
                    content: .legacy(mapping: nil), idempotencyKey: nil))
        else {
            Issue.record("the export was not accepted")
            return
        }
        let releasedIDs = (report["records"]?.arrayValue ?? []).compactMap { entry in
            (entry.objectValue?["destinations"]?.arrayValue ?? []).compactMap(\.objectValue)
                .first { $0["destination"] == .string("emergency-service") }?["released_id"]?.stringValue
        }
        #expect(releasedIDs.count == 250)
        while try await gateway.deliverDue() > 0 {}

        let bodies = try FileManager.default.contentsOfDirectory(atPath: received.path).filter { $0.hasSuffix(".body") }
        #expect(bodies.count == 3)
        var delivered: [String] = []
        for name in bodies {
            let body = FerryTesting.bytes(received.appendingPathComponent(name))
            let headers = try #require(
                try JSONParser.parseDocument(
                    FerryTesting.bytes(
                        received.appendingPathComponent(name).deletingPathExtension().appendingPathExtension(
                            "headers.json"))
                ).objectValue)
            let size = headers.members.reduce(0) {
                $0 + $1.key.utf8.count + 4 + ($1.value.stringValue?.utf8.count ?? 0)
            }
            #expect(size <= 8192, "\(size) bytes of headers")
            let fields = Dictionary(
                headers.members.compactMap { member in member.value.stringValue.map { (member.key, $0) } },
                uniquingKeysWith: { first, _ in first })
            let signed = try #require(DeliveryManifest.signed(headers: fields))
            #expect(throws: Never.self) {
                try signed.verify(body: body, publicKeys: try gateway.keyring.publicKeys()).get()
            }
            guard case .manifest(let manifest, _) = signed else { continue }
            #expect(manifest.destination == "emergency-service" && manifest.recordIDs.count <= 100)
            let lines = String(decoding: body, as: UTF8.self).split(separator: "\n")
            #expect(
                lines.compactMap { try? JSONParser.parseDocument(Array($0.utf8)).objectValue?["id"]?.stringValue }
                    == manifest.recordIDs, "the manifest names the records in the body, in order")
            delivered += manifest.recordIDs
        }
        #expect(Set(delivered) == Set(releasedIDs) && delivered.count == 250)

        // The receivers' example of docs/gateway.md verifies what they received.
        let guide = String(
            decoding: FerryTesting.bytes(FerryTesting.packageRoot.appendingPathComponent("docs/gateway.md")),
            as: UTF8.self)
        let start = try #require(guide.range(of: "```python\n"))
        let end = try #require(guide.range(of: "```", range: start.upperBound..<guide.endIndex))
        let script = root.appendingPathComponent("verify_delivery.py")
        try Data(guide[start.upperBound..<end.lowerBound].utf8).write(to: script)
        let keys = root.appendingPathComponent("keys.json")
        let keyList: [JSONValue] = try gateway.keyring.publicKeys().map { id, raw in
            .object(JSONObject([("key_id", .string(id)), ("public_key", .string(raw.base64EncodedString()))]))
        }
        try Data(JSONWriter().bytes(.object(JSONObject([("keys", .array(keyList))])))).write(to: keys)
        let body = received.appendingPathComponent(bodies[0])
        let headers = body.deletingPathExtension().appendingPathExtension("headers.json")
        for (destination, status) in [("emergency-service", Int32(0)), ("veterans-registry", 1)] {
            let run = Process()
            run.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            run.arguments = ["python3", script.path, keys.path, body.path, headers.path, destination]
            let output = Pipe()
            run.standardOutput = output
            run.standardError = FileHandle.nullDevice
            try run.run()
            let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            run.waitUntilExit()
            #expect(run.terminationStatus == status, "\(destination): \(printed)")
            if status == 0 {
                #expect(printed.contains("verified: ") && printed.contains("records for emergency-service"))
            }
        }
    }

    /// A receiver answering 303 would have the body re-sent as a GET without it: the gateway never
    /// follows, and the delivery fails, is retried and is dead-lettered, not marked delivered.
    @Test func aRedirectIsAFailedAttemptNeverFollowed() async throws {
        let received = FileManager.default.temporaryDirectory.appendingPathComponent(
            "ferry-redirect-\(UUID().uuidString)")
        let endpoint = try FerryTesting.ScriptServer(
            script: "flaky-destination.py", arguments: [received.path, "1", "0", "303"])
        defer { endpoint.stop() }
        let (gateway, _) = try Self.gateway(endpoint: endpoint, attempts: 2)
        let sender = try #require(gateway.configuration.system("logistics"))
        let export = FerryTesting.bytes(
            FerryTesting.fixtures.appendingPathComponent("snab2-requisition/example/input.xml"))
        guard
            case .accepted(let documentID, _) = try await gateway.receive(
                .init(
                    sender: sender, body: export,
                    content: .legacy(mapping: nil), idempotencyKey: nil))
        else {
            Issue.record("the export was not accepted")
            return
        }
        var now = Date()
        for _ in 0..<5 {
            try await gateway.deliverDue(now: now)
            now += gateway.configuration.retry.maximumDelay + 1
        }
        let states = (try await gateway.status(of: documentID, includeInputs: false)?["records"]?.arrayValue ?? [])
            .flatMap { entry in
                (entry.objectValue?["destinations"]?.arrayValue ?? []).compactMap {
                    $0.objectValue?["state"]?.stringValue
                }
            }
        #expect(!states.isEmpty && states.allSatisfy { $0 == "dead-lettered" }, "\(states)")
        let requests = try Self.requests(in: received)
        #expect(
            requests.count == 2
                && requests.allSatisfy { $0["method"] == .string("POST") && $0["status"] == .integer(303) },
            "\(requests)")
        let failures = try await gateway.store.entries().filter { $0.kind == "failed" }
        #expect(
            failures.count == 2
                && failures.allSatisfy {
                    $0.details["error"]?.stringValue?.contains("answered 303 (a redirect, not followed)") == true
                })
        #expect(try await gateway.store.entries().filter { $0.kind == "delivered" }.isEmpty)
    }
}
