/// Packed item id: replica *index* (document-local small integer) in the high 32 bits, counter (>= 1) in the low 32 bits.
///
/// Packing both halves into one `UInt64` keeps run records plain-old-data and lets the tree test
/// "does run `r` contain id `x`" with a single wrapping subtraction (`x.raw &- r.first < r.count`),
/// because the ids of a run share the replica half and differ only in consecutive counters.
///
/// `raw == 0` never denotes a real item (counters start at 1); storage uses it as the "no origin" sentinel.
///
/// `Comparable` is plain `raw` ordering, offered only for sorting and dictionary-style use. It is **not**
/// the CRDT tie-break: concurrent insertions are ordered by the global replica key (see
/// `SequenceTree.integrate(first:count:originLeft:originRight:contentOffset:index:replicaKey:)`).
struct ItemID: Hashable, Sendable, Comparable {
    /// The packed representation: `replica << 32 | counter`.
    var raw: UInt64

    /// Creates an id from its packed representation.
    init(raw: UInt64) {
        self.raw = raw
    }

    /// Creates an id from a document-local replica index and a per-replica counter (counters start at 1).
    init(replica: UInt32, counter: UInt32) {
        raw = UInt64(replica) << 32 | UInt64(counter)
    }

    /// The document-local replica index (high 32 bits).
    var replica: UInt32 { UInt32(truncatingIfNeeded: raw >> 32) }

    /// The per-replica counter (low 32 bits).
    var counter: UInt32 { UInt32(truncatingIfNeeded: raw) }

    /// The id `n` counters further on within the same replica.
    ///
    /// The counter wraps instead of trapping (so the replica half can never be corrupted); callers that
    /// build runs validate that a run's counters do not overflow before using this.
    func advanced(by n: Int) -> ItemID {
        ItemID(replica: replica, counter: counter &+ UInt32(truncatingIfNeeded: n))
    }

    /// Raw ordering (replica index first, then counter). Not a CRDT ordering.
    static func < (lhs: ItemID, rhs: ItemID) -> Bool {
        lhs.raw < rhs.raw
    }
}

extension ItemID: CustomStringConvertible {
    /// `replica:counter`, e.g. `2:17`.
    var description: String { "\(replica):\(counter)" }
}
