import FerryCore
import FerryStore
import FerryTesting
import Foundation
import GRDB
import Testing

/// The real `ferry serve` binary with the demo configuration: each example export sent over
/// HTTP by its sender, and what each civilian destination receives.
@Suite(.serialized)
struct GatewayEndToEndTests {
    let cli = CLITests()

    @Test func theExampleExportsReachEachDestinationWithOnlyWhatItMayHold() async throws {
        let (config, data) = try RunningGateway.prepare()
        let gateway = try RunningGateway.start(config: config, data: data)
        defer { gateway.stop() }

        var documents: [String] = []
        var accepted: [String: [JSONObject]] = [:]  // sender → accepted record entries
        let examples = CLITests.examples
        let exports: [(URL, String)] =
            [
                (examples.appendingPathComponent("kadry-export.xml"), "hr"),
                (examples.appendingPathComponent("logistics.xml"), "logistics"),
            ]
            + (try FileManager.default.contentsOfDirectory(atPath: examples.appendingPathComponent("zakupki").path))
            .filter { $0.hasSuffix(".xml") }.sorted().map {
                (examples.appendingPathComponent("zakupki/\($0)"), "contracts")
            }
            // A variation of format B whose contract carries defense_order.
            + [
                (
                    FerryTesting.fixtures.appendingPathComponent("zakupki-contract/scheme-variants/input.xml"),
                    "contracts"
                )
            ]
        for (file, sender) in exports {
            let (status, report) = try await gateway.send(file, as: sender)
            #expect(status == 202, "\(file.lastPathComponent): \(report)")
            documents.append(try #require(report["document"]?.stringValue))
            accepted[sender, default: []] += (report["records"]?.arrayValue ?? []).compactMap(\.objectValue)
                .filter { $0["outcome"] == .string("accepted") }
        }
        // Contracts to the public register wait for two reviewers: each approves every open
        // review with ferry review; one approval releases nothing.
        let url = "http://127.0.0.1:\(gateway.port)"
        let (first, second) = (["FERRY_TOKEN": "reviewer-a-demo-token"], ["FERRY_TOKEN": "reviewer-b-demo-token"])
        let open = try cli.ferry(
            ["review", "list", "--url", url, "--destination", "procurement-register"], environment: first)
        #expect(open.status == 0, "\(open.stderr)")
        let reviewIDs = open.stdoutLines.compactMap { $0.split(separator: "\t").first.map(String.init) }
        #expect(!reviewIDs.isEmpty && open.stdoutLines.allSatisfy { $0.contains("\t0/2\t") }, "\(open.stdout)")
        #expect(open.stderr == "\(reviewIDs.count) open review\(reviewIDs.count == 1 ? "" : "s")\n")
        for id in reviewIDs {
            let approved = try cli.ferry(["review", "approve", "--url", url, id], environment: first)
            #expect(
                approved.status == 0 && approved.stderr.hasSuffix("\(id): approved by 1 of 2 reviewers\n"),
                "\(approved.stderr)"
            )
            let again = try cli.ferry(["review", "approve", "--url", url, id], environment: first)
            #expect(again.status == 1 && again.stderr.contains("approved review \(id) already"), "\(again.stderr)")
        }
        #expect(gateway.deliveries("procurement-register").isEmpty, "one approval releases nothing")
        let shown = try cli.ferry(["review", "show", "--url", url, reviewIDs[0]], environment: second)
        #expect(
            shown.status == 0
                && shown.stdout.contains(
                    "approvals: 1/2 (reviewer-a)\nremoved for procurement-register: nothing\nrecord:\n{"),
            "\(shown.stdout)\(shown.stderr)")
        for id in reviewIDs {
            let released = try cli.ferry(["review", "approve", "--url", url, id], environment: second)
            #expect(
                released.stderr.hasSuffix("\(id): approved by 2 reviewers; released for delivery\n"),
                "\(released.stderr)")
        }
        let operatorTries = try cli.ferry(
            ["review", "list", "--url", url], environment: ["FERRY_TOKEN": "hr-demo-token"])
        #expect(operatorTries.status == 1 && operatorTries.stderr.contains("is not a reviewer or an operator"))
        #expect(try await gateway.waitUntilDelivered(documents))

        // What the operator reads from the shell: the documents and the review steps.
        let ops = ["FERRY_TOKEN": "ops-demo-token"]
        let listed = try cli.ferry(["documents", "list", "--url", url], environment: ops)
        #expect(
            listed.status == 0
                && Set(listed.stdoutLines.compactMap { $0.split(separator: "\t").first.map(String.init) })
                    == Set(documents),
            "\(listed.stdout)\(listed.stderr)")
        let asJSON = try cli.ferry(["documents", "list", "--url", url, "--format", "json"], environment: ops)
        let listedJSON = try JSONParser.parseDocument(Array(asJSON.stdout.utf8)).objectValue?["documents"]?.arrayValue
        #expect(listedJSON?.count == documents.count, "\(asJSON.stdout)")
        let shownDocument = try cli.ferry(["documents", "show", "--url", url, documents[0]], environment: ops)
        #expect(
            shownDocument.status == 0 && shownDocument.stdout.hasPrefix("document \(documents[0]) from hr at "),
            "\(shownDocument.stdout)")
        let approvals = try cli.ferry(["audit", "show", "--url", url, "--kind", "review-approved"], environment: ops)
        #expect(approvals.status == 0 && approvals.stdoutLines.count == reviewIDs.count, "\(approvals.stdout)")
        #expect(approvals.stdoutLines.allSatisfy { $0.contains("\"reviewer\":\"reviewer-b\"") })

        // The social fund: format D, discharged personnel only.
        let personnel = try #require(accepted["hr"])
        let discharged = personnel.filter { entry in
            (entry["destinations"]?.arrayValue ?? []).contains {
                $0.objectValue?["destination"] == .string("social-fund")
            }
        }
        #expect(discharged.count == 1 && personnel.count == 2)
        let notices = gateway.deliveries("social-fund")
        #expect(!notices.isEmpty && notices.allSatisfy { $0.pathExtension == "xml" })
        let noticeText = try notices.map { String(decoding: try Data(contentsOf: $0), as: UTF8.self) }.joined()
        #expect(noticeText.contains("urn:civil:social-fund:discharge:1"))
        #expect(noticeText.components(separatedBy: "<FullName>").count - 1 == discharged.count)

        // The veterans' registry: every personnel record, without unit, position and monthly_pay.
        let registry = try gateway.deliveredRecords("veterans-registry")
        // What the registry holds is linked to what was received only in the gateway's report.
        let releasedIDs = personnel.compactMap { entry in
            (entry["destinations"]?.arrayValue ?? []).compactMap(\.objectValue)
                .first { $0["destination"] == .string("veterans-registry") }?["released_id"]?.stringValue
        }
        #expect(
            Set(registry.compactMap { $0["id"]?.stringValue }) == Set(releasedIDs)
                && releasedIDs.count == personnel.count)
        for record in registry {
            let fields = try #require(record["data"]?.objectValue)
            #expect(fields["unit"] == nil && fields["position"] == nil && fields["monthly_pay"] == nil)
            #expect(
                record["id"]?.stringValue
                    == CanonicalRecord.id(
                        source: record["source"]?.stringValue ?? "",
                        type: "personnel.record", data: fields))
        }

        // The public register: contracts, never one with defense_order.
        let contracts = try #require(accepted["contracts"])
        let register = try gateway.deliveredRecords("procurement-register")
        #expect(!register.isEmpty)
        #expect(register.allSatisfy { $0["data"]?.objectValue?["defense_order"] != .bool(true) })
        #expect(register.allSatisfy { $0["classification"] == .string("public") })
        let blocked = contracts.filter { entry in
            (entry["destinations"]?.arrayValue ?? []).contains { $0.objectValue?["state"] == .string("blocked") }
        }
        #expect(!blocked.isEmpty && register.count + blocked.count == contracts.count)

        // The emergency service: requisitions without requested_by.
        let requisitions = try gateway.deliveredRecords("emergency-service")
        #expect(requisitions.count == accepted["logistics"]?.count && !requisitions.isEmpty)
        #expect(requisitions.allSatisfy { $0["data"]?.objectValue?["requested_by"] == nil })

        // Every delivered envelope has exactly the canonical model's members, and no byte a
        // destination holds (bodies and sidecars) names a record it received with fields removed.
        for destination in ["veterans-registry", "procurement-register", "emergency-service"] {
            let records = try gateway.deliveredRecords(destination)
            #expect(records.allSatisfy(FerryTesting.hasExactlyTheCanonicalEnvelope), "\(destination)")
            let held = try gateway.deliveries(destination).flatMap { file in
                [try Data(contentsOf: file), try Data(contentsOf: file.appendingPathExtension("sig.json"))]
            }.map { String(decoding: $0, as: UTF8.self) }.joined()
            let stripped = accepted.values.joined().filter { entry in
                (entry["destinations"]?.arrayValue ?? []).contains {
                    $0.objectValue?["destination"] == .string(destination) && $0.objectValue?["released_id"] != nil
                }
            }
            #expect(destination == "procurement-register" || !stripped.isEmpty)
            for entry in stripped {
                #expect(!held.contains(try #require(entry["id"]?.stringValue)), "\(destination) holds a received id")
            }
        }

        // Every delivery's signature verifies with the gateway's published keys.
        for destination in ["social-fund", "veterans-registry", "procurement-register", "emergency-service"] {
            for file in gateway.deliveries(destination) {
                let verified = try cli.ferry(["verify", "--keys", data.appendingPathComponent("keys").path, file.path])
                #expect(verified.status == 0, "\(file.path): \(verified.stderr)")
            }
        }
        let (keysStatus, keysBody) = try await gateway.request("GET", "/v1/keys")
        #expect(keysStatus == 200 && String(decoding: keysBody, as: UTF8.self).contains("Ed25519"))

        // Every decision is audited; the chain verifies, and fails after one row is edited.
        #expect(gateway.stop() == 0)
        let store = try DatabaseQueue(path: data.appendingPathComponent("ferry.sqlite").path)
        let kinds = try await store.read { db in try String.fetchSet(db, sql: "SELECT kind FROM audit_entry") }
        #expect(
            kinds.isSuperset(of: ["configuration-loaded", "received", "routed", "released", "blocked", "delivered"]))
        let details = try await store.read { db in try String.fetchAll(db, sql: "SELECT details FROM audit_entry") }
            .joined()
        #expect(!details.contains("Смирнова") && !details.contains("в/ч"))  // names of fields, never their values
        let intact = try cli.ferry(["audit", "verify", "--data", data.path])
        #expect(intact.status == 0, "\(intact.stderr)")
        try await store.write { db in
            try db.execute(
                sql:
                    "UPDATE audit_entry SET kind = 'delivered' WHERE sequence = (SELECT MIN(sequence) FROM audit_entry WHERE kind = 'blocked')"
            )
        }
        let edited = try cli.ferry(["audit", "verify", "--data", data.path])
        #expect(edited.status == 1)
        #expect(edited.stderr.contains("altered"), "\(edited.stderr)")
    }

    @Test func aChainRecomputedInTheDatabaseFailsAgainstTheSignedCheckpoints() async throws {
        let (config, data) = try RunningGateway.prepare()
        let gateway = try RunningGateway.start(config: config, data: data)
        let (status, _) = try await gateway.send(CLITests.examples.appendingPathComponent("kadry-export.xml"), as: "hr")
        #expect(status == 202)
        #expect(gateway.stop() == 0)  // the last checkpoint is signed at shutdown
        #expect(
            !(try FileManager.default.contentsOfDirectory(atPath: data.appendingPathComponent("audit-checkpoints").path))
                .isEmpty)

        // Pruning up to the checkpoint keeps the trail verifiable from there.
        let copy = data.deletingLastPathComponent().appendingPathComponent("pruned")
        try FileManager.default.copyItem(at: data, to: copy)
        let unconfirmed = try cli.ferry(["audit", "prune", "--data", copy.path])
        #expect(unconfirmed.status == 64 && unconfirmed.stderr.contains("--yes"), "\(unconfirmed.stderr)")
        let pruned = try cli.ferry(["audit", "prune", "--data", copy.path, "--yes"])
        #expect(pruned.status == 0 && pruned.stdout.contains("pruned through checkpoint"), "\(pruned.stderr)")
        let afterPruning = try cli.ferry(["audit", "verify", "--data", copy.path])
        #expect(afterPruning.status == 0, "\(afterPruning.stderr)")
        #expect(try cli.ferry(["audit", "prune", "--data", copy.path, "--through", "2"]).status == 1)

        // Someone with write access to the database rewrites an entry and recomputes every hash after it.
        let path = data.appendingPathComponent("ferry.sqlite").path
        let store = try FerryStoreSQLiteRewriter(path: path)
        try await store.rewriteFirstEntry()
        let result = try cli.ferry(["audit", "verify", "--data", data.path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("[audit.checkpoint]"), "\(result.stderr)")
    }

    @Test func refusesWhatItMustAndAuditsEachRefusal() async throws {
        let (config, data) = try RunningGateway.prepare(replacing: [
            (
                "limits: { max_body: 16MiB, requests_per_second: 100, burst: 200 }",
                "limits: { max_body: 1KiB, requests_per_second: 0.2, burst: 2 }"
            )
        ])
        let gateway = try RunningGateway.start(config: config, data: data)
        defer { gateway.stop() }
        let export = CLITests.examples.appendingPathComponent("kadry-export.xml")
        let small = Data(#"<?xml version="1.0"?><REQLIST/>"#.utf8)

        #expect(
            try await gateway.request("POST", "/v1/documents", contentType: "application/xml", body: small).status
                == 401)
        #expect(
            try await gateway.request(
                "POST", "/v1/documents", token: "not-a-token", contentType: "application/xml",
                body: small
            ).status == 401)
        #expect(
            try await gateway.request(
                "POST", "/v1/documents?mapping=snab2-requisition", token: "hr-demo-token",
                contentType: "application/xml", body: small
            ).status == 403)
        #expect(try Data(contentsOf: export).count > 1024)
        #expect(try await gateway.send(export, as: "hr").status == 413)
        #expect(try await gateway.request("GET", "/metrics", token: "hr-demo-token").status == 403)
        #expect(try await gateway.request("GET", "/v1/dead-letters").status == 401)
        // A sender's document is not another sender's business.
        let (accepted, report) = try await gateway.request(
            "POST", "/v1/documents", token: "logistics-demo-token",
            contentType: "application/xml", body: small)
        #expect(accepted == 422)  // well-formed, but no records in it
        let document = try #require(try JSONParser.parseDocument([UInt8](report)).objectValue?["document"]?.stringValue)
        #expect(try await gateway.request("GET", "/v1/documents/\(document)", token: "hr-demo-token").status == 404)
        #expect(
            try await gateway.request("GET", "/v1/documents/\(document)", token: "logistics-demo-token").status == 200)
        // The burst is spent: the rate limit answers 429.
        var statuses: [Int] = []
        for _ in 0..<4 {
            statuses.append(
                try await gateway.request(
                    "POST", "/v1/documents", token: "contracts-demo-token",
                    contentType: "application/xml", body: small
                ).status)
        }
        #expect(statuses.contains(429), "\(statuses)")

        #expect(gateway.stop() == 0)
        let store = try DatabaseQueue(path: data.appendingPathComponent("ferry.sqlite").path)
        let refused = try await store.read { db in
            try String.fetchAll(db, sql: "SELECT details FROM audit_entry WHERE kind = 'refused'")
        }
        for status in ["403", "413", "429"] {
            #expect(refused.contains { $0.contains("\"status\":\(status)") }, "no refusal with \(status) audited")
        }
        // Without valid credentials, refusals are counted: one entry per window, reason and address.
        let counted = try await store.read { db in
            try String.fetchAll(db, sql: "SELECT details FROM audit_entry WHERE kind = 'refusals'")
        }.compactMap { try JSONParser.parseDocument(Array($0.utf8)).objectValue }
        #expect(!refused.contains { $0.contains("\"status\":401") }, "401s are counted, not written one by one")
        #expect(
            counted.filter { $0["status"] == .integer(401) }.compactMap { $0["count"]?.integerValue }.reduce(0, +) == 3,
            "\(counted)")
        #expect(counted.allSatisfy { $0["address"] == .string("127.0.0.1") })
    }

    @Test func anIdempotencyKeyReplaysTheSameBodyAndRefusesAnother() async throws {
        let (config, data) = try RunningGateway.prepare()
        let gateway = try RunningGateway.start(config: config, data: data)
        defer { gateway.stop() }
        let export = try Data(contentsOf: CLITests.examples.appendingPathComponent("logistics.xml"))
        let headers = ["Idempotency-Key": "batch-0001"]
        let first = try await gateway.request(
            "POST", "/v1/documents", token: "logistics-demo-token",
            contentType: "application/xml", body: export, headers: headers)
        let again = try await gateway.request(
            "POST", "/v1/documents", token: "logistics-demo-token",
            contentType: "application/xml", body: export, headers: headers)
        #expect(first.status == 202 && again.status == 202)
        let firstID = try JSONParser.parseDocument([UInt8](first.body)).objectValue?["document"]
        let againID = try JSONParser.parseDocument([UInt8](again.body)).objectValue?["document"]
        #expect(firstID != nil && firstID == againID)
        var other = export
        other.append(contentsOf: Array("\n<!-- another body -->\n".utf8))
        let conflict = try await gateway.request(
            "POST", "/v1/documents", token: "logistics-demo-token",
            contentType: "application/xml", body: other, headers: headers)
        #expect(conflict.status == 422)
        // Without a key, the same records sent again are duplicates: nothing is delivered twice.
        let resent = try await gateway.request(
            "POST", "/v1/documents", token: "logistics-demo-token",
            contentType: "application/xml", body: export)
        let report = try #require(try JSONParser.parseDocument([UInt8](resent.body)).objectValue)
        #expect(
            resent.status == 202 && report["accepted"]?.integerValue == 0
                && (report["duplicates"]?.integerValue ?? 0) > 0)
    }

    @Test func servesHealthReadinessMetricsAndItsOpenAPIDocument() async throws {
        let (config, data) = try RunningGateway.prepare()
        let gateway = try RunningGateway.start(config: config, data: data)
        defer { gateway.stop() }
        #expect(try await gateway.request("GET", "/healthz").status == 200)
        #expect(try await gateway.request("GET", "/readyz").status == 200)
        _ = try await gateway.send(CLITests.examples.appendingPathComponent("kadry-export.xml"), as: "hr")
        let metrics = try await gateway.request("GET", "/metrics", token: "ops-demo-token")
        let text = String(decoding: metrics.body, as: UTF8.self)
        #expect(metrics.status == 200)
        for name in ["ferry_records_received_total", "ferry_queue_depth", "http_server_request_duration"] {
            #expect(text.contains(name), "\(name) missing from /metrics")
        }
        let openapi = try await gateway.request("GET", "/openapi.yaml")
        #expect(openapi.status == 200 && String(decoding: openapi.body, as: UTF8.self).hasPrefix("openapi: 3.1.0"))
    }

    @Test func aFullDiskMakesReadinessFailAndInboundAnswer503() async throws {
        let (config, data) = try RunningGateway.prepare(replacing: [
            ("minimum_free_space: 64MiB", "minimum_free_space: 1048576GiB")
        ])
        let gateway = try RunningGateway.start(config: config, data: data)
        defer { gateway.stop() }
        #expect(try await gateway.request("GET", "/readyz").status == 503)
        #expect(
            try await gateway.send(CLITests.examples.appendingPathComponent("logistics.xml"), as: "logistics").status
                == 503)
    }

    @Test func refusesToStartOnAConfigurationError() throws {
        let (config, data) = try RunningGateway.prepare(replacing: [
            ("format: social-fund-discharge", "format: social-fund")
        ])
        let result = try cli.ferry(["serve", "--config", config.path, "--data", data.path, "--listen", "127.0.0.1:0"])
        #expect(result.status == 78)
        #expect(result.stderr.contains("ferry.yaml:") && result.stderr.contains("[gateway.format]"), "\(result.stderr)")
    }
}

/// Rewrites the audit chain as someone with write access to the database could: the first
/// entry changed and every hash after it recomputed, so the chain is consistent by itself.
struct FerryStoreSQLiteRewriter {
    let database: DatabaseQueue

    init(path: String) throws { database = try DatabaseQueue(path: path) }

    func rewriteFirstEntry() async throws {
        try await database.write { db in
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM audit_entry ORDER BY sequence")
            var previous: AuditEntry?
            for (index, row) in rows.enumerated() {
                let text: String = row["details"]
                var details = try JSONParser.parseDocument(Array(text.utf8)).objectValue ?? JSONObject()
                if index == 0 { details["file"] = .string("/somewhere/else.yaml") }
                let entry = AuditEntry(after: previous, time: row["time"], kind: row["kind"], details: details)
                try db.execute(
                    sql: "UPDATE audit_entry SET details = ?, previous_hash = ?, hash = ? WHERE sequence = ?",
                    arguments: [
                        String(decoding: JSONWriter().bytes(.object(details)), as: UTF8.self),
                        entry.previousHash, entry.hash, entry.sequence,
                    ])
                previous = entry
            }
        }
    }
}
