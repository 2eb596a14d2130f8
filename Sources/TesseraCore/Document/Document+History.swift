extension DocumentCore {
    /// The index of the change that contains operation `id`. Complexity: O(log changes).
    func changeIndex(containing id: ItemID) -> Int? {
        let r = Int(id.replica)
        guard r < changesByReplica.count else { return nil }
        let list = changesByReplica[r]
        var low = 0
        var high = list.count
        while low < high {
            let mid = (low + high) / 2
            if changes[Int(list[mid])].endCounter <= id.counter { low = mid + 1 } else { high = mid }
        }
        guard low < list.count, changes[Int(list[low])].startCounter <= id.counter else { return nil }
        return Int(list[low])
    }

    /// The log position of the operation that took counter `id`, and the element offset inside it.
    func operation(containing id: ItemID) -> (op: Int, offset: UInt32)? {
        guard let c = changeIndex(containing: id) else { return nil }
        let change = changes[c]
        if change.run > 1 { return (Int(change.opStart), id.counter - change.startCounter) }
        var counter = change.startCounter
        for i in Int(change.opStart)..<Int(change.opStart + change.opCount) {
            let width = ops[i].width
            if id.counter < counter + width { return (i, id.counter - counter) }
            counter += width
        }
        return nil
    }

    /// The change of the log that contains operation `id`.
    func loggedChange(containing id: ItemID) -> LoggedChange? {
        guard let index = changeIndex(containing: id) else { return nil }
        let record = changes[index]
        return LoggedChange(record: index, part: record.run > 1 ? id.counter - record.startCounter : 0)
    }

    /// Rebuilds the public form of a change of the log.
    func publicChange(_ change: LoggedChange) -> Change {
        let record = changes[change.record]
        let replica = replicas.ids[Int(record.replica)]
        let part = change.part
        var operations: [Operation] = []
        if record.run > 1 {
            operations = [publicOperation(runOperation(ops[Int(record.opStart)], of: record, part: part))]
        } else {
            operations.reserveCapacity(Int(record.opCount))
            for i in Int(record.opStart)..<Int(record.opStart + record.opCount) {
                operations.append(publicOperation(ops[i]))
            }
        }
        // A loop, not `.map(opID)`: a partially applied method captures (copies) the whole core.
        var dependencies: [OpID] = []
        if record.depCount > 0, part == 0 {
            dependencies.reserveCapacity(Int(record.depCount))
            for dep in deps[Int(record.depStart)..<Int(record.depStart + record.depCount)] { dependencies.append(opID(dep)) }
        }
        return Change(
            replica: replica, startCounter: UInt64(record.startCounter + part), startLamport: record.startLamport + UInt64(part),
            dependencies: dependencies, origin: origins.origins[Int(record.origin)], timestamp: record.timestamp,
            operations: operations)
    }

    /// The operation of change `part` of run `record`, whose operation record is `op`.
    func runOperation(_ op: OpRecord, of record: ChangeRecord, part: UInt32) -> OpRecord {
        var single = op
        single.count = 1
        single.descending = false
        switch op.kind {
        case .remove:
            let first = ItemID(packed: op.a)
            single.a = ItemID(replica: first.replica, counter: op.descending ? first.counter - part : first.counter + part).raw
        default:
            if part > 0 { single.a = ItemID(replica: record.replica, counter: record.startCounter + part - 1).raw }
            single.payload = op.payload + part
        }
        return single
    }

    /// The operation ID a record's packed origin field names (0: none).
    func optionalOpID(_ raw: UInt64) -> OpID? { raw == 0 ? nil : opID(ItemID(packed: raw)) }

    func publicOperation(_ op: OpRecord) -> Operation {
        let object = objectID(op.object)
        // Computed eagerly for map ops only: a closure here would capture (copy) the whole core.
        var pred: [OpID] = []
        if op.kind == .set || op.kind == .make || op.kind == .delete {
            pred.reserveCapacity(Int(op.predCount))
            for p in preds[Int(op.predStart)..<(Int(op.predStart) + Int(op.predCount))] { pred.append(opID(p)) }
        }
        let action: Operation.Action
        switch op.kind {
        case .set:
            action = .set(key: keys.strings[Int(op.a)], value: values[Int(op.payload)], pred: pred)
        case .make:
            action = .make(key: keys.strings[Int(op.a)], kind: op.objectKind, pred: pred)
        case .delete:
            action = .delete(key: keys.strings[Int(op.a)], pred: pred)
        case .insert:
            let sequence = sequences[Int(objects[op.object]?.index ?? 0)]
            let range = Int(op.payload)..<Int(op.payload + op.count)
            action = .insert(after: optionalOpID(op.a), before: optionalOpID(op.b), values: Array(sequence.elements[range]))
        case .insertObject:
            action = .insertObject(after: optionalOpID(op.a), before: optionalOpID(op.b), kind: op.objectKind)
        case .insertText:
            let sequence = sequences[Int(objects[op.object]?.index ?? 0)]
            let text = String(scalars: sequence.scalars[Int(op.payload)..<Int(op.payload + op.count)])
            action = .insertText(after: optionalOpID(op.a), before: optionalOpID(op.b), text: text)
        case .remove:
            action = .remove(first: opID(ItemID(packed: op.a)), count: Int(op.count))
        case .increment:
            action = .increment(delta: Int64(bitPattern: op.a))
        }
        return Operation(object: object, action: action)
    }

    /// The changes not covered by `version`, in log (causal) order.
    func changeIndices(since version: VersionVector) -> [LoggedChange] {
        var result: [LoggedChange] = []
        for span in changeSpans(since: version) {
            for part in span.part..<changes[span.record].run { result.append(LoggedChange(record: span.record, part: part)) }
        }
        return result
    }

    /// ``changeIndices(since:)`` a record at a time: each record with a change not covered by
    /// `version`, and its first such change (the rest of a run follows it), in log order.
    /// One entry per run, not per keystroke, to list and sort.
    func changeSpans(since version: VersionVector) -> [LoggedChange] {
        var result: [LoggedChange] = []
        for r in 1..<changesByReplica.count {
            let seen = version[replicas.ids[r]]
            guard UInt64(clock[r]) > seen else { continue }
            let list = changesByReplica[r]
            var low = 0
            var high = list.count
            while low < high {
                let mid = (low + high) / 2
                if UInt64(changes[Int(list[mid])].endCounter) <= seen + 1 { low = mid + 1 } else { high = mid }
            }
            for i in low..<list.count {
                let index = Int(list[i])
                let record = changes[index]
                // A run may start inside what the peer has.
                let first = record.run > 1 && UInt64(record.startCounter) <= seen ? UInt32(seen + 1 - UInt64(record.startCounter)) : 0
                result.append(LoggedChange(record: index, part: first))
            }
        }
        result.sort()
        return result
    }
}

extension Document {
    /// Every change this document has that `version` lacks, in an order that respects causality.
    ///
    /// This is the delta to send a peer whose version vector is `version`.
    public func changes(since version: VersionVector = VersionVector()) -> [Change] {
        let core = historyCore
        return core.changeIndices(since: version).map(core.publicChange)
    }

    /// The change that contains operation `id`, if this document has it.
    public func change(containing id: OpID) -> Change? {
        let core = historyCore
        guard let item = core.itemID(id), let change = core.loggedChange(containing: item) else { return nil }
        return core.publicChange(change)
    }

    /// Who made operation `id` (attribution).
    public func origin(of id: OpID) -> Origin? {
        let core = historyCore
        guard let item = core.itemID(id), let index = core.changeIndex(containing: item) else { return nil }
        return core.origins.origins[Int(core.changes[index].origin)]
    }

    /// Every change in the document's history, in causal order.
    public var history: [Change] { changes() }

    /// Applies every change `other` has that this document lacks.
    ///
    /// Merging is commutative, associative and idempotent: any two replicas that have
    /// merged each other's changes have equal state.
    @discardableResult
    public mutating func merge(_ other: Document) throws(DocumentError) -> DocumentEvents {
        try apply(other.changes(since: version))
    }
}
