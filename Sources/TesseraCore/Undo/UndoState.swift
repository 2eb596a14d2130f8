/// Whether a change was a plain edit, an undo or a redo.
enum UndoKind: Sendable { case none, undo, redo }

/// Undo and redo stacks, one pair per local actor (origin actor kind and name).
///
/// Steps are stored flattened (changes as ``LoggedChange/packed`` plus step boundaries) so that recording a
/// transaction costs no allocation.
struct UndoState: Sendable {
    /// The actors with stacks, and their stacks at the same positions. A document has a
    /// handful of local actors (a person, an agent), so a linear scan beats hashing two
    /// strings per transaction; the actor of the last transaction is checked first.
    private var keys: [ActorKey] = []
    private var entries: [UndoStacks] = []
    private var last = 0
    /// For each interned origin (``DocumentCore/origins``), the position of its actor's
    /// stacks, or -1 when not resolved yet: recording a transaction is an array lookup.
    private var stacksOfOrigin: [Int32] = []
    /// Transactions closer together than this (milliseconds) join one step; 0 disables grouping.
    var groupingInterval: Int64 = 0

    struct ActorKey: Hashable, Sendable {
        var actor: Origin.Actor
        var name: String
        init(_ origin: Origin) {
            actor = origin.actor
            name = origin.name
        }

        @inline(__always)
        func matches(_ origin: Origin) -> Bool { actor == origin.actor && name == origin.name }
    }

    @inline(__always)
    private func position(of origin: Origin) -> Int? {
        if last < keys.count, keys[last].matches(origin) { return last }
        return keys.firstIndex { $0.matches(origin) }
    }

    private mutating func positionCreating(_ origin: Origin) -> Int {
        if let found = position(of: origin) {
            last = found
            return found
        }
        keys.append(ActorKey(origin))
        entries.append(UndoStacks())
        last = keys.count - 1
        return last
    }

    /// The stacks of `origin`'s actor, if it has any.
    func stacks(for origin: Origin) -> UndoStacks? {
        position(of: origin).map { entries[$0] }
    }

    /// Runs `body` on the stacks of `origin`'s actor in place; `nil` if it has none.
    mutating func withStacks<R>(for origin: Origin, _ body: (inout UndoStacks) -> R) -> R? {
        guard let index = position(of: origin) else { return nil }
        return body(&entries[index])
    }

    /// Records a local change made as origin `originIndex` when that origin has its stacks
    /// already (every local change after the origin's first); returns false, recording
    /// nothing, when it has none (then
    /// ``recordLocalCreatingStacks(change:originIndex:in:timestamp:kind:)``). The origin table
    /// is not passed: passed from the document that also holds these stacks, it was copied
    /// at every keystroke (2 % of one).
    @inline(__always)
    mutating func recordLocalOfKnownOrigin(change logged: LoggedChange, originIndex: UInt32, timestamp: Int64,
                                           kind: UndoKind) -> Bool {
        let o = Int(originIndex)
        guard o < stacksOfOrigin.count, stacksOfOrigin[o] >= 0 else { return false }
        // In place, through one access: the element is never copied out and back, and the
        // array's uniqueness is checked once, not once per field touched.
        entries[Int(stacksOfOrigin[o])].record(logged.packed, timestamp: timestamp, kind: kind, groupingInterval: groupingInterval)
        return true
    }

    /// Records a local change made as origin `originIndex` of `origins`, which has no stacks
    /// yet (``recordLocalOfKnownOrigin(change:originIndex:timestamp:kind:)`` returned false):
    /// creates them.
    mutating func recordLocalCreatingStacks(change logged: LoggedChange, originIndex: UInt32, in origins: borrowing OriginTable,
                                            timestamp: Int64, kind: UndoKind) {
        let o = Int(originIndex)
        let index = positionCreating(origins.origins[o])
        if stacksOfOrigin.count <= o { stacksOfOrigin.append(contentsOf: repeatElement(-1, count: o + 1 - stacksOfOrigin.count)) }
        stacksOfOrigin[o] = Int32(index)
        entries[index].record(logged.packed, timestamp: timestamp, kind: kind, groupingInterval: groupingInterval)
    }

    mutating func remoteChangesApplied() {}
}

/// One actor's undo and redo stacks.
struct UndoStacks: Sendable {
    var undo = StepStack()
    var redo = StepStack()
    var lastTimestamp: Int64 = 0
    /// Set by ``Document/stopUndoGrouping(for:)``: the next transaction starts a new step.
    var closed = false

    /// Records one local change: a redo or an undo pushes onto the other stack; a plain edit
    /// clears the redo stack and joins the last undo step when it came within
    /// `groupingInterval` milliseconds of it.
    @inline(__always)
    mutating func record(_ change: UInt64, timestamp: Int64, kind: UndoKind, groupingInterval: Int64) {
        switch kind {
        case .undo:
            redo.push(change)
        case .redo:
            undo.push(change)
        case .none:
            redo.removeAll()
            if groupingInterval > 0, !closed, timestamp - lastTimestamp < groupingInterval, !undo.isEmpty {
                undo.extendLast(change)
            } else {
                undo.push(change)
            }
            closed = false
            lastTimestamp = timestamp
        }
    }
}

/// A stack of steps, each a list of changes (``LoggedChange/packed``), stored flat: one
/// word per change, the first of each step plain and the rest marked ``continues``. A
/// keystroke (its own step unless grouped) is one append, with no second array of step
/// starts to grow.
struct StepStack: Sendable {
    /// Marks a change that belongs to the step before it. Packed changes never have this bit
    /// (it would take a record index of 2³¹).
    static let continues: UInt64 = 1 << 63

    private var entries: [UInt64] = []

    var isEmpty: Bool { entries.isEmpty }

    /// Pushes a step of one change.
    @inline(__always)
    mutating func push(_ change: UInt64) {
        assert(change & Self.continues == 0)
        entries.append(change)
    }

    /// Empties the stack, keeping its storage when it has any.
    @inline(__always)
    mutating func removeAll() {
        guard !entries.isEmpty else { return }
        entries.removeAll(keepingCapacity: true)
    }

    /// Adds `change` to the last step.
    @inline(__always)
    mutating func extendLast(_ change: UInt64) {
        assert(change & Self.continues == 0 && !entries.isEmpty)
        entries.append(change | Self.continues)
    }

    /// Removes the last step and returns its changes, in the order they were added.
    mutating func pop() -> [UInt64]? {
        guard var first = entries.indices.last else { return nil }
        while first > 0, entries[first] & Self.continues != 0 { first -= 1 }
        let step = entries[first...].map { $0 & ~Self.continues }
        entries.removeSubrange(first...)
        return step
    }
}
