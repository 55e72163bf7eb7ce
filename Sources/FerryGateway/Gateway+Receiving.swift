import Crypto
import FerryConvert
public import FerryCore
import FerryStore
public import Foundation
import Metrics

/// Receiving: a sender's document converted, checked, routed, released and committed.
extension Gateway {
    /// A document as a sender posted it.
    public struct Submission: Sendable {
        /// What the body holds.
        public enum Content: Sendable, Equatable {
            /// A legacy XML export, read with a mapping (nil: the sender's configured mapping).
            case legacy(mapping: String?)
            /// Canonical records: a JSON array, one JSON object, or NDJSON.
            case canonical
        }

        public var sender: GatewayConfiguration.System
        public var body: [UInt8]
        public var content: Content
        public var idempotencyKey: String?

        public init(sender: GatewayConfiguration.System, body: [UInt8], content: Content, idempotencyKey: String?) {
            self.sender = sender
            self.body = body
            self.content = content
            self.idempotencyKey = idempotencyKey
        }
    }

    /// What became of a submission.
    public enum Outcome: Sendable {
        /// Committed with at least one accepted record (or an idempotent replay of such a document).
        case accepted(documentID: String, report: JSONObject)
        /// Committed, but nothing in it was accepted; the report says why.
        case nothingAccepted(documentID: String?, report: JSONObject)
        /// The sender may not send this (a record type it is not allowed); nothing was committed.
        case forbidden(reason: String)
        /// The request cannot be processed as sent (unknown mapping, idempotency key reused with
        /// another body); nothing was committed.
        case invalid(reason: String)
        /// The document holds more records than `limits.max_records`; nothing was committed.
        case tooManyRecords(reason: String)
    }

