import FerryCore
import FerryXML
import Testing

/// Rejects name the line where their record starts, in exports of any length.
struct RecordLineTests {
    /// Records `<e>` whose start tags end their lines, at lines around and far past 65,535 (where
    /// libxml2 stops keeping a node's line in the node itself).
    static func document(recordLines: [Int]) -> [UInt8] {
        var text = "<r>"
        var line = 1
        for recordLine in recordLines {
            text += String(repeating: "\n", count: recordLine - line)
            text += "<e>\n  <v>x</v>\n</e>"
            line = recordLine + 2
        }
        return Array((text + "\n</r>\n").utf8)
    }

    static let recordPath = [
        NodePath.Name(namespace: "", local: "r", prefix: nil),
        NodePath.Name(namespace: "", local: "e", prefix: nil),
    ]

    /// The batch reader, which every mapping without XPath reads through, counts lines itself.
    /// (libxml2 2.9 keeps no element line past 65,535 in its tree, so records read for XPath
    /// there are given the line of their first child: see docs/decisions.md.)
    @Test func theBatchReaderGivesTheStartLineOfEveryRecordPastLine65535() throws {
        let lines = [2, 65_533, 65_536, 65_540, 70_001, 140_000]
        let document = Self.document(recordLines: lines)
        let reader = XMLRecordReader(input: MemoryByteStream(document), path: "long.xml", recordPath: Self.recordPath)
        var treeLines: [Int] = []
        while let record = try reader.next() { treeLines.append(record.line) }
        #expect(treeLines.prefix(2) == lines.prefix(2))
        var batchLines: [Int] = []
        try XMLRecordBatchReader(
            input: MemoryByteStream(document), path: "long.xml", recordPath: Self.recordPath, batchSize: 32,
            batchBytes: 1 << 20
        ).read { batch in
            for index in 0..<batch.count { batchLines.append(batch.line(of: index)) }
        }
        #expect(batchLines == lines)
    }
}
