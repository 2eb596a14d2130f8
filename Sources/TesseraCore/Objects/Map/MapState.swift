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
    ///
    /// The live entries, in order, are the winner (unless overwritten), the others not
    /// overwritten, then `entry`; the first greatest of them wins and the rest, in that order,
    /// become the others. Worked out in place in `others`, which grows only when nothing was
    /// overwritten: a concurrent write landing on a register that already holds a conflict
    /// (every write of one side of a merged session) allocated twice when this appended first
    /// and removed after.
    mutating func write<Overwritten: Collection<ItemID>>(
        _ entry: RegisterEntry, overwriting pred: Overwritten, beats: (RegisterEntry, RegisterEntry) -> Bool
    ) -> Bool {
        let previous = winner
        if others.isEmpty {
            if pred.contains(winner.id) {
                winner = entry
            } else if beats(entry, winner) {
                // Appended rather than assigned: keeps a buffer an earlier conflict left.
                others.append(winner)
                winner = entry
            } else {
                others.append(entry)
            }
            return winner.id != previous.id
        }
        if others.count == 1 {
            // One conflict held (every write of either side, once two sessions have merged):
            // the same election over at most two live entries, without the general shuffle.
            let other = others[0]
            switch (pred.contains(previous.id), pred.contains(other.id)) {
            case (false, false):
                break  // Three live entries: the general case below.
            case (true, true):
                winner = entry
                others.removeLast()
                return winner.id != previous.id
            case (false, true):
                // Live: the previous winner, then `entry`.
                if beats(entry, previous) {
                    winner = entry
                    others[0] = previous
                } else {
                    others[0] = entry
                }
                return winner.id != previous.id
            case (true, false):
                // Live: the other, then `entry`.
                if beats(entry, other) {
                    winner = entry
                } else {
                    winner = other
                    others[0] = entry
                }
                return winner.id != previous.id
            }
        }
        var kept = 0
        for i in others.indices where !pred.contains(others[i].id) {
            others[kept] = others[i]
            kept += 1
        }
        // The live entries as one sequence: `lead` (0 or 1) for the previous winner, then
        // `others[0..<kept]`, then `entry`.
        let lead = pred.contains(previous.id) ? 0 : 1
        let live = lead + kept + 1
        @inline(__always) func element(_ i: Int) -> RegisterEntry {
            i < lead ? previous : (i - lead < kept ? others[i - lead] : entry)
        }
        var best = 0
        for i in 1..<live where beats(element(i), element(best)) { best = i }
        winner = element(best)
        // The others become the live sequence without `best`: element `j` is live entry `j`
        // before `best`, `j + 1` from it on. With the previous winner leading, entries move
        // right (filled from the end); without, they move left (filled from the start).
        let count = live - 1
        while others.count > count { others.removeLast() }
        while others.count < count { others.append(entry) }
        if lead == 1 {
            var j = count - 1
            while j >= 0 {
                others[j] = element(j < best ? j : j + 1)
                j -= 1
            }
        } else {
            for j in 0..<count { others[j] = element(j < best ? j : j + 1) }
        }
        return winner.id != previous.id
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

    /// Stores `text` (`width` scalars; `typed`, its only scalar when it is one ASCII
    /// character) and inserts it at visible `index` as items `first ...`: what a local text
    /// insert does to the sequence, through one access to it (three, each checking the
    /// document's sequence array was unshared, cost a keystroke about 30 instructions).
    /// Returns the content's offset and the insert's origins.
    @inline(__always)
    mutating func insertTextLocally(
        _ text: String, typed: Unicode.Scalar?, width: Int, at index: Int, first: ItemID, index itemIndex: inout ItemIndex
    ) -> (offset: Int, origins: (originLeft: ItemID?, originRight: ItemID?)) {
        let offset = scalars.count
        if let typed { scalars.append(typed) } else { scalars.append(scalarsOf: text) }
        let origins = tree.insertLocal(at: index, first: first, count: width, contentOffset: offset, index: &itemIndex)
        return (offset, origins)
    }
}
