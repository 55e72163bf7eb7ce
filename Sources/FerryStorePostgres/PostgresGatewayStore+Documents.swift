import FerryCore
public import FerryStore
import Foundation
import Logging
import PostgresNIO

/// Documents, records, rejects and idempotency keys.
extension PostgresGatewayStore {
    public func commit(_ document: InboundDocument) async throws -> CommitOutcome {
        do {
            return try await transaction { connection in
                if let key = document.idempotencyKey {
                    // A concurrent request with the same key waits here for the first to commit.
                    let inserted = try await connection.query(
                        """
                        INSERT INTO idempotency_key (sender, key, body_sha256, document_id)
                        VALUES (\(document.sender), \(key), \(document.bodySHA256), \(document.id))
                        ON CONFLICT (sender, key) DO NOTHING RETURNING document_id
                        """, logger: self.logger
                    ).collect()
                    if inserted.isEmpty {
                        throw EarlierDocument(key: key)
                    }
                }
                try await connection.query(
                    """
                    INSERT INTO document (id, sender, received_at, body_sha256)
                    VALUES (\(document.id), \(document.sender), \(document.receivedAt), \(document.bodySHA256))
                    """, logger: self.logger)
                // The first occurrence of an id is inserted; records already stored are duplicates.
                var firstOccurrences: [InboundDocument.Record] = []
                var seen = Set<String>()
                for (_, record) in document.records where seen.insert(record.id).inserted {
                    firstOccurrences.append(record)
                }
                var inserted = Set<String>()
                if !firstOccurrences.isEmpty {
                    let rows = try await connection.query(
                        """
                        INSERT INTO record (id, type, record_key, sender, document_id, received_at, body)
                        SELECT r.id, r.type, r.key, \(document.sender), \(document.id), \(document.receivedAt), r.body
                        FROM unnest(\(firstOccurrences.map(\.id))::text[], \(firstOccurrences.map(\.type))::text[],
                                    \(firstOccurrences.map(\.key))::text[],
                                    \(firstOccurrences.map { ByteBuffer(bytes: $0.body) })::bytea[]) AS r(id, type, key, body)
                        ON CONFLICT (id) DO NOTHING RETURNING id
                        """, logger: self.logger)
                    for try await id in rows.decode(String.self) { inserted.insert(id) }
                }
                var duplicates = Set<String>()
                var entries = EntryColumns()
                var jobs: [DeliveryJob] = []
                var openings: [ReviewOpening] = []
                for (position, record) in document.records {
                    let isNew = inserted.remove(record.id) != nil
                    if !isNew { duplicates.insert(record.id) }
                    entries.append(
                        position: position, outcome: isNew ? "accepted" : "duplicate", recordID: record.id,
                        key: record.key, routing: StoredText.routing(record.routing))
                    guard isNew else { continue }
                    openings += record.routing.compactMap(\.review)
                    for routing in record.routing where routing.released {
                        jobs.append(
                            DeliveryJob(
                                id: InboundDocument.jobID(record: record.id, destination: routing.destination),
                                destination: routing.destination, key: record.key, recordIDs: [record.id],
                                now: document.now))
                    }
                }
                if !entries.positions.isEmpty {
                    try await connection.query(
                        """
                        INSERT INTO document_entry (document_id, position, outcome, record_id, record_key, routing)
                        SELECT \(document.id), e.position, e.outcome, e.record_id, e.record_key, e.routing
                        FROM unnest(\(entries.positions)::bigint[], \(entries.outcomes)::text[], \(entries.recordIDs)::text[],
                                    \(entries.keys)::text[], \(entries.routing)::text[])
                             AS e(position, outcome, record_id, record_key, routing)
                        """, logger: self.logger)
                }
                for reject in document.rejects {
                    try await connection.query(
                        """
                        INSERT INTO document_entry (document_id, position, outcome, record_key, line, reason, input, routing)
                        VALUES (\(document.id), \(reject.position), 'rejected', \(reject.key), \(reject.line), \(reject.reason),
                                \(reject.input), '[]')
                        """, logger: self.logger)
                }
                try await self.chain(connection, jobs: jobs, audit: document.audit, time: document.receivedAt)
                try await self.openReviews(connection, openings, now: document.now)
                return .committed(duplicates: duplicates)
            }
        } catch let earlier as EarlierDocument {
            guard let stored = try await idempotencyKey(sender: document.sender, key: earlier.key) else {
                throw StoreError.unavailable(
                    "the idempotency key \(earlier.key) vanished while the document was committed")
            }
            guard stored.bodySHA256 == document.bodySHA256 else {
                throw StoreError.idempotencyConflict(documentID: stored.documentID)
            }
            return .replayed(documentID: stored.documentID)
        }
    }

