/// Runs of changes in the log.
///
/// Typing is one transaction per keystroke, so a text's history is mostly changes of one
/// operation each: the W3 trace is 259,778 of them. As records of their own they cost ~90 bytes each
/// (a change record and an operation record), about ten times the text they describe. Yjs
/// merges such keystrokes into one item, Loro into one change; here consecutive changes that
/// differ only in what a run implies (next counter, next Lamport time, next element) share
/// one change record and one operation record (``ChangeRecord/run``). The changes stay
/// distinct: ``DocumentCore/publicChange(_:)`` gives each back exactly as it was made.
///
/// Local, remote and loaded changes all join runs; the undo stacks name changes by record and
/// position in the run (``LoggedChange``), so a step can undo one keystroke of a run.
extension DocumentCore {
    /// Adds `record` to the log. Its operations are the last `record.opCount` of ``ops`` (one
    /// for a run); when it continues the last record's run it joins it, and its operation
    /// record is folded into the run's.
    ///
    /// - Returns: where the record's first change now is.
    @discardableResult
    mutating func appendToLog(_ record: ChangeRecord) -> LoggedChange {
        if joinsRun(record) {
            runJoins += Int(record.run)
            let last = changes.count - 1
            return LoggedChange(record: last, part: changes[last].run - record.run)
        }
        runJoins += Int(record.run) - 1
        appendUnjoined(record)
        return LoggedChange(record: changes.count - 1, part: 0)
    }

    /// Makes room in the log for `changes` more changes with `operations` operations between
    /// them (and as many predecessors and values).
    mutating func reserveLog(changes count: Int, operations: Int) {
        changes.reserveRoom(for: count)
        ops.reserveRoom(for: operations)
        preds.reserveRoom(for: operations)
        values.reserveRoom(for: operations)
    }

    /// Adds `record`, a change whose operations cannot form a run (map writes), to the log as
    /// a record of its own: ``appendToLog(_:)`` without the check that would say so.
    @inline(__always)
    mutating func appendUnjoined(_ record: ChangeRecord) {
        changesByReplica[Int(record.replica)].append(Int32(changes.count))
        changes.append(record)
    }

    /// Lists the records from `first` on, all of replica index `replica`, in that replica's
    /// index at once: a run of register writes (one record each) appends its records to
    /// ``changes`` alone and lists them after the run, one append instead of one per write.
    /// Nothing reads the index while a payload is applied; a payload that fails part-way is
    /// cut back to its mark, index and records alike.
    mutating func indexRecords(of replica: UInt32, from first: Int) {
        changesByReplica[Int(replica)].append(contentsOf: Int32(first)..<Int32(changes.count))
    }

    /// Whether `record` (a change, or a run) continued the last record's run, and if so
    /// folds it in.
    private mutating func joinsRun(_ record: ChangeRecord) -> Bool {
        // Map writes never form runs: ruled out before anything else is read.
        guard record.opCount == 1, record.width == record.run, record.depCount == 0, let last = changes.indices.last,
              Int(record.opStart) == ops.count - 1, ops[Int(record.opStart)].kind.formsRuns
        else { return false }
        let previous = changes[last]
        guard previous.replica == record.replica, previous.endCounter == record.startCounter,
              previous.startLamport + UInt64(previous.width) == record.startLamport,
              previous.origin == record.origin, previous.timestamp == record.timestamp,
              previous.opCount == 1, previous.width == previous.run,
              previous.opStart + 1 == record.opStart
        else { return false }
        let runOp = Int(previous.opStart)
        let next = ops[Int(record.opStart)]
        guard ops[runOp].kind == next.kind, ops[runOp].object == next.object, ops[runOp].count == previous.run,
              next.count == record.run
        else { return false }
        switch next.kind {
        case .insert, .insertText:
            // The first new element after the run's last one, before the same right
            // neighbour, its content right after the run's.
            let run = ops[runOp]
            guard next.a == ItemID(replica: previous.replica, counter: previous.endCounter - 1).raw, next.b == run.b,
                  next.payload == run.payload + run.count
            else { return false }
        case .remove:
            let first = ItemID(packed: ops[runOp].a)
            let target = ItemID(packed: next.a)
            guard target.replica == first.replica else { return false }
            // Both must go the same way; a one-change side goes whichever way the other does.
            let descending: Bool
            if previous.run > 1 {
                descending = ops[runOp].descending
            } else if record.run > 1 {
                descending = next.descending
            } else {
                descending = target.counter &+ 1 == first.counter
            }
            guard record.run == 1 || next.descending == descending else { return false }
            let expected = descending ? first.counter &- previous.run : first.counter &+ previous.run
            guard target.counter == expected else { return false }
            ops[runOp].descending = descending
        default:
            return false
        }
        ops[runOp].count += record.run
        ops.removeLast()
        changes[last].run += record.run
        changes[last].width += record.run
        return true
    }
}

