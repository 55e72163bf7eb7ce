import FerryCore
public import FerryStore
public import Foundation

/// Verifies a gateway's audit trail: the hash chain in the store, and each signed checkpoint
/// written outside it. A chain recomputed by someone who can write the database is consistent
/// by itself; the checkpoints, signed with the gateway's key, are what expose it.
public enum AuditVerifier {
    /// The directory of checkpoint files in a data directory.
    public static func checkpointDirectory(in dataDirectory: URL) -> URL {
        dataDirectory.appendingPathComponent("audit-checkpoints")
    }

    /// A problem found, with a diagnostic code (`audit.altered`, `audit.removed`,
    /// `audit.reordered`, `audit.checkpoint`).
    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        public let code: String
        public let message: String
        public var description: String { message }
    }

    /// Every problem found, naming the entry or checkpoint; empty when intact.
    /// - Parameters:
    ///   - entries: the chain in stored order.
    ///   - checkpointFiles: the checkpoint files outside the store.
    ///   - keyring: the gateway's public keys.
    public static func verify(_ entries: [AuditEntry], checkpointFiles: [URL], keyring: Keyring) -> [Problem] {
        var problems = AuditChain.verify(entries, after: entries.first.map { ($0.sequence - 1, $0.previousHash) })
            .map { Problem(code: "audit.\($0.kind.rawValue)", message: $0.description) }
        func problem(_ message: String) { problems.append(Problem(code: "audit.checkpoint", message: message)) }
        if let first = entries.first, first.sequence != 1,
            !checkpointFiles.contains(where: { checkpoint(at: $0)?.sequence == first.sequence })
        {
            problem("audit entries before \(first.sequence) are missing and no checkpoint covers them")
        }
        for file in checkpointFiles.sorted(by: { $0.lastPathComponent < $1.lastPathComponent }) {
            guard let checkpoint = checkpoint(at: file) else {
                problem("\(file.path): not a Ferry audit checkpoint")
                continue
            }
            let signed = AuditCheckpoint.signedBytes(sequence: checkpoint.sequence, hash: checkpoint.hash, time: checkpoint.time)
            let valid = (try? keyring.verify(signed, signature: Keyring.Signature(keyID: checkpoint.keyID,
                                                                                  value: checkpoint.signature))) ?? false
            if !valid {
                problem("\(file.path): the signature does not verify with key \(checkpoint.keyID)")
            } else if let first = entries.first, checkpoint.sequence < first.sequence {
                continue  // pruned history before this checkpoint
            } else if let broken = AuditChain.verify(entries, checkpoint: (checkpoint.sequence, checkpoint.hash)) {
                problem("\(broken): the chain does not hold the hash signed at \(checkpoint.time)")
            }
        }
        return problems
    }

    /// The checkpoint files in a data directory.
    public static func checkpointFiles(in dataDirectory: URL) -> [URL] {
        let directory = checkpointDirectory(in: dataDirectory)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.sorted().map { directory.appendingPathComponent($0) }
    }

    private static func checkpoint(at file: URL) -> AuditCheckpoint? {
        guard let data = try? Data(contentsOf: file), let value = try? JSONParser.parseDocument([UInt8](data)) else { return nil }
        return AuditCheckpoint(json: value)
    }
}
