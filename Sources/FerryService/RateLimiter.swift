/// Token buckets by key (a sender, or a client address): `perSecond` on average, `burst` at once.
/// Buckets that have refilled completely are forgotten once there are many, so that a flood
/// from many addresses does not grow it without bound; when most are still in use (a flood
/// from more addresses than it keeps), all are forgotten, so that the scan for full buckets
/// happens at most once per ``maximumBuckets``/2 new keys.
actor RateLimiter {
    private var buckets: [String: (tokens: Double, updated: Double, burst: Double, perSecond: Double)] = [:]
    /// Buckets kept before the full ones are dropped.
    static let maximumBuckets = 10_000

    /// Whether one more request of `key` is admitted now.
    func admit(_ key: String, perSecond: Double, burst: Int, now: Double) -> Bool {
        var bucket = buckets[key] ?? (Double(burst), now, Double(burst), perSecond)
        bucket.tokens = min(Double(burst), bucket.tokens + (now - bucket.updated) * perSecond)
        bucket.updated = now
        let admitted = bucket.tokens >= 1
        if admitted { bucket.tokens -= 1 }
        if buckets[key] == nil && buckets.count >= Self.maximumBuckets {
            forgetFullBuckets(now: now)
            if buckets.count >= Self.maximumBuckets / 2 { buckets.removeAll(keepingCapacity: true) }
        }
        buckets[key] = bucket
        return admitted
    }

    /// How many buckets are kept.
    var count: Int { buckets.count }

    /// Drops the buckets that would be full by now: they hold nothing a new bucket would not.
    private func forgetFullBuckets(now: Double) {
        buckets = buckets.filter { $0.value.tokens + (now - $0.value.updated) * $0.value.perSecond < $0.value.burst }
    }
}
