/// SplitMix64 (Steele, Lea, Flood 2014), the pseudo-random generator every peerbench
/// harness uses, so that all engines replay bit-identical operation streams
/// (WORKLOADS.md §1).
///
/// ```swift
/// var rng = SplitMix64(seed: 42)
/// let shape = rng.below(10_000)
/// ```
public struct SplitMix64: RandomNumberGenerator, Sendable {
    /// The generator's whole state.
    public var state: UInt64

    /// A generator that starts with `state = seed`.
    public init(seed: UInt64) { state = seed }

    /// The next 64-bit output (all arithmetic modulo 2^64).
    @inlinable
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// `next() % n`: plain modulo, no rejection (the spec's portable definition).
    @inlinable
    public mutating func below(_ n: Int) -> Int {
        precondition(n > 0, "below(n) needs n > 0")
        return Int(next() % UInt64(n))
    }
}
