/// Whether a change was a plain edit, an undo or a redo.
enum UndoKind: Sendable { case none, undo, redo }

/// Undo and redo stacks, one pair per local actor (origin actor kind and name).
///
/// Steps are stored flattened (change indices plus step boundaries) so that recording a
/// transaction costs no allocation.
struct UndoState: Sendable {
    var stacks: [ActorKey: UndoStacks] = [:]
    /// Transactions closer together than this (milliseconds) join one step; 0 disables grouping.
    var groupingInterval: Int64 = 0

    struct ActorKey: Hashable, Sendable {
        var actor: Origin.Actor
        var name: String
        init(_ origin: Origin) {
            actor = origin.actor
            name = origin.name
        }
    }

    mutating func recordLocal(change: Int32, origin: Origin, timestamp: Int64, kind: UndoKind) {
        let key = ActorKey(origin)
        var stacks = self.stacks[key] ?? UndoStacks()
        self.stacks[key] = nil  // keep the stacks uniquely referenced while mutating
        switch kind {
        case .undo:
            stacks.redo.push([change])
        case .redo:
            stacks.undo.push([change])
        case .none:
            stacks.redo = StepStack()
            if groupingInterval > 0, !stacks.closed, timestamp - stacks.lastTimestamp < groupingInterval, !stacks.undo.isEmpty {
                stacks.undo.extendLast(change)
            } else {
                stacks.undo.push([change])
            }
            stacks.closed = false
            stacks.lastTimestamp = timestamp
        }
        self.stacks[key] = stacks
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
}

/// A stack of steps, each a list of change indices, stored flat.
struct StepStack: Sendable {
    var changes: [Int32] = []
    var starts: [Int32] = []

    var isEmpty: Bool { starts.isEmpty }
    var count: Int { starts.count }

    mutating func push(_ step: [Int32]) {
        starts.append(Int32(changes.count))
        changes.append(contentsOf: step)
    }

    mutating func extendLast(_ change: Int32) { changes.append(change) }

    mutating func pop() -> [Int32]? {
        guard let start = starts.popLast() else { return nil }
        let step = Array(changes[Int(start)...])
        changes.removeSubrange(Int(start)...)
        return step
    }
}
