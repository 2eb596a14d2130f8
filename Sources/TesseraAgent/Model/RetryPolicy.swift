/// When a failed model request is tried again, and how long to wait first: exponential
/// backoff with jitter, honouring the server's `Retry-After`.
///
/// Retried: connection failures and timeouts, and the HTTP statuses in ``retryableStatuses``
/// (429 and the transient 5xx by default). A streamed response is retried only if it failed
/// before any content reached the caller, so a reply is never shown twice.
///
/// The delay before retry *n* (1-based) is `min(maximumDelay, initialDelay · multiplier^(n-1))`,
/// of which the upper half is randomised ("equal jitter", as in the AWS architecture blog's
/// comparison): replicas that failed together do not retry in lockstep, yet each still waits
/// at least half the backoff. A `Retry-After` (or OpenAI's `retry-after-ms`) replaces the
/// computed backoff, plus up to 10 % jitter; one longer than ``maximumRetryAfter`` ends the
/// retries, since waiting minutes inside a chat request helps nobody.
///
/// ```swift
/// var policy = RetryPolicy(maximumAttempts: 3, initialDelay: .milliseconds(200))
/// var rng = SystemRandomNumberGenerator()
/// policy.delay(beforeRetry: 1, retryAfter: nil, using: &rng)   // 100…200 ms
/// ```
public struct RetryPolicy: Hashable, Sendable {
    /// Attempts in total, the first included (1 = never retry).
    public var maximumAttempts: Int
    /// The backoff before the first retry.
    public var initialDelay: Duration
    /// The factor between consecutive backoffs.
    public var multiplier: Double
    /// The longest computed backoff.
    public var maximumDelay: Duration
    /// The longest `Retry-After` honoured; a longer one fails the request at once.
    public var maximumRetryAfter: Duration
    /// HTTP statuses worth retrying.
    public var retryableStatuses: Set<Int>

    /// Creates a policy; the defaults suit an interactive chat (4 attempts, 0.5 s, 1 s, 2 s).
    public init(
        maximumAttempts: Int = 4, initialDelay: Duration = .milliseconds(500), multiplier: Double = 2,
        maximumDelay: Duration = .seconds(20), maximumRetryAfter: Duration = .seconds(60),
        retryableStatuses: Set<Int> = [408, 409, 425, 429, 500, 502, 503, 504, 529]
    ) {
        self.maximumAttempts = max(1, maximumAttempts)
        self.initialDelay = initialDelay
        self.multiplier = max(1, multiplier)
        self.maximumDelay = maximumDelay
        self.maximumRetryAfter = maximumRetryAfter
        self.retryableStatuses = retryableStatuses
    }

    /// Never retry.
    public static let never = RetryPolicy(maximumAttempts: 1)

    /// The wait before retry number `retry` (1 for the first retry), or `nil` when the
    /// policy gives up (no attempts left, or `retryAfter` is longer than ``maximumRetryAfter``).
    public func delay(beforeRetry retry: Int, retryAfter: Duration?, using generator: inout some RandomNumberGenerator) -> Duration? {
        guard retry >= 1, retry < maximumAttempts else { return nil }
        if let retryAfter {
            guard retryAfter <= maximumRetryAfter else { return nil }
            let base = max(retryAfter, .zero)
            return base + base * (Double.random(in: 0...0.1, using: &generator))
        }
        let exponent = Double(retry - 1)
        var backoff = initialDelay * power(multiplier, exponent)
        if backoff > maximumDelay || backoff < .zero { backoff = maximumDelay }
        let half = backoff / 2
        return half + half * Double.random(in: 0...1, using: &generator)
    }

    /// Whether a response with `status` is worth retrying.
    public func retries(status: Int) -> Bool { retryableStatuses.contains(status) }
}

/// `base` to the power `exponent` for small whole exponents, without importing a math library.
@inline(__always)
func power(_ base: Double, _ exponent: Double) -> Double {
    var result = 1.0
    var remaining = Int(exponent.rounded(.down))
    // The exponent is a retry count (tiny); cap it so a huge policy value cannot loop long.
    remaining = min(remaining, 64)
    while remaining > 0 {
        result *= base
        remaining -= 1
    }
    return result
}
