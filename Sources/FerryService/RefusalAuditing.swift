import FerryCore
import FerryGateway
import FerryStore
import Foundation
import Logging
import ServiceLifecycle

/// Writes the counted refusals (``RefusalTally``) to the audit every window, and the last
/// window at shutdown.
struct RefusalAuditing: Service {
    let tally: RefusalTally
    let store: any GatewayStore
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(RefusalTally.window)) }
            await write()
        }
    }

    private func write() async {
        for event in await tally.takeEvents() {
            do {
                try await store.append(kind: event.kind, time: Gateway.timestamp(Date()), details: event.details)
            } catch {
                logger.error("counted refusals could not be audited", metadata: ["error": "\(error)"])
            }
            logger.notice(
                "requests refused without valid credentials",
                metadata: [
                    "status": "\(event.details["status"]?.integerValue ?? 0)",
                    "count": "\(event.details["count"]?.integerValue ?? 0)",
                    "address": "\((event.details["address"]?.stringValue ?? "").loggable)",
                ])
        }
    }
}
