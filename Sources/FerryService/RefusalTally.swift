import FerryCore
import FerryGateway
import FerryStore
import Foundation

/// Counts the refusals of requests without valid credentials (401, and 429 once a client
/// address is over its allowance), so that they reach the audit as one `refusals` entry per
/// window, reason and address with the count, and not as one fsynced write each: an anonymous
/// flood costs the single writer a bounded number of entries.
actor RefusalTally {
    /// The window an entry counts over, in seconds.
    static let window = 10.0
    /// Addresses counted apart in one window; the rest are counted together as `other`.
    static let maximumKeys = 1_000

    private struct Key: Hashable {
        let status: Int
        let reason: String
        let address: String
    }

    private var counts: [Key: Int] = [:]
    private var windowStart = Date()

    /// Counts one refusal.
    func count(status: Int, reason: String, address: String) {
        var key = Key(status: status, reason: reason, address: address)
        if counts[key] == nil && counts.count >= Self.maximumKeys {
            key = Key(status: status, reason: reason, address: "other")
        }
        counts[key, default: 0] += 1
    }

    /// The audit events of the window so far, one per status, reason and address, and a new window.
    func takeEvents(now: Date = Date()) -> [AuditEvent] {
        let from = Gateway.timestamp(windowStart)
        defer { (counts, windowStart) = ([:], now) }
        return counts.sorted {
            ($0.key.address, $0.key.status, $0.key.reason) < ($1.key.address, $1.key.status, $1.key.reason)
        }
        .map { key, count in
            AuditEvent(
                "refusals",
                JSONObject([
                    ("status", .integer(key.status)), ("reason", .string(key.reason)),
                    ("address", .string(key.address)),
                    ("count", .integer(count)), ("from", .string(from)), ("to", .string(Gateway.timestamp(now))),
                ]))
        }
    }
}
