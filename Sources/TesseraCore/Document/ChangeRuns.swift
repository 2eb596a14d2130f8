/// Runs of changes in the log.
///
/// A document replayed from a peer's history holds one change per keystroke: the W3 trace is
/// 259,778 changes of one operation each. As records of their own they cost ~90 bytes each
/// (a change record and an operation record), about ten times the text they describe. Yjs
/// merges such keystrokes into one item, Loro into one change; here consecutive changes that
/// differ only in what a run implies (next counter, next Lamport time, next element) share
/// one change record and one operation record (``ChangeRecord/run``). The changes stay
/// distinct: ``DocumentCore/publicChange(_:)`` gives each back exactly as it was made.
///
/// Only changes that arrive from elsewhere (remote changes, a loaded history) join runs. The
/// local replica's changes keep records of their own, since the undo stacks name them by
/// record index.
extension DocumentCore {
    /// Adds `record` to the log. Its operations are the last `record.opCount` of ``ops`` (one
    /// for a run); when it continues the last record's run it joins it, and its operation
    /// record is folded into the run's.
    mutating func appendToLog(_ record: ChangeRecord) {
        if joinsRun(record) {
            runJoins += Int(record.run)
            return
        }
        runJoins += Int(record.run) - 1
        changesByReplica[Int(record.replica)].append(Int32(changes.count))
        changes.append(record)
    }

    /// Whether `record` (a change, or a run) continued the last record's run, and if so
    /// folds it in.
    private mutating func joinsRun(_ record: ChangeRecord) -> Bool {
        guard record.opCount == 1, record.width == record.run, record.depCount == 0, record.replica != local,
              let last = changes.indices.last
        else { return false }
        let previous = changes[last]
        guard previous.replica == record.replica, previous.endCounter == record.startCounter,
              previous.startLamport + UInt64(previous.width) == record.startLamport,
              previous.origin == record.origin, previous.timestamp == record.timestamp,
              previous.opCount == 1, previous.width == previous.run,
              previous.opStart + 1 == record.opStart, Int(record.opStart) == ops.count - 1
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
struct LoggedChange: Sendable, Comparable {
    var record: Int
    var part: UInt32

    static func < (lhs: LoggedChange, rhs: LoggedChange) -> Bool {
        (lhs.record, lhs.part) < (rhs.record, rhs.part)
    }
}

/// Incoming changes with their keystroke runs joined: a run of `n` one-element changes (see
/// ``ChangeRecord/run``) becomes one change that does all `n` edits: one insert of `n`
/// elements, or `n` one-element removes. Applying that change has exactly the effect of
/// applying the `n` changes in order (each element of a typing run goes right after the one
/// before, as the elements of one insert do), so ``Document/apply(_:)`` validates and
/// integrates a run once, and the log stores it as the run it was.
struct JoinedChanges {
    /// The changes to apply, runs joined.
    var changes: [Change]
    /// Per entry of ``changes``: how many input changes it stands for, and where the first is
    /// in the input.
    var runs: [(count: UInt32, source: Int)]

    /// Joins the runs of `input` that neither `core` nor an earlier change of `input` has any
    /// of (a run the document already has part of is left as it came, so its duplicate part
    /// is skipped as usual). Returns nil when there is nothing to join.
    static func join(_ input: [Change], core: borrowing DocumentCore) -> JoinedChanges? {
        var joined: JoinedChanges?
        // The highest counter of each replica so far (the document's, then the input's); the
        // current replica's is kept aside, since runs of one replica's changes are the rule.
        var highest = PackedMap<ReplicaID, UInt64>()
        var current: (replica: ReplicaID, counter: UInt64)?
        var i = 0
        while i < input.count {
            let first = input[i]
            if current?.replica != first.replica {
                if let current { highest[current.replica] = current.counter }
                current = (first.replica, highest[first.replica] ?? core.seen(first.replica))
            }
            let end = first.startCounter > current!.counter ? runEnd(input, from: i) : i + 1
            current!.counter = max(current!.counter, input[end - 1].lastID.counter)
            if end - i > 1 {
                if joined == nil {
                    joined = JoinedChanges(changes: Array(input[..<i]), runs: (0..<i).map { (1, $0) })
                }
                joined?.changes.append(joinRun(input[i..<end]))
                joined?.runs.append((UInt32(end - i), i))
            } else if joined != nil {
                joined?.changes.append(input[i])
                joined?.runs.append((1, i))
            }
            i = end
        }
        return joined
    }

    /// The end of the run that starts at `start` (`start + 1` if none does).
    private static func runEnd(_ input: [Change], from start: Int) -> Int {
        let first = input[start]
        guard first.operations.count == 1, first.startCounter < UInt64(UInt32.max) / 2,
              let kind = editKind(first.operations[0])
        else { return start + 1 }
        let object = first.operations[0].object
        // What the next change must have: counter, Lamport time, and the element after which
        // it inserts (the previous change's) or the one it removes.
        var counter = first.startCounter
        var lamport = first.startLamport
        var before: OpID?
        var target = OpID(replica: first.replica, counter: 0)
        var direction: Int64 = 0
        switch first.operations[0].action {
        case .insertText(_, let b, _), .insert(_, let b, _): before = b
        case .remove(let t, _): target = t
        default: return start + 1
        }
        var end = start + 1
        while end < input.count, end - start < Int(UInt16.max) {
            counter += 1
            lamport &+= 1
            guard input[end].startCounter == counter, input[end].replica == first.replica, input[end].startLamport == lamport,
                  input[end].dependencies.isEmpty, input[end].operations.count == 1, input[end].timestamp == first.timestamp,
                  input[end].origin == first.origin
            else { break }
            let operation = input[end].operations[0]
            guard operation.object == object, editKind(operation) == kind else { break }
            switch operation.action {
            case .insertText(let after, let b, _), .insert(let after, let b, _):
                guard after == OpID(replica: first.replica, counter: counter - 1), b == before else { return end }
            case .remove(let next, _):
                guard next.replica == target.replica else { return end }
                let delta = Int64(bitPattern: next.counter &- target.counter)
                guard delta == 1 || delta == -1, direction == 0 || direction == delta else { return end }
                direction = delta
                target = next
            default:
                return end
            }
            end += 1
        }
        return end
    }

    /// The kind of a one-element edit, or nil if `operation` is not one.
    private static func editKind(_ operation: Operation) -> OpKind? {
        switch operation.action {
        case .insertText where operation.width == 1: .insertText
        case .insert where operation.width == 1: .insert
        case .remove(_, 1): .remove
        default: nil
        }
    }

    /// One change doing what the changes of `run` do.
    private static func joinRun(_ run: ArraySlice<Change>) -> Change {
        var change = run[run.startIndex]
        let object = change.operations[0].object
        switch change.operations[0].action {
        case .insertText(let after, let before, _):
            var utf8: [UInt8] = []
            utf8.reserveCapacity(run.count)
            for c in run {
                if case .insertText(_, _, let text) = c.operations[0].action { utf8.append(contentsOf: text.utf8) }
            }
            let text = String(decoding: utf8, as: UTF8.self)
            change.operations = [Operation(object: object, action: .insertText(after: after, before: before, text: text))]
        case .insert(let after, let before, _):
            var values: [Value] = []
            values.reserveCapacity(run.count)
            for c in run {
                if case .insert(_, _, let inserted) = c.operations[0].action { values.append(contentsOf: inserted) }
            }
            change.operations = [Operation(object: object, action: .insert(after: after, before: before, values: values))]
        default:
            change.operations = run.map { $0.operations[0] }
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
