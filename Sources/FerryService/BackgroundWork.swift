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

    public func run() async throws {
        // Background work runs on a thread of lower priority: request handling comes first.
        try await withTaskExecutorPreference(LowPriorityExecutor.shared) {
            await withDiscardingTaskGroup { group in
                group.addTask { await deliveries() }
                group.addTask { await checkpoints() }
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

    private func deliveries() async {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            var claimed = 0
            do {
                claimed = try await gateway.deliverDue()
            } catch {
                logger.error("delivery failed; retrying", metadata: ["error": "\(error)"])
                await pause(1)
            }
            if claimed == 0 { await pause(idleInterval) }
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
