import FerryStore
import FerryStorePostgres
import FerryStoreSQLite
import Foundation
import Logging

/// Opens the gateway store a configuration or a command line names.
enum StoreOpening {
    /// The store at a location: SQLite as `ferry.sqlite` in the data directory, or PostgreSQL,
    /// which reaches its server only once its upkeep runs (``GatewayStore/withUpkeep(_:)``, or the
    /// gateway's service group) and is prepared.
    /// - Throws: ``StoreError`` when the SQLite file cannot be opened or migrated.
    static func open(
        _ location: StoreLocation, dataDirectory: URL, policy: RetryPolicy = RetryPolicy(),
        logger: Logger = PostgresGatewayStore.quietLogger
    ) throws -> any GatewayStore {
        switch location {
        case .sqlite:
            try SQLiteGatewayStore(path: sqlitePath(in: dataDirectory), policy: policy)
        case .postgres(let postgres):
            PostgresGatewayStore(location: postgres, policy: policy, logger: logger)
        }
    }

    /// The SQLite store's file in a data directory.
    static func sqlitePath(in dataDirectory: URL) -> String {
        dataDirectory.appendingPathComponent("ferry.sqlite").path
    }

    /// How diagnostics name a store: the SQLite file, or the PostgreSQL URL without its password.
    static func label(_ location: StoreLocation, dataDirectory: URL) -> String {
        switch location {
        case .sqlite: sqlitePath(in: dataDirectory)
        case .postgres(let postgres): postgres.redacted
        }
    }
}
