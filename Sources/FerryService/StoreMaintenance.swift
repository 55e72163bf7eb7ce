import FerryStore
import ServiceLifecycle

/// The store's upkeep (``GatewayStore/maintain()``: SQLite's log copying) as a service of the
/// gateway's service group, so it starts with the server and stops at its graceful shutdown.
struct StoreMaintenance: Service {
    let store: any GatewayStore

    func run() async throws {
        await cancelWhenGracefulShutdown { await store.maintain() }
        // A store with no upkeep returned at once; the service lasts as long as the group.
        try? await gracefulShutdown()
    }
}
