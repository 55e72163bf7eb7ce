public import FerryStore
public import Foundation
import Synchronization

/// The periodic check of the audit chain that the console shows: since the newest signed
/// checkpoint, the checkpoint's entry still has its hash and every entry after it follows.
extension Gateway {
    /// A check's result.
    public struct ChainCheck: Sendable {
        /// When it ran.
        public let time: Date
        /// The entries it read: from the newest checkpoint (or the chain's start) through the head.
        public let from: Int, through: Int
        /// The first break found, or nil when the chain holds.
        public let firstBreak: AuditChain.Break?
    }

    /// Entries read per page while checking.
    static let chainCheckPage = 10_000

    /// Checks the chain since the newest signed checkpoint and keeps the result.
    ///
    /// ``lastChainCheck`` holds it for the console. `ferry audit verify` checks the whole chain,
    /// its checkpoint files and signatures; this is the quick watch between such runs.
    @discardableResult
    public func checkRecentChain(now: Date = Date()) async throws -> ChainCheck {
        let checkpoint = try await store.lastCheckpoint()
        var entries: [AuditEntry] = []
        var from = checkpoint?.sequence ?? 0
        while true {
            let page = try await store.entries(from: from, kind: nil, limit: Self.chainCheckPage)
            entries += page
            guard page.count == Self.chainCheckPage, let last = page.last else { break }
            from = last.sequence + 1
        }
        var firstBreak: AuditChain.Break?
        if let checkpoint {
            firstBreak = AuditChain.verify(entries, checkpoint: (checkpoint.sequence, checkpoint.hash))
            if firstBreak == nil {
                firstBreak =
                    AuditChain.verify(
                        entries.filter { $0.sequence > checkpoint.sequence },
                        after: (checkpoint.sequence, checkpoint.hash)
                    ).first
            }
        } else {
            firstBreak = AuditChain.verify(entries).first
        }
        let check = ChainCheck(
            time: now, from: entries.first?.sequence ?? from, through: entries.last?.sequence ?? from,
            firstBreak: firstBreak)
        chainCheckResult.withLock { $0 = check }
        return check
    }

    /// The last periodic check's result, nil before the first.
    public var lastChainCheck: ChainCheck? { chainCheckResult.withLock { $0 } }
}
