extension Document {
    /// Transactions by one actor closer together than this many milliseconds form one undo
    /// step. `0` (the default) makes every transaction its own step.
    public var undoGroupingInterval: Int64 {
        get { undo.groupingInterval }
        set { undo.groupingInterval = max(0, newValue) }
    }

    /// Ends the current undo step of `origin`'s actor: its next transaction starts a new one.
    public mutating func stopUndoGrouping(for origin: Origin? = nil) {
        _ = undo.withStacks(for: origin ?? self.origin) { $0.closed = true }
    }

    /// Whether `origin`'s actor (default: ``origin``) has a step to undo.
    public func canUndo(for origin: Origin? = nil) -> Bool {
        !(undo.stacks(for: origin ?? self.origin)?.undo.isEmpty ?? true)
    }

    /// Whether `origin`'s actor (default: ``origin``) has a step to redo.
    public func canRedo(for origin: Origin? = nil) -> Bool {
        !(undo.stacks(for: origin ?? self.origin)?.redo.isEmpty ?? true)
    }

    /// Undoes the latest step of `origin`'s actor (default: ``origin``) by writing new
    /// operations, so the undo syncs like any edit.
    ///
    /// A property someone else has written since is left alone: undo never clobbers a
    /// later edit by another replica. Returns `nil` when there is nothing to undo.
    @discardableResult
    public mutating func undo(for origin: Origin? = nil) throws(DocumentError) -> Commit? {
        let actor = origin ?? self.origin
        guard let step = undo.withStacks(for: actor, { $0.undo.pop() }) ?? nil else { return nil }
        return try invert(step.map(LoggedChange.init(packed:)), origin: actor, kind: .undo)
    }

    /// Redoes the latest undone step of `origin`'s actor (default: ``origin``).
    @discardableResult
    public mutating func redo(for origin: Origin? = nil) throws(DocumentError) -> Commit? {
        let actor = origin ?? self.origin
        guard let step = undo.withStacks(for: actor, { $0.redo.pop() }) ?? nil else { return nil }
        return try invert(step.map(LoggedChange.init(packed:)), origin: actor, kind: .redo)
    }

    /// Reverts every change whose origin matches `predicate`, from any replica, in one new
    /// change made as `origin` (default: ``origin``).
    ///
    /// Used to reject an AI request: `doc.revert { $0.request == requestID }`. Like undo,
    /// it leaves alone any property another participant has written since.
    @discardableResult
    public mutating func revert(where predicate: (Origin) -> Bool, as origin: Origin? = nil) throws(DocumentError) -> Commit {
        if open != nil { throw .invalidOperation("cannot revert inside a transaction") }
        ensureHistory()
        let matching = core.origins.origins.indices.filter { predicate(core.origins.origins[$0]) }.map(UInt32.init)
        let changes = core.changes.indices.filter { matching.contains(core.changes[$0].origin) }.flatMap { index in
            (0..<core.changes[index].run).map { LoggedChange(record: index, part: $0) }
        }
        return try invert(changes, origin: origin ?? self.origin, kind: .none)
    }

    /// Writes one change that undoes `changes`.
    mutating func invert(_ changes: [LoggedChange], origin: Origin, kind: UndoKind) throws(DocumentError) -> Commit {
        ensureHistory()
        if open != nil { throw .invalidOperation("cannot undo inside a transaction") }
        var plan = InversePlan()
        for change in changes.sorted() { plan.add(change: change, core: core) }
        begin(origin: origin, recordsEvents: true, undoKind: kind)
        // Run in reverse log order so later edits are taken back first.
        for step in plan.steps.reversed() {
            switch step {
            case .register(let object, let key):
                restoreRegister(object: object, key: key, plan: plan)
            case .removeInserted(let object, let first, let count):
                removeInserted(object: object, first: first, count: count)
            case .restoreRemoved(let object, let first, let count):
                restoreRemoved(object: object, first: first, count: count, plan: plan)
            case .increment(let object, let delta):
                if let slot = core.objects[object], let (_, _) = try? nextCounters(1) {
                    core.counters[Int(slot.index)] &-= delta
                    core.ops.append(OpRecord(object: object, a: UInt64(bitPattern: 0 &- delta), kind: .increment))
                    let objectID = core.objectID(object)
                    emit(.counterIncrement(object: objectID, delta: 0 &- delta))
                }
            }
        }
        return commit()
    }

