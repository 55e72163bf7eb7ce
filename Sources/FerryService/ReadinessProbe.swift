import FerryCore
import Foundation

/// Readiness answered from a probe at most a second old: however often a load balancer asks,
/// the store is written to (and the disk and the audit looked at) at most once a second, and
/// callers arriving while a probe runs wait for that one.
actor ReadinessProbe {
    /// What a probe found: whether the gateway is ready, and the report to answer with.
    struct Result: Sendable {
        var ready: Bool
        var report: JSONObject
    }

    /// How old an answer may be, in seconds.
    static let maximumAge = 1.0

    private var last: (result: Result, at: Date)?
    private var running: Task<Result, Never>?

    /// The latest probe's result, probing anew when it is older than ``maximumAge``.
    func result(probe: @escaping @Sendable () async -> Result) async -> Result {
        if let last, Date().timeIntervalSince(last.at) < Self.maximumAge { return last.result }
        if let running { return await running.value }
        let task = Task { await probe() }
        running = task
        let result = await task.value
        (last, running) = ((result, Date()), nil)
        return result
    }
}
