public import FerryStore
public import FerryStorePostgres
import FerryStoreSQLite
import Foundation

/// The store drivers the contract suites run on: SQLite always, PostgreSQL when a test server is
/// configured (`make test` starts one).
///
/// Each store is empty and of its own, open for the scope of the body: its upkeep (PostgreSQL's
/// connection pool) runs beside it and stops when the body returns.
public enum StoreDrivers {
    /// The drivers available: `sqlite`, and `postgres` with a test server.
    public static var names: [String] { ["sqlite"] + (TestPostgres.isAvailable ? ["postgres"] : []) }

    /// Runs the body with an empty store of a driver, open for its scope.
    public static func withStore(
        _ driver: String, policy: RetryPolicy = RetryPolicy(), _ body: (any GatewayStore) async throws -> Void
    ) async throws {
        let store: any GatewayStore
        switch driver {
        case "postgres":
            store = try await postgres(url: TestPostgres.createDatabase(), policy: policy)
        default:
            let path = FileManager.default.temporaryDirectory.appendingPathComponent(
                "ferry-store-\(UUID().uuidString).sqlite"
            ).path
            store = try SQLiteGatewayStore(path: path, policy: policy)
        }
        try await store.withUpkeep { try await body(store) }
    }

    /// Several gateway instances on one PostgreSQL database, as `ferry serve` instances share it:
    /// each with its connection pool running, all prepared (migrated) at the same time.
    public static func withPostgresInstances(
        _ count: Int, url: String, _ body: ([PostgresGatewayStore]) async throws -> Void
    ) async throws {
        let stores = try (0..<count).map { _ in try postgres(url: url) }
        try await withThrowingTaskGroup(of: Void.self) { upkeep in
            for store in stores { upkeep.addTask { await store.maintain() } }
            defer { upkeep.cancelAll() }
            try await withThrowingTaskGroup(of: Void.self) { preparing in
                for store in stores { preparing.addTask { try await store.prepare() } }
                try await preparing.waitForAll()
            }
            try await body(stores)
        }
    }

    /// A store on a PostgreSQL database, not yet running.
    public static func postgres(url: String, policy: RetryPolicy = RetryPolicy()) throws -> PostgresGatewayStore {
        guard case .postgres(let location) = try StoreLocation(url) else {
            throw TestPostgresError(message: "not a postgres URL")
        }
        return PostgresGatewayStore(location: location, policy: policy)
    }
}
