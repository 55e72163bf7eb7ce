import FerryConvert
import FerryCore
import FerryGateway
import FerryStore
import FerryStoreSQLite
import FerryTesting
import Foundation
import GRDB
import Testing

/// `ferry audit verify` against a gateway store, before and after someone edits a row.
struct AuditTests {
    let cli = CLITests()

    @Test func passesOnAnIntactChainAndNamesTheEditedRow() async throws {
        let directory = try cli.temporaryDirectory()
        let path = directory.appendingPathComponent("ferry.sqlite").path
        let log = try SQLiteGatewayStore(path: path)
        for index in 1...5 {
            try await log.append(
                kind: "released", time: "2026-11-25T10:00:0\(index)Z",
                details: JSONObject([("record", .string("id-\(index)")), ("removed", .array([.string("/data/unit")]))]))
        }
        let intact = try cli.ferry(["audit", "verify", "--data", directory.path])
        #expect(intact.status == 0, "\(intact.stderr)")
        #expect(intact.stdout == "5 audit entries through 5, 0 signed checkpoints, chain intact\n")
        #expect(intact.stderr.contains("warning: no signed checkpoint"), "\(intact.stderr)")

        let database = try DatabaseQueue(path: path)
        try await database.write { db in
            try db.execute(
                sql: "UPDATE audit_entry SET details = ? WHERE sequence = 3",
                arguments: [#"{"record":"id-3","removed":[]}"#])
        }
        let edited = try cli.ferry(["audit", "verify", "--data", directory.path])
        #expect(edited.status == 1)
        #expect(edited.stderr.contains("audit entry 3: altered [audit.altered]"), "\(edited.stderr)")

        try await database.write { db in try db.execute(sql: "DELETE FROM audit_entry WHERE sequence = 3") }
        let removed = try cli.ferry(["audit", "verify", "--data", directory.path])
        #expect(removed.status == 1)
        #expect(removed.stderr.contains("audit entry 4: removed"), "\(removed.stderr)")
        #expect(
            try cli.ferry(["audit", "verify", "--data", directory.appendingPathComponent("none").path]).status == 66)
        #expect(
            try cli.ferry(["audit", "verify", "--store", "mysql://ferry@db/ferry"]).status == 64,
            "a store Ferry cannot open is a usage error")
    }
}

/// A tail cut from the audit — the newest entries, and the newest checkpoint with them — as
/// someone with the host's disk would cut it; a checkpoint row deleted; checkpoints signed with
/// a key slipped into the key directory.
struct AuditTruncationTests {
    let cli = CLITests()

    /// A gateway on the demo configuration over a data directory (its store, keys and checkpoints).
    func gateway(in data: URL) throws -> Gateway {
        let path = FerryTesting.packageRoot.appendingPathComponent("examples/gateway/ferry.yaml").path
        var reader = ProjectLoader()
        let document = reader.document(at: path)
        let loaded = GatewayConfigurationCheck.load(path: path, document: try #require(document))
        let store = try SQLiteGatewayStore(path: data.appendingPathComponent("ferry.sqlite").path)
        return try Gateway(
            configuration: try #require(loaded.configuration), schemas: loaded.schemas, mappings: loaded.mappings,
            store: store, dataDirectory: data, patternCompiler: ProjectLoader.patternCompiler)
    }

    /// A data directory with its audit trail, and the gateway that wrote it.
    ///
    /// The gateway is kept open: the store's files stay as they are while the directory is
    /// copied, where closing it would remove its shared-memory file in the middle of the copy.
    struct Trail {
        let data: URL
        let fingerprint: String
        let gateway: Gateway
    }

    /// Ten entries, checkpointed after 5, 8 and 10.
    func trail() async throws -> Trail {
        let data = try cli.temporaryDirectory().appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        let gateway = try gateway(in: data)
        try gateway.keyring.rotate()
        for (index, checkpointAfter) in (1...10).map({ ($0, [5, 8, 10].contains($0)) }) {
            try await gateway.store.append(
                kind: "received", time: "2026-12-03T10:00:\(10 + index).000Z",
                details: JSONObject([("document", .string("d-\(index)"))]))
            if checkpointAfter { #expect(try await gateway.checkpointAudit() != nil) }
        }
        let listed = try cli.ferry(["keys", "list", "--directory", data.appendingPathComponent("keys").path])
        #expect(listed.status == 0)
        let fingerprint = try #require(
            listed.stdout.split(separator: " ").first { $0.hasPrefix("sha256:") }.map(String.init))
        return Trail(data: data, fingerprint: fingerprint, gateway: gateway)
    }

    /// A copy of a trail's data directory, to cut.
    func copy(_ trail: Trail) throws -> URL {
        let copy = trail.data.deletingLastPathComponent().appendingPathComponent("copy-\(UUID().uuidString)")
        try withExtendedLifetime(trail.gateway) { try FileManager.default.copyItem(at: trail.data, to: copy) }
        return copy
    }

    func execute(_ sql: String, in data: URL) async throws {
        let database = try DatabaseQueue(path: data.appendingPathComponent("ferry.sqlite").path)
        try await database.write { db in try db.execute(sql: sql) }
    }

    func removeCheckpointFile(_ sequence: Int, in data: URL) throws {
        try FileManager.default.removeItem(
            at: AuditVerifier.checkpointDirectory(in: data)
                .appendingPathComponent(AuditVerifier.checkpointFileName(sequence: sequence)))
    }

    @Test func anIntactTrailVerifiesAndAPinnedKeySilencesTheWarning() async throws {
        let trail = try await trail()
        let (data, fingerprint) = (trail.data, trail.fingerprint)
        let unpinned = try cli.ferry(["audit", "verify", "--data", data.path])
        #expect(unpinned.status == 0, "\(unpinned.stderr)")
        #expect(unpinned.stdout == "10 audit entries through 10, 6 signed checkpoints, chain intact\n")
        #expect(unpinned.stderr.contains("warning: no signing key is pinned"))
        let pinned = try cli.ferry(["audit", "verify", "--data", data.path, "--key-fingerprint", fingerprint])
        #expect(pinned.status == 0 && pinned.stderr.isEmpty, "\(pinned.stderr)")
        let other = "sha256:" + String(repeating: "0", count: 64)
        let wrong = try cli.ferry(["audit", "verify", "--data", data.path, "--key-fingerprint", other])
        #expect(
            wrong.status == 1 && wrong.stderr.contains("which is not the pinned key [audit.untrusted-key]"),
            "\(wrong.stderr)")
        #expect(try cli.ferry(["audit", "verify", "--data", data.path, "--key-fingerprint", "sha256:zz"]).status == 64)
    }

