extension ItemID {
    /// "No item": the root object, the start or end of a sequence, or an absent origin.
    static let none = ItemID(replica: 0, counter: 0)

    /// `nil` for ``none``.
    var nonNone: ItemID? { self == .none ? nil : self }

    init(_ optional: ItemID?) { self = optional ?? .none }

    /// Rebuilds an ID from its packed bits.
    init(packed: UInt64) {
        self = .none
        raw = packed
    }
}
