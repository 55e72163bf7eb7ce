import FerryStore
import FerryStorePostgres
import FerryStoreSQLite
import FerryTesting
import FerryTestingPostgres
import Foundation

/// The store drivers the contract suites run on: SQLite always, PostgreSQL when a test server is
/// configured (`make test` starts one).
///
/// Each `open` gives an empty store of its own.
enum StoreDrivers {
    static var names: [String] { ["sqlite"] + (TestPostgres.isAvailable ? ["postgres"] : []) }

    static func open(_ driver: String, policy: RetryPolicy = RetryPolicy()) async throws -> any GatewayStore {
        switch driver {
        case "postgres":
            return try await openPostgres(url: TestPostgres.createDatabase(), policy: policy)
        default:
            let path = FileManager.default.temporaryDirectory.appendingPathComponent(
                "ferry-store-\(UUID().uuidString).sqlite"
            ).path
            return try SQLiteGatewayStore(path: path, policy: policy)
        }
    }

    /// Another connection to a PostgreSQL database: what a second gateway instance would open.
    static func openPostgres(url: String, policy: RetryPolicy = RetryPolicy()) async throws -> PostgresGatewayStore {
        guard case .postgres(let location) = try StoreLocation(url) else {
            throw TestPostgresError(message: "not a postgres URL")
        }
        return try await PostgresGatewayStore(location: location, policy: policy)
    }
}
