/// A point in monotonic time, as a duration since an origin the caller picks.
///
/// Sessions and presence tables never read a clock: the caller passes the time in, so a
/// test or a simulation drives them with virtual time and a transport with its clock.
///
/// ```swift
/// let origin = ContinuousClock.now
/// let now = SyncInstant(ContinuousClock.now, since: origin)
/// let later = now + .milliseconds(50)
/// ```
public struct SyncInstant: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The time elapsed since the origin.
    public var sinceOrigin: Duration

    /// The instant `sinceOrigin` after the origin.
    public init(_ sinceOrigin: Duration) { self.sinceOrigin = sinceOrigin }

    /// The reading of `instant` relative to `origin`.
    public init(_ instant: ContinuousClock.Instant, since origin: ContinuousClock.Instant) {
        sinceOrigin = origin.duration(to: instant)
    }

    /// The origin itself.
    public static let zero = SyncInstant(.zero)

    /// The instant `duration` later.
    public static func + (lhs: SyncInstant, rhs: Duration) -> SyncInstant { SyncInstant(lhs.sinceOrigin + rhs) }

    /// The time from `rhs` to `lhs`.
    public static func - (lhs: SyncInstant, rhs: SyncInstant) -> Duration { lhs.sinceOrigin - rhs.sinceOrigin }

    public static func < (lhs: SyncInstant, rhs: SyncInstant) -> Bool { lhs.sinceOrigin < rhs.sinceOrigin }

    public var description: String { "t+\(sinceOrigin)" }
}
