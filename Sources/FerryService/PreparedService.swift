import ServiceLifecycle

/// A service that runs its preparation first, then the service it wraps: work that needs the
/// other services of its group running (the store's connection pool) and must be done before
/// this one serves (migrations).
struct PreparedService<Wrapped: Service>: Service {
    let wrapped: Wrapped
    let preparation: @Sendable () async throws -> Void

    init(_ wrapped: Wrapped, preparation: @escaping @Sendable () async throws -> Void) {
        self.wrapped = wrapped
        self.preparation = preparation
    }

    func run() async throws {
        // A shutdown asked for while preparing ends the preparation and starts nothing.
        do {
            try await cancelWhenGracefulShutdown { try await preparation() }
        } catch  where Task.isShuttingDownGracefully {
            return
        }
        guard !Task.isShuttingDownGracefully else { return }
        try await wrapped.run()
    }
}
