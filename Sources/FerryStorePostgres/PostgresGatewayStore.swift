import FerryCore
public import FerryStore
import Foundation
public import Logging
import PostgresNIO
import Synchronization

/// The ``GatewayStore`` on PostgreSQL (postgres-nio), shared by any number of gateway instances.
///
/// - Every operation is one transaction, as with SQLite.
/// - Delivery workers claim jobs with `FOR UPDATE SKIP LOCKED` and a lease: one instance runs a
///   job at a time, and a lease left by an instance that died expires so another takes the job.
/// - The audit chain stays one chain with concurrent writers: a transaction that appends locks
///   the chain's head row (`audit_head`) as its last step, so appends are serialized only for the
///   moment of chaining and committing. Delivery jobs get their queue sequence under the same
///   lock, so a job's sequence follows commit order and per-key order holds across instances.
/// - Migrations run in one transaction under an advisory lock: instances that start together
///   apply each migration once.
/// - The connection pool runs in ``maintain()``, which the gateway runs as a service of its
///   service group and a command as a child task (``GatewayStore/withUpkeep(_:)``): the store
///   owns no task of its own.
public final class PostgresGatewayStore: GatewayStore {
    let client: PostgresClient
    /// Whether ``maintain()`` has run the pool, which can run only once.
    private let poolStarted = Atomic<Bool>(false)
    let policy: RetryPolicy
    let logger: Logger

    /// A store on the database at a location; no connection is made before ``maintain()`` runs
    /// the client and ``prepare()`` applies the migrations (``withUpkeep(_:)`` does both for a
    /// scope).
    public init(
        location: StoreLocation.PostgresLocation, policy: RetryPolicy = RetryPolicy(),
        logger: Logger = PostgresGatewayStore.quietLogger
    ) {
        // The pool's own chatter (retries, a lease asked for a moment before the pool runs) stays
        // below errors; the store's errors reach the caller as StoreError.
        var background = logger
        background.logLevel = max(logger.logLevel, .error)
        client = PostgresClient(configuration: Self.clientConfiguration(location), backgroundLogger: background)
        self.policy = policy
        self.logger = logger
    }

    /// A logger that reports only errors (the pool's retries are not news to a test or a CLI command).
    public static var quietLogger: Logger {
        var logger = Logger(label: "ferry.store")
        logger.logLevel = .error
        return logger
    }

    /// Runs the connection pool until the task is cancelled, which closes the connections.
    ///
    /// The pool runs once in a store's life: a later call returns at once, and the store's
    /// operations then fail as unavailable.
    public func maintain() async {
        guard !poolStarted.exchange(true, ordering: .relaxed) else { return }
        await client.run()
    }

    /// Applies the migrations the database lacks.
    /// - Throws: ``StoreError/unavailable(_:cause:)`` when the server cannot be reached or a
    ///   migration fails (a role without the right to create tables, say).
    public func prepare() async throws {
        do {
            try await migrate()
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.unavailable("the migrations could not be applied (\(error))")
        }
    }

