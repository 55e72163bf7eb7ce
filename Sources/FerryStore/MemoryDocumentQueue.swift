/// A ``DocumentQueue`` in memory, for tests and for running without a store. An actor: its
/// state is touched by one task at a time.
public actor MemoryDocumentQueue: DocumentQueue {
    private var queue: [DeliveryJob] = []
    private var nextSequence = 1
    private let policy: RetryPolicy

    /// Creates an empty queue with a retry policy.
    public init(policy: RetryPolicy = RetryPolicy()) { self.policy = policy }

    public func enqueue(_ jobs: [DeliveryJob]) {
        for var job in jobs {
            job.sequence = nextSequence
            nextSequence += 1
            queue.append(job)
        }
    }

    public func claim(limit: Int, now: Double, leaseSeconds: Double, oneDestinationExcept excluded: Set<String>?)
        -> [DeliveryJob]
    {
        var claimed: [DeliveryJob] = []
        var destination: String?
        var blocked = Set<String>()  // destination + key with an earlier unfinished job
        for index in queue.indices {
            let job = queue[index]
            let line = "\(job.destination)\u{0}\(job.key)"
            guard !blocked.contains(line) else { continue }
            if job.isUnfinished { blocked.insert(line) }
            let leaseExpired = job.state == .leased && (job.leaseExpiresAt ?? 0) <= now
            guard (job.state == .pending && job.availableAt <= now) || leaseExpired, claimed.count < limit else {
                continue
            }
            if let excluded {
                guard !excluded.contains(job.destination), destination == nil || destination == job.destination else {
                    continue
                }
                destination = job.destination
            }
            queue[index].state = .leased
            queue[index].leaseExpiresAt = now + leaseSeconds
            claimed.append(queue[index])
        }
        return claimed
    }

    public func complete(_ id: String) throws {
        let index = try position(of: id, in: .leased)
        queue[index].state = .delivered
        queue[index].leaseExpiresAt = nil
    }

    @discardableResult
    public func fail(_ id: String, error: String, now: Double, random: Double) throws -> DeliveryJob.State {
        let index = try position(of: id, in: .leased)
        queue[index].attempts += 1
        queue[index].lastError = error
        queue[index].leaseExpiresAt = nil
        if let delay = policy.delay(afterAttempts: queue[index].attempts, random: random) {
            queue[index].state = .pending
            queue[index].availableAt = now + delay
        } else {
            queue[index].state = .deadLettered
        }
        return queue[index].state
    }

    public func jobs(in state: DeliveryJob.State) -> [DeliveryJob] { queue.filter { $0.state == state } }

    public func jobCounts() -> [String: [String: Int]] {
        var counts: [String: [String: Int]] = [:]
        for job in queue {
            counts[job.destination, default: [:]][job.state.rawValue, default: 0] += 1
            if job.isUnfinished && job.attempts > 0 {
                counts[job.destination, default: [:]]["failing", default: 0] += 1
            }
        }
        return counts
    }

    public func oldestPending() -> [String: Double] {
        var oldest: [String: Double] = [:]
        for job in queue where job.state == .pending {
            oldest[job.destination] = min(oldest[job.destination] ?? .infinity, job.availableAt)
        }
        return oldest
    }

    public func waitingCounts(behind jobs: [DeliveryJob]) -> [String: Int] {
        Dictionary(
            jobs.map { job in
                (
                    job.id,
                    queue.filter {
                        $0.destination == job.destination && $0.key == job.key && $0.sequence > job.sequence
                            && $0.isUnfinished
                    }.count
                )
            }, uniquingKeysWith: { first, _ in first })
    }

    public func retry(_ id: String, now: Double) throws {
        let index = try position(of: id, in: .deadLettered)
        queue[index].state = .pending
        queue[index].attempts = 0
        queue[index].availableAt = now
    }

    public func purge(_ id: String) throws {
        queue.remove(at: try position(of: id, in: .deadLettered))
    }

    private func position(of id: String, in state: DeliveryJob.State) throws -> Int {
        guard let index = queue.firstIndex(where: { $0.id == id }) else { throw QueueError(.noJob, "no job \(id)") }
        guard queue[index].state == state else {
            throw QueueError(.wrongState, "job \(id) is \(queue[index].state.rawValue), not \(state.rawValue)")
        }
        return index
    }
}
