import FerryCore
public import FerryStore
public import Foundation
import Synchronization

/// Signed audit checkpoints: written, completed after an interruption, and how far behind the chain they are.
extension Gateway {
    /// Signs the audit chain's head and stores the checkpoint, as a file under
    /// `audit-checkpoints/` in the data directory and then in the store, unless the head is
    /// already checkpointed.
    /// - Returns: the new checkpoint, or nil when there was nothing new.
    @discardableResult
    public func checkpointAudit(now: Date = Date()) async throws -> AuditCheckpoint? {
        guard let head = try await store.head() else {
            observe(newest: nil, head: 0, at: now)
            return nil
        }
        let last = try await store.lastCheckpoint()
        if let last, last.sequence >= head.sequence {
            observe(newest: last, head: head.sequence, at: now)
            return nil
        }
        let time = Self.timestamp(now)
        let signature = try keyring.sign(
            AuditCheckpoint.signedBytes(sequence: head.sequence, hash: head.hash, time: time))
        let checkpoint = AuditCheckpoint(
            sequence: head.sequence, hash: head.hash, time: time, keyID: signature.keyID,
            signature: signature.value)
        var bytes = JSONWriter().bytes(checkpoint.jsonValue)
        bytes.append(0x0A)
        try DurableFile.write(
            bytes,
            to: AuditVerifier.checkpointDirectory(in: dataDirectory)
                .appendingPathComponent(AuditVerifier.checkpointFileName(sequence: head.sequence)))
        try await store.addCheckpoint(checkpoint)
        observe(newest: checkpoint, head: head.sequence, at: now)
        return checkpoint
    }

    /// Completes the checkpoints a stopped process left half-written: a checkpoint file of this
    /// data directory, signed with this gateway's key, whose row the store does not have (the
    /// process stopped between writing the two) gets its row, so that verification finds the
    /// two alike.
    ///
    /// Run at start-up.
    /// - Returns: the number of rows added.
    @discardableResult
    public func completeInterruptedCheckpoints() async throws -> Int {
        let stored = Set(try await store.checkpoints().map(\.sequence))
        var completed = 0
        for file in AuditVerifier.checkpointFiles(in: dataDirectory) {
            guard let checkpoint = AuditVerifier.checkpoint(at: file), !stored.contains(checkpoint.sequence) else {
                continue
            }
            let signed = AuditCheckpoint.signedBytes(
                sequence: checkpoint.sequence, hash: checkpoint.hash, time: checkpoint.time)
            guard
                (try? keyring.verify(
                    signed, signature: Keyring.Signature(keyID: checkpoint.keyID, value: checkpoint.signature)))
                    == true
            else { continue }
            try await store.addCheckpoint(checkpoint)
            completed += 1
        }
        return completed
    }

    /// How far the signed checkpoints are behind the chain, as the last checkpoint run saw it
    /// (no store read, so readiness stays prompt): the newest checkpoint and its age, the
    /// entries it did not cover, and how long ago the run was.
    ///
    /// Nil before the first run.
    public func checkpointLag(now: Date = Date())
        -> (newest: AuditCheckpoint?, ageSeconds: Double?, unsigned: Int, observedSecondsAgo: Double)?
    {
        checkpointObservation.withLock { observation in
            observation.map { observed in
                let signedAt = observed.newest.flatMap {
                    try? Date($0.time, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
                }
                return (
                    observed.newest, signedAt.map { now.timeIntervalSince($0) },
                    observed.head - (observed.newest?.sequence ?? 0),
                    now.timeIntervalSince(observed.at)
                )
            }
        }
    }

    private func observe(newest: AuditCheckpoint?, head: Int, at now: Date) {
        checkpointObservation.withLock { $0 = CheckpointObservation(newest: newest, head: head, at: now) }
    }
}
