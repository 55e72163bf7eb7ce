extension GatewayStore {
    /// Runs `body` with the store ready for work: its upkeep (``maintain()``) runs in a child
    /// task beside `body`, and ``prepare()`` comes first.
    ///
    /// For a command or a test that uses a store for a while; the gateway runs the upkeep as a
    /// service of its service group instead. The upkeep stops when `body` returns or throws,
    /// and PostgreSQL's connections close with it.
    ///
    /// ```swift
    /// let entries = try await store.withUpkeep { try await store.entries() }
    /// ```
    /// - Throws: what ``prepare()`` or `body` throws.
    public func withUpkeep<Result: Sendable>(_ body: () async throws -> Result) async throws -> Result {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await self.maintain() }
            defer { group.cancelAll() }
            try await prepare()
            return try await body()
        }
    }
}
