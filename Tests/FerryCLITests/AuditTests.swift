import FerryCore
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
            try await log.append(kind: "released", time: "2026-11-25T10:00:0\(index)Z",
                                 details: JSONObject([("record", .string("id-\(index)")), ("removed", .array([.string("/data/unit")]))]))
        }
        let intact = try cli.ferry(["audit", "verify", "--data", directory.path])
        #expect(intact.status == 0, "\(intact.stderr)")
        #expect(intact.stdout == "5 audit entries, 0 signed checkpoints, chain intact\n")

        let database = try DatabaseQueue(path: path)
        try await database.write { db in
            try db.execute(sql: "UPDATE audit_entry SET details = ? WHERE sequence = 3",
                           arguments: [#"{"record":"id-3","removed":[]}"#])
        }
        let edited = try cli.ferry(["audit", "verify", "--data", directory.path])
        #expect(edited.status == 1)
        #expect(edited.stderr.contains("audit entry 3: altered [audit.altered]"), "\(edited.stderr)")

        try await database.write { db in try db.execute(sql: "DELETE FROM audit_entry WHERE sequence = 3") }
        let removed = try cli.ferry(["audit", "verify", "--data", directory.path])
        #expect(removed.status == 1)
        #expect(removed.stderr.contains("audit entry 4: removed"), "\(removed.stderr)")
        #expect(try cli.ferry(["audit", "verify", "--data", directory.appendingPathComponent("none").path]).status == 66)
        #expect(try cli.ferry(["audit", "verify", "--store", "mysql://ferry@db/ferry"]).status == 64, "a store Ferry cannot open is a usage error")
    }
}
