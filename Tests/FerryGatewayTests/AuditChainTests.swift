import FerryCore
import FerryStore
import Testing

/// The audit chain detects any altered, removed or reordered entry, and says which.
struct AuditChainTests {
    func chain(_ count: Int) -> [AuditEntry] {
        var entries: [AuditEntry] = []
        for index in 0..<count {
            let details = JSONObject([
                ("record", .string("id-\(index)")), ("destination", .string("veterans-registry")),
                ("removed", .array([.string("/data/unit")])),
            ])
            entries.append(
                AuditEntry(
                    after: entries.last, time: "2026-11-25T10:00:0\(index % 10)Z", kind: "released", details: details))
        }
        return entries
    }

    @Test func anIntactChainVerifies() {
        let entries = chain(20)
        #expect(AuditChain.verify(entries).isEmpty)
        #expect(entries.first?.previousHash == AuditEntry.genesis)
        #expect(
            AuditChain.verify(Array(entries.dropFirst(5)), after: (5, entries[4].hash)).isEmpty,
            "pruned up to a checkpoint")
        #expect(AuditChain.verify(entries, checkpoint: (12, entries[11].hash)) == nil)
    }

    @Test func namesAnAlteredEntry() {
        var entries = chain(10)
        let original = entries[6]
        var details = original.details
        details["destination"] = .string("procurement-register")
        entries[6] = AuditEntry(
            sequence: original.sequence, time: original.time, kind: original.kind, details: details,
            previousHash: original.previousHash, hash: original.hash)
        #expect(AuditChain.verify(entries).first == AuditChain.Break(kind: .altered, sequence: 7))
    }

    @Test func namesARecomputedEntryByTheOneAfterIt() {
        // Someone who can write the store rewrites an entry and its hash: the next entry no longer follows.
        var entries = chain(10)
        var details = entries[3].details
        details["removed"] = .array([])
        entries[3] = AuditEntry(after: entries[2], time: entries[3].time, kind: entries[3].kind, details: details)
        #expect(AuditChain.verify(entries).first == AuditChain.Break(kind: .reordered, sequence: 5))
        #expect(AuditChain.verify(entries, checkpoint: (8, chain(10)[7].hash)) == nil)
    }

    @Test func namesARemovedEntry() {
        var entries = chain(10)
        entries.remove(at: 4)
        #expect(AuditChain.verify(entries) == [AuditChain.Break(kind: .removed, sequence: 6)])
    }

    @Test func namesReorderedEntries() {
        var entries = chain(10)
        entries.swapAt(2, 3)
        #expect(AuditChain.verify(entries).first == AuditChain.Break(kind: .reordered, sequence: 4))
    }

    @Test func aCheckpointCatchesAChainRecomputedFromTheStart() {
        let genuine = chain(10)
        var forged: [AuditEntry] = []
        for entry in genuine {
            var details = entry.details
            if entry.sequence == 2 { details["destination"] = .string("procurement-register") }
            forged.append(AuditEntry(after: forged.last, time: entry.time, kind: entry.kind, details: details))
        }
        #expect(AuditChain.verify(forged).isEmpty, "a chain recomputed end to end is consistent by itself")
        #expect(
            AuditChain.verify(forged, checkpoint: (6, genuine[5].hash))
                == AuditChain.Break(kind: .checkpointMismatch, sequence: 6))
    }
}