    /// The idempotency key was used before; the transaction is rolled back and the earlier document read.
    struct EarlierDocument: Error {
        let key: String
    }

    /// Document entries as columns, for one `unnest` insert.
    private struct EntryColumns {
        var positions: [Int] = []
        var outcomes: [String] = []
        var recordIDs: [String] = []
        var keys: [String] = []
        var routing: [String] = []

        mutating func append(position: Int, outcome: String, recordID: String, key: String, routing text: String) {
            positions.append(position)
            outcomes.append(outcome)
            recordIDs.append(recordID)
            keys.append(key)
            routing.append(text)
        }
    }

    public func idempotencyKey(sender: String, key: String) async throws -> (documentID: String, bodySHA256: String)? {
        try await reading { connection in
            for try await (documentID, hash) in try await connection.query(
                """
                SELECT document_id, body_sha256 FROM idempotency_key WHERE sender = \(sender) AND key = \(key)
                """, logger: self.logger
            ).decode((String, String).self) {
                return (documentID, hash)
            }
            return nil
        }
    }

    public func document(_ id: String) async throws -> StoredDocument? {
        try await reading { connection in
            var header: (sender: String, receivedAt: String, bodySHA256: String)?
            for try await row in try await connection.query(
                """
                SELECT sender, received_at, body_sha256 FROM document WHERE id = \(id)
                """, logger: self.logger
            ).decode((String, String, String).self) {
                header = row
            }
            guard let header else { return nil }
            var jobStates: [String: String] = [:]
            for try await (jobID, state, waiting) in try await connection.query(
                """
                SELECT job.id, job.state,
                  (job.state = 'pending' AND EXISTS (SELECT 1 FROM delivery_job AS earlier
                     WHERE earlier.destination = job.destination AND earlier.ordering_key = job.ordering_key
                       AND earlier.sequence < job.sequence AND earlier.state IN ('held', 'in-review', 'dead-lettered')))
                FROM document_entry AS entry JOIN delivery_job AS job
                ON job.id >= entry.record_id || '/' AND job.id < entry.record_id || '0'
                WHERE entry.document_id = \(id) AND entry.record_id IS NOT NULL
                """, logger: self.logger
            ).decode((String, String, Bool).self) {
                jobStates[jobID] = waiting ? StoredDocument.waiting : state
            }
            var entries: [StoredDocument.Entry] = []
            for try await (position, outcomeText, recordID, key, line, reason, input, routingText)
                in try await connection.query(
                    """
                    SELECT position, outcome, record_id, record_key, line, reason, input, routing
                    FROM document_entry WHERE document_id = \(id) ORDER BY position
                    """, logger: self.logger
                ).decode((Int, String, String?, String?, Int?, String?, String?, String).self)
            {
                entries.append(
                    StoredDocument.Entry(
                        storedPosition: position, outcome: outcomeText, recordID: recordID, key: key, line: line,
                        reason: reason,
                        input: input, routing: routingText, jobStates: jobStates))
            }
            return StoredDocument(
                id: id, sender: header.sender, receivedAt: header.receivedAt, bodySHA256: header.bodySHA256,
                entries: entries)
        }
    }

    public func documentCounts() async throws -> [String: Int] {
        try await reading { connection in
            var counts = ["documents": 0]
            for try await count in try await connection.query("SELECT count(*) FROM document", logger: self.logger)
                .decode(Int.self)
            {
                counts["documents"] = count
            }
            for try await (outcome, count) in try await connection.query(
                "SELECT outcome, count(*) FROM document_entry GROUP BY outcome", logger: self.logger
            ).decode((String, Int).self) {
                counts[outcome] = count
            }
            return counts
        }
    }

