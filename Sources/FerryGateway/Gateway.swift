import Crypto
import FerryConvert
public import FerryCore
public import FerryStore
public import Foundation
import Metrics
import Synchronization

/// The gateway without its transport: it takes a sender's document, converts and checks its
/// records, routes them, decides their release per destination and commits everything —
/// records, rejects, delivery jobs and audit entries — in one store transaction.
///
/// The HTTP service, the delivery workers and the operator commands all compose this.
public final class Gateway: Sendable {
    public let configuration: GatewayConfiguration
    public let store: any GatewayStore
    public let dispatcher: Dispatcher
    public let keyring: Keyring
    /// The data directory, with relative paths of the configuration resolved against it.
    public let dataDirectory: URL
    private let converters: [String: RecordConverter]
    private let envelopeChecker: EnvelopeChecker
    private let router: RecordRouter
    private let release: RecordRelease

    /// Prepares a gateway over a loaded configuration and its schemas and mappings.
    /// - Parameter patternCompiler: compiles the schemas' patterns (the one the schemas were
    ///   loaded with, so a pattern means the same when loaded and when checked).
    public init(
        configuration: GatewayConfiguration, schemas: [Schema], mappings: [Mapping], store: any GatewayStore,
        dataDirectory: URL, patternCompiler: any PatternCompiler
    ) throws {
        self.configuration = configuration
        self.store = store
        self.dataDirectory = dataDirectory
        let keys = configuration.signingKey
        keyring = Keyring(
            directory: keys.hasPrefix("/") ? URL(fileURLWithPath: keys) : dataDirectory.appendingPathComponent(keys))
        dispatcher = Dispatcher(
            configuration: configuration, schemas: schemas, mappings: mappings, keyring: keyring,
            dataDirectory: dataDirectory)
        var converters: [String: RecordConverter] = [:]
        for mapping in mappings where mapping.direction.reads {
            converters[mapping.name] = try RecordConverter(mapping: mapping, patternCompiler: patternCompiler)
        }
        self.converters = converters
        var validators: [RecordValidator] = []
        for schema in schemas {
            validators.append(try RecordValidator(schema: schema, patternCompiler: patternCompiler))
        }
        envelopeChecker = EnvelopeChecker(validators: validators)
        router = RecordRouter(configuration: configuration)
        release = RecordRelease(schemas: schemas)
    }

