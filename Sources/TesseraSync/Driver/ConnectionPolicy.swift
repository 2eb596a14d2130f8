/// Per-connection limits a transport enforces before frames reach the session: how many
/// frames and bytes a peer may send per second.
///
/// The limits are token buckets: a peer may send a burst of ``burstFrames`` frames (and
/// ``burstBytes`` bytes) at once, refilled at ``framesPerSecond`` (and ``bytesPerSecond``).
/// A peer over either limit gets an `error` frame with ``ErrorCode/rateLimited`` and is
/// disconnected; the frame that broke the limit is not processed. Frame *size* is bounded
/// by the transport before the frame is buffered (``SyncConfiguration/limits``).
///
/// ```swift
/// var policy = ConnectionPolicy.relay
/// policy.framesPerSecond = 50          // a public relay with slow clients
/// ```
public struct ConnectionPolicy: Hashable, Sendable {
    /// Frames per second, sustained.
    public var framesPerSecond: Double
    /// Frames allowed at once.
    public var burstFrames: Double
    /// Bytes per second, sustained.
    public var bytesPerSecond: Double
    /// Bytes allowed at once.
    public var burstBytes: Double

    /// Creates a policy.
    public init(framesPerSecond: Double, burstFrames: Double, bytesPerSecond: Double, burstBytes: Double) {
        self.framesPerSecond = framesPerSecond
        self.burstFrames = burstFrames
        self.bytesPerSecond = bytesPerSecond
        self.burstBytes = burstBytes
    }

    /// No limit.
    public static let unlimited = ConnectionPolicy(
        framesPerSecond: .infinity, burstFrames: .infinity, bytesPerSecond: .infinity, burstBytes: .infinity)

    /// A relay's default: 500 frames/s (bursts of 1,000), 8 MiB/s (bursts of 32 MiB). A
    /// client coalesces edits every 30 ms and acks as often, so a busy client sends well
    /// under 100 frames/s; a catch-up after a long offline period is bounded by bytes.
    public static let relay = ConnectionPolicy(
        framesPerSecond: 500, burstFrames: 1000, bytesPerSecond: Double(8 << 20), burstBytes: Double(32 << 20))
}

/// The token buckets of one connection.
struct RateLimiter: Sendable {
    let policy: ConnectionPolicy
    private var frames: Double
    private var bytes: Double
    private var last: ContinuousClock.Instant

    init(_ policy: ConnectionPolicy, now: ContinuousClock.Instant = .now) {
        self.policy = policy
        frames = policy.burstFrames
        bytes = policy.burstBytes
        last = now
    }

    /// Takes one frame of `byteCount` bytes out of the buckets, or says which limit it breaks.
    mutating func admit(byteCount: Int, now: ContinuousClock.Instant = .now) -> SyncError? {
        let elapsed = last.duration(to: now)
        last = now
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        if seconds > 0 {
            frames = min(policy.burstFrames, frames + seconds * policy.framesPerSecond)
            bytes = min(policy.burstBytes, bytes + seconds * policy.bytesPerSecond)
        }
        frames -= 1
        bytes -= Double(byteCount)
        if frames < 0 {
            return .refused(code: .rateLimited, reason: "more than \(Int(policy.framesPerSecond)) frames per second")
        }
        if bytes < 0 {
            return .refused(code: .rateLimited, reason: "more than \(Int(policy.bytesPerSecond)) bytes per second")
        }
        return nil
    }
}
