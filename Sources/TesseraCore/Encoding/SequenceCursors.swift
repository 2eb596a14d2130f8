/// A model of typing that encoder and decoder run identically over the sequence operations
/// of a payload, so that list and text edits code as "at the cursor" (FORMAT.md §4.4).
///
/// Text is mostly typed and deleted at a cursor: an insert usually goes after the element
/// the previous edit left the cursor on and before the same right neighbour as the previous
/// insert; a backspace removes the element at the cursor; a forward delete removes the
/// element after the previously removed one. Each such reference costs a few bits of a
/// run-length-encoded symbol instead of an operation ID. Predictions are only a coding
/// device: any ID can still be written explicitly.
struct SequenceCursors {
    /// Where the cursor is believed to be.
    enum Position: Equatable {
        case unknown
        case start
        case element(OpID)
    }

    /// The model's state for one list or text.
    struct State {
        var cursor: Position = .unknown
        /// The right origin of the previous insert, if it had one.
        var previousBefore: OpID?
        /// The first target of the previous remove.
        var previousRemove: OpID?
        /// The counter of the previous explicitly written ID (explicit IDs are delta-coded).
        var lastExplicit: UInt64 = 0
    }

    // Codes (FORMAT.md §4.4). The encoder picks the first that applies, in this order.
    static let afterNone = 0, afterCursor = 1, afterExplicit = 2
    static let beforeNone = 0, beforePrevious = 1, beforeNextRemoved = 2, beforeNextToAfter = 3, beforeExplicit = 4
    static let removeAtCursor = 0, removeNext = 1, removeExplicit = 2

    /// Per object-list position + 1 (0 is the root, which is never a sequence in valid input).
    private var states: [State] = []
    /// For every insert in the payload: the left origin of its first element. Inserts by
    /// the payload's first inserting replica (almost all of them: a payload is mostly one
    /// replica's typing) are keyed by counter alone, the rest by full ID.
    private var primaryReplica: ReplicaID?
    private var leftOfFirstPrimary = PackedMap<UInt64, Position>()
    /// The highest counter ``leftOfFirstPrimary`` ever held: typing past it has nothing to forget.
    private var highestPrimary: UInt64 = 0
    private var leftOfFirstOther: [OpID: Position] = [:]
    /// Which counters ``leftOfFirstPrimary`` holds an entry for, a bit each from `heldBase`
    /// on, so that a backspacing run finds the next one below the cursor a word at a time
    /// (see ``recordRemoveRun(in:code:limit:)``) instead of a lookup per element. It covers at
    /// most ``maxHeldWords`` words; a counter outside that (which valid payloads, whose new
    /// IDs are consecutive, do not have) turns it off for good (`heldBase` is then `.max`).
    private var held: [UInt64] = []
    private var heldBase: UInt64 = 0
    static let maxHeldWords = 1 << 16

    private func leftOfFirst(_ id: OpID) -> Position? {
        guard id.replica == primaryReplica else { return leftOfFirstOther[id] }
        // While the window is in use, its bits say which counters the map holds: most elements
        // a typist removes were typed after the one before, and have no entry to look up.
        if heldBase != .max, !isHeld(id.counter) { return nil }
        return leftOfFirstPrimary[id.counter]
    }

    /// Whether `counter` of the primary replica is held (the window must be in use).
    @inline(__always)
    private func isHeld(_ counter: UInt64) -> Bool {
        guard counter >= heldBase else { return false }
        let bit = counter - heldBase
        return bit < UInt64(held.count) << 6 && held[Int(bit >> 6)] & (1 << (bit & 63)) != 0
    }

    /// Records `position`, or forgets `id`'s entry when `position` is what ``recordRemove``
    /// assumes for an ID without one (the element before): typing, where each insert goes
    /// after the previous one, then keeps the tables small.
    private mutating func setLeftOfFirst(_ id: OpID, _ position: Position) {
        if primaryReplica == nil { primaryReplica = id.replica }
        let assumed = position == .element(OpID(replica: id.replica, counter: id.counter &- 1))
        if id.replica == primaryReplica {
            if assumed {
                if id.counter <= highestPrimary, heldBase == .max || isHeld(id.counter),
                   leftOfFirstPrimary.removeValue(forKey: id.counter) != nil {
                    setHeld(id.counter, false)
                }
            } else {
                leftOfFirstPrimary[id.counter] = position
                highestPrimary = max(highestPrimary, id.counter)
                setHeld(id.counter, true)
            }
        } else {
            leftOfFirstOther[id] = assumed ? nil : position
        }
    }

    /// Marks `counter` of the primary replica as held in ``leftOfFirstPrimary`` or not.
    private mutating func setHeld(_ counter: UInt64, _ isHeld: Bool) {
        guard heldBase != .max else { return }
        if held.isEmpty { heldBase = counter }
        guard counter >= heldBase, (counter - heldBase) >> 6 < UInt64(Self.maxHeldWords) else {
            heldBase = .max
            held = []
            return
        }
        let bit = counter - heldBase
        let word = Int(bit >> 6)
        if word >= held.count {
            guard isHeld else { return }
            held.append(contentsOf: repeatElement(0, count: word + 1 - held.count))
        }
        let mask: UInt64 = 1 << (bit & 63)
        if isHeld { held[word] |= mask } else { held[word] &= ~mask }
    }