    private mutating func restoreRegister(object: ItemID, key: UInt32, plan: InversePlan) {
        guard let slot = core.objects[object], let register = core.maps[Int(slot.index)].registers[key],
            let touch = plan.registers[RegisterKey(object: object, key: key)]
        else { return }
        // Only if every live value was written by the changes being undone: otherwise someone
        // else wrote the property since (or concurrently), and their value stays.
        guard register.liveIDs.allSatisfy({ core.isOwned($0, by: touch.written) }) else { return }
        let first = core.ops[touch.firstOp]
        var previous: RegisterEntry?
        for p in core.preds[Int(first.predStart)..<(Int(first.predStart) + Int(first.predCount))] {
            guard let located = core.operation(containing: p), let change = core.changeIndex(containing: p) else { continue }
            let record = core.changes[change]
            let lamport = record.startLamport + UInt64(p.counter - record.startCounter)
            let entry = RegisterEntry(id: p, lamport: lamport, value: core.ops[located.op].payload)
            if previous.map({ core.beats(entry, $0) }) ?? true { previous = entry }
        }
        let objectID = core.objectID(object)
        let keyString = core.keys.strings[Int(key)]
        let value = previous.flatMap { $0.isAbsent ? nil : core.values[Int($0.value)] }
        if let value, let previous {
            if case .object(let target) = value, !contains(target) { return }
            core.rewrittenFrom[ItemID(replica: core.local, counter: core.clock[Int(core.local)] + 1)] = previous.id
            _ = try? writeRegister(key: keyString, in: objectID, kind: .set, value: value, objectKind: .map)
        } else if !register.winner.isAbsent {
            _ = try? writeRegister(key: keyString, in: objectID, kind: .delete, value: nil, objectKind: .map)
        }
    }

    private mutating func removeInserted(object: ItemID, first: ItemID, count: Int) {
        guard let slot = core.objects[object] else { return }
        let s = Int(slot.index)
        let objectID = core.objectID(object)
        for run in consecutiveRuns((0..<count).map { core.latest(first.advanced(by: $0)) }) {
            let removed = core.sequences[s].tree.delete(first: run.first, count: run.count, index: &core.itemIndex)
            guard !removed.isEmpty, (try? nextCounters(1)) != nil else { continue }
            core.ops.append(OpRecord(object: object, a: run.first.raw, count: UInt32(run.count), kind: .remove))
            for range in removed {
                emit(.removal(from: objectID, index: range.position, count: range.count, isText: slot.kind == .text))
            }
        }
    }

    /// Groups IDs into maximal runs of consecutive counters of one replica.
    private func consecutiveRuns(_ ids: [ItemID]) -> [(first: ItemID, count: Int)] {
        var runs: [(first: ItemID, count: Int)] = []
        for id in ids {
            if let last = runs.last, last.first.advanced(by: last.count) == id {
                runs[runs.count - 1].count += 1
            } else {
                runs.append((id, 1))
            }
        }
        return runs
    }

