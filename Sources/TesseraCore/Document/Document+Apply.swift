extension Document {
    /// Applies changes received from other replicas, in any order.
    ///
    /// Changes whose dependencies are missing wait in a pending buffer and are applied as
    /// soon as what they need arrives; duplicates are ignored. The call is atomic: every
    /// change it can apply is validated first, and if any is invalid nothing is applied
    /// and the error names the problem. (A buffered change from an earlier call that turns
    /// out to be invalid is dropped and reported the same way.)
    ///
    /// - Returns: the visible changes, in order.
    @discardableResult
    public mutating func apply(_ changes: [Change]) throws(DocumentError) -> DocumentEvents {
        try apply(changes, runs: nil)
    }

    /// ``apply(_:)`` for changes whose entry `i` may stand for `runs[i]`, a keystroke run the
    /// decoder joined (see ``JoinedChanges``).
    /// `reportsEvents: false` builds none (the result's list is empty), for a caller that discards them.
    mutating func apply(_ changes: [Change], runs: [JoinedRun]?, reportsEvents: Bool = true) throws(DocumentError) -> DocumentEvents {
        if open != nil { throw .invalidOperation("cannot apply remote changes inside a transaction") }
        ensureHistory()
        if let failure = core.loadFailure { throw .notLoaded(failure.error) }
        // Work on positions, not copies: a `Change` holds several arrays and strings, and
        // copying one into each work list costs a retain and a release per field.
        let pendingChanges = core.pending.all
        // Keystroke runs are validated and integrated as one change each (see JoinedChanges).
        let joined = JoinedChanges.join(changes, runs: runs, core: core)
        let incoming = joined?.changes ?? changes
        let fromPending = incoming.count
        let all = pendingChanges.isEmpty ? incoming : incoming + pendingChanges
        let runs = joined?.runs
        // Read through a pointer: an array's subscript hands out a copy of a change (a retain
        // and a release of each of its arrays and strings), a pointer's a borrow. The loops
        // are methods taking their state as arguments: a closure's captured variables would
        // pay a dynamic exclusivity check on every access.
        let (ready, waiting) = try all.withUnsafeBufferPointer { (all) throws(DocumentError) in
            try order(all, runs: runs, fromPending: fromPending)
        }
        // Everything validated: apply without failure paths that could leave half a change.
        var events = EventLog(recording: reportsEvents)
        var origins: [Origin] = []
        all.withUnsafeBufferPointer { all in
            integrate(all, ready, runs: runs, fromPending: fromPending, events: &events, origins: &origins)
        }
        core.pending = PendingBuffer()
        var buffered: Set<OpID> = []
        for position in waiting {
            // A joined run waits as the changes it came as.
            let waitingChanges = JoinedChanges.expand(all[position], run: Self.run(at: position, runs, fromPending: fromPending))
            for change in waitingChanges where buffered.insert(OpID(replica: change.replica, counter: change.startCounter)).inserted {
                core.pending.add(change, waitingFor: firstMissing(change) ?? OpID(replica: change.replica, counter: change.startCounter))
            }
        }
        if !ready.isEmpty { undo.remoteChangesApplied() }
        return DocumentEvents(isLocal: false, origins: origins, events: events.events)
    }

    /// What the entry at `position` of a batch stands for: `runs[position]` for the incoming
    /// entries (the first `fromPending`), one change for the pending ones after them.
    private static func run(at position: Int, _ runs: [JoinedRun]?, fromPending: Int) -> JoinedRun {
        position < fromPending ? runs?[position] ?? .single : .single
    }

    /// Sorts `all` into the changes ready to apply, in an order that respects dependencies
    /// (each validated against the document and those before it), and those that must wait;
    /// duplicates are neither. Entry `i < fromPending` stands for `runs[i]`.
    private mutating func order(_ buffer: UnsafeBufferPointer<Change>, runs: [JoinedRun]?, fromPending: Int)
        throws(DocumentError) -> (ready: [Int], waiting: [Int]) {
        let count = buffer.count
        // An element read through the pointer is borrowed; the buffer's subscript would copy it.
        guard let all = buffer.baseAddress, count > 0 else { return ([], []) }
        var staging = Staging()
        var ready: [Int] = []
        ready.reserveCapacity(count)
        var waiting: [Int] = []
        var queue = Array(0..<count)
        var progress = true
        while progress {
            progress = false
            waiting.removeAll(keepingCapacity: true)
            for position in queue {
                let width = Self.run(at: position, runs, fromPending: fromPending).width(of: all[position])
                switch try classify(all[position], width: width, staging: staging) {
                case .duplicate:
                    continue
                case .waiting:
                    waiting.append(position)
                case .ready:
                    do {
                        try validate(all[position], width: width, staging: &staging)
                    } catch {
                        if position >= fromPending { dropPending(all[position]) }
                        throw error
                    }
                    ready.append(position)
                    progress = true
                }
            }
            swap(&queue, &waiting)
        }
        return (ready, queue)
    }

    /// Integrates the changes at `ready`, in order, collecting their events and origins.
    private mutating func integrate(
        _ buffer: UnsafeBufferPointer<Change>, _ ready: [Int], runs: [JoinedRun]?, fromPending: Int,
        events: inout EventLog, origins: inout [Origin]
    ) {
        guard let all = buffer.baseAddress else { return }
        for position in ready {
            integrate(all[position], run: Self.run(at: position, runs, fromPending: fromPending), events: &events)
            if origins.last != all[position].origin { origins.append(all[position].origin) }
        }
    }

    private mutating func dropPending(_ change: Change) {
        let all = core.pending.all.filter { $0 != change }
        core.pending = PendingBuffer()
        for c in all {
            core.pending.add(c, waitingFor: firstMissing(c) ?? OpID(replica: c.replica, counter: c.startCounter))
        }
    }

    enum Readiness { case duplicate, waiting, ready }

    /// Virtual effects of the changes validated so far in one ``apply(_:)`` call.
    struct Staging {
        /// Whether to keep what validated changes create. Off when each change is integrated
        /// right after it validates (see ``ChangeDecoder/applyInOrder(to:staging:events:origins:)``):
        /// the document then holds it.
        var isRecording = true
        var clock = PackedMap<ReplicaID, UInt64>()
        var objects = PackedMap<ItemID, ObjectKind>()
        /// Elements created in the batch, per replica index, as counter intervals with their
        /// sequence object. A replica's changes validate in counter order, so each list is
        /// sorted and membership is a binary search (a whole-history import is one batch of
        /// hundreds of thousands of inserts; a linear scan here made it quadratic).
        var items: [[(first: UInt64, end: UInt64, object: ItemID)]] = []

        mutating func addItems(replica: UInt32, first: UInt64, count: UInt64, object: ItemID) {
            guard isRecording else { return }
            let r = Int(replica)
            if r >= items.count { items.append(contentsOf: repeatElement([], count: r + 1 - items.count)) }
            items[r].append((first, first + count, object))
        }

        mutating func record(object: ItemID, kind: ObjectKind) {
            if isRecording { objects[object] = kind }
        }

        mutating func record(clock counter: UInt64, of replica: ReplicaID) {
            if isRecording { clock[replica] = counter }
        }

        func containsItem(replica: UInt32, counter: UInt64, object: ItemID) -> Bool {
            let r = Int(replica)
            guard r < items.count else { return false }
            // Searched in place: binding the list to a local would retain and release it.
            var low = 0
            var high = items[r].count
            while low < high {
                let mid = (low + high) / 2
                if items[r][mid].end <= counter { low = mid + 1 } else { high = mid }
            }
            return low < items[r].count && items[r][low].first <= counter && items[r][low].object == object
        }
    }

    private func seen(_ replica: ReplicaID, _ staging: Staging) -> UInt64 {
        Document.seen(replica, staging, core)
    }

    private static func seen(_ replica: ReplicaID, _ staging: Staging, _ core: DocumentCore) -> UInt64 {
        if let v = staging.clock[replica] { return v }
        guard let r = core.replicas.existingIndex(of: replica) else { return 0 }
        return UInt64(core.clock[Int(r)])
    }

    private func firstMissing(_ change: Change) -> OpID? {
        let have = seen(change.replica, Staging())
        if change.startCounter > have + 1 { return OpID(replica: change.replica, counter: change.startCounter - 1) }
        return change.dependencies.first { seen($0.replica, Staging()) < $0.counter }
    }

    /// Whether `change`, which takes `width` counters, is new, and ready to apply.
    func classify(_ change: borrowing Change, width: UInt64, staging: Staging) throws(DocumentError) -> Readiness {
        guard width > 0, !change.operations.isEmpty else { throw .invalidOperation("change \(change.replica)@\(change.startCounter) has no operations") }
        return try readiness(replica: change.replica, start: change.startCounter, lamport: change.startLamport, width: width,
                             dependencies: change.dependencies, staging: staging)
    }

    /// ``classify(_:width:staging:)`` for a change known by its replica, first counter and
    /// Lamport time, width (at least 1) and dependencies.
    func readiness(replica: ReplicaID, start: UInt64, lamport: UInt64, width: UInt64, dependencies: [OpID], staging: Staging)
        throws(DocumentError) -> Readiness {
        // Compare before adding: hostile counters near UInt64.max must not trap.
        let limit = UInt64(UInt32.max)
        guard start >= 1, start < limit, width < limit, start + width - 1 < limit, lamport >= 1, lamport < UInt64.max / 2
        else { throw .counterOverflow }
        let have = seen(replica, staging)
        if start + width - 1 <= have { return .duplicate }
        if start <= have { throw .inconsistentHistory(replica: replica, counter: have) }
        if start != have + 1 { return .waiting }
        for dep in dependencies where seen(dep.replica, staging) < dep.counter {
            if dep.replica == replica { throw .invalidOperation("change depends on its own future") }
            return .waiting
        }
        return .ready
    }

    /// Checks every operation of `change` against the document plus what the batch created so far.
    mutating func validate(_ change: borrowing Change, width: UInt64, staging: inout Staging) throws(DocumentError) {
        let replica = core.replicaIndex(change.replica)
        try Document.validateOperations(of: change, width: width, replica: replica, core: core, staging: &staging)
    }

    /// The checks of ``validate(_:staging:)``. Static, over a borrowed core: local functions
    /// that capture `self` of a mutating method copy the whole document on every call.
    private static func validateOperations(
        of change: borrowing Change, width changeWidth: UInt64, replica: UInt32, core: DocumentCore, staging: inout Staging
    ) throws(DocumentError) {
        var counter = change.startCounter
        for op in change.operations {
            try validateOperation(op, counter: counter, of: ChangeStart(replica: change.replica, start: change.startCounter),
                                  replica: replica, core: core, staging: &staging)
            counter += UInt64(op.width)
        }
        staging.record(clock: change.startCounter + changeWidth - 1, of: change.replica)
    }

    /// Where an operation's change starts: an ID of the change's own is known from there up to
    /// the operation before.
    struct ChangeStart {
        var replica: ReplicaID
        var start: UInt64
    }

    /// Checks operation `op`, which takes counter `counter` of the change `change` (by `replica`, the
    /// change's replica index), against the document plus what the batch created so far.
    static func validateOperation(
        _ op: borrowing Operation, counter: UInt64, of change: ChangeStart, replica: UInt32, core: DocumentCore,
        staging: inout Staging
    ) throws(DocumentError) {
        // Reads `staging` in place: passing it to a function would copy its tables each time.
        func seen(_ replica: ReplicaID) -> UInt64 {
            if let v = staging.clock[replica] { return v }
            guard let r = core.replicas.existingIndex(of: replica) else { return 0 }
            return UInt64(core.clock[Int(r)])
        }
        func known(_ id: OpID) -> Bool {
            seen(id.replica) >= id.counter || (id.replica == change.replica && id.counter < counter && id.counter >= change.start)
        }
        func kindOf(_ object: ObjectID) throws(DocumentError) -> (ItemID, ObjectKind) {
            guard let creator = object.creator else { return (.none, .map) }
            guard known(creator), let id = core.itemID(creator) else { throw .unknownObject(object) }
            if let kind = staging.objects[id] { return (id, kind) }
            guard let slot = core.objects[id] else { throw .unknownObject(object) }
            return (id, slot.kind)
        }
        // One kind, or (`orText`) a list or a text. Not variadic: that would build an array per call.
        func expect(_ object: ObjectID, _ expected: ObjectKind, orText: Bool = false) throws(DocumentError) -> (ItemID, ObjectKind) {
            let (id, kind) = try kindOf(object)
            guard kind == expected || (orText && kind == .text) else { throw .wrongKind(object, expected: expected, found: kind) }
            return (id, kind)
        }
        func isElement(_ id: OpID, of object: ItemID, kind: ObjectKind) -> Bool {
            guard known(id), let item = core.itemID(id) else { return false }
            if let slot = core.objects[object], core.sequences[Int(slot.index)].tree.contains(item, index: core.itemIndex) {
                return true
            }
            return staging.containsItem(replica: item.replica, counter: id.counter, object: object)
        }
        func checkOrigins(_ after: OpID?, _ before: OpID?, _ object: ItemID, _ kind: ObjectKind) throws(DocumentError) {
            if let after, !isElement(after, of: object, kind: kind) { throw .unknownOperation(after) }
            if let before, !isElement(before, of: object, kind: kind) { throw .unknownOperation(before) }
        }
        func checkAttach(_ value: Value) throws(DocumentError) {
            if case .object(let target) = value {
                guard !target.isRoot else { throw .invalidOperation("the root map cannot be nested") }
                _ = try kindOf(target)
            }
        }
        func checkPred(_ pred: [OpID]) throws(DocumentError) {
            for p in pred where !known(p) { throw .unknownOperation(p) }
        }

        let width = UInt64(op.width)
        switch op.action {
        case .set(_, let value, let pred):
            _ = try expect(op.object, .map)
            try checkAttach(value)
            try checkPred(pred)
        case .make(_, let kind, let pred):
            _ = try expect(op.object, .map)
            try checkPred(pred)
            staging.record(object: ItemID(replica: replica, counter: UInt32(counter)), kind: kind)
        case .delete(_, let pred):
            _ = try expect(op.object, .map)
            try checkPred(pred)
        case .insert(let after, let before, let values):
            guard !values.isEmpty else { throw .invalidOperation("empty list insert") }
            let (object, kind) = try expect(op.object, .list)
            try checkOrigins(after, before, object, kind)
            for value in values { try checkAttach(value) }
            staging.addItems(replica: replica, first: counter, count: width, object: object)
        case .insertObject(let after, let before, let newKind):
            let (object, kind) = try expect(op.object, .list)
            try checkOrigins(after, before, object, kind)
            staging.addItems(replica: replica, first: counter, count: 1, object: object)
            staging.record(object: ItemID(replica: replica, counter: UInt32(counter)), kind: newKind)
        case .insertText(let after, let before, let text):
            guard !text.isEmpty else { throw .invalidOperation("empty text insert") }
            let (object, kind) = try expect(op.object, .text)
            try checkOrigins(after, before, object, kind)
            staging.addItems(replica: replica, first: counter, count: width, object: object)
        case .remove(let first, let count):
            let (object, kind) = try expect(op.object, .list, orText: true)
            // Bound the count by what exists before looping over it: a hostile count must not spin.
            let limit = first.replica == change.replica ? max(seen(first.replica), counter - 1) : seen(first.replica)
            guard count >= 1, first.counter >= 1, first.counter <= limit, UInt64(count) <= limit - first.counter + 1
            else { throw .invalidOperation("remove of \(count) elements from \(first)") }
            // Every target is known (the bound above); those the tree holds are checked a tree
            // run at a time, the rest (made earlier in the batch) one by one.
            let tree = core.objects[object].map { Int($0.index) }
            var k: UInt64 = 0
            while k < UInt64(count) {
                let id = OpID(replica: first.replica, counter: first.counter + k)
                if let tree, let item = core.itemID(id) {
                    let held = core.sequences[tree].tree.runRemainder(from: item, index: core.itemIndex)
                    if held > 0 {
                        k += UInt64(held)
                        continue
                    }
                }
                guard isElement(id, of: object, kind: kind) else { throw .unknownOperation(id) }
                k += 1
            }
        case .increment:
            _ = try expect(op.object, .counter)
        }
    }

    /// Applies a validated change, which stands for `run` (a joined keystroke run, logged as
    /// one). Must not fail.
    mutating func integrate(_ change: borrowing Change, run: JoinedRun, events: inout EventLog) {
        let replica = core.replicaIndex(change.replica)
        let startCounter = UInt32(change.startCounter)
        var counter = startCounter
        let opStart = core.ops.count
        // A backspacing or forward-deleting run removes one range of IDs: one tree deletion,
        // logged as one record of its first target and direction.
        var isRemoveRun = false
        if run.count > 1, case .remove(let lowest, _) = change.operations[0].action {
            isRemoveRun = true
            let object = item(change.operations[0].object.creator)
            let objectID = change.operations[0].object
            let s = Int(core.objects[object]?.index ?? 0)
            let isText = core.sequences[s].kind == .text
            let removed = core.sequences[s].tree.delete(first: item(lowest), count: Int(run.count), index: &core.itemIndex)
            core.ops.append(.removeRun(in: object, first: item(run.target(0, lowest: lowest)), descending: run.descending,
                                       count: run.count))
            for range in removed {
                events.append(.removal(from: objectID, index: range.position, count: range.count, isText: isText))
            }
            counter += run.count
        }
        if !isRemoveRun {
            for op in change.operations {
                let lamport = change.startLamport + UInt64(counter - startCounter)
                integrateOperation(op, id: ItemID(replica: replica, counter: counter), lamport: lamport, events: &events)
                counter += UInt32(op.width)
            }
        }
        logChange(replica: replica, startCounter: startCounter, width: counter - startCounter, opStart: opStart,
                  dependencies: change.dependencies, origin: core.origins.index(of: change.origin), startLamport: change.startLamport,
                  timestamp: change.timestamp, run: run.count)
    }

    /// Logs the change whose operations are the log's from `opStart` on (`origin` interned in
    /// ``DocumentCore/origins``), and advances the clock, Lamport time and frontier.
    mutating func logChange(
        replica: UInt32, startCounter: UInt32, width: UInt32, opStart: Int, dependencies: [OpID], origin: UInt32,
        startLamport: UInt64, timestamp: Int64, run: UInt32
    ) {
        let depStart = core.deps.count
        for dep in dependencies { core.deps.append(item(dep)) }
        let record = ChangeRecord(
            replica: replica, startCounter: startCounter, width: width, opStart: UInt32(opStart),
            opCount: UInt32(core.ops.count - opStart), depStart: UInt32(depStart), depCount: UInt32(dependencies.count),
            origin: origin, startLamport: startLamport, timestamp: timestamp, run: run)
        core.appendToLog(record)
        core.recordApplied(replica: replica, start: startCounter, width: width, lamport: startLamport,
                           dependencies: core.deps[depStart...])
    }

    /// The item ID of `id`, registering its replica (``ItemID/none`` for `nil`).
    @inline(__always)
    private mutating func item(_ id: OpID?) -> ItemID {
        guard let id else { return .none }
        return ItemID(replica: core.replicaIndex(id.replica), counter: UInt32(id.counter))
    }

    /// Applies validated operation `op`, which has ID `id` and Lamport time `lamport`, and logs
    /// its record. A map operation's key is interned as `keyIndex` when the caller knows it.
    /// Must not fail.
    mutating func integrateOperation(
        _ op: borrowing Operation, id: ItemID, lamport: UInt64, keyIndex: UInt32? = nil, events: inout EventLog
    ) {
        let object = item(op.object.creator)
        let slot = core.objects[object] ?? ObjectSlot(kind: .map, index: 0, parent: .none, parentKey: 0)
        // Matched as a local: a switch over the borrowed operation copied it once per case tried.
        let action = op.action
        switch action {
        case .set(let key, let value, let pred):
            applyRegister(id: id, lamport: lamport, object: object, slot: slot, objectID: op.object, key: key, keyIndex: keyIndex,
                          kind: .set, value: value, objectKind: .map, pred: pred, events: &events)
        case .make(let key, let kind, let pred):
            applyRegister(id: id, lamport: lamport, object: object, slot: slot, objectID: op.object, key: key, keyIndex: keyIndex,
                          kind: .make, value: nil, objectKind: kind, pred: pred, events: &events)
        case .delete(let key, let pred):
            applyRegister(id: id, lamport: lamport, object: object, slot: slot, objectID: op.object, key: key, keyIndex: keyIndex,
                          kind: .delete, value: nil, objectKind: .map, pred: pred, events: &events)
        case .insert(let after, let before, let values):
            let s = Int(slot.index)
            let offset = core.sequences[s].elements.count
            core.sequences[s].elements.append(contentsOf: values)
            let position = insertRemote(s, id: id, count: values.count, after: item(after), before: item(before), offset: offset)
            for (k, value) in values.enumerated() {
                if case .object(let target) = value, let t = core.itemID(target) {
                    core.reparent(t, to: object, key: id.advanced(by: k).raw)
                }
            }
            core.ops.append(OpRecord(object: object, a: item(after).raw, b: item(before).raw, payload: UInt32(offset),
                                     count: UInt32(values.count), kind: .insert))
            events.append(.listInsert(object: op.object, index: position, values: values))
        case .insertObject(let after, let before, let kind):
            let s = Int(slot.index)
            let offset = core.sequences[s].elements.count
            let newObject = core.objectID(id)
            core.sequences[s].elements.append(.object(newObject))
            let position = insertRemote(s, id: id, count: 1, after: item(after), before: item(before), offset: offset)
            core.createObject(id, kind: kind, parent: object, parentKey: id.raw)
            core.ops.append(OpRecord(object: object, a: item(after).raw, b: item(before).raw, payload: UInt32(offset),
                                     count: 1, kind: .insertObject, objectKind: kind))
            events.append(.listInsert(object: op.object, index: position, values: [.object(newObject)]))
        case .insertText(let after, let before, let text):
            let s = Int(slot.index)
            let offset = core.sequences[s].scalars.count
            core.sequences[s].scalars.append(scalarsOf: text)
            let width = core.sequences[s].scalars.count - offset
            let position = insertRemote(s, id: id, count: width, after: item(after), before: item(before), offset: offset)
            core.ops.append(OpRecord(object: object, a: item(after).raw, b: item(before).raw, payload: UInt32(offset),
                                     count: UInt32(width), kind: .insertText))
            events.append(.textInsert(object: op.object, index: position, text: text))
        case .remove(let first, let count):
            let s = Int(slot.index)
            let firstItem = item(first)
            let removed = core.sequences[s].tree.delete(first: firstItem, count: count, index: &core.itemIndex)
            core.ops.append(OpRecord(object: object, a: firstItem.raw, count: UInt32(count), kind: .remove))
            for range in removed {
                events.append(.removal(from: op.object, index: range.position, count: range.count, isText: slot.kind == .text))
            }
        case .increment(let delta):
            core.counters[Int(slot.index)] &+= delta
            core.ops.append(OpRecord(object: object, a: UInt64(bitPattern: delta), kind: .increment))
            events.append(.counterIncrement(object: op.object, delta: delta))
        }
    }

    private mutating func insertRemote(_ s: Int, id: ItemID, count: Int, after: ItemID, before: ItemID, offset: Int) -> Int {
        let replicas = core.replicas
        return core.sequences[s].tree.integrate(
            first: id, count: count, originLeft: after.nonNone, originRight: before.nonNone, contentOffset: offset,
            index: &core.itemIndex, replicaKey: { replicas.ids[Int($0)].rawValue })
    }

    private mutating func applyRegister(
        id: ItemID, lamport: UInt64, object: ItemID, slot: ObjectSlot, objectID: ObjectID, key: String, keyIndex: UInt32?,
        kind: OpKind, value: Value?, objectKind: ObjectKind, pred: [OpID], events: inout EventLog
    ) {
        let keyIndex = keyIndex ?? core.keys.index(of: key)
        var valueIndex = OpRecord.absent
        switch kind {
        case .make:
            valueIndex = core.makeObject(id, kind: objectKind, parent: object, keyIndex: keyIndex)
        case .set:
            valueIndex = UInt32(core.values.count)
            core.values.append(value ?? .null)
        default:
            break
        }
        let predStart = logPredecessors(pred)
        writeRegister(id: id, lamport: lamport, object: object, map: slot.index, objectID: objectID, key: key, keyIndex: keyIndex,
                      kind: kind, valueIndex: valueIndex, objectKind: objectKind, predStart: predStart, events: &events)
    }

    /// Appends `pred` to the log's predecessors (registering their replicas); returns where they start.
    @inline(__always)
    mutating func logPredecessors(_ pred: [OpID]) -> Int {
        let start = core.preds.count
        for p in pred {
            core.preds.append(ItemID(replica: core.replicaIndex(p.replica), counter: UInt32(p.counter)))
        }
        return start
    }

    /// Logs the register operation whose predecessors are the log's from `predStart` on and
    /// writes it to map number `map` (the object `object`, `objectID`). Must not fail.
    @inline(__always)
    mutating func writeRegister(
        id: ItemID, lamport: UInt64, object: ItemID, map: Int32, objectID: ObjectID, key: @autoclosure () -> String, keyIndex: UInt32,
        kind: OpKind, valueIndex: UInt32, objectKind: ObjectKind, predStart: Int, events: inout EventLog
    ) {
        let predCount = core.preds.count - predStart
        core.ops.append(OpRecord(object: object, a: UInt64(keyIndex), payload: valueIndex, count: UInt32(predCount),
                                 predStart: UInt32(predStart), kind: kind, objectKind: objectKind))
        let entry = RegisterEntry(id: id, lamport: lamport, value: valueIndex)
        let m = Int(map)
        // Read through pointers: an array (or slice) held across the write is retained and
        // released around it, two atomic operations apiece on every write.
        let (changed, winner) = core.preds.withUnsafeBufferPointer { preds in
            let overwritten = UnsafeBufferPointer(rebasing: preds[predStart...])
            return core.replicas.ids.withUnsafeBufferPointer { replicas in
                // In place, and one lookup for the write and the winner: a register copied
                // out and written back would copy its `others` on every write.
                core.maps[m].registers.withValue(forKey: keyIndex) { (register: inout Register?) -> (Bool, RegisterEntry) in
                    guard register != nil else {
                        register = Register(entry)
                        return (!entry.isAbsent, entry)
                    }
                    let changed = register!.write(entry, overwriting: overwritten,
                                                  beats: { DocumentCore.beats($0, $1, ids: replicas) })
                    return (changed, register!.winner)
                }
            }
        }
        guard changed else { return }
        if !winner.isAbsent, case .object(let target) = core.values[Int(winner.value)], let t = core.itemID(target) {
            core.reparent(t, to: object, key: UInt64(keyIndex))
        }
        events.append(.mapSet(object: objectID, key: key(), value: winner.isAbsent ? nil : core.values[Int(winner.value)]))
    }
}
