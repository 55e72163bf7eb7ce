public import FerryGateway
import FerryStore
import Foundation
public import Logging
public import ServiceLifecycle

/// The gateway's background work, as a service of the process's service group: the delivery
/// workers, the signed audit checkpoints and retention, each on a timer of its own, so that a
/// delivery waiting for a slow destination never holds back a checkpoint.
///
/// On graceful shutdown (SIGTERM) it stops claiming, lets the batch in hand finish, and writes
/// a last checkpoint; a batch abandoned by a killed process is claimed again when its lease
/// expires, so nothing accepted is lost.
public struct BackgroundWork: Service {
    let gateway: Gateway
    let logger: Logger
    /// Seconds to wait when nothing was due.
    let idleInterval: Double

    /// Creates the background work of a gateway.
    public init(gateway: Gateway, logger: Logger, idleInterval: Double = 0.05) {
        self.gateway = gateway
        self.logger = logger
        self.idleInterval = idleInterval
    }

    /// Seconds between retention runs.
    static let retentionInterval = 60.0
    /// Seconds between checks of the audit chain since the newest checkpoint.
    static let chainCheckInterval = 60.0

    public func run() async throws {
        // Background work runs on a thread of lower priority: request handling comes first.
        await withTaskExecutorPreference(LowPriorityExecutor.shared) {
            await withDiscardingTaskGroup { group in
                group.addTask { await deliveries() }
                group.addTask { await checkpoints() }
                group.addTask { await chainChecks() }
                if let retention = gateway.configuration.retentionSeconds {
                    group.addTask { await removeBodies(olderThan: retention) }
                }
            }
        }
        do {
            try await gateway.checkpointAudit()
        } catch {
            logger.error("the last audit checkpoint failed", metadata: ["error": "\(error)"])
        }
        logger.info("background work stopped")
    }

    /// Up to `delivery.concurrency` deliveries at once, each holding one destination: claims
    /// are made one after another here, each excluding the destinations in flight, so no
    /// destination has two batches in flight and a slow one delays only itself.
    private func deliveries() async {
        let inFlight = DestinationsInFlight()
        let concurrency = gateway.configuration.deliveryConcurrency
        await withDiscardingTaskGroup { group in
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                let busy = await inFlight.destinations
                guard busy.count < concurrency else {
                    await inFlight.waitForAFinish(orAfter: idleInterval)
                    continue
                }
                let due: Gateway.DueDeliveries?
                do {
                    due = try await gateway.claimDue(excluding: busy)
                } catch {
                    logger.error("claiming deliveries failed; retrying", metadata: ["error": "\(error)"])
                    await pause(1)
                    continue
                }
                guard let due else {
                    // Nothing due elsewhere: wait for a delivery in flight to finish (its
                    // destination may have more), or a moment when none is in flight.
                    if busy.isEmpty {
                        await pause(idleInterval)
                    } else {
                        await inFlight.waitForAFinish(orAfter: idleInterval)
                    }
                    continue
                }
                await inFlight.insert(due.destination)
                group.addTask {
                    do {
                        let outcome = try await gateway.deliver(due)
                        logger.info(
                            "deliveries made",
                            metadata: ["destination": "\(due.destination)", "jobs": "\(outcome)"])
                    } catch {
                        logger.error(
                            "delivery failed; retrying",
                            metadata: ["destination": "\(due.destination)", "error": "\(error)"])
                    }
                    await inFlight.remove(due.destination)
                }
            }
        }
    }

    /// Checks the audit chain since the newest checkpoint every minute, for the console; a
    /// break is logged as an error.
    private func chainChecks() async {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let check = try await gateway.checkRecentChain()
                if let problem = check.firstBreak {
                    logger.error("the audit chain is broken", metadata: ["break": "\(problem)"])
                }
            } catch {
                logger.error("checking the audit chain failed; retrying", metadata: ["error": "\(error)"])
            }
            await pause(Self.chainCheckInterval)
        }
    }

    private func checkpoints() async {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await gateway.checkpointAudit()
            } catch {
                logger.error("the audit checkpoint failed; retrying", metadata: ["error": "\(error)"])
            }
            await pause(gateway.configuration.checkpointSeconds)
        }
    }

    private func removeBodies(olderThan retention: Double) async {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let removed = try await gateway.store.removeBodies(
                    receivedBefore: Gateway.timestamp(Date().addingTimeInterval(-retention)))
                if removed > 0 { logger.info("retention removed record bodies", metadata: ["count": "\(removed)"]) }
            } catch {
                logger.error("retention failed; retrying", metadata: ["error": "\(error)"])
            }
            await pause(Self.retentionInterval)
        }
    }

    /// Waits, or until a graceful shutdown begins.
    private func pause(_ seconds: Double) async {
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(seconds)) }
    }
}

/// The destinations whose deliveries are in flight in this instance, and a way to wait until
/// one of them finishes.
actor DestinationsInFlight {
    private(set) var destinations: Set<String> = []
    private var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    private var nextWaiter = 0

    func insert(_ destination: String) { destinations.insert(destination) }

    func remove(_ destination: String) {
        destinations.remove(destination)
        let woken = waiters.values
        waiters = [:]
        for waiter in woken { waiter.resume() }
    }

    /// Returns when a delivery finishes, or after `seconds` at the latest.
    func waitForAFinish(orAfter seconds: Double) async {
        let id = nextWaiter
        nextWaiter += 1
        let timer = Task {
            try? await Task.sleep(for: .seconds(seconds))
            self.wake(id)
        }
        await withCheckedContinuation { waiters[id] = $0 }
        timer.cancel()
    }

    private func wake(_ id: Int) { waiters.removeValue(forKey: id)?.resume() }
}
