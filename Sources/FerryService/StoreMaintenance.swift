import FerryStore
import ServiceLifecycle

/// The store's upkeep (``GatewayStore/maintain()``: PostgreSQL's connection pool, SQLite's log
/// copying) as the first service of the gateway's service group, so it starts before the store
/// is prepared and stops after everything else at the group's graceful shutdown.
struct StoreMaintenance: Service {
    let store: any GatewayStore

    func run() async throws {
        await cancelWhenGracefulShutdown { await store.maintain() }
        // A store with no upkeep returned at once; the service lasts as long as the group.
        try? await gracefulShutdown()
    }
}
