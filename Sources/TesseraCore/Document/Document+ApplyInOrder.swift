/// The fast path of ``Document/apply(encoded:limits:)``: a payload whose changes the document
/// can apply in the order they come (the usual case: a delta or a whole history, sent in
/// causal order, with nothing buffered) is applied as it is decoded, change by change and
/// operation by operation, each validated against the document as it is then.
///
/// Nothing is built on the way: no ``Change``, no array of operations, no batch to order or
/// stage. The general path (``Document/apply(_:)``) decodes every change first, orders them,
/// validates them all against the document plus what the batch creates, and only then
/// integrates them; for a whole-history import that made building, copying and freeing the
/// decoded values cost more than applying them.
///
/// It stays atomic: the document's storage is kept aside (copy-on-write, so nothing is copied
/// until the first write to each buffer) and put back if any change turns out not to be
/// next in line, or invalid, or the bytes do not decode; the general path then starts over
/// and buffers or reports exactly as it always does. Since that keeps both copies of what
/// the payload touches, the fast path is taken only for payloads that are large beside the
/// history they land on, where that copy is small beside the work. The log, which only
/// grows, is not kept aside but cut back (see ``DetachedLog``).
extension Document {
    /// Applies the changes of `container` in order (see above), or returns nil, the document
    /// unchanged, if the general path must. `reportsEvents: false` builds no event (see
    /// ``EventLog``).
    mutating func applyInOrder(_ container: Container, reportsEvents: Bool = true) -> DocumentEvents? {
        guard open == nil else { return nil }
        ensureHistory()
        guard core.loadFailure == nil, core.pending.count == 0,
              var decoder = try? ChangeDecoder(payload: container.payload, budget: container.budget),
              decoder.operationCount > 0,
              decoder.operationCount &* 4 >= core.ops.count + core.runJoins
        else { return nil }
        // The log only grows (but for the last record, which a run may extend), so it stays
        // out of the saved copy and is cut back instead: sharing it made the first append
        // copy the whole log, and the value pool's every value (each retained) — a tenth of
        // applying a session's delta to a document as large.
        var log = core.detachLog()
        let mark = log.mark
        let saved = core
        core.attach(&log)
        var events = EventLog(recording: reportsEvents)
        var origins: [Origin] = []
        var staging = Staging()
        // Each change is integrated as soon as it validates: the document holds what it made.
        staging.isRecording = false
        let applied = (try? decoder.applyInOrder(to: &self, staging: &staging, events: &events, origins: &origins)) ?? false
        guard applied else {
            log = core.detachLog()
            core = saved
            log.rewind(to: mark)
            core.attach(&log)
            return nil
        }
        undo.remoteChangesApplied()
        return DocumentEvents(isLocal: false, origins: origins, events: events.events)
    }

    /// Whether the next `changes` changes of replica `id`, the first starting at counter
    /// `start` and Lamport time `lamport`, the others each one on from the one before, are next
    /// in line for this document, the first with `dependencies` (the others depend only on the
    /// one before), and everything those name is here (what ``readiness(replica:start:lamport:width:dependencies:staging:)``
    /// calls ready); if so, the replica's index. Their operations are not read yet: their
    /// widths are checked as they are (see ``applyInOrder(_:counter:of:replica:lamport:keyIndex:staging:events:)``).
    ///
    /// Read straight from the document's clock: on this path nothing is staged (each change
    /// is integrated as it validates), and going through `readiness` copied the document's
    /// core to borrow it, once per change. A replica it registers before saying no is undone
    /// with everything else (see ``applyInOrder(_:)``).
    mutating func startsInOrder(_ id: ReplicaID, start: UInt64, lamport: UInt64, changes: UInt64, dependencies: [OpID]) -> UInt32? {
        guard changes > 0, changes < UInt64(UInt32.max), start >= 1, start < UInt64(UInt32.max) - changes,
              lamport >= 1, lamport < UInt64.max / 2 - changes
        else { return nil }
        let replica = core.replicaIndex(id)
        guard UInt64(core.clock[Int(replica)]) &+ 1 == start else { return nil }
        for dep in dependencies where core.seen(dep.replica) < dep.counter { return nil }
        return replica
    }

