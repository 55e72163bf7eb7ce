import FerryCore

/// A stored document and the state of each of its records.
public struct StoredDocument: Sendable {
    /// The state a document's report shows for a pending delivery that waits behind an earlier
    /// version of its key that is held, in review or dead-lettered.
    public static let waiting = "waiting"

    /// One input record's outcome.
    public struct Entry: Sendable {
        public enum Outcome: String, Sendable {
            case accepted, duplicate, rejected
        }

        public var position: Int
        public var outcome: Outcome
        public var recordID: String?
        public var key: String?
        public var line: Int?
        public var reason: String?
        public var input: String?
        /// Per destination: `blocked`, or the delivery job's state, the fields removed and the
        /// released record's id when it differs from the record's.
        public var destinations: [Destination]
        /// True when no route matched the record.
        public var unrouted: Bool

        public init(
            position: Int, outcome: Outcome, recordID: String?, key: String?, line: Int?, reason: String?,
            input: String?, destinations: [Destination], unrouted: Bool
        ) {
            self.position = position
            self.outcome = outcome
            self.recordID = recordID
            self.key = key
            self.line = line
            self.reason = reason
            self.input = input
            self.destinations = destinations
            self.unrouted = unrouted
        }
    }

    public var id: String
    public var sender: String
    public var receivedAt: String
    public var bodySHA256: String
    public var entries: [Entry]

    public init(id: String, sender: String, receivedAt: String, bodySHA256: String, entries: [Entry]) {
        self.id = id
        self.sender = sender
        self.receivedAt = receivedAt
        self.bodySHA256 = bodySHA256
        self.entries = entries
    }
}

extension StoredDocument.Entry {
    /// A record's state at one destination.
    public struct Destination: Sendable, Hashable {
        public var destination: String
        /// `blocked`, `purged`, or the delivery job's state.
        public var state: String
        public var removedFields: [String]
        /// The id of the record as released there, when fields were removed.
        public var releasedID: String?

        public init(destination: String, state: String, removedFields: [String], releasedID: String?) {
            self.destination = destination
            self.state = state
            self.removedFields = removedFields
            self.releasedID = releasedID
        }
    }

    /// An entry as a store driver reads it back: its routing as stored (``StoredText/routing(_:)``)
    /// and the states of the document's delivery jobs by job id.
    ///
    /// A released destination whose job is gone was purged by an operator.
    public init(
        storedPosition position: Int, outcome text: String, recordID: String?, key: String?, line: Int?,
        reason: String?, input: String?, routing routingText: String, jobStates: [String: String]
    ) {
        let routing = StoredText.routing(from: routingText)
        let outcome = Outcome(rawValue: text) ?? .rejected
        self.init(
            position: position, outcome: outcome, recordID: recordID, key: key, line: line, reason: reason,
            input: input,
            destinations: routing.map { decision in
                var state = "blocked"
                if decision.released, let recordID {
                    state =
                        jobStates[InboundDocument.jobID(record: recordID, destination: decision.destination)]
                        ?? "purged"
                }
                return Destination(
                    destination: decision.destination, state: state, removedFields: decision.removedFields,
                    releasedID: decision.releasedID)
            },
            unrouted: outcome != .rejected && routing.isEmpty)
    }
}

extension StoredDocument {
    /// A document as its commit left it, when none of its records was a duplicate: every
    /// released delivery pending, what the store would read back, without reading it.
    public init(committed document: InboundDocument) {
        let accepted = document.records.map { position, record in
            Entry(
                position: position, outcome: .accepted, recordID: record.id, key: record.key, line: nil, reason: nil,
                input: nil,
                destinations: record.routing.map {
                    Entry.Destination(
                        destination: $0.destination,
                        state: !$0.released
                            ? "blocked" : $0.review == nil ? "pending" : DeliveryJob.State.inReview.rawValue,
                        removedFields: $0.removedFields, releasedID: $0.releasedID)
                },
                unrouted: record.routing.isEmpty)
        }
        let rejected = document.rejects.map { reject in
            Entry(
                position: reject.position, outcome: .rejected, recordID: nil, key: reject.key, line: reject.line,
                reason: reject.reason, input: reject.input, destinations: [], unrouted: false)
        }
        self.init(
            id: document.id, sender: document.sender, receivedAt: document.receivedAt, bodySHA256: document.bodySHA256,
            entries: (accepted + rejected).sorted { $0.position < $1.position })
    }
}

/// Which documents a listing shows: filters, newest first, a page.
public struct DocumentQuery: Sendable {
    /// Only this sender's.
    public var sender: String?
    /// Received at or after, and before, these times (RFC 3339, UTC as the store writes them).
    public var receivedFrom: String?, receivedBefore: String?
    /// Only documents with at least one record of this outcome.
    public var outcome: StoredDocument.Entry.Outcome?
    /// Only documents that carried a record with this key.
    public var key: String?
    /// Only documents listed after this one (its time and id), newest first: a page that costs
    /// the same however deep it is, unlike `offset`.
    public var after: (receivedAt: String, id: String)?
    public var offset: Int
    public var limit: Int

    /// A query; by default the newest 100 documents.
    public init(
        sender: String? = nil, receivedFrom: String? = nil, receivedBefore: String? = nil,
        outcome: StoredDocument.Entry.Outcome? = nil, key: String? = nil, offset: Int = 0, limit: Int = 100
    ) {
        self.sender = sender
        self.receivedFrom = receivedFrom
        self.receivedBefore = receivedBefore
        self.outcome = outcome
        self.key = key
        self.offset = max(0, offset)
        self.limit = max(1, limit)
    }
}

/// A document in a listing: who sent it, when, and how many of its records had each outcome.
public struct DocumentSummary: Sendable, Hashable {
    public var id: String
    public var sender: String
    public var receivedAt: String
    public var bodySHA256: String
    public var accepted: Int, duplicates: Int, rejected: Int

    /// A summary as a store read it.
    public init(
        id: String, sender: String, receivedAt: String, bodySHA256: String, accepted: Int, duplicates: Int,
        rejected: Int
    ) {
        self.id = id
        self.sender = sender
        self.receivedAt = receivedAt
        self.bodySHA256 = bodySHA256
        self.accepted = accepted
        self.duplicates = duplicates
        self.rejected = rejected
    }
}