/// One change of the log: a record, and which change of its run (0 for a record of one change).
struct LoggedChange: Sendable, Hashable, Comparable {
    var record: Int
    var part: UInt32

    init(record: Int, part: UInt32) {
        self.record = record
        self.part = part
    }

    /// Both in one word, for the undo stacks.
    var packed: UInt64 { UInt64(record) << 32 | UInt64(part) }

    init(packed: UInt64) {
        record = Int(packed >> 32)
        part = UInt32(truncatingIfNeeded: packed)
    }

    static func < (lhs: LoggedChange, rhs: LoggedChange) -> Bool {
        (lhs.record, lhs.part) < (rhs.record, rhs.part)
    }
}

/// How many changes an entry of decoded or joined changes stands for (see ``JoinedChanges``).
struct JoinedRun: Hashable, Sendable {
    /// How many one-element changes the entry stands for (1: the entry is one change as made).
    var count: UInt32
    /// For a run of removes: whether the keystrokes removed from the highest counter down
    /// (backspacing) rather than up (forward deleting).
    var descending: Bool

    init(count: UInt32, descending: Bool = false) {
        self.count = count
        self.descending = descending
    }

    static let single = JoinedRun(count: 1)

    /// The counters `change` takes as this entry: a run of `count` one-element changes takes
    /// `count` (a remove run's one operation stands for `count` removes).
    func width(of change: borrowing Change) -> UInt64 {
        count > 1 ? UInt64(count) : change.width
    }

    /// For a remove run `.remove(first: lowest, count: count)`: the target of its keystroke `k`.
    /// The offset is added last: a run may end at the highest counter.
    func target(_ k: UInt64, lowest: OpID) -> OpID {
        OpID(replica: lowest.replica, counter: descending ? lowest.counter + (UInt64(count) - 1 - k) : lowest.counter + k)
    }
}

/// Incoming changes with their keystroke runs joined: a run of `n` one-element changes (see
/// ``ChangeRecord/run``) becomes one change that does all `n` edits: one insert of `n`
/// elements, or one remove of the `n` targets (`.remove(first: lowest, count: n)`, with
/// ``JoinedRun/descending`` saying which way the keystrokes went). Applying that change has
/// exactly the effect of applying the `n` changes in order (each element of a typing run goes
/// right after the one before, as the elements of one insert do), so ``Document/apply(_:)``
/// validates and integrates a run once, and the log stores it as the run it was.
///
/// The input may already hold joined runs (the decoder joins typing it reads from columns in
/// bulk; see ``ChangeDecoder``); they join with their neighbours like single changes.
struct JoinedChanges {
    /// The changes to apply, runs joined.
    var changes: [Change] = []
    /// Per entry of ``changes``: how many changes it stands for.
    var runs: [JoinedRun] = []

    /// Joins the runs in `input` (whose entry `i` stands for `inputRuns[i]`, one change if
    /// `inputRuns` is nil). A run that `core` or an earlier entry already has part of is split
    /// back into its changes, so that the duplicate part is skipped as usual.
    /// Returns nil when there is nothing to join.
    static func join(_ input: [Change], runs inputRuns: [JoinedRun]?, core: borrowing DocumentCore) -> JoinedChanges? {
        guard inputRuns != nil || mayJoin(input) else { return nil }
        var joined = JoinedChanges()
        joined.changes.reserveCapacity(input.count)
        joined.runs.reserveCapacity(input.count)
        var open: OpenRun?
        var highest = HighestCounters()

        func add(_ change: Change, _ run: JoinedRun) {
            let isNew = change.startCounter > highest.of(change.replica, core)
            highest.counter = max(highest.counter, change.startCounter &+ run.width(of: change) &- 1)
            if open?.extend(with: change, run: run, isNew: isNew) == true { return }
            if let run = open.take() { joined.append(run) }
            if isNew, let started = OpenRun(change, run: run) {
                open = started
            } else {
                joined.changes.append(change)
                joined.runs.append(run)
            }
        }

        for (i, change) in input.enumerated() {
            let run = inputRuns?[i] ?? .single
            if run.count > 1, change.startCounter <= highest.of(change.replica, core) {
                for single in expand(change, run: run) { add(single, .single) }
            } else {
                add(change, run)
            }
        }
        if let run = open.take() { joined.append(run) }
        return joined
    }

    /// Joins `run`, a keystroke run the decoder read in bulk (`change` does its edits), onto
    /// the last of `changes` when the run continues it: typing usually starts with a
    /// keystroke the cursor model does not predict, read change by change, and goes on at the
    /// cursor. Spares ``join(_:runs:core:)`` copying the two into a third; the rules are the
    /// join pass's own (``OpenRun``). Returns whether it joined.
    static func joinTyping(_ change: Change, _ run: JoinedRun, ontoLast changes: inout [Change], runs: inout [JoinedRun]) -> Bool {
        guard let last = changes.indices.last, var open = OpenRun(changes[last], run: runs[last]),
              open.extend(with: change, run: run, isNew: true)
        else { return false }
        changes[last] = open.change()
        runs[last] = open.joinedRun
        return true
    }

