/// SequenceSplitMix64 (Steele, Lea & Flood), a tiny seedable generator so randomized tests are reproducible
/// from the seed they print on failure.
struct SequenceSplitMix64: RandomNumberGenerator {
    /// Generator state.
    var state: UInt64

    /// Creates a generator from `seed`.
    init(seed: UInt64) {
        state = seed
    }

    /// Returns the next 64 random bits.
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
