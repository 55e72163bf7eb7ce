public import FerryGateway
import FerryStore
import Foundation
public import Logging
public import ServiceLifecycle

/// The gateway's background work, as a service of the process's service group: delivery
/// workers, signed audit checkpoints and retention.
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

    public func run() async throws {
        // Deliveries run on a thread of lower priority: request handling comes first.
        try await withTaskExecutorPreference(LowPriorityExecutor.shared) { try await work() }
    }

    private func work() async throws {
        var lastCheckpoint = Date.distantPast
        var lastRetention = Date.distantPast
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            var claimed = 0
            do {
                claimed = try await gateway.deliverDue()
                let now = Date()
                if now.timeIntervalSince(lastCheckpoint) >= gateway.configuration.checkpointSeconds {
                    try await gateway.checkpointAudit(now: now)
                    lastCheckpoint = now
                }
                if let retention = gateway.configuration.retentionSeconds, now.timeIntervalSince(lastRetention) >= 60 {
                    let removed = try await gateway.store.removeBodies(
                        receivedBefore: Gateway.timestamp(now.addingTimeInterval(-retention)))
                    if removed > 0 { logger.info("retention removed record bodies", metadata: ["count": "\(removed)"]) }
                    lastRetention = now
                }
            } catch {
                logger.error("background work failed; retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
            }
            if claimed == 0 { try? await Task.sleep(for: .seconds(idleInterval)) }
        }
        do {
            try await gateway.checkpointAudit()
        } catch {
            logger.error("the last audit checkpoint failed", metadata: ["error": "\(error)"])
        }
        logger.info("background work stopped")
    }
}
