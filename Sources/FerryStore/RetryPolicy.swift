/// When a failed delivery is tried again: exponential back-off with jitter, up to a number of
/// attempts, then the dead-letter state.
public struct RetryPolicy: Sendable {
    /// Attempts before a job is dead-lettered.
    ///
    /// Default 8.
    public var maximumAttempts = 8
    /// The first delay, in seconds.
    ///
    /// Default 1.
    public var initialDelay = 1.0
    /// The longest delay, in seconds.
    ///
    /// Default 300.
    public var maximumDelay = 300.0
    /// The share of each delay drawn at random (0…1), so that failing destinations are not
    /// retried in lockstep.
    ///
    /// Default 0.2.
    public var jitter = 0.2

    /// The defaults.
    public init() {}

    /// The delay before attempt `attempts + 1`, or nil when the job is out of attempts.
    /// - Parameter random: a number in 0..<1.
    public func delay(afterAttempts attempts: Int, random: Double) -> Double? {
        guard attempts < maximumAttempts else { return nil }
        let exponential = min(maximumDelay, initialDelay * Double(1 << min(max(attempts - 1, 0), 30)))
        return exponential * (1 - jitter + jitter * 2 * random).clamped(to: 0...2)
    }
}

extension Double {
    fileprivate func clamped(to range: ClosedRange<Double>) -> Double {
        Swift.min(Swift.max(self, range.lowerBound), range.upperBound)
    }
}
