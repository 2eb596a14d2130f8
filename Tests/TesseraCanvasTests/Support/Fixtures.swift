import TesseraCanvas
import TesseraCore

/// SplitMix64: a tiny seeded generator, so a failing property test prints a seed that reproduces it.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension ReplicaID {
    /// A fixed replica ID for tests (`value` must not be zero).
    static func fixed(_ value: UInt64) -> ReplicaID {
        ReplicaID(rawValue: value) ?? ReplicaID.random()
    }
}

/// Ada's board and Grace's fork of it: two replicas of one board.
func makeReplicas(ada: UInt64 = 0xA, grace: UInt64 = 0xB) -> (Board, Board) {
    let base = Board(replica: .fixed(ada), origin: .human("Ada"))
    return (base, base.fork(replica: .fixed(grace), origin: .human("Grace")))
}

/// Merges both ways, so both boards end with everything.
func sync(_ a: inout Board, _ b: inout Board) throws {
    try a.merge(b)
    try b.merge(a)
}
