import Foundation

/// Exponential backoff with jitter for reconnect attempts.
public struct RedisBackoff: Sendable, Hashable {
    public var initial: Duration
    public var maximum: Duration
    public var multiplier: Double
    /// Fraction of the delay randomly added or removed (0.2 = ±20 %).
    public var jitter: Double

    public init(initial: Duration, maximum: Duration, multiplier: Double = 2, jitter: Double = 0.2) {
        self.initial = initial
        self.maximum = maximum
        self.multiplier = Swift.max(1, multiplier)
        self.jitter = Swift.min(Swift.max(0, jitter), 1)
    }

    /// The client's: after a failed reconnect, calls fail fast for this long.
    public static let client = RedisBackoff(initial: .milliseconds(50), maximum: .seconds(2))
    /// The subscriber's: 100 ms doubling to 5 s.
    public static let subscriber = RedisBackoff(initial: .milliseconds(100), maximum: .seconds(5))

    /// The delay before retry number `attempt` (0-based), jittered, never above `maximum`.
    public func delay(attempt: Int) -> Duration {
        var generator = SystemRandomNumberGenerator()
        return delay(attempt: attempt, using: &generator)
    }

    public func delay(attempt: Int, using generator: inout some RandomNumberGenerator) -> Duration {
        let growth = pow(multiplier, Double(Swift.min(Swift.max(0, attempt), 64)))
        let capped = Swift.min(initial * Swift.min(growth, 1e9), maximum)
        guard jitter > 0 else { return capped }
        let factor = 1 + Double.random(in: -jitter...jitter, using: &generator)
        return Swift.min(capped * factor, maximum)
    }
}