    @Test func aTailCutWithItsNewestCheckpointFileIsExposedByTheStoresRow() async throws {
        let data = try copy(try await trail())
        try await execute("DELETE FROM audit_entry WHERE sequence > 8", in: data)
        try removeCheckpointFile(10, in: data)
        let result = try cli.ferry(["audit", "verify", "--data", data.path])
        #expect(result.status == 1)
        #expect(
            result.stderr.contains("checkpoint 10 is in the store, but its file 000000000010.json is missing"),
            "\(result.stderr)")
        #expect(result.stderr.contains("the chain ends at entry 8, but checkpoint 10 in the store proves 10 entries"))
    }

    @Test func aTailCutWithItsNewestCheckpointEverywhereIsExposedByCopiesOffTheHost() async throws {
        let trail = try await trail()
        let (original, fingerprint) = (trail.data, trail.fingerprint)
        let offHost = original.deletingLastPathComponent().appendingPathComponent("off-host")
        try FileManager.default.copyItem(at: AuditVerifier.checkpointDirectory(in: original), to: offHost)
        let data = try copy(trail)
        try await execute(
            "DELETE FROM audit_entry WHERE sequence > 8; DELETE FROM audit_checkpoint WHERE sequence = 10", in: data)
        try removeCheckpointFile(10, in: data)
        // On the host alone the cut is consistent: that is why checkpoints are copied off it.
        let alone = try cli.ferry(["audit", "verify", "--data", data.path, "--key-fingerprint", fingerprint])
        #expect(alone.status == 0, "\(alone.stderr)")
        let withCopies = try cli.ferry([
            "audit", "verify", "--data", data.path, "--key-fingerprint", fingerprint,
            "--checkpoints", offHost.path,
        ])
        #expect(withCopies.status == 1)
        #expect(
            withCopies.stderr.contains(
                "the chain ends at entry 8, but off-host \(offHost.path)/000000000010.json proves 10 entries"),
            "\(withCopies.stderr)")
        let expected = try cli.ferry(["audit", "verify", "--data", data.path, "--expect-sequence", "10"])
        #expect(
            expected.status == 1
                && expected.stderr.contains(
                    "but the expected sequence proves 10 entries: the newest 2 were "
                        + "removed [audit.truncated]"),
            "\(expected.stderr)")
        #expect(
            try cli.ferry(["audit", "verify", "--data", data.path, "--checkpoints", data.path]).status == 66,
            "a directory without checkpoint files is not evidence")
    }

    @Test func aDeletedCheckpointRowIsNamed() async throws {
        let data = try copy(try await trail())
        try await execute("DELETE FROM audit_checkpoint WHERE sequence = 8", in: data)
        let result = try cli.ferry(["audit", "verify", "--data", data.path])
        #expect(result.status == 1)
        #expect(
            result.stderr.contains(
                "000000000008.json is a checkpoint the store does not list [audit.checkpoint-missing]"),
            "\(result.stderr)")
    }

    /// A process stopped between a checkpoint's file and its row: at the next start the row is
    /// completed from the signed file, so the trail verifies again.
    @Test func aCheckpointInterruptedBeforeItsRowIsCompletedAtStart() async throws {
        let data = try copy(try await trail())
        try await execute("DELETE FROM audit_checkpoint WHERE sequence = 10", in: data)
        #expect(try cli.ferry(["audit", "verify", "--data", data.path]).status == 1)
        #expect(try await gateway(in: data).completeInterruptedCheckpoints() == 1)
        let completed = try cli.ferry(["audit", "verify", "--data", data.path])
        #expect(completed.status == 0, "\(completed.stderr)")
    }

    /// Someone with the disk puts a key of their own in the key directory and signs new
    /// checkpoints with it: only a pinned key tells.
    @Test func aKeySlippedIntoTheKeyDirectoryIsNotTrustedWhenTheKeyIsPinned() async throws {
        let trail = try await trail()
        let fingerprint = trail.fingerprint
        let data = try copy(trail)
        let gateway = try gateway(in: data)
        try gateway.keyring.rotate()
        try await gateway.store.append(kind: "received", time: "2026-12-03T10:01:00.000Z", details: JSONObject())
        #expect(try await gateway.checkpointAudit() != nil)
        #expect(
            try cli.ferry(["audit", "verify", "--data", data.path]).status == 0,
            "unpinned, any key in the directory passes")
        let pinned = try cli.ferry(["audit", "verify", "--data", data.path, "--key-fingerprint", fingerprint])
        #expect(pinned.status == 1)
        #expect(
            pinned.stderr.contains("000000000011.json: signed with key")
                && pinned.stderr.contains("[audit.untrusted-key]"),
            "\(pinned.stderr)")

        // The pin from the gateway's configuration, as an auditor holds it.
        let (config, _) = try RunningGateway.prepare(replacing: [
            (
                "audit: { checkpoint_interval: 60s }",
                "audit: { checkpoint_interval: 60s, key_fingerprint: \"\(fingerprint)\" }"
            )
        ])
        let configured = try cli.ferry(["audit", "verify", "--data", data.path, "--config", config.path])
        #expect(configured.status == 1 && configured.stderr.contains("[audit.untrusted-key]"), "\(configured.stderr)")
        #expect(try cli.ferry(["audit", "verify", "--data", trail.data.path, "--config", config.path]).status == 0)
    }
}