    // MARK: Receiving

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
        var routing: [String: [InboundDocument.Routing]] = [:]
        for decision in plan.decisions {
            switch decision.outcome {
            case .released(let removed, let releasedID):
                routing[decision.recordID, default: []].append(
                    .init(
                        destination: decision.destination, released: true, removedFields: removed,
                        releasedID: releasedID == decision.recordID ? nil : releasedID))
            case .blocked(let reason), .notWritable(let reason):
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
            + Self.decisionEvents(plan.decisions, context: ("document", .string(documentID)))
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
        parsed.malformed = report.malformed + report.warnings
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

    // MARK: Reporting

    /// A document's status: each record's outcome and, per destination, its release and delivery
    /// state.
    ///
    /// Rejected inputs are included only for operators.
    public func status(of documentID: String, includeInputs: Bool, page: RecordPage = RecordPage()) async throws
        -> JSONObject?
    {
        try await store.document(documentID).map { Self.report($0, includeInputs: includeInputs, page: page) }
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
    static func report(_ document: StoredDocument, includeInputs: Bool, page: RecordPage = RecordPage()) -> JSONObject {
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

    // MARK: Delivering

    /// Claims due deliveries and makes them, one destination after another: for each, the
    /// release is decided again against the current configuration, the batch is written in the
    /// destination's format, signed and sent; the outcome and the audit entries are committed
    /// together.
    /// - Returns: the number of jobs claimed (0 when nothing was due).
    @discardableResult
    public func deliverDue(now: Date = Date(), limit: Int = 256) async throws -> Int {
        var done: Set<String> = []
        var claimed = 0
        while let due = try await claimDue(now: now, limit: limit, excluding: done) {
            try await deliver(due)
            done.insert(due.destination)
            claimed += due.jobs.count
        }
        return claimed
    }

    /// One destination's claimed jobs, with the stored records they deliver.
    public struct DueDeliveries: Sendable {
        public let destination: String
        let jobs: [DeliveryJob]
        let records: [String: StoredRecord]
        let now: Date
    }

    /// Leases the due jobs of one destination not in `excluded` (the one first in the queue),
    /// or nil when no other destination has any: a delivery worker holds one destination at a
    /// time, so a slow destination delays only itself.
    public func claimDue(now: Date = Date(), limit: Int = 256, excluding excluded: Set<String>) async throws
        -> DueDeliveries?
    {
        let jobs = try await store.claim(
            limit: limit, now: now.timeIntervalSinceReferenceDate, leaseSeconds: configuration.leaseSeconds,
            oneDestinationExcept: excluded)
        guard let destination = jobs.first?.destination else { return nil }
        return DueDeliveries(
            destination: destination, jobs: jobs, records: try await store.records(jobs.flatMap(\.recordIDs)),
            now: now)
    }

    /// Makes claimed deliveries: one delivery per share of the jobs that fits in what the
    /// destination takes at once.
    public func deliver(_ due: DueDeliveries) async throws {
        var share: [DeliveryJob] = []
        var count = 0
        let maximum = dispatcher.maximumRecordsPerDelivery(to: due.destination)
        for job in due.jobs {
            if count + job.recordIDs.count > maximum, !share.isEmpty {
                try await deliver(share, to: due.destination, records: due.records, now: due.now)
                (share, count) = ([], 0)
            }
            share.append(job)
            count += job.recordIDs.count
        }
        try await deliver(share, to: due.destination, records: due.records, now: due.now)
    }

    private func deliver(_ jobs: [DeliveryJob], to destination: String, records: [String: StoredRecord], now: Date)
        async throws
    {
        var batch: [CanonicalRecord] = []
        // Released record id → the jobs and stored records it stands for: versions of a record
        // that differ only in removed fields are one released record, sent once.
        var jobsOfRecord: [String: [String]] = [:]
        var originsOfRecord: [String: [String]] = [:]
        var blocked: [String] = []
        var decisions: [Dispatcher.Decision] = []
        // Fail closed: the decision is made again against the configuration in force now.
        let system = configuration.system(destination).flatMap { $0.role == .destination ? $0 : nil }
        for job in jobs {
            for id in job.recordIDs {
                guard let stored = records[id], let body = stored.body,
                    let value = try? JSONParser.parseDocument(body),
                    case .success(let record) = envelopeChecker.check(value)
                else {
                    decisions.append(
                        .init(
                            recordID: id, destination: destination,
                            outcome: .blocked(reason: "the record cannot be read from the store")))
                    blocked.append(job.id)
                    continue
                }
                guard let system, router.destinations(of: record, from: stored.sender).contains(destination)
                else {
                    decisions.append(
                        .init(
                            recordID: id, destination: destination,
                            outcome: .blocked(reason: "no longer routed to \(destination)")))
                    blocked.append(job.id)
                    continue
                }
                switch release.decide(record, clearance: system.clearance) {
                case .blocked(let reason):
                    decisions.append(.init(recordID: id, destination: destination, outcome: .blocked(reason: reason)))
                    blocked.append(job.id)
                case .released(let released, let removed):
                    decisions.append(
                        .init(
                            recordID: id, destination: destination,
                            outcome: .released(removedFields: removed, releasedID: released.id)))
                    if jobsOfRecord[released.id] == nil { batch.append(released) }
                    jobsOfRecord[released.id, default: []].append(job.id)
                    originsOfRecord[released.id, default: []].append(id)
                }
            }
        }
        let time = Self.timestamp(now)
        let deliveryID = UUID().uuidString.lowercased()
        let started = Date()
        do {
            let delivery =
                batch.isEmpty
                ? nil
                : try await dispatcher.deliver(
                    batch, to: destination, deliveryID: deliveryID,
                    time: time)
            var audit = Self.decisionEvents(
                decisions + (delivery?.notWritable ?? []), context: ("delivery", .string(deliveryID)))
            let notWritable = Set((delivery?.notWritable ?? []).map(\.recordID))
            let unwritableJobs = batch.filter { notWritable.contains($0.id) }.flatMap { jobsOfRecord[$0.id] ?? [] }
            var delivered: [String] = []
            if let delivery, !delivery.recordIDs.isEmpty {
                delivered = delivery.recordIDs.flatMap { jobsOfRecord[$0] ?? [] }
                audit.append(
                    AuditEvent(
                        "delivered",
                        JSONObject([
                            ("delivery", .string(deliveryID)), ("destination", .string(destination)),
                            ("location", .string(delivery.location)), ("key_id", .string(delivery.keyID)),
                            ("records", .array(delivery.recordIDs.map(JSONValue.string))),
                            // Each delivered id with the stored records it was released from.
                            (
                                "origins",
                                .array(
                                    delivery.recordIDs.map { released in
                                        .array((originsOfRecord[released] ?? []).map(JSONValue.string))
                                    })
                            ),
                        ])))
            }
            try await store.finishDelivery(
                delivered: delivered, blocked: blocked + unwritableJobs, time: time, audit: audit)
            Counter(label: "ferry_records_delivered_total", dimensions: [("destination", destination)]).increment(
                by: delivered.count)
            Timer(
                label: "ferry_delivery_duration_seconds", dimensions: [("destination", destination)],
                preferredDisplayUnit: .seconds
            )
            .recordNanoseconds(Int64(Date().timeIntervalSince(started) * 1e9))
        } catch let error as StoreError {
            throw error
        } catch {
            let reason = "\(error)"
            let audit = [
                AuditEvent(
                    "failed",
                    JSONObject([
                        ("delivery", .string(deliveryID)), ("destination", .string(destination)),
                        ("jobs", .array(jobs.map { .string($0.id) })), ("error", .string(reason)),
                    ]))
            ]
            let states = try await store.failDelivery(
                jobIDs: jobs.map(\.id), error: reason, now: now.timeIntervalSinceReferenceDate,
                random: Double.random(in: 0..<1), time: time, audit: audit)
            Counter(label: "ferry_delivery_retries_total", dimensions: [("destination", destination)])
                .increment(by: states.values.filter { $0 == .pending }.count)
            Counter(label: "ferry_dead_letters_total", dimensions: [("destination", destination)])
                .increment(by: states.values.filter { $0 == .deadLettered }.count)
        }
    }

    // MARK: Audit

    /// Where a document's records were routed: one `routed` event per destination naming its
    /// records, and one `unrouted` event naming the records no route matched.
    static func routingEvents(_ decisions: [Dispatcher.Decision], unrouted: [String], document: String) -> [AuditEvent]
    {
        var routed: [(destination: String, records: [String])] = []
        for decision in decisions {
            if let index = routed.firstIndex(where: { $0.destination == decision.destination }) {
                routed[index].records.append(decision.recordID)
            } else {
                routed.append((decision.destination, [decision.recordID]))
            }
        }
        var events = routed.map { route in
            AuditEvent(
                "routed",
                JSONObject([
                    ("document", .string(document)), ("destination", .string(route.destination)),
                    ("records", .array(route.records.map(JSONValue.string))),
                ]))
        }
        if !unrouted.isEmpty {
            events.append(
                AuditEvent(
                    "unrouted",
                    JSONObject([
                        ("document", .string(document)),
                        ("records", .array(unrouted.map(JSONValue.string))),
                    ])))
        }
        return events
    }

    /// Release decisions as audit events: one per destination and outcome, naming the records
    /// and the fields removed (never their values).
    static func decisionEvents(_ decisions: [Dispatcher.Decision], context: (String, JSONValue)) -> [AuditEvent] {
        var groups: [(kind: String, destination: String, detail: JSONValue, records: [String])] = []
        for decision in decisions {
            let (kind, detail): (String, JSONValue) =
                switch decision.outcome {
                case .released(let removed, _): ("released", .array(removed.map(JSONValue.string)))
                case .blocked(let reason): ("blocked", .string(reason))
                case .notWritable(let reason):
                    ("blocked", .string("the destination's format cannot hold it: \(reason)"))
                }
            if let index = groups.firstIndex(where: {
                $0.kind == kind && $0.destination == decision.destination && $0.detail == detail
            }) {
                groups[index].records.append(decision.recordID)
            } else {
                groups.append((kind, decision.destination, detail, [decision.recordID]))
            }
        }
        return groups.map { group in
            AuditEvent(
                group.kind,
                JSONObject([
                    context, ("destination", .string(group.destination)),
                    (group.kind == "released" ? "removed_fields" : "reason", group.detail),
                    ("records", .array(group.records.map(JSONValue.string))),
                ]))
        }
    }

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

    /// What the last checkpoint run saw: the newest checkpoint, the chain's head, and when.
    private struct CheckpointObservation {
        var newest: AuditCheckpoint?
        var head: Int
        var at: Date
    }

    private let checkpointObservation = Mutex<CheckpointObservation?>(nil)

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

    /// Audits the configuration the gateway runs with: its file, hash and size.
    public func recordConfigurationLoaded(file: String, bytes: [UInt8], now: Date = Date()) async throws {
        try await store.append(
            kind: "configuration-loaded", time: Self.timestamp(now),
            details: JSONObject([
                ("file", .string(file)), ("sha256", .string(SHA256.hash(data: bytes).hexadecimal)),
                ("systems", .integer(configuration.systems.count)), ("routes", .integer(configuration.routes.count)),
            ]))
    }

    // MARK: Helpers

    /// RFC 3339 UTC with milliseconds.
    public static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