    /// Whether two neighbours in `input` could be one run (a quick test that spares
    /// a document receiving no keystrokes the copying).
    private static func mayJoin(_ input: [Change]) -> Bool {
        var previousIsEdit = false
        for i in input.indices {
            // Read in place: binding each change would retain and release its arrays.
            let isEdit = input[i].operations.count == 1 && input[i].operations[0].width == 1 && {
                switch input[i].operations[0].action {
                case .insertText, .insert: true
                case .remove(_, let count): count == 1
                default: false
                }
            }()
            if isEdit, previousIsEdit, input[i].replica == input[i - 1].replica,
               input[i].startCounter == input[i - 1].startCounter &+ 1 {
                return true
            }
            previousIsEdit = isEdit
        }
        return false
    }

    private mutating func append(_ run: OpenRun) {
        changes.append(run.change())
        runs.append(run.joinedRun)
    }

    /// The changes that `change`, an entry standing for `run`, stands for.
    static func expand(_ change: Change, run: JoinedRun) -> [Change] {
        let count = run.count
        guard count > 1, let operation = change.operations.first else { return [change] }
        var singles: [Change] = []
        singles.reserveCapacity(Int(count))
        func single(_ k: Int, _ action: Operation.Action) {
            var piece = change
            piece.startCounter = change.startCounter + UInt64(k)
            piece.startLamport = change.startLamport + UInt64(k)
            if k > 0 { piece.dependencies = [] }
            piece.operations = [Operation(object: operation.object, action: action)]
            singles.append(piece)
        }
        func after(_ k: Int, _ first: OpID?) -> OpID? {
            k == 0 ? first : OpID(replica: change.replica, counter: change.startCounter + UInt64(k) - 1)
        }
        switch operation.action {
        case .insertText(let first, let before, let text):
            for (k, scalar) in text.unicodeScalars.enumerated() {
                single(k, .insertText(after: after(k, first), before: before, text: String(scalar)))
            }
        case .insert(let first, let before, let values):
            for (k, value) in values.enumerated() { single(k, .insert(after: after(k, first), before: before, values: [value])) }
        case .remove(let lowest, _):
            for k in 0..<Int(count) { single(k, .remove(first: run.target(UInt64(k), lowest: lowest), count: 1)) }
        default:
            return [change]
        }
        return singles
    }
}

/// The highest counter of each replica so far: the document's, then the input's. The current
/// replica's is kept aside, since runs of one replica's changes are the rule.
private struct HighestCounters {
    private var others = PackedMap<ReplicaID, UInt64>()
    private var replica: ReplicaID?
    /// The current replica's.
    var counter: UInt64 = 0

    /// Makes `replica` the current one and returns its highest counter.
    mutating func of(_ replica: ReplicaID, _ core: borrowing DocumentCore) -> UInt64 {
        if self.replica != replica {
            if let previous = self.replica { others[previous] = counter }
            self.replica = replica
            counter = others[replica] ?? core.seen(replica)
        }
        return counter
    }
}

/// The run being joined: its first change and what the next change must be to continue it.
private struct OpenRun {
    var first: Change
    var count: UInt32
    var kind: OpKind
    var object: ObjectID
    /// Counter and Lamport time the next change must start at.
    var nextCounter: UInt64
    var nextLamport: UInt64
    /// Inserts: the right origin every change has.
    var before: OpID?
    /// Removes: the first and last targets, and +1 / -1 once the direction is known (0 before).
    var firstTarget: OpID
    var lastTarget: OpID
    var direction: Int64
    /// The content of the changes after the first (a string appended to in place, which is
    /// amortised like an array, and is the operation's text as it is).
    var typed = ""
    var values: [Value] = []

    /// A run starting with `change` (which stands for `run`), if it is a one-element edit or a
    /// joined run of them.
    init?(_ change: Change, run: JoinedRun) {
        guard let operation = change.operations.first, change.startCounter < UInt64(UInt32.max) / 2,
              let (kind, firstTarget, last, direction) = OpenRun.edit(change, run: run)
        else { return nil }
        self.first = change
        self.count = run.count
        self.kind = kind
        object = operation.object
        nextCounter = change.startCounter + UInt64(run.count)
        nextLamport = change.startLamport &+ UInt64(run.count)
        switch operation.action {
        case .insertText(_, let b, _), .insert(_, let b, _): before = b
        default: break
        }
        self.firstTarget = firstTarget
        lastTarget = last
        self.direction = direction
    }

