import TesseraCore

/// One shape's place in the z-order: its fractional index, then the replica that wrote the
/// index, then its ID.
///
/// Two replicas that concurrently give two shapes the same index (both bring a shape to the
/// front of the same board, say) produce equal keys; ordering ties by the writer's replica ID
/// (higher on top) makes every replica draw them in the same order. A shape without a valid
/// index (never set, or garbage from another tool) sorts below every shape that has one.
struct ZOrderEntry: Comparable {
    var id: ShapeID
    var object: ObjectID
    var index: FractionalIndex?
    var writer: ReplicaID?

    static func < (lhs: ZOrderEntry, rhs: ZOrderEntry) -> Bool {
        switch (lhs.index, rhs.index) {
        case (nil, .some): return true
        case (.some, nil): return false
        case (let a?, let b?) where a != b: return a < b
        default: break
        }
        let (a, b) = (lhs.writer?.rawValue ?? 0, rhs.writer?.rawValue ?? 0)
        if a != b { return a < b }
        return lhs.id < rhs.id
    }
}
