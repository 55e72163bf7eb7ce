import Crypto
public import FerryCore

/// The audit trail as a hash chain: each entry carries the hash of the one before it, so an
/// entry altered, removed or moved breaks the chain at a place `verify` names.
///
/// An entry's hash is the lowercase hex SHA-256 of its sequence number, time, kind, details
/// (RFC 8785 canonical JSON) and the previous entry's hash, joined by newlines. The first
/// entry's previous hash is 64 zeros. Details name records, destinations and fields; they
/// never hold field values.
public struct AuditEntry: Sendable, Hashable {
    /// Position in the chain, from 1, without gaps.
    public let sequence: Int
    /// RFC 3339 time of the event.
    public let time: String
    /// What happened: `received`, `rejected`, `routed`, `unrouted`, `released`, `blocked`,
    /// `delivered`, `failed`, `dead-lettered`, `replayed`, `configuration-loaded`, `operator-action`.
    public let kind: String
    /// The event's particulars.
    public let details: JSONObject
    public let previousHash: String
    public let hash: String

    /// The hash of the chain's start.
    public static let genesis = String(repeating: "0", count: 64)

    /// Makes the entry that follows `previous` (nil for the first).
    public init(after previous: AuditEntry?, time: String, kind: String, details: JSONObject) {
        self.init(following: previous.map { ($0.sequence, $0.hash) }, time: time, kind: kind, details: details)
    }

    /// Makes the entry that follows the head with a sequence and hash (nil for the first).
    public init(following head: (sequence: Int, hash: String)?, time: String, kind: String, details: JSONObject) {
        sequence = (head?.sequence ?? 0) + 1
        self.time = time
        self.kind = kind
        self.details = details
        previousHash = head?.hash ?? Self.genesis
        hash = Self.hash(sequence: sequence, time: time, kind: kind, details: details, previousHash: previousHash)
    }

    /// An entry as stored, for verification.
    public init(sequence: Int, time: String, kind: String, details: JSONObject, previousHash: String, hash: String) {
        self.sequence = sequence
        self.time = time
        self.kind = kind
        self.details = details
        self.previousHash = previousHash
        self.hash = hash
    }

    static func hash(sequence: Int, time: String, kind: String, details: JSONObject, previousHash: String) -> String {
        var bytes = Array("\(sequence)\n\(time)\n\(kind)\n".utf8)
        JSONWriter(form: .canonical).write(.object(details), into: &bytes)
        bytes.append(contentsOf: "\n\(previousHash)".utf8)
        return SHA256.hash(data: bytes).hexadecimal
    }
}

/// Checks an audit chain.
public enum AuditChain {
    /// A break in the chain, at the first entry where it shows.
    public struct Break: Sendable, Hashable, CustomStringConvertible {
        public enum Kind: String, Sendable {
            /// The entry's content does not match its hash.
            case altered
            /// Entries are missing before this one.
            case removed
            /// The entry is out of place: its sequence or previous hash does not follow.
            case reordered
            /// A signed checkpoint names a hash the chain does not have at that position.
            case checkpointMismatch = "checkpoint-mismatch"
        }

        public let kind: Kind
        /// The sequence number of the entry where the break shows.
        public let sequence: Int

        /// Creates a break.
        public init(kind: Kind, sequence: Int) {
            self.kind = kind
            self.sequence = sequence
        }

        public var description: String { "audit entry \(sequence): \(kind.rawValue)" }
    }

    /// Verifies entries in stored order, optionally starting after a checkpoint (pruned history).
    /// - Parameter start: the sequence and hash of the last entry before `entries` (nil: the chain's start).
    /// - Returns: every break found, in order; empty when the chain is intact.
    public static func verify(_ entries: [AuditEntry], after start: (sequence: Int, hash: String)? = nil) -> [Break] {
        var breaks: [Break] = []
        var expectedSequence = (start?.sequence ?? 0) + 1
        var previousHash = start?.hash ?? AuditEntry.genesis
        let present = Set(entries.map(\.sequence))
        for entry in entries {
            let recomputed = AuditEntry.hash(
                sequence: entry.sequence, time: entry.time, kind: entry.kind,
                details: entry.details, previousHash: entry.previousHash)
            if recomputed != entry.hash {
                breaks.append(Break(kind: .altered, sequence: entry.sequence))
            } else if entry.sequence > expectedSequence && entry.previousHash != previousHash
                && !(expectedSequence..<entry.sequence).contains(where: present.contains)
            {
                // The skipped entries are nowhere in the chain: they were removed, not moved.
                breaks.append(Break(kind: .removed, sequence: entry.sequence))
            } else if entry.sequence != expectedSequence || entry.previousHash != previousHash {
                breaks.append(Break(kind: .reordered, sequence: entry.sequence))
            }
            expectedSequence = entry.sequence + 1
            previousHash = entry.hash
        }
        return breaks
    }

    /// Checks that the chain holds a checkpoint's hash at its sequence.
    public static func verify(_ entries: [AuditEntry], checkpoint: (sequence: Int, hash: String)) -> Break? {
        guard let entry = entries.first(where: { $0.sequence == checkpoint.sequence }), entry.hash == checkpoint.hash
        else {
            return Break(kind: .checkpointMismatch, sequence: checkpoint.sequence)
        }
        return nil
    }
}