    /// Validates operation `op` of `change` (replica index `replica`), which takes counter
    /// `counter` and Lamport time `lamport`, against the document and integrates it.
    /// Returns false, the document unchanged, if it is invalid.
    @inline(__always)
    mutating func applyInOrder(
        _ op: borrowing Operation, counter: UInt64, of change: ChangeStart, replica: UInt32, lamport: UInt64,
        keyIndex: UInt32?, staging: inout Staging, events: inout EventLog
    ) -> Bool {
        // The operation's counters must fit the log's 32 bits (as ``classify`` checks for a change).
        guard UInt64(op.width) < UInt64(UInt32.max) - counter else { return false }
        do {
            try Document.validateOperation(op, counter: counter, of: change, replica: replica, core: core, staging: &staging)
        } catch {
            return false
        }
        integrateOperation(op, id: ItemID(replica: replica, counter: UInt32(counter)), lamport: lamport, keyIndex: keyIndex,
                           events: &events)
        return true
    }
}

/// The append-only part of a ``DocumentCore``: the log of changes and operations with the
/// tables its records point into. ``Document/applyInOrder(_:)`` keeps it out of the copy it
/// saves for a rollback and cuts it back to a ``Mark`` instead.
struct DetachedLog {
    var changes: [ChangeRecord] = []
    var changesByReplica: [[Int32]] = []
    var ops: [OpRecord] = []
    var deps: [ItemID] = []
    var preds: [ItemID] = []
    var values: [Value] = []

    /// The log's extent, and the one record (with its operation) that a change joining its
    /// run would extend in place (see ``DocumentCore/appendToLog(_:)``).
    struct Mark {
        var changes: Int
        var byReplica: [Int]
        var ops: Int
        var deps: Int
        var preds: Int
        var values: Int
        var last: (record: ChangeRecord, op: OpRecord?)?
    }

    var mark: Mark {
        var last: (ChangeRecord, OpRecord?)?
        if let record = changes.last {
            let op = Int(record.opStart)
            last = (record, op < ops.count ? ops[op] : nil)
        }
        return Mark(changes: changes.count, byReplica: changesByReplica.map(\.count), ops: ops.count, deps: deps.count,
                    preds: preds.count, values: values.count, last: last)
    }

    /// Cuts everything appended since `mark` and puts back the record it saw last.
    mutating func rewind(to mark: Mark) {
        changes.removeSubrange(mark.changes...)
        changesByReplica.removeSubrange(mark.byReplica.count...)
        for (replica, count) in mark.byReplica.enumerated() { changesByReplica[replica].removeSubrange(count...) }
        ops.removeSubrange(mark.ops...)
        deps.removeSubrange(mark.deps...)
        preds.removeSubrange(mark.preds...)
        values.removeSubrange(mark.values...)
        if let (record, op) = mark.last {
            changes[changes.count - 1] = record
            if let op { ops[Int(record.opStart)] = op }
        }
    }
}

extension DocumentCore {
    /// Moves the log out, leaving it empty.
    mutating func detachLog() -> DetachedLog {
        var log = DetachedLog()
        attach(&log)
        return log
    }

    /// Exchanges the log with `log`: moves `log` back in when the core's own is empty, as
    /// ``detachLog()`` left it.
    mutating func attach(_ log: inout DetachedLog) {
        swap(&log.changes, &changes)
        swap(&log.changesByReplica, &changesByReplica)
        swap(&log.ops, &ops)
        swap(&log.deps, &deps)
        swap(&log.preds, &preds)
        swap(&log.values, &values)
    }
}