    /// The highest counter of the primary replica from `low` to `high` (both at least
    /// `heldBase`, which must be in use) that ``leftOfFirstPrimary`` holds an entry for.
    private func highestHeld(from high: UInt64, downTo low: UInt64) -> UInt64? {
        let top = UInt64(held.count) << 6
        let lowBit = low - heldBase
        guard lowBit < top else { return nil }
        let highBit = min(high - heldBase, top - 1)
        guard lowBit <= highBit else { return nil }
        let lowWord = Int(lowBit >> 6)
        var word = Int(highBit >> 6)
        // Bits up to `highBit` of its word.
        var bits = held[word] & (UInt64.max >> (63 - (highBit & 63)))
        while true {
            if word == lowWord { bits &= UInt64.max << (lowBit & 63) }
            if bits != 0 { return heldBase + UInt64(word << 6 + 63 - bits.leadingZeroBitCount) }
            if word == lowWord { return nil }
            word -= 1
            bits = held[word]
        }
    }

    @inline(__always)
    func state(of object: ListedObject) -> State {
        let slot = object.index + 1
        return slot < states.count ? states[slot] : State()
    }

    /// The state slot for `object`, created on first use (positions grow by one at a time).
    @inline(__always)
    private mutating func slot(_ object: ListedObject) -> Int {
        let slot = object.index + 1
        while states.count <= slot { states.append(State()) }
        return slot
    }

    // MARK: Encoding

    func afterCode(_ after: OpID?, _ state: State) -> Int {
        guard let after else { return Self.afterNone }
        return state.cursor == .element(after) ? Self.afterCursor : Self.afterExplicit
    }

    func beforeCode(_ before: OpID?, after: OpID?, _ state: State) -> Int {
        guard let before else { return Self.beforeNone }
        if before == state.previousBefore { return Self.beforePrevious }
        if let removed = state.previousRemove, before == removed.next { return Self.beforeNextRemoved }
        if let after, before == after.next { return Self.beforeNextToAfter }
        return Self.beforeExplicit
    }

    func removeCode(_ first: OpID, _ state: State) -> Int {
        if state.cursor == .element(first) { return Self.removeAtCursor }
        if let removed = state.previousRemove, first == removed.next { return Self.removeNext }
        return Self.removeExplicit
    }

    // MARK: Decoding

    /// The after origin that `code` stands for, or `nil` if it must be read explicitly.
    func predictedAfter(_ code: Int, _ state: State, offset: Int) throws(EncodingError) -> OpID?? {
        switch code {
        case Self.afterNone: return .some(nil)
        case Self.afterCursor:
            guard case .element(let id) = state.cursor else { throw .invalid(offset: offset, reason: "insert at an unknown cursor") }
            return .some(id)
        default: return nil
        }
    }

    func predictedBefore(_ code: Int, after: OpID?, _ state: State, offset: Int) throws(EncodingError) -> OpID?? {
        switch code {
        case Self.beforeNone: return .some(nil)
        case Self.beforePrevious:
            guard let previous = state.previousBefore else { throw .invalid(offset: offset, reason: "no previous right origin") }
            return .some(previous)
        case Self.beforeNextRemoved:
            guard let removed = state.previousRemove else { throw .invalid(offset: offset, reason: "no previous remove") }
            return .some(removed.next)
        case Self.beforeNextToAfter:
            guard let after else { throw .invalid(offset: offset, reason: "right origin next to a missing left origin") }
            return .some(after.next)
        default: return nil
        }
    }

    func predictedRemove(_ code: Int, _ state: State, offset: Int) throws(EncodingError) -> OpID? {
        switch code {
        case Self.removeAtCursor:
            guard case .element(let id) = state.cursor else { throw .invalid(offset: offset, reason: "remove at an unknown cursor") }
            return id
        case Self.removeNext:
            guard let removed = state.previousRemove else { throw .invalid(offset: offset, reason: "no previous remove") }
            return removed.next
        default: return nil
        }
    }

    // MARK: Updates (both sides)

    /// The zigzag delta for an explicit ID, updating the reference point.
    mutating func explicitDelta(_ counter: UInt64, in object: ListedObject) -> Int64 {
        let s = slot(object)
        let last = states[s].lastExplicit
        states[s].lastExplicit = counter
        return Int64(bitPattern: counter &- last)
    }

    /// The explicit counter for `delta`, updating the reference point.
    mutating func explicitCounter(_ delta: Int64, in object: ListedObject) -> UInt64 {
        let s = slot(object)
        let counter = states[s].lastExplicit &+ UInt64(bitPattern: delta)
        states[s].lastExplicit = counter
        return counter
    }

