#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The time source of an agent: wall-clock milliseconds for leases, and a way to wait.
///
/// Leases are in wall-clock time because they are compared by *other* replicas, which share
/// no monotonic clock with the claimant; the lease is long (30 s by default) and renewed
/// every third of it, so ordinary clock skew between machines does not matter. Inject a
/// manual clock in tests to make every decision deterministic.
public protocol AgentClock: Sendable {
    /// Milliseconds since 1970.
    func now() -> Int64
    /// Waits for `duration` (or throws `CancellationError`).
    func sleep(for duration: Duration) async throws
}

/// The system's real-time clock.
public struct SystemAgentClock: AgentClock {
    /// Creates the clock.
    public init() {}

    /// Milliseconds since 1970 from `CLOCK_REALTIME`.
    public func now() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Int64(time.tv_sec) * 1000 + Int64(time.tv_nsec) / 1_000_000
    }

    /// Sleeps on the continuous clock.
    public func sleep(for duration: Duration) async throws {
        try await Task.sleep(for: duration)
    }
}
