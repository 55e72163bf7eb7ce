public import FerryCore
public import FerryStore
import Foundation

/// Reporting: a document's records and their outcomes, page by page.
extension Gateway {
    /// A document's status: each record's outcome and, per destination, its release and delivery
    /// state.
    ///
    /// Rejected inputs are included only for operators.
    public func status(of documentID: String, includeInputs: Bool, page: RecordPage = RecordPage()) async throws
        -> JSONObject?
    {
        guard let document = try await store.document(documentID) else { return nil }
        // A duplicate names the document that first carried its record: to operators, and to
        // the sender when that document is its own.
        let duplicates = document.entries.filter { $0.outcome == .duplicate }.compactMap(\.recordID)
        let first =
            duplicates.isEmpty
            ? [:]
            : try await store.records(duplicates).filter { includeInputs || $0.value.sender == document.sender }
                .mapValues(\.documentID)
        return Self.report(document, includeInputs: includeInputs, page: page, firstDocuments: first)
    }

    /// Documents as a listing shows them, newest first.
    public func documents(_ query: DocumentQuery) async throws -> [JSONValue] {
        try await store.documents(query).map { summary in
            .object(
                JSONObject([
                    ("document", .string(summary.id)), ("sender", .string(summary.sender)),
                    ("received_at", .string(summary.receivedAt)), ("body_sha256", .string(summary.bodySHA256)),
                    ("accepted", .integer(summary.accepted)), ("duplicates", .integer(summary.duplicates)),
                    ("rejected", .integer(summary.rejected)),
                ]))
        }
    }

    /// Which of a document's records a report lists: of each outcome (or of one), `limit`
    /// records from `offset` on.
    ///
    /// The totals always count every record.
    public struct RecordPage: Sendable, Equatable {
        /// The most records of one outcome a report lists.
        public static let maximumLimit = 1_000

        public var outcome: StoredDocument.Entry.Outcome?
        public var offset: Int
        public var limit: Int

        public init(outcome: StoredDocument.Entry.Outcome? = nil, offset: Int = 0, limit: Int = RecordPage.maximumLimit)
        {
            self.outcome = outcome
            self.offset = max(0, offset)
            self.limit = min(Self.maximumLimit, max(1, limit))
        }
    }

    /// A document's report: each record's outcome and, per destination, its state; a page of
    /// the records (by default the first 1,000 of each outcome) beside the totals.
    static func report(
        _ document: StoredDocument, includeInputs: Bool, page: RecordPage = RecordPage(),
        firstDocuments: [String: String] = [:]
    ) -> JSONObject {
        var counts: [StoredDocument.Entry.Outcome: Int] = [:]
        var unlisted = false
        let listed = document.entries.filter { entry in
            let index = counts[entry.outcome, default: 0]
            counts[entry.outcome] = index + 1
            let inPage = (page.outcome == nil || page.outcome == entry.outcome) && index >= page.offset
            if inPage && index >= page.offset + page.limit { unlisted = true }
            return inPage && index < page.offset + page.limit
        }
        let entries: [JSONValue] = listed.map { entry in
            var object = JSONObject([
                ("position", .integer(entry.position)), ("outcome", .string(entry.outcome.rawValue)),
            ])
            if let id = entry.recordID { object["id"] = .string(id) }
            if entry.outcome == .duplicate, let id = entry.recordID, let first = firstDocuments[id] {
                object["first_document"] = .string(first)
            }
            object["key"] = entry.key.map(JSONValue.string) ?? .null
            if let line = entry.line { object["line"] = .integer(line) }
            if let reason = entry.reason { object["reason"] = .string(reason) }
            if includeInputs, let input = entry.input { object["input"] = .string(input) }
            if entry.outcome != .rejected {
                object["unrouted"] = .bool(entry.unrouted)
                object["destinations"] = .array(
                    entry.destinations.map { destination in
                        var item = JSONObject([
                            ("destination", .string(destination.destination)), ("state", .string(destination.state)),
                        ])
                        if !destination.removedFields.isEmpty {
                            item["removed_fields"] = .array(destination.removedFields.map(JSONValue.string))
                        }
                        if let releasedID = destination.releasedID { item["released_id"] = .string(releasedID) }
                        return .object(item)
                    })
            }
            return .object(object)
        }
        return JSONObject(
            [
                ("document", .string(document.id)), ("sender", .string(document.sender)),
                ("received_at", .string(document.receivedAt)),
                ("body_sha256", .string(document.bodySHA256)), ("accepted", .integer(counts[.accepted] ?? 0)),
                ("duplicates", .integer(counts[.duplicate] ?? 0)), ("rejected", .integer(counts[.rejected] ?? 0)),
                ("records", .array(entries)),
            ]
                + (unlisted || page != RecordPage()
                    ? [
                        (
                            "page",
                            .object(
                                JSONObject([
                                    ("outcome", page.outcome.map { .string($0.rawValue) } ?? .null),
                                    ("offset", .integer(page.offset)),
                                    ("limit", .integer(page.limit)), ("more", .bool(unlisted)),
                                ]))
                        )
                    ] : []))
    }
}