    static func clientConfiguration(_ location: StoreLocation.PostgresLocation) -> PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        if let directory = location.socketDirectory {
            configuration = .init(
                unixSocketPath: "\(directory)/.s.PGSQL.\(location.port)", username: location.user,
                password: location.password, database: location.database)
        } else {
            var unverified = TLSConfiguration.makeClientConfiguration()
            unverified.certificateVerification = .none
            let tls: PostgresClient.Configuration.TLS =
                switch location.tlsMode {
                case .disable: .disable
                case .prefer: .prefer(unverified)
                case .require: .require(unverified)
                case .verifyFull: .require(.makeClientConfiguration())
                }
            configuration = .init(
                host: location.host, port: location.port, username: location.user,
                password: location.password, database: location.database, tls: tls)
        }
        configuration.options.maximumConnections = location.poolSize
        configuration.options.connectTimeout = .seconds(5)
        return configuration
    }

    // MARK: Transactions

    /// Runs the body in one transaction on a pooled connection; a lost or refused connection, or
    /// no answer within ``operationTimeout``, becomes ``StoreError/unavailable(_:cause:)`` and a full
    /// disk ``StoreError/full(_:cause:)``.
    ///
    /// The server rolls back a transaction whose connection is lost.
    @discardableResult
    func transaction<T: Sendable>(
        timeout: Duration = operationTimeout,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await withConnection(timeout: timeout) { connection in
            try await connection.query("BEGIN", logger: self.logger)
            do {
                let value = try await body(connection)
                try await connection.query("COMMIT", logger: self.logger)
                return value
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: self.logger)
                throw error
            }
        }
    }

    /// A read on a pooled connection (each statement sees committed data).
    func reading<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws
        -> T
    {
        try await withConnection(timeout: Self.operationTimeout, body)
    }

    /// How long an operation may wait for a connection and its answers before the store counts
    /// as unavailable: the pool itself would keep retrying a dead server for a minute, while a
    /// sender or a readiness probe needs an answer now.
    static let operationTimeout: Duration = .seconds(10)

    func withConnection<T: Sendable>(
        timeout: Duration,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        // The deadline must hold even when the operation ignores its cancellation: with
        // PostgresNIO 1.33 a query on a connection that closes under it can wait forever. So the
        // operation runs as a task of its own, and the caller takes whichever answers first — the
        // operation or the deadline — instead of waiting for a cancelled operation to finish.
        let first = FirstAnswer<T>()
        let operation = Task {
            do {
                first.answer(
                    .success(try await self.client.withConnection { connection in try await body(connection) }))
            } catch {
                first.answer(.failure(error))
            }
        }
        let deadline = Task {
            try await Task.sleep(for: timeout)
            if first.answer(.failure(StoreError.unavailable("PostgreSQL did not answer within \(timeout)"))) {
                operation.cancel()
            }
        }
        defer { deadline.cancel() }
        do {
            return try await withTaskCancellationHandler {
                try await first.value()
            } onCancel: {
                first.answer(.failure(CancellationError()))
                operation.cancel()
            }
        } catch let error as PSQLError {
            throw Self.storeError(error)
        } catch let error where error is StoreError || error is QueueError || error is EarlierDocument {
            throw error
        } catch {
            // The pool's own errors: no connection could be made.
            throw StoreError.unavailable("PostgreSQL cannot be reached (\(error))")
        }
    }

    /// What a PostgreSQL error means to the gateway: the server gone or refusing work for now
    /// (connection errors, SQLSTATE class 08, shutdown, too many connections) is unavailability;
    /// a full disk is ``StoreError/full(_:cause:)``; anything else is a fault and stays as it is.
    static func storeError(_ error: PSQLError) -> any Error {
        guard error.code == .server else {
            return StoreError.unavailable("PostgreSQL cannot be reached (\(error.code))", cause: error)
        }
        let state = error.serverInfo?[.sqlState] ?? ""
        let message = error.serverInfo?[.message] ?? "SQLSTATE \(state)"
        if state == "53100" { return StoreError.full(message, cause: error) }
        if state.hasPrefix("08") || state.hasPrefix("57P") || state == "53300" {
            return StoreError.unavailable(message, cause: error)
        }
        return error
    }

}

/// The first of several answers, handed to the one task waiting for it; later answers are
/// dropped.
private final class FirstAnswer<Value: Sendable>: @unchecked Sendable {
    let lock = NSLock()
    private var answered: Result<Value, any Error>?
    private var waiting: CheckedContinuation<Value, any Error>?

    /// Waits for the first answer.
    func value() async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            lock.lock()
            if let answered {
                lock.unlock()
                continuation.resume(with: answered)
            } else {
                waiting = continuation
                lock.unlock()
            }
        }
    }

    /// Gives an answer.
    ///
    /// - Returns: whether it was the first.
    @discardableResult
    func answer(_ result: Result<Value, any Error>) -> Bool {
        lock.lock()
        guard answered == nil else {
            lock.unlock()
            return false
        }
        answered = result
        let continuation = waiting
        waiting = nil
        lock.unlock()
        continuation?.resume(with: result)
        return true
    }
}