    public func documents(_ query: DocumentQuery) async throws -> [DocumentSummary] {
        try await reading { connection in
            var result: [DocumentSummary] = []
            for try await (id, sender, receivedAt, hash, accepted, duplicates, rejected) in try await connection.query(
                """
                SELECT d.id, d.sender, d.received_at, d.body_sha256,
                  (SELECT count(*) FROM document_entry e WHERE e.document_id = d.id AND e.outcome = 'accepted'),
                  (SELECT count(*) FROM document_entry e WHERE e.document_id = d.id AND e.outcome = 'duplicate'),
                  (SELECT count(*) FROM document_entry e WHERE e.document_id = d.id AND e.outcome = 'rejected')
                FROM document AS d
                WHERE (\(query.sender)::text IS NULL OR d.sender = \(query.sender))
                  AND (\(query.receivedFrom)::text IS NULL OR d.received_at >= \(query.receivedFrom))
                  AND (\(query.receivedBefore)::text IS NULL OR d.received_at < \(query.receivedBefore))
                  AND (\(query.outcome?.rawValue)::text IS NULL OR EXISTS (
                        SELECT 1 FROM document_entry e WHERE e.document_id = d.id AND e.outcome = \(query.outcome?.rawValue)))
                  AND (\(query.key)::text IS NULL OR d.id IN (
                        SELECT e.document_id FROM document_entry e WHERE e.record_key = \(query.key)))
                  AND (\(query.after?.receivedAt)::text IS NULL OR d.received_at < \(query.after?.receivedAt)
                       OR (d.received_at = \(query.after?.receivedAt) AND d.id > \(query.after?.id)))
                ORDER BY d.received_at DESC, d.id LIMIT \(query.limit) OFFSET \(query.offset)
                """, logger: self.logger
            ).decode((String, String, String, String, Int, Int, Int).self) {
                result.append(
                    DocumentSummary(
                        id: id, sender: sender, receivedAt: receivedAt, bodySHA256: hash, accepted: accepted,
                        duplicates: duplicates, rejected: rejected))
            }
            return result
        }
    }

    public func records(_ ids: [String]) async throws -> [String: StoredRecord] {
        try await reading { connection in
            var result: [String: StoredRecord] = [:]
            for try await (id, type, key, sender, documentID, body) in try await connection.query(
                """
                SELECT id, type, record_key, sender, document_id, body FROM record WHERE id = ANY(\(ids)::text[])
                """, logger: self.logger
            ).decode((String, String, String, String, String, ByteBuffer?).self) {
                result[id] = StoredRecord(
                    id: id, type: type, key: key, sender: sender, documentID: documentID,
                    body: body.map { Array(buffer: $0) })
            }
            return result
        }
    }

    public func storedRecordIDs(_ ids: [String]) async throws -> Set<String> {
        try await reading { connection in
            var stored = Set<String>()
            for try await id in try await connection.query(
                "SELECT id FROM record WHERE id = ANY(\(ids)::text[])",
                logger: self.logger
            ).decode(String.self) {
                stored.insert(id)
            }
            return stored
        }
    }

    public func removeBodies(receivedBefore time: String) async throws -> Int {
        try await transaction { connection in
            // A body stays while any of its deliveries is unfinished; ids, keys and the audit stay.
            let records = try await self.count(
                connection,
                """
                WITH removed AS (
                    UPDATE record SET body = NULL WHERE body IS NOT NULL AND received_at < \(time)
                    AND NOT EXISTS (SELECT 1 FROM delivery_job WHERE delivery_job.id >= record.id || '/'
                                    AND delivery_job.id < record.id || '0' AND delivery_job.state NOT IN ('delivered', 'blocked'))
                    RETURNING 1)
                SELECT count(*) FROM removed
                """)
            let inputs = try await self.count(
                connection,
                """
                WITH removed AS (
                    UPDATE document_entry SET input = NULL WHERE input IS NOT NULL
                    AND document_id IN (SELECT id FROM document WHERE received_at < \(time))
                    RETURNING 1)
                SELECT count(*) FROM removed
                """)
            return records + inputs
        }
    }

    public func probeWritable() async throws {
        // A readiness probe wants its answer in a couple of seconds, not after the pool's retries.
        try await transaction(timeout: .seconds(2)) { connection in
            try await connection.query(
                """
                INSERT INTO readiness_probe (id, time) VALUES (1, \(Date().timeIntervalSinceReferenceDate))
                ON CONFLICT (id) DO UPDATE SET time = excluded.time
                """, logger: self.logger)
        }
    }

    public func queueDepth() async throws -> Int {
        try await reading { connection in
            try await self.count(
                connection,
                "SELECT count(*) FROM delivery_job WHERE state IN ('pending', 'leased', 'dead-lettered', 'held', 'in-review')"
            )
        }
    }
}
