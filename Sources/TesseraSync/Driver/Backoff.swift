/// How long a replica waits before dialling again after a connection failed or ended:
/// exponential growth with random jitter, capped, reset by a successful handshake.
///
/// ```swift
/// let backoff = Backoff(initial: .milliseconds(200), maximum: .seconds(10))
/// backoff.delay(afterFailures: 1)   // about 200 ms
/// backoff.delay(afterFailures: 4)   // about 1.6 s
/// ```
///
/// The jitter spreads the reconnects of many clients after a relay restarts, so they do not
/// arrive in one wave.
public struct Backoff: Hashable, Sendable {
    /// The delay after the first failure.
    public var initial: Duration
    /// The longest delay.
    public var maximum: Duration
    /// The growth per further failure.
    public var multiplier: Double
    /// The fraction of the delay drawn at random, up or down (0 to 1).
    public var jitter: Double

    /// Creates a policy.
    public init(initial: Duration = .milliseconds(100), maximum: Duration = .seconds(5), multiplier: Double = 2, jitter: Double = 0.2) {
        self.initial = initial
        self.maximum = maximum
        self.multiplier = max(1, multiplier)
        self.jitter = min(max(jitter, 0), 1)
    }

    /// The delay after `failures` consecutive failures (1 for the first).
    public func delay(afterFailures failures: Int) -> Duration {
        var generator = SystemRandomNumberGenerator()
        return delay(afterFailures: failures, using: &generator)
    }

    /// The delay after `failures` consecutive failures, with jitter drawn from `generator`.
    public func delay<G: RandomNumberGenerator>(afterFailures failures: Int, using generator: inout G) -> Duration {
        let initialSeconds = initial.seconds
        let maximumSeconds = maximum.seconds
        let exponent = Double(max(0, failures - 1))
        let base = min(maximumSeconds, initialSeconds * pow(multiplier, min(exponent, 64)))
        let spread = base * jitter
        let seconds = spread > 0 ? base + Double.random(in: -spread...spread, using: &generator) : base
        return .milliseconds(Int64(max(0, min(seconds, maximumSeconds)) * 1000))
    }
}

extension Duration {
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) * 1e-18
    }
}

/// x to the power y for non-negative y, without Foundation.
private func pow(_ x: Double, _ y: Double) -> Double {
    var result = 1.0
    var count = Int(y)
    while count > 0 {
        result *= x
        count -= 1
    }
    return result
}