    /// Receives a document: converts, checks, routes, releases and commits it.
    /// - Throws: ``StoreError/full(_:cause:)`` when the store cannot take it (nothing is written).
    public func receive(_ submission: Submission, now: Date = Date()) async throws -> Outcome {
        let sender = submission.sender
        let bodySHA256 = SHA256.hash(data: submission.body).hexadecimal
        if let key = submission.idempotencyKey,
            let earlier = try await store.idempotencyKey(sender: sender.id, key: key)
        {
            guard earlier.bodySHA256 == bodySHA256 else {
                return .invalid(
                    reason: "the Idempotency-Key was used for document \(earlier.documentID) with a different body")
            }
            return try await replay(earlier.documentID)
        }

        let limits = sender.limits ?? configuration.limits
        var parsed: Parsed
        switch submission.content {
        case .legacy(let requested):
            guard let name = requested ?? sender.mapping else {
                return .invalid(
                    reason: "name the mapping that reads this export (query parameter mapping or header Ferry-Mapping)")
            }
            guard let converter = converters[name] else {
                return .invalid(reason: "no mapping \(name) that reads exports")
            }
            let type = converter.mapping.schema.recordType
            guard sender.allowedTypes.contains(type) else {
                return .forbidden(reason: "\(sender.id) may not send \(type) records")
            }
            parsed = legacy(submission.body, converter: converter, maximumRecords: limits.maximumRecords)
        case .canonical:
            parsed = canonical(submission.body, maximumRecords: limits.maximumRecords)
            if let type = parsed.records.map(\.record.type).first(where: { !sender.allowedTypes.contains($0) }) {
                return .forbidden(reason: "\(sender.id) may not send \(type) records")
            }
        }
        if parsed.overflowed {
            return .tooManyRecords(
                reason: "the document holds more than \(limits.maximumRecords) records (limits.max_records)")
        }
        // A sender speaks only for its own systems, and cannot pass on what it is not cleared to hold.
        parsed.reject { record in
            guard !sender.sources.contains(record.source) else { return nil }
            return RecordProblem(
                code: "gateway.source", pointer: "/source",
                message: "\(sender.id) may send records of \(sender.sources.joined(separator: ", ")), "
                    + "not of \(record.source)")
        }
        parsed.reject { record in
            guard record.classification > sender.clearance else { return nil }
            return RecordProblem(
                code: "gateway.above-clearance", pointer: "/classification",
                message: "the record is \(record.classification.rawValue), above the clearance of "
                    + "\(sender.id) (\(sender.clearance.rawValue))")
        }

        let documentID = UUID().uuidString.lowercased()
        let stored = try await store.storedRecordIDs(parsed.records.map(\.record.id))
        var seen = stored
        let fresh = parsed.records.filter { seen.insert($0.record.id).inserted }
        let plan = dispatcher.decisions(for: fresh.map(\.record), from: sender.id)
        let freshByID = Dictionary(fresh.map { ($0.record.id, $0.record) }, uniquingKeysWith: { first, _ in first })
        var routing: [String: [InboundDocument.Routing]] = [:]
        var reviewEvents: [AuditEvent] = []
        for decision in plan.decisions {
            switch decision.outcome {
            case .released(let removed, let releasedID):
                // A route that requires review holds the released record until two reviewers approve it.
                let review = freshByID[decision.recordID].flatMap { record in
                    router.requiresReview(record, from: sender.id, to: decision.destination)
                        ? Self.reviewOpening(record, releasedID: releasedID, destination: decision.destination) : nil
                }
                if let review { reviewEvents.append(Self.reviewOpened(review, because: "the route requires review")) }
                routing[decision.recordID, default: []].append(
                    .init(
                        destination: decision.destination, released: true, removedFields: removed,
                        releasedID: releasedID == decision.recordID ? nil : releasedID, review: review))
            case .blocked(let reason), .notWritable(let reason), .held(let reason):
                routing[decision.recordID, default: []].append(
                    .init(
                        destination: decision.destination, released: false,
                        blockedReason: reason))
            }
        }
        let records = parsed.records.map { position, record in
            (
                position,
                InboundDocument.Record(
                    id: record.id, type: record.type, key: record.subject,
                    body: record.jsonBytes,
                    routing: routing[record.id] ?? [])
            )
        }
        var audit = [
            AuditEvent(
                "received",
                JSONObject([
                    ("document", .string(documentID)), ("sender", .string(sender.id)),
                    ("body_sha256", .string(bodySHA256)),
                    ("records", .array(parsed.records.map { .string($0.record.id) })),
                    (
                        "duplicates",
                        .array(parsed.records.filter { stored.contains($0.record.id) }.map { .string($0.record.id) })
                    ),
                ]))
        ]
        if !parsed.rejects.isEmpty || !parsed.malformed.isEmpty {
            audit.append(
                AuditEvent(
                    "rejected",
                    JSONObject([
                        ("document", .string(documentID)),
                        (
                            "rejects",
                            .array(
                                parsed.rejects.map { reject in
                                    .object(
                                        JSONObject([
                                            ("position", .integer(reject.position)), ("line", .integer(reject.line)),
                                            ("key", reject.key.map(JSONValue.string) ?? .null),
                                            (
                                                "problems",
                                                .array(
                                                    parsed.problemCodes[reject.position, default: []].map(
                                                        JSONValue.string))
                                            ),
                                        ]))
                                })
                        ),
                        (
                            "malformed",
                            .array(
                                parsed.malformed.map {
                                    .string("\($0.location?.line ?? 1):\($0.location?.column ?? 1) \($0.code)")
                                })
                        ),
                    ])))
        }
        audit +=
            Self.routingEvents(plan.decisions, unrouted: plan.unrouted, document: documentID)
            + Self.decisionEvents(plan.decisions, context: ("document", .string(documentID))) + reviewEvents
        let document = InboundDocument(
            id: documentID, sender: sender.id, receivedAt: Self.timestamp(now), now: now.timeIntervalSinceReferenceDate,
            bodySHA256: bodySHA256, idempotencyKey: submission.idempotencyKey, records: records,
            rejects: parsed.rejects,
            audit: audit)
        let committed: CommitOutcome
        do {
            committed = try await store.commit(document)
        } catch let error as StoreError where error.code == .idempotencyConflict {
            return .invalid(
                reason: "the Idempotency-Key was used for document \(error.documentID ?? "") with a different body")
        }
        let duplicates: Set<String>
        switch committed {
        case .replayed(let earlier): return try await replay(earlier)
        case .committed(let found): duplicates = found
        }

        Counter(label: "ferry_records_received_total", dimensions: [("sender", sender.id)]).increment(
            by: parsed.records.count)
        Counter(label: "ferry_records_rejected_total", dimensions: [("sender", sender.id)]).increment(
            by: parsed.rejects.count)
        // Without duplicates the report follows from what was committed; a duplicate's deliveries
        // belong to its earlier document, so their state is read back.
        var report =
            duplicates.isEmpty
            ? Self.report(StoredDocument(committed: document), includeInputs: false)
            : try await status(of: documentID, includeInputs: false) ?? JSONObject()
        if !parsed.malformed.isEmpty {
            report["diagnostics"] = .array(
                parsed.malformed.map { diagnostic in
                    .object(
                        JSONObject([
                            ("line", .integer(diagnostic.location?.line ?? 1)),
                            ("column", .integer(diagnostic.location?.column ?? 1)),
                            ("code", .string(diagnostic.code)), ("message", .string(diagnostic.message)),
                        ]))
                })
        }
        return parsed.records.isEmpty
            ? .nothingAccepted(documentID: documentID, report: report)
            : .accepted(documentID: documentID, report: report)
    }

