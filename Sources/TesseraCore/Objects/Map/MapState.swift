/// The state of one map: a last-writer-wins register per interned key.
struct MapState: Sendable {
    var registers = PackedMap<UInt32, Register>()
}

/// One map key's register: the values no later operation has overwritten.
///
/// Concurrent writes all stay (so ``Document/conflicts(_:in:)`` can show them); the visible
/// value is the one with the greatest (Lamport, replica) pair. A deletion is a write of
/// "absent" and competes like any other value.
struct Register: Sendable {
    var winner: RegisterEntry
    /// Concurrent entries that lost to ``winner``; almost always empty.
    var others: [RegisterEntry] = []

    init(_ entry: RegisterEntry) { winner = entry }

    /// The IDs of every live entry (what a local write overwrites).
    var liveIDs: [ItemID] {
        others.isEmpty ? [winner.id] : [winner.id] + others.map(\.id)
    }

    /// Adds `entry`, dropping the entries it overwrites, and re-elects the winner.
    /// Returns whether the visible value changed.
    mutating func write(_ entry: RegisterEntry, overwriting pred: ArraySlice<ItemID>, beats: (RegisterEntry, RegisterEntry) -> Bool) -> Bool {
        let previousWinner = winner.id
        if others.isEmpty {
            if pred.contains(winner.id) {
                winner = entry
            } else if beats(entry, winner) {
                others = [winner]
                winner = entry
            } else {
                others = [entry]
            }
        } else {
            // In place in `others` (the live entries are the winner, then the others, then
            // `entry`): building new arrays here cost more than the election.
            // Element by element: the generic `removeAll(where:)`, `insert(_:at:)` and
            // `remove(at:)` cost more than these few entries' moves.
            let winnerIsLive = !pred.contains(winner.id)
            var kept = 0
            for i in others.indices where !pred.contains(others[i].id) {
                others[kept] = others[i]
                kept += 1
            }
            while others.count > kept { others.removeLast() }
            if winnerIsLive {
                others.append(winner)
                var i = others.count - 1
                while i > 0 {
                    others[i] = others[i - 1]
                    i -= 1
                }
                others[0] = winner
            }
            others.append(entry)
            var best = 0
            for i in 1..<others.count where beats(others[i], others[best]) { best = i }
            winner = others[best]
            var i = best
            while i + 1 < others.count {
                others[i] = others[i + 1]
                i += 1
            }
            others.removeLast()
        }
        return winner.id != previousWinner
    }
}

/// One value in a register.
struct RegisterEntry: Sendable {
    var id: ItemID
    var lamport: UInt64
    /// Index into the document's value pool, or ``OpRecord/absent``.
    var value: UInt32

    var isAbsent: Bool { value == OpRecord.absent }
}

/// The state of one list or text: the sequence tree plus its element content.
///
/// Content is append-only (deleted elements keep theirs, so undo can restore it and history
/// can be re-encoded); the tree refers to it by offset.
struct SequenceState: Sendable {
    var kind: ObjectKind
    var tree = SequenceTree()
    /// Text content, one scalar per element.
    var scalars: [Unicode.Scalar] = []
    /// List content, one value per element.
    var elements: [Value] = []

    init(kind: ObjectKind) { self.kind = kind }

    var contentCount: Int { kind == .text ? scalars.count : elements.count }
}
