import FerryConvert
import FerryCore
import FerryGateway
import FerryStore
import FerryStoreSQLite
import FerryTesting
import Foundation
import GRDB
import Testing

/// The periodic check of the audit chain the console shows: since the newest signed checkpoint,
/// the chain holds, or the first break is named.
struct ChainCheckTests {
    @Test func theCheckReadsFromTheNewestCheckpointAndNamesTheFirstAlteredEntry() async throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-chain-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        let path = data.appendingPathComponent("ferry.sqlite").path
        let store = try SQLiteGatewayStore(path: path)
        let (configuration, loaded) = try loadDemoConfiguration()
        let gateway = try Gateway(
            configuration: configuration, schemas: loaded.schemas, mappings: loaded.mappings, store: store,
            dataDirectory: data, patternCompiler: ProjectLoader.patternCompiler)
        try gateway.keyring.rotate()
        let export = FerryTesting.bytes(
            FerryTesting.fixtures.appendingPathComponent("snab2-requisition/example/input.xml"))
        try await receiveExport(gateway, from: "logistics", export)
        #expect(gateway.lastChainCheck == nil)
        let whole = try await gateway.checkRecentChain()
        let headNow = try await store.head()?.sequence
        #expect(whole.firstBreak == nil && whole.from == 1 && whole.through == headNow)

        try await gateway.checkpointAudit()
        let checkpoint = try #require(try await store.lastCheckpoint())
        try await receiveExport(gateway, from: "logistics", export)
        let recent = try await gateway.checkRecentChain()
        #expect(recent.firstBreak == nil && recent.from == checkpoint.sequence)

        // An entry after the checkpoint rewritten in the database: the check names it.
        let head = try #require(try await store.head()).sequence
        let database = try DatabaseQueue(path: path)
        try await database.write { db in
            try db.execute(
                sql: "UPDATE audit_entry SET details = '{\"rewritten\":true}' WHERE sequence = ?", arguments: [head])
        }
        let broken = try await gateway.checkRecentChain()
        #expect(broken.firstBreak == AuditChain.Break(kind: .altered, sequence: head))
        #expect(gateway.lastChainCheck?.firstBreak?.sequence == head)
    }
}
