import FerryCore
public import FerryStore
import Foundation
import GRDB

/// Documents, records, rejects and idempotency keys.
extension SQLiteGatewayStore {
    public func commit(_ document: InboundDocument) async throws -> CommitOutcome {
        try await writing { db in
            if let key = document.idempotencyKey,
                let row = try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT * FROM idempotency_key WHERE sender = ? AND key = ?"),
                    arguments: [document.sender, key])
            {
                let documentID: String = row["document_id"]
                guard row["body_sha256"] == document.bodySHA256 else {
                    throw StoreError.idempotencyConflict(documentID: documentID)
                }
                return .replayed(documentID: documentID)
            }
            try db.cachedStatement(
                sql: "INSERT INTO document (id, sender, received_at, body_sha256) VALUES (?, ?, ?, ?)"
            ).execute(
                arguments: [document.id, document.sender, document.receivedAt, document.bodySHA256])
            if let key = document.idempotencyKey {
                try db.cachedStatement(
                    sql: "INSERT INTO idempotency_key (sender, key, body_sha256, document_id) VALUES (?, ?, ?, ?)"
                ).execute(
                    arguments: [document.sender, key, document.bodySHA256, document.id])
            }
            var duplicates = Set<String>()
            for (position, record) in document.records {
                // A record already stored, by an earlier document or earlier in this one, is a duplicate.
                try db.cachedStatement(
                    sql: """
                        INSERT OR IGNORE INTO record (id, type, record_key, sender, document_id, received_at, body)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """
                ).execute(arguments: [
                    record.id, record.type, record.key, document.sender, document.id, document.receivedAt,
                    Data(record.body),
                ])
                let duplicate = db.changesCount == 0
                if duplicate {
                    duplicates.insert(record.id)
                } else {
                    for routing in record.routing where routing.released {
                        try Self.insertJob(
                            db, id: InboundDocument.jobID(record: record.id, destination: routing.destination),
                            destination: routing.destination, key: record.key, recordIDs: [record.id],
                            availableAt: document.now)
                    }
                    try Self.openReviews(db, record.routing.compactMap(\.review), now: document.now)
                }
                try db.cachedStatement(
                    sql: """
                        INSERT INTO document_entry (document_id, position, outcome, record_id, record_key, line, reason, input, routing)
                        VALUES (?, ?, ?, ?, ?, NULL, NULL, NULL, ?)
                        """
                ).execute(arguments: [
                    document.id, position, duplicate ? "duplicate" : "accepted", record.id, record.key,
                    StoredText.routing(record.routing),
                ])
            }
            for reject in document.rejects {
                try db.cachedStatement(
                    sql: """
                        INSERT INTO document_entry (document_id, position, outcome, record_id, record_key, line, reason, input, routing)
                        VALUES (?, ?, 'rejected', NULL, ?, ?, ?, ?, '[]')
                        """
                ).execute(arguments: [
                    document.id, reject.position, reject.key, reject.line, reject.reason, reject.input,
                ])
            }
            for event in document.audit {
                try Self.appendAudit(db, kind: event.kind, time: document.receivedAt, details: event.details)
            }
            return .committed(duplicates: duplicates)
        }
    }

    public func idempotencyKey(sender: String, key: String) async throws -> (documentID: String, bodySHA256: String)? {
        try await database.read { db in
            try Row.fetchOne(
                db.cachedStatement(sql: "SELECT * FROM idempotency_key WHERE sender = ? AND key = ?"),
                arguments: [sender, key]
            )
            .map { ($0["document_id"], $0["body_sha256"]) }
        }
    }

    /// Whether a pending `job` waits behind an earlier job of its destination and key that an
    /// operator or reviewers must act on first (held, in review, dead-lettered).
    static let waitingBehind = """
        (job.state = 'pending' AND EXISTS (SELECT 1 FROM delivery_job AS earlier
           WHERE earlier.destination = job.destination AND earlier.ordering_key = job.ordering_key
             AND earlier.sequence < job.sequence AND earlier.state IN ('held', 'in-review', 'dead-lettered')))
        """

    public func document(_ id: String) async throws -> StoredDocument? {
        try await database.read { db in
            guard
                let row = try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT * FROM document WHERE id = ?"), arguments: [id])
            else { return nil }
            var entries: [StoredDocument.Entry] = []
            // Every delivery job of the document's records, in one range join on the job ids.
            var jobStates: [String: String] = [:]
            for job in try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT job.id, job.state, \(Self.waitingBehind) AS waiting
                        FROM document_entry AS entry JOIN delivery_job AS job
                        ON job.id >= entry.record_id || '/' AND job.id < entry.record_id || '0'
                        WHERE entry.document_id = ? AND entry.record_id IS NOT NULL
                        """), arguments: [id])
            {
                let waiting: Bool = job["waiting"]
                jobStates[job["id"]] = waiting ? StoredDocument.waiting : job["state"]
            }
            for entry in try Row.fetchAll(
                db.cachedStatement(sql: "SELECT * FROM document_entry WHERE document_id = ? ORDER BY position"),
                arguments: [id])
            {
                entries.append(
                    StoredDocument.Entry(
                        storedPosition: entry["position"], outcome: entry["outcome"], recordID: entry["record_id"],
                        key: entry["record_key"], line: entry["line"], reason: entry["reason"], input: entry["input"],
                        routing: entry["routing"], jobStates: jobStates))
            }
            return StoredDocument(
                id: id, sender: row["sender"], receivedAt: row["received_at"], bodySHA256: row["body_sha256"],
                entries: entries)
        }
    }

    public func documentCounts() async throws -> [String: Int] {
        try await database.read { db in
            var counts = ["documents": try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM document") ?? 0]
            for row in try Row.fetchAll(db, sql: "SELECT outcome, COUNT(*) AS n FROM document_entry GROUP BY outcome") {
                counts[row["outcome"]] = row["n"]
            }
            return counts
        }
    }

    public func documents(_ query: DocumentQuery) async throws -> [DocumentSummary] {
        try await database.read { db in
            try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT d.id, d.sender, d.received_at, d.body_sha256,
                          (SELECT COUNT(*) FROM document_entry e WHERE e.document_id = d.id AND e.outcome = 'accepted') AS accepted,
                          (SELECT COUNT(*) FROM document_entry e WHERE e.document_id = d.id AND e.outcome = 'duplicate') AS duplicates,
                          (SELECT COUNT(*) FROM document_entry e WHERE e.document_id = d.id AND e.outcome = 'rejected') AS rejected
                        FROM document AS d
                        WHERE (:sender IS NULL OR d.sender = :sender)
                          AND (:from IS NULL OR d.received_at >= :from) AND (:before IS NULL OR d.received_at < :before)
                          AND (:outcome IS NULL OR EXISTS (SELECT 1 FROM document_entry e
                                                           WHERE e.document_id = d.id AND e.outcome = :outcome))
                          AND (:key IS NULL OR d.id IN (SELECT e.document_id FROM document_entry e
                                                        WHERE e.record_key = :key))
                          AND (:afterTime IS NULL OR d.received_at < :afterTime
                               OR (d.received_at = :afterTime AND d.id > :afterID))
                        ORDER BY d.received_at DESC, d.id LIMIT :limit OFFSET :offset
                        """),
                arguments: [
                    "sender": query.sender, "from": query.receivedFrom, "before": query.receivedBefore,
                    "outcome": query.outcome?.rawValue, "key": query.key, "limit": query.limit, "offset": query.offset,
                    "afterTime": query.after?.receivedAt, "afterID": query.after?.id,
                ]
            ).map { row in
                DocumentSummary(
                    id: row["id"], sender: row["sender"], receivedAt: row["received_at"],
                    bodySHA256: row["body_sha256"], accepted: row["accepted"], duplicates: row["duplicates"],
                    rejected: row["rejected"])
            }
        }
    }

    public func records(_ ids: [String]) async throws -> [String: StoredRecord] {
        try await database.read { db in
            var result: [String: StoredRecord] = [:]
            for id in ids {
                guard
                    let row = try Row.fetchOne(
                        db.cachedStatement(sql: "SELECT * FROM record WHERE id = ?"), arguments: [id])
                else { continue }
                let body: Data? = row["body"]
                result[id] = StoredRecord(
                    id: id, type: row["type"], key: row["record_key"], sender: row["sender"],
                    documentID: row["document_id"], body: body.map { [UInt8]($0) })
            }
            return result
        }
    }

    public func storedRecordIDs(_ ids: [String]) async throws -> Set<String> {
        try await database.read { db in
            let statement = try db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM record WHERE id = ?)")
            return Set(try ids.filter { try Bool.fetchOne(statement, arguments: [$0]) == true })
        }
    }

    public func removeBodies(receivedBefore time: String) async throws -> Int {
        try await writing { db in
            // A body stays while any of its deliveries is unfinished; the document_entry rows keep
            // ids and keys, the audit keeps the hashes.
            try db.cachedStatement(
                sql: """
                    UPDATE record SET body = NULL WHERE body IS NOT NULL AND received_at < ?
                    AND NOT EXISTS (SELECT 1 FROM delivery_job WHERE delivery_job.id >= record.id || '/'
                                    AND delivery_job.id < record.id || '0' AND delivery_job.state NOT IN ('delivered', 'blocked'))
                    """
            ).execute(arguments: [time])
            let records = db.changesCount
            try db.cachedStatement(
                sql: """
                    UPDATE document_entry SET input = NULL WHERE input IS NOT NULL
                    AND document_id IN (SELECT id FROM document WHERE received_at < ?)
                    """
            ).execute(arguments: [time])
            return records + db.changesCount
        }
    }

    public func probeWritable() async throws {
        try await writing { db in
            try db.cachedStatement(sql: "INSERT OR REPLACE INTO readiness_probe (id, time) VALUES (1, ?)").execute(
                arguments: [Date().timeIntervalSinceReferenceDate])
        }
    }

    public func queueDepth() async throws -> Int {
        try await database.read { db in
            try Int.fetchOne(
                db.cachedStatement(
                    sql:
                        "SELECT COUNT(*) FROM delivery_job WHERE state IN ('pending', 'leased', 'dead-lettered', 'held', 'in-review')"
                ))
                ?? 0
        }
    }
}