/// Checkpoints run on a timer of their own: a delivery stuck on a destination that answers after
/// 20 s does not hold them back, and `/readyz` says how far behind they are.
@Suite(.serialized)
struct CheckpointTimerTests {
    @Test func aStuckDeliveryDoesNotHoldBackTheCheckpoints() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-timers-\(UUID().uuidString)")
        let destination = try GatewayCrashTests.FlakyDestination(
            directory: root.appendingPathComponent("received"), failureShare: 0,
            hold: 20)
        let (config, data) = try RunningGateway.prepare(replacing: [
            (
                "deliver: { directory: deliveries/veterans-registry }",
                "deliver: { url: \"http://127.0.0.1:\(destination.port)/records\", timeout: 30s }"
            ),
            ("audit: { checkpoint_interval: 60s }", "audit: { checkpoint_interval: 1s }"),
        ])
        let gateway = try RunningGateway.start(config: config, data: data)
        defer {
            destination.stop()  // the stuck delivery fails at once, and the gateway can stop
            gateway.stop()
        }
        let (status, report) = try await gateway.send(
            CLITests.examples.appendingPathComponent("kadry-export.xml"), as: "hr")
        #expect(status == 202)
        let document = try #require(report["document"]?.stringValue)
        func audit() async throws -> JSONObject? {
            try JSONParser.parseDocument([UInt8](try await gateway.request("GET", "/readyz").body)).objectValue?[
                "audit"]?.objectValue
        }
        // The last entry the receipt appended (the store is read beside the running gateway).
        let database = try DatabaseQueue(path: data.appendingPathComponent("ferry.sqlite").path)
        let receipt =
            try await database.read { db in try Int.fetchOne(db, sql: "SELECT MAX(sequence) FROM audit_entry") } ?? 0

        // Until a checkpoint covers the receipt, while the registry's delivery is still in hand.
        var signedWhileStuck = false
        // Up to 18 s of the destination's 20 s hold: a loaded machine (make test runs every
        // suite at once on two cores) may take several checkpoint intervals to sign one.
        let deadline = Date().addingTimeInterval(18)
        while Date() < deadline && !signedWhileStuck {
            let audit = try await audit()
            let states = (try await gateway.status(of: document)["records"]?.arrayValue ?? []).flatMap {
                ($0.objectValue?["destinations"]?.arrayValue ?? []).compactMap(\.objectValue)
                    .filter { $0["destination"] == .string("veterans-registry") }.compactMap {
                        $0["state"]?.stringValue
                    }
            }
            let stuck = !states.isEmpty && states.allSatisfy { $0 == "leased" }
            if stuck, audit?["newest_checkpoint"]?.integerValue ?? 0 >= receipt {
                signedWhileStuck = true
                #expect(
                    audit?["checkpoint_age_seconds"]?.integerValue.map { $0 >= 0 && $0 < 20 } == true,
                    "signed while the delivery was stuck: \(String(describing: audit))")
            } else {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        #expect(signedWhileStuck, "no checkpoint covered the receipt while a delivery was stuck")
    }
}