    private mutating func restoreRemoved(object: ItemID, first: ItemID, count: Int, plan: InversePlan) {
        guard let slot = core.objects[object] else { return }
        let s = Int(slot.index)
        // Maximal runs of consecutive IDs that are still deleted and were not inserted by the
        // undone changes themselves (insert-then-delete in one step cancels out).
        // Follow earlier restorations: the element to bring back is its newest copy.
        let targets = (0..<count).compactMap { k -> ItemID? in
            let original = first.advanced(by: k)
            let id = core.latest(original)
            guard !plan.inserted(original), core.sequences[s].tree.isDeleted(id, index: core.itemIndex) == true else { return nil }
            return id
        }
        for run in consecutiveRuns(targets).reversed() {
            let lastDeleted = run.first.advanced(by: run.count - 1)
            let right = core.sequences[s].tree.nextItem(after: lastDeleted, index: core.itemIndex)
            var scalars: [Unicode.Scalar] = []
            var values: [Value] = []
            for k in 0..<run.count {
                let id = run.first.advanced(by: k)
                guard let located = core.operation(containing: id) else { return }
                let op = core.ops[located.op]
                let offset = Int(op.payload + located.offset)
                switch op.kind {
                case .insertText: scalars.append(core.sequences[s].scalars[offset])
                case .insert, .insertObject: values.append(core.sequences[s].elements[offset])
                default: return
                }
            }
            let width = slot.kind == .text ? scalars.count : values.count
            guard width > 0, let (newFirst, _) = try? nextCounters(UInt32(width)) else { return }
            let offset = core.sequences[s].contentCount
            if slot.kind == .text {
                core.sequences[s].scalars.append(contentsOf: scalars)
            } else {
                core.sequences[s].elements.append(contentsOf: values)
            }
            for k in 0..<width { core.restored[run.first.advanced(by: k)] = newFirst.advanced(by: k) }
            let replicas = core.replicas
            let position = core.sequences[s].tree.integrate(
                first: newFirst, count: width, originLeft: lastDeleted, originRight: right, contentOffset: offset,
                index: &core.itemIndex, replicaKey: { replicas.ids[Int($0)].rawValue })
            let objectID = core.objectID(object)
            if slot.kind == .text {
                core.ops.append(OpRecord(object: object, a: lastDeleted.raw, b: ItemID(right).raw, payload: UInt32(offset),
                                         count: UInt32(width), kind: .insertText))
                emit(.textInsert(object: objectID, index: position, text: String(scalars: scalars)))
            } else {
                core.ops.append(OpRecord(object: object, a: lastDeleted.raw, b: ItemID(right).raw, payload: UInt32(offset),
                                         count: UInt32(width), kind: .insert))
                for (k, value) in values.enumerated() {
                    if case .object(let target) = value, let t = core.itemID(target) {
                        core.reparent(t, to: object, key: newFirst.advanced(by: k).raw)
                    }
                }
                emit(.listInsert(object: objectID, index: position, values: values))
            }
        }
    }
}

struct RegisterKey: Hashable {
    var object: ItemID
    var key: UInt32
}

/// What inverting a set of changes must do, gathered before writing anything.
struct InversePlan {
    enum Step {
        case register(object: ItemID, key: UInt32)
        case removeInserted(object: ItemID, first: ItemID, count: Int)
        case restoreRemoved(object: ItemID, first: ItemID, count: Int)
        case increment(object: ItemID, delta: Int64)
    }

    struct Touch {
        /// The first undone operation on the key: its predecessors hold the value to restore.
        var firstOp: Int
        /// Every undone operation on the key.
        var written: Set<ItemID>
    }

    var steps: [Step] = []
    var registers: [RegisterKey: Touch] = [:]
    /// Objects created by the undone changes: edits inside them need no inversion, since
    /// detaching the object hides them and redo re-attaches it as it was.
    var created: Set<ItemID> = []
    var insertedRanges: [(first: ItemID, count: Int)] = []

    func inserted(_ id: ItemID) -> Bool {
        insertedRanges.contains { $0.first.replica == id.replica && id.counter >= $0.first.counter && id.counter < $0.first.counter + UInt32($0.count) }
    }

    mutating func add(change: LoggedChange, core: DocumentCore) {
        let record = core.changes[change.record]
        var counter = record.startCounter + change.part
        for i in Int(record.opStart)..<Int(record.opStart + record.opCount) {
            // A run's operation record stands for one operation per change: take this change's.
            let op = record.run > 1 ? core.runOperation(core.ops[i], of: record, part: change.part) : core.ops[i]
            let id = ItemID(replica: record.replica, counter: counter)
            counter += op.width
            if op.kind == .make || op.kind == .insertObject { created.insert(id) }
            if created.contains(op.object) { continue }
            switch op.kind {
            case .set, .make, .delete:
                let key = RegisterKey(object: op.object, key: UInt32(op.a))
                if registers[key] == nil {
                    registers[key] = Touch(firstOp: i, written: [id])
                    steps.append(.register(object: op.object, key: UInt32(op.a)))
                } else {
                    registers[key]?.written.insert(id)
                }
            case .insert, .insertText, .insertObject:
                insertedRanges.append((id, Int(op.count)))
                steps.append(.removeInserted(object: op.object, first: id, count: Int(op.count)))
            case .remove:
                steps.append(.restoreRemoved(object: op.object, first: ItemID(packed: op.a), count: Int(op.count)))
            case .increment:
                steps.append(.increment(object: op.object, delta: Int64(bitPattern: op.a)))
            }
        }
    }
}