    /// After an insert of `width` elements starting at `first`, the cursor is on its last element.
    mutating func recordInsert(in object: ListedObject, first: OpID, width: UInt64, after: OpID?, before: OpID?) {
        let left: Position = after.map(Position.element) ?? .start
        setLeftOfFirst(first, left)
        let s = slot(object)
        states[s].cursor = width > 0 ? .element(OpID(replica: first.replica, counter: first.counter &+ (width &- 1))) : left
        states[s].previousBefore = before
    }

    /// ``recordInsert(in:first:width:after:before:)`` for `count` one-element inserts typed
    /// one after the other from `first` on (each after the one before, all before `before`),
    /// in one step where the model allows: the elements after the first have their
    /// predecessor as left neighbour, which is what the model assumes for an ID it holds
    /// nothing for, so only IDs it may hold something for are visited.
    mutating func recordTyping(in object: ListedObject, first: OpID, count: UInt64, after: OpID?, before: OpID?) {
        recordInsert(in: object, first: first, width: count, after: after, before: before)
        let lastHeld = first.replica == primaryReplica ? min(highestPrimary, first.counter &+ count &- 1) : first.counter &+ count &- 1
        var counter = first.counter &+ 1
        while counter <= lastHeld, counter > first.counter {
            setLeftOfFirst(OpID(replica: first.replica, counter: counter), .element(OpID(replica: first.replica, counter: counter &- 1)))
            counter &+= 1
        }
    }

    /// A run of up to `limit` one-element removes in `object`, all coded `code` (at the
    /// cursor, or next to the previous remove), recorded as ``recordRemove(in:first:)``
    /// records each: every target is predicted from where the one before left the model,
    /// and the run ends before a target that is not the previous one's neighbour the same
    /// way (consecutive IDs of one replica), or cannot be predicted. Returns the first and
    /// last targets, how many there are (none: `count` 0), and whether each was the one
    /// before the previous one's.
    mutating func recordRemoveRun(
        in object: ListedObject, code: Int, limit: UInt64
    ) -> (first: OpID, last: OpID, count: UInt64, descending: Bool) {
        let s = slot(object)
        var first = OpID(replica: ReplicaID(unchecked: 0), counter: 0)
        var last = first
        var taken: UInt64 = 0
        var direction: Int64 = 0
        // Both kinds of run in one step where the model allows; the loop below finishes
        // what is left, one target at a time, as it would have done it all.
        if limit >= 2 {
            if code == Self.removeNext, let removed = states[s].previousRemove {
                // Each target is the one after the previous: the cursor plays no part.
                first = removed.next
                last = OpID(replica: first.replica, counter: first.counter &+ (limit - 1))
                recordRemove(slot: s, first: last)
                return (first, last, limit, false)
            }
            if code == Self.removeAtCursor, case .element(let top) = states[s].cursor, top.replica == primaryReplica,
               heldBase != .max, top.counter > max(heldBase, 1) {
                // Each target is the one before the previous, down to the first held (whose
                // left origin the model stores, and which is never the element before it),
                // where the run ends. Not below `heldBase`: the loop takes what is left.
                let low = max(heldBase, 1, top.counter - min(limit - 1, top.counter))
                if highestHeld(from: top.counter, downTo: top.counter) == nil {
                    let end = highestHeld(from: top.counter - 1, downTo: low) ?? low
                    first = top
                    last = OpID(replica: top.replica, counter: end)
                    taken = top.counter - end + 1
                    direction = -1
                    recordRemove(slot: s, first: last)
                }
            }
        }
        while taken < limit {
            let next: OpID
            if code == Self.removeAtCursor, case .element(let id) = states[s].cursor {
                next = id
            } else if code == Self.removeNext, let removed = states[s].previousRemove {
                next = removed.next
            } else {
                break
            }
            if taken > 0 {
                let delta = Int64(bitPattern: next.counter &- last.counter)
                guard next.replica == last.replica, delta == 1 || delta == -1, direction == 0 || direction == delta else { break }
                direction = delta
            } else {
                first = next
            }
            last = next
            taken += 1
            recordRemove(slot: s, first: next)
        }
        return (first, last, taken, direction < 0)
    }

    /// After a remove starting at `first`, the cursor is on what was left of it.
    mutating func recordRemove(in object: ListedObject, first: OpID) {
        recordRemove(slot: slot(object), first: first)
    }

    /// ``recordRemove(in:first:)`` for the object whose state is `states[s]`.
    @inline(__always)
    private mutating func recordRemove(slot s: Int, first: OpID) {
        states[s].previousRemove = first
        // Elements inside a multi-element insert have their predecessor as left neighbour.
        states[s].cursor = leftOfFirst(first) ?? .element(OpID(replica: first.replica, counter: first.counter &- 1))
    }
}

extension OpID {
    /// The ID with the next counter of the same replica (wrapping; only used for predictions).
    var next: OpID { OpID(replica: replica, counter: counter &+ 1) }
}