    /// What `change` does if it is `run.count` one-element edits of one kind: the kind, its
    /// first and last remove targets, and the removes' direction.
    private static func edit(_ change: Change, run: JoinedRun) -> (OpKind, OpID, OpID, Int64)? {
        guard change.operations.count == 1 else { return nil }
        let operation = change.operations[0]
        let none = OpID(replica: change.replica, counter: 0)
        switch operation.action {
        case .insertText where operation.width == Int(run.count):
            return (.insertText, none, none, 0)
        case .insert where operation.width == Int(run.count):
            return (.insert, none, none, 0)
        case .remove(let lowest, let count) where count == Int(run.count):
            guard run.count > 1 else { return (.remove, lowest, lowest, 0) }
            let last = run.target(UInt64(run.count - 1), lowest: lowest)
            return (.remove, run.target(0, lowest: lowest), last, run.descending ? -1 : 1)
        default:
            return nil
        }
    }

    /// Adds `change` (standing for `run`) if it continues the run.
    mutating func extend(with change: Change, run: JoinedRun, isNew: Bool) -> Bool {
        guard isNew, change.startCounter == nextCounter, change.replica == first.replica, change.startLamport == nextLamport,
              change.dependencies.isEmpty, change.timestamp == first.timestamp, change.origin == first.origin,
              nextCounter + UInt64(run.count) < UInt64(UInt32.max) / 2, self.count + run.count < UInt32(UInt16.max),
              let operation = change.operations.first, operation.object == object,
              let (kind, target, last, direction) = OpenRun.edit(change, run: run), kind == self.kind
        else { return false }
        switch operation.action {
        case .insertText(let after, let b, let text):
            guard after == OpID(replica: first.replica, counter: nextCounter - 1), b == before else { return false }
            typed += text
        case .insert(let after, let b, let inserted):
            guard after == OpID(replica: first.replica, counter: nextCounter - 1), b == before else { return false }
            values.append(contentsOf: inserted)
        case .remove:
            guard target.replica == lastTarget.replica else { return false }
            // Next to the last target, without wrapping around: a run's targets are counted
            // from its lowest (``JoinedRun/target(_:lowest:)``).
            let delta: Int64
            if lastTarget.counter < .max, target.counter == lastTarget.counter + 1 {
                delta = 1
            } else if lastTarget.counter > 0, target.counter == lastTarget.counter - 1 {
                delta = -1
            } else {
                return false
            }
            guard self.direction == 0 || self.direction == delta, direction == 0 || direction == delta else { return false }
            self.direction = delta
            lastTarget = last
        default:
            return false
        }
        self.count += run.count
        nextCounter += UInt64(run.count)
        nextLamport &+= UInt64(run.count)
        return true
    }

    /// What the entry ``change()`` gives stands for.
    var joinedRun: JoinedRun { JoinedRun(count: count, descending: direction < 0) }

    /// One change doing what the run's changes do.
    func change() -> Change {
        guard count > 1 else { return first }
        var change = first
        let operation = first.operations[0]
        switch operation.action {
        case .insertText(let after, let before, let text):
            guard !typed.isEmpty else { return first }
            change.operations = [Operation(object: object, action: .insertText(after: after, before: before, text: text + typed))]
        case .insert(let after, let before, let inserted):
            guard !values.isEmpty else { return first }
            change.operations = [Operation(object: object, action: .insert(after: after, before: before, values: inserted + values))]
        default:
            let lowest = direction < 0 ? lastTarget : firstTarget
            change.operations = [Operation(object: object, action: .remove(first: lowest, count: Int(count)))]
        }
        return change
    }
}

extension DocumentCore {
    /// The highest counter applied from `replica`.
    func seen(_ replica: ReplicaID) -> UInt64 {
        guard let r = replicas.existingIndex(of: replica), Int(r) < clock.count else { return 0 }
        return UInt64(clock[Int(r)])
    }
}

extension OpRecord {
    /// The one record of a run of `count` one-element removes of `object`: the first
    /// keystroke's target and the direction the run went.
    static func removeRun(in object: ItemID, first: ItemID, descending: Bool, count: UInt32) -> OpRecord {
        var record = OpRecord(object: object, a: first.raw, count: count, kind: .remove)
        record.descending = descending
        return record
    }
}

extension OpKind {
    /// Whether changes of one such operation can share a record (see ``ChangeRecord/run``).
    var formsRuns: Bool { self == .insert || self == .insertText || self == .remove }
}

extension Array {
    /// Makes room for `count` more elements, growing at least by half (so that many small
    /// reservations stay amortised O(1) per element, as appends are).
    mutating func reserveRoom(for count: Int) {
        let needed = self.count + count
        if needed > capacity { reserveCapacity(Swift.max(needed, capacity + capacity / 2)) }
    }
}
