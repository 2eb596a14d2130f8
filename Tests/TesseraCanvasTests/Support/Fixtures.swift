import TesseraCanvas
import TesseraCore


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
