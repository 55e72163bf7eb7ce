import FerryCore
public import FerryStore
public import Foundation

/// Verifies a gateway's audit trail: the hash chain in the store, the signed checkpoints the
/// store lists, the checkpoint files written beside it and any copied off the host.
///
/// A chain recomputed by someone who can write the database is consistent by itself; the signed
/// checkpoints are what expose it, and the checkpoints copied off the host are what expose a tail
/// cut together with the newest checkpoint.
public enum AuditVerifier {
    /// The directory of checkpoint files in a data directory.
    public static func checkpointDirectory(in dataDirectory: URL) -> URL {
        dataDirectory.appendingPathComponent("audit-checkpoints")
    }

    /// The name of a checkpoint's file: its sequence, zero-padded to 12 digits.
    public static func checkpointFileName(sequence: Int) -> String { String(format: "%012d.json", sequence) }

    /// A problem found, with a diagnostic code: `audit.altered`, `audit.removed`,
    /// `audit.reordered` (the chain), `audit.checkpoint` (a checkpoint that does not verify or
    /// does not hold), `audit.checkpoint-missing` (the store and the checkpoint files disagree),
    /// `audit.truncated` (the chain is shorter than a checkpoint or the expected sequence proves),
    /// `audit.untrusted-key` (a checkpoint signed with a key that is not pinned).
    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        public let code: String
        public let message: String
        public var description: String { message }
    }

    /// What verification looks at.
    public struct Evidence: Sendable {
        /// The chain in stored order.
        public var entries: [AuditEntry]
        /// The checkpoints the store lists.
        public var storedCheckpoints: [AuditCheckpoint]
        /// The checkpoint files beside the store (`DATA/audit-checkpoints`).
        public var checkpointFiles: [URL]
        /// Checkpoint files copied off the host.
        public var offHostCheckpointFiles: [URL]
        /// The sequence the chain must reach at least, as an auditor noted it.
        public var expectedSequence: Int?

        public init(
            entries: [AuditEntry], storedCheckpoints: [AuditCheckpoint], checkpointFiles: [URL],
            offHostCheckpointFiles: [URL] = [], expectedSequence: Int? = nil
        ) {
            self.entries = entries
            self.storedCheckpoints = storedCheckpoints
            self.checkpointFiles = checkpointFiles
            self.offHostCheckpointFiles = offHostCheckpointFiles
            self.expectedSequence = expectedSequence
        }
    }

    /// The keys a checkpoint may be signed with: the public keys by id and, when pinned, the
    /// fingerprints (``Keyring/fingerprint(_:)``) a key must have to be trusted at all.
    public struct Trust: Sendable {
        public var publicKeys: [String: Data]
        public var pinnedFingerprints: Set<String>

        public init(publicKeys: [String: Data], pinnedFingerprints: Set<String>) {
            self.publicKeys = publicKeys
            self.pinnedFingerprints = pinnedFingerprints
        }
    }

    /// What verification found: problems (the trail cannot be trusted) and warnings.
    public struct Report: Sendable {
        public var problems: [Problem] = []
        public var warnings: [String] = []
        /// The signed checkpoints that verified, from every source.
        public var verifiedCheckpoints = 0
    }

    /// Verifies the trail.
    public static func verify(_ evidence: Evidence, trust: Trust) -> Report {
        let entries = evidence.entries
        var report = Report()
        report.problems = AuditChain.verify(entries, after: entries.first.map { ($0.sequence - 1, $0.previousHash) })
            .map { Problem(code: "audit.\($0.kind.rawValue)", message: $0.description) }
        func problem(_ code: String, _ message: String) {
            report.problems.append(Problem(code: code, message: message))
        }
        if trust.pinnedFingerprints.isEmpty {
            report.warnings.append(
                "no signing key is pinned: checkpoints were checked with whatever public keys lie in the key "
                    + "directory, which someone with the host's disk can replace (pin one with audit.key_fingerprint "
                    + "in the configuration and --config, or --key-fingerprint)")
        }

        // Every checkpoint, from every source, must be signed by a trusted key and held by the chain.
        var files: [Int: (AuditCheckpoint, URL)] = [:]
        var sources: [(checkpoint: AuditCheckpoint, label: String)] = evidence.storedCheckpoints.map {
            ($0, "checkpoint \($0.sequence) in the store")
        }
        for (list, place) in [(evidence.checkpointFiles, ""), (evidence.offHostCheckpointFiles, "off-host ")] {
            for file in list.sorted(by: { $0.lastPathComponent < $1.lastPathComponent }) {
                guard let checkpoint = checkpoint(at: file) else {
                    problem("audit.checkpoint", "\(place)\(file.path): not a Ferry audit checkpoint")
                    continue
                }
                if files[checkpoint.sequence] == nil { files[checkpoint.sequence] = (checkpoint, file) }
                sources.append((checkpoint, "\(place)\(file.path)"))
            }
        }
        let last = entries.last?.sequence ?? 0
        var provenLength = evidence.expectedSequence.map { ($0, "the expected sequence") }
        for (checkpoint, label) in sources {
            if let untrusted = signatureProblem(checkpoint, trust: trust) {
                problem(untrusted.code, "\(label): \(untrusted.message)")
                continue
            }
            report.verifiedCheckpoints += 1
            if checkpoint.sequence > (provenLength?.0 ?? 0) { provenLength = (checkpoint.sequence, label) }
            if let first = entries.first, checkpoint.sequence < first.sequence { continue }  // pruned history
            if checkpoint.sequence > last { continue }  // reported as a cut tail below
            if let broken = AuditChain.verify(entries, checkpoint: (checkpoint.sequence, checkpoint.hash)) {
                problem(
                    "audit.checkpoint",
                    "\(label): \(broken): the chain does not hold the hash signed at \(checkpoint.time)")
            }
        }
        if let (length, label) = provenLength, length > last {
            problem(
                "audit.truncated",
                "the chain ends at entry \(last), but \(label) proves \(length) entries: "
                    + "the newest \(length - last) were removed")
        }
        if let first = entries.first, first.sequence != 1,
            !sources.contains(where: { $0.checkpoint.sequence == first.sequence })
        {
            problem(
                "audit.checkpoint", "audit entries before \(first.sequence) are missing and no checkpoint covers them")
        }

        // Each checkpoint is written as a file and as a row of the store, and neither is ever
        // removed: a row without a file (beside the store or among the copies), a file without a
        // row, or the two naming different hashes means one of them was changed. (Instances that
        // share a store each write the files of the checkpoints they sign, at their own times.)
        for stored in evidence.storedCheckpoints {
            guard let (file, url) = files[stored.sequence] else {
                problem(
                    "audit.checkpoint-missing",
                    "checkpoint \(stored.sequence) is in the store, but its file "
                        + "\(checkpointFileName(sequence: stored.sequence)) is missing")
                continue
            }
            if file.hash != stored.hash {
                problem(
                    "audit.checkpoint",
                    "\(url.path) and checkpoint \(stored.sequence) in the store name different hashes")
            }
        }
        let storedSequences = Set(evidence.storedCheckpoints.map(\.sequence))
        for (sequence, (_, url)) in files.sorted(by: { $0.key < $1.key }) where !storedSequences.contains(sequence) {
            problem("audit.checkpoint-missing", "\(url.path) is a checkpoint the store does not list")
        }
        if sources.isEmpty && !entries.isEmpty {
            report.warnings.append("no signed checkpoint: entries removed from the end of the chain cannot be detected")
        }
        return report
    }

    /// Why a checkpoint's signature cannot be trusted, or nil when it verifies with a trusted key.
    private static func signatureProblem(_ checkpoint: AuditCheckpoint, trust: Trust) -> Problem? {
        guard let key = trust.publicKeys[checkpoint.keyID] else {
            return Problem(
                code: "audit.checkpoint",
                message: "signed with key \(checkpoint.keyID), which is not among the public keys")
        }
        if !trust.pinnedFingerprints.isEmpty, !trust.pinnedFingerprints.contains(Keyring.fingerprint(key)) {
            return Problem(
                code: "audit.untrusted-key",
                message:
                    "signed with key \(checkpoint.keyID) (\(Keyring.fingerprint(key))), which is not the pinned key")
        }
        let signed = AuditCheckpoint.signedBytes(
            sequence: checkpoint.sequence, hash: checkpoint.hash, time: checkpoint.time)
        let signature = Keyring.Signature(keyID: checkpoint.keyID, value: checkpoint.signature)
        guard (try? Keyring.verify(signed, signature: signature, publicKeys: trust.publicKeys)) == true else {
            return Problem(
                code: "audit.checkpoint", message: "the signature does not verify with key \(checkpoint.keyID)")
        }
        return nil
    }

    /// The checkpoint files in a directory of them.
    public static func checkpointFiles(inDirectory directory: URL) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.sorted().map {
            directory.appendingPathComponent($0)
        }
    }

    /// The checkpoint files in a data directory.
    public static func checkpointFiles(in dataDirectory: URL) -> [URL] {
        checkpointFiles(inDirectory: checkpointDirectory(in: dataDirectory))
    }

    /// The checkpoint a file holds, or nil when it holds none.
    public static func checkpoint(at file: URL) -> AuditCheckpoint? {
        guard let data = try? Data(contentsOf: file), let value = try? JSONParser.parseDocument([UInt8](data)) else {
            return nil
        }
        return AuditCheckpoint(json: value)
    }
}
