import FerryCore
import FerryStore
public import Foundation
import Metrics

/// Delivering: due jobs claimed per destination, released again, rendered, signed and sent.
extension Gateway {
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

    /// What became of claimed jobs, by their new state, for the log.
    public struct DeliveryOutcome: Sendable, Equatable, CustomStringConvertible {
        public var delivered = 0, blocked = 0, held = 0, inReview = 0, failed = 0

        static func + (lhs: Self, rhs: Self) -> Self {
            Self(
                delivered: lhs.delivered + rhs.delivered, blocked: lhs.blocked + rhs.blocked,
                held: lhs.held + rhs.held, inReview: lhs.inReview + rhs.inReview, failed: lhs.failed + rhs.failed)
        }

        public var description: String {
            "\(delivered) delivered, \(blocked) blocked, \(held) held, \(inReview) in review, \(failed) failed"
        }
    }

    /// Makes claimed deliveries: one delivery per share of the jobs that fits in what the
    /// destination takes at once.
    @discardableResult
    public func deliver(_ due: DueDeliveries) async throws -> DeliveryOutcome {
        var share: [DeliveryJob] = []
        var count = 0
        var outcome = DeliveryOutcome()
        let maximum = dispatcher.maximumRecordsPerDelivery(to: due.destination)
        for job in due.jobs {
            if count + job.recordIDs.count > maximum, !share.isEmpty {
                outcome = outcome + (try await deliver(share, to: due.destination, records: due.records, now: due.now))
                (share, count) = ([], 0)
            }
            share.append(job)
            count += job.recordIDs.count
        }
        return outcome + (try await deliver(share, to: due.destination, records: due.records, now: due.now))
    }

    private func deliver(_ jobs: [DeliveryJob], to destination: String, records: [String: StoredRecord], now: Date)
        async throws -> DeliveryOutcome
    {
        var batch: [CanonicalRecord] = []
        // Released record id → the jobs and stored records it stands for: versions of a record
        // that differ only in removed fields are one released record, sent once.
        var jobsOfRecord: [String: [String]] = [:]
        var originsOfRecord: [String: [String]] = [:]
        var blocked: [String] = []
        var held: [String: String] = [:]
        var reviewOpenings: [ReviewOpening] = []
        var reviewEvents: [AuditEvent] = []
        var decisions: [Dispatcher.Decision] = []
        // Fail closed: the decision is made again against the configuration in force now. What
        // the configuration stops (no route, no destination, a record its schemas cannot read)
        // is held for an operator; what policy stops (clearance, an unknown type) is blocked.
        let system = configuration.system(destination).flatMap { $0.role == .destination ? $0 : nil }
        var unknownType: Set<String> = []
        for job in jobs {
            var readable: [(id: String, record: CanonicalRecord, sender: String)] = []
            var holdReason = system == nil ? "\(destination) is not a destination in the configuration" : nil
            for id in job.recordIDs where holdReason == nil {
                guard let stored = records[id], let body = stored.body,
                    let value = try? JSONParser.parseDocument(body)
                else {
                    holdReason = "the record cannot be read from the store"
                    continue
                }
                switch envelopeChecker.check(value) {
                case .failure(let failure)
                where failure.problems.contains(where: { $0.code == "envelope.unknown-type" }):
                    // Policy: a type without a schema here is never released.
                    unknownType.insert(id)
                case .failure(let failure):
                    // Pointers and codes only: a message may quote a value the audit must not hold.
                    holdReason =
                        "the record does not pass the schemas in force: "
                        + failure.problems.prefix(3).map { "\($0.pointer) [\($0.code)]" }.joined(separator: ", ")
                case .success(let record):
                    if !router.destinations(of: record, from: stored.sender).contains(destination) {
                        holdReason = "no longer routed to \(destination)"
                    } else {
                        readable.append((id, record, stored.sender))
                    }
                }
            }
            if let holdReason {
                // The whole job waits: its records are one key's, delivered together or not at all.
                held[job.id] = holdReason
                for id in job.recordIDs {
                    decisions.append(.init(recordID: id, destination: destination, outcome: .held(reason: holdReason)))
                }
                continue
            }
            guard let system else { continue }
            func blockRecord(_ id: String, _ reason: String) {
                decisions.append(.init(recordID: id, destination: destination, outcome: .blocked(reason: reason)))
                blocked.append(job.id)
            }
            for id in job.recordIDs where unknownType.contains(id) {
                blockRecord(id, "no schema for the record's type here: release cannot be decided")
            }
            // On a route that requires review, only the release two reviewers approved goes; any
            // other sends the whole job (its records go together or not at all) to review again.
            if let opening = try await pendingReview(of: job, readable, to: system) {
                reviewOpenings.append(opening.opening)
                reviewEvents.append(Self.reviewOpened(opening.opening, because: opening.because))
                continue
            }
            for (id, record, _) in readable {
                switch release.decide(record, clearance: system.clearance) {
                case .blocked(let reason):
                    blockRecord(id, reason)
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
            var audit =
                Self.decisionEvents(
                    decisions + (delivery?.notWritable ?? []), context: ("delivery", .string(deliveryID)))
                + reviewEvents
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
                delivered: delivered, blocked: blocked + unwritableJobs, held: held, review: reviewOpenings,
                now: now.timeIntervalSinceReferenceDate, time: time, audit: audit)
            Counter(label: "ferry_records_delivered_total", dimensions: [("destination", destination)]).increment(
                by: delivered.count)
            Timer(
                label: "ferry_delivery_duration_seconds", dimensions: [("destination", destination)],
                preferredDisplayUnit: .seconds
            )
            .recordNanoseconds(Int64(Date().timeIntervalSince(started) * 1e9))
            return DeliveryOutcome(
                delivered: Set(delivered).count, blocked: Set(blocked + unwritableJobs).count, held: held.count,
                inReview: reviewOpenings.count)
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
            return DeliveryOutcome(failed: jobs.count)
        }
    }

    /// The review a job must go (back) to before it is delivered: when a route requires review
    /// of one of its records and the job's review did not approve that record's release as it is
    /// now.
    private func pendingReview(
        of job: DeliveryJob, _ records: [(id: String, record: CanonicalRecord, sender: String)],
        to system: GatewayConfiguration.System
    ) async throws -> (opening: ReviewOpening, because: String)? {
        for (id, record, sender) in records where router.requiresReview(record, from: sender, to: system.id) {
            guard case .released(let released, _) = release.decide(record, clearance: system.clearance) else {
                continue
            }
            let review = try await store.review(job.id)
            if review?.state == .approved && review?.releasedSHA256 == released.id { continue }
            let opening = ReviewOpening(
                jobID: job.id, destination: system.id, recordID: id, subject: record.subject,
                classification: released.classification.rawValue, releasedSHA256: released.id)
            return (opening, review == nil ? "the route requires review" : "the release changed since it was approved")
        }
        return nil
    }
}
