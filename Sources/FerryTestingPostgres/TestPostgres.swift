import Foundation
import Logging
import PostgresNIO

/// The PostgreSQL server the tests use, named by `FERRY_TEST_POSTGRES_URL` (`make test` starts one
/// with scripts/postgres.sh and sets it).
///
/// Each test gets a database of its own.
public enum TestPostgres {
    /// The server's URL, or nil when no test server is configured.
    public static var serverURL: String? {
        ProcessInfo.processInfo.environment["FERRY_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Whether PostgreSQL tests can run.
    public static var isAvailable: Bool { serverURL != nil }

    /// Creates an empty database and returns its URL (the server's URL with the new database name
    /// and a pool of eight connections per store).
    public static func createDatabase() async throws -> String {
        guard let server = serverURL, var components = URLComponents(string: server) else {
            throw TestPostgresError(message: "FERRY_TEST_POSTGRES_URL is not set")
        }
        let name = "ferry_test_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16))"
        let configuration = PostgresClient.Configuration(
            host: components.host ?? "127.0.0.1", port: components.port ?? 5432,
            username: components.user ?? "postgres",
            password: components.password, database: String(components.path.dropFirst()), tls: .disable)
        let client = PostgresClient(configuration: configuration)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            try await client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"))
        }
        components.path = "/\(name)"
        // Many tests run at once, each with stores of its own: small pools keep them all under
        // the server's connection limit.
        components.query = "sslmode=disable&pool_size=8"
        return components.string ?? server
    }
}

/// The test server is missing or refused a request.
public struct TestPostgresError: Error, CustomStringConvertible {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
