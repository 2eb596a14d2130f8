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
    /// Adds `record` to the log. Its operations are the last `record.opCount` of ``ops``;
    /// when it continues the last record's run it joins it, and its operation record is
    /// folded into the run's.
    mutating func appendToLog(_ record: ChangeRecord) {
        if joinsRun(record) {
            runJoins += 1
            return
        }
        changesByReplica[Int(record.replica)].append(Int32(changes.count))
        changes.append(record)
    }

    /// Whether `record` continued the last record's run, and if so folds it in.
    private mutating func joinsRun(_ record: ChangeRecord) -> Bool {
        guard record.opCount == 1, record.width == 1, record.depCount == 0, record.replica != local,
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
        guard ops[runOp].kind == next.kind, ops[runOp].object == next.object, next.count == 1 else { return false }
        switch next.kind {
        case .insert, .insertText:
            // Each element after the run's last one, before the same right neighbour, its
            // content right after the run's.
            let run = ops[runOp]
            guard next.a == ItemID(replica: previous.replica, counter: previous.endCounter - 1).raw, next.b == run.b,
                  next.payload == run.payload + run.count
            else { return false }
        case .remove:
            let first = ItemID(packed: ops[runOp].a)
            let target = ItemID(packed: next.a)
            guard target.replica == first.replica, ops[runOp].count == previous.run else { return false }
            if previous.run == 1 {
                if target.counter == first.counter &+ 1 {
                    ops[runOp].descending = false
                } else if target.counter &+ 1 == first.counter {
                    ops[runOp].descending = true
                } else {
                    return false
                }
            } else {
                let expected = ops[runOp].descending ? first.counter &- previous.run : first.counter &+ previous.run
                guard target.counter == expected else { return false }
            }
        default:
            return false
        }
        ops[runOp].count += 1
        ops.removeLast()
        changes[last].run += 1
        changes[last].width += 1
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