    /// A stored document's report, as first answered.
    private func replay(_ documentID: String) async throws -> Outcome {
        let report = try await status(of: documentID, includeInputs: false) ?? JSONObject()
        let accepted = report["accepted"]?.integerValue ?? 0
        return accepted > 0 || (report["duplicates"]?.integerValue ?? 0) > 0
            ? .accepted(documentID: documentID, report: report)
            : .nothingAccepted(documentID: documentID, report: report)
    }

    /// The records of a document, as read, with their input positions.
    private struct Parsed {
        var records: [(position: Int, record: CanonicalRecord)] = []
        var rejects: [InboundDocument.Reject] = []
        var lines: [Int: Int] = [:]
        var problemCodes: [Int: [String]] = [:]
        var malformed: [Diagnostic] = []
        /// More records than the limit: reading went on only to the end of the input, keeping nothing more.
        var overflowed = false

        /// Counts one more input record; false once past the limit, when it is not to be kept.
        mutating func admit(_ position: Int, maximum: Int) -> Bool {
            if position >= maximum { overflowed = true }
            return !overflowed
        }

        /// Moves the records with a problem to the rejects, each with its reason, in input order.
        mutating func reject(_ problem: (CanonicalRecord) -> RecordProblem?) {
            var kept: [(position: Int, record: CanonicalRecord)] = []
            for (position, record) in records {
                guard let problem = problem(record) else {
                    kept.append((position, record))
                    continue
                }
                // The record as read is kept for operators, as every reject's input is.
                rejects.append(
                    InboundDocument.Reject(
                        position: position, line: lines[position] ?? 1, key: record.subject,
                        reason: problem.description,
                        input: String(decoding: record.jsonBytes, as: UTF8.self)))
                problemCodes[position] = ["\(problem.code) \(problem.pointer)"]
            }
            records = kept
            rejects.sort { $0.position < $1.position }
        }
    }

    private func legacy(_ body: [UInt8], converter: RecordConverter, maximumRecords: Int) -> Parsed {
        var parsed = Parsed()
        var report = ConversionReport()
        var position = 0
        converter.convert(
            InputSet.Document(displayPath: "document", stream: MemoryByteStream(body)), report: &report,
            emit: { record in
                if parsed.admit(position, maximum: maximumRecords) { parsed.records.append((position, record)) }
                position += 1
            },
            reject: { reject in
                if parsed.admit(position, maximum: maximumRecords) {
                    parsed.rejects.append(
                        InboundDocument.Reject(
                            position: position, line: reject.line, key: reject.key,
                            reason: reject.reason, input: reject.input))
                    parsed.problemCodes[position] = reject.problems.map { "\($0.code) \($0.pointer)" }
                }
                position += 1
            })
        // Notes (an export without records) say nothing wrong with the document.
        parsed.malformed = report.malformed + report.warnings.filter { $0.severity >= .warning }
        return parsed
    }

    private func canonical(_ body: [UInt8], maximumRecords: Int) -> Parsed {
        var parsed = Parsed()
        do {
            var values = try JSONValueSequence(bytes: body, splitArray: true)
            var position = 0
            while let (value, line) = try values.next() {
                // Past the limit nothing is checked or kept: the answer is 413 whatever follows.
                guard parsed.admit(position, maximum: maximumRecords) else { break }
                parsed.lines[position] = line
                switch envelopeChecker.check(value) {
                case .success(let record):
                    parsed.records.append((position, record))
                case .failure(let failure):
                    parsed.rejects.append(
                        InboundDocument.Reject(
                            position: position, line: line, key: value.objectValue?["subject"]?.stringValue,
                            reason: failure.problems.map(\.description).joined(separator: "; "),
                            input: String(decoding: JSONWriter().bytes(value), as: UTF8.self)))
                    parsed.problemCodes[position] = failure.problems.map { "\($0.code) \($0.pointer)" }
                }
                position += 1
            }
        } catch {
            parsed.malformed.append(
                Diagnostic(
                    .error, code: "json.syntax", message: error.message,
                    at: DocumentLocation(path: "document", line: error.line, column: error.column)))
        }
        return parsed
    }
}
