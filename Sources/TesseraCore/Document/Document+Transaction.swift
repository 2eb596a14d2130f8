#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Document {
    /// Runs `body` as one transaction: everything it writes becomes one ``Change`` with
    /// `origin` (or ``origin`` by default).
    ///
    /// Reads inside `body` see the transaction's own writes. If `body` throws, what it wrote
    /// before throwing is still committed (as in Yjs); every individual write validates its
    /// arguments first and leaves the document unchanged when it throws. Nested calls join
    /// the outer transaction.
    ///
    /// - Returns: the operations written and the events they caused.
    ///
    /// Inlinable, so that it is specialised for the caller's `body` and error type: called
    /// generically from another module, the closure and its error went through the runtime's
    /// generic paths at every keystroke.
    @inlinable
    @discardableResult
    public mutating func transact<E: Error>(origin: Origin? = nil, _ body: (inout Document) throws(E) -> Void) throws(E) -> Commit {
        guard beginTransaction(origin: origin) else {
            try body(&self)
            return .joined
        }
        do {
            try body(&self)
        } catch {
            _ = commit()
            throw error
        }
        return commit()
    }

    /// Opens a transaction as `origin` (``origin`` by default) that records events, unless
    /// one is open already; returns whether it did. The non-generic half of
    /// ``transact(origin:_:)``.
    @usableFromInline
    mutating func beginTransaction(origin: Origin?) -> Bool {
        if open != nil { return false }
        if let origin {
            begin(origin: origin, recordsEvents: true)
        } else {
            beginAsOwnOrigin(recordsEvents: true)
        }
        return true
    }

    /// Runs `body` in a transaction when none is open; used by the single-call writers.
    @inline(__always)
    mutating func write<R>(_ body: (inout Document) throws(DocumentError) -> R) throws(DocumentError) -> R {
        if open != nil { return try body(&self) }
        beginAsOwnOrigin(recordsEvents: false)
        defer { _ = commit() }
        return try body(&self)
    }

    mutating func begin(origin: borrowing Origin, recordsEvents: Bool, undoKind: UndoKind = .none) {
        ensureHistory()
        // Interned now, so the open transaction holds an index, not four strings to copy and release.
        begin(originIndex: core.origins.index(of: origin), recordsEvents: recordsEvents, undoKind: undoKind)
    }

    /// ``begin(origin:recordsEvents:undoKind:)`` as ``origin``, read in place (passed from a
    /// caller that mutates the document, it was copied, its strings retained and released,
    /// for every keystroke) and interned once (see ``DocumentCore/ownOriginIndex``).
    mutating func beginAsOwnOrigin(recordsEvents: Bool, undoKind: UndoKind = .none) {
        ensureHistory()
        if core.ownOriginIndex == .max { core.ownOriginIndex = core.origins.index(of: origin) }
        begin(originIndex: core.ownOriginIndex, recordsEvents: recordsEvents, undoKind: undoKind)
    }

    private mutating func begin(originIndex: UInt32, recordsEvents: Bool, undoKind: UndoKind) {
        // The last transaction's events, when there were several, stay in the buffer until
        // now (see ``commit()``): when its caller dropped them the storage is reused here,
        // not allocated afresh.
        if recordsEvents, !openEvents.isEmpty { openEvents.removeAll(keepingCapacity: true) }
        let local = core.local
        let previous = ItemID(replica: local, counter: core.clock[Int(local)])
        // The common case, typing: the only head is this replica's own last change, which the
        // change's first counter implies — no dependency to store, no array to allocate.
        if !(core.frontier.count == 1 && core.frontier[0] == previous) {
            openDependencies = core.frontier
            if let i = openDependencies.firstIndex(of: previous) { openDependencies.remove(at: i) }
        }
        open = OpenTransaction(
            origin: originIndex, startCounter: core.clock[Int(local)] + 1, startLamport: core.maxLamport + 1,
            opStart: core.ops.count, recordsEvents: recordsEvents, timestamp: Document.now(), undoKind: undoKind)
    }

    /// Commits the open transaction (none: an empty commit).
    @usableFromInline
    mutating func commit() -> Commit {
        guard let tx = open.take() else { return Commit(operations: nil, recorded: .none) }
        // A keystroke's one plain event moves into the commit as data. Other events are
        // shared, not copied: the next recording transaction empties the buffer, in place
        // when the caller has dropped this commit. A large buffer is let go now instead.
        var events = RecordedEvents.none
        if !openPlainEvent.isNone {
            events.plain = openPlainEvent
            openPlainEvent = .none
        } else if tx.recordsEvents && !openEvents.isEmpty {
            events.many = openEvents
            if openEvents.capacity > Document.retainedEventCapacity { openEvents = [] }
        }
        let depCount = openDependencies.count
        let depStart = core.deps.count
        let opCount = core.ops.count - tx.opStart
        if depCount > 0 {
            if opCount > 0 { core.deps.append(contentsOf: openDependencies) }
            openDependencies.removeAll()
        }
        guard opCount > 0 else { return Commit(operations: nil, recorded: events) }
        let local = core.local
        let end = core.clock[Int(local)]
        let width = end - tx.startCounter + 1
        let record = ChangeRecord(
            replica: local, startCounter: tx.startCounter, width: width, opStart: UInt32(tx.opStart),
            opCount: UInt32(opCount), depStart: UInt32(depStart), depCount: UInt32(depCount),
            origin: tx.origin, startLamport: tx.startLamport, timestamp: tx.timestamp)
        let logged = core.appendToLog(record)
        // The change depends on every head, so it is now the only one.
        if core.frontier.count == 1 {
            core.frontier[0] = ItemID(replica: local, counter: end)
        } else {
            core.frontier = [ItemID(replica: local, counter: end)]
        }
        let lastLamport = tx.startLamport + UInt64(width) - 1
        if lastLamport > core.maxLamport { core.maxLamport = lastLamport }
        if !undo.recordLocalOfKnownOrigin(change: logged, originIndex: tx.origin, timestamp: tx.timestamp, kind: tx.undoKind) {
            undo.recordLocalCreatingStacks(change: logged, originIndex: tx.origin, in: core.origins, timestamp: tx.timestamp,
                                          kind: tx.undoKind)
        }
        let first = core.opID(ItemID(replica: local, counter: tx.startCounter))
        let last = core.opID(ItemID(replica: local, counter: end))
        return Commit(operations: first...last, recorded: events)
    }

    /// The most events whose storage a document keeps between transactions.
    static let retainedEventCapacity = 64

    /// Wall-clock time for ``Change/timestamp``, in milliseconds but at whole-second
    /// resolution: timestamps are for display only, and runs of changes made within one
    /// second then encode to almost nothing (a typing session is thousands of changes).
    ///
    /// On Linux the coarse clock is read: it is the time of the last timer tick (a few
    /// milliseconds behind at most, which whole seconds cannot show) and costs about 10 ns,
    /// where the precise clock cost 45 ns on the benchmark VM, a tenth of a keystroke.
    static func now() -> Int64 {
        var ts = timespec()
        #if os(Linux)
        clock_gettime(CLOCK_REALTIME_COARSE, &ts)
        #else
        clock_gettime(CLOCK_REALTIME, &ts)
        #endif
        return Int64(ts.tv_sec) * 1000
    }

    /// Takes the next `width` counters of the open transaction; returns the first ID and its Lamport time.
    @inline(__always)
    mutating func nextCounters(_ width: UInt32) throws(DocumentError) -> (ItemID, UInt64) {
        let local = core.local
        let current = core.clock[Int(local)]
        guard UInt64(current) + UInt64(width) < UInt64(UInt32.max) else { throw .counterOverflow }
        let first = current + 1
        core.clock[Int(local)] = current + width
        let lamport = (open?.startLamport ?? core.maxLamport + 1) + UInt64(first - (open?.startCounter ?? first))
        return (ItemID(replica: local, counter: first), lamport)
    }

    /// Records an event when the open transaction collects them (implicit single-call
    /// transactions do not, so the hot path builds no event values).
    @inline(__always)
    mutating func emit(_ event: @autoclosure () -> DocumentEvent) {
        if open?.recordsEvents == true {
            spillPlainEvent()
            openEvents.append(event())
        }
    }

    /// Records an event of a plain kind: as ``openPlainEvent`` when it is the transaction's
    /// first, else after the others.
    @inline(__always)
    mutating func emitPlain(_ kind: PlainEvent.Kind, object: ObjectID, index: Int, value: Int64) {
        guard open?.recordsEvents == true else { return }
        let event = PlainEvent(kind: kind, object: object, index: index, value: value)
        if openPlainEvent.isNone && openEvents.isEmpty {
            openPlainEvent = event
        } else {
            spillPlainEvent()
            if let event = event.event { openEvents.append(event) }
        }
    }

    /// Moves ``openPlainEvent`` into ``openEvents``, ahead of an event that follows it.
    @inline(__always)
    mutating func spillPlainEvent() {
        if let event = openPlainEvent.event {
            openEvents.append(event)
            openPlainEvent = .none
        }
    }

    // MARK: Maps

    /// Sets `key` of map `object` to a scalar `value`.
    ///
    /// To nest an object use ``makeObject(_:forKey:in:)``. Complexity: amortised O(1).
    public mutating func set(_ key: String, to value: Value, in object: ObjectID = .root) throws(DocumentError) {
        if case .object(let target) = value { try validateAttach(target) }
        _ = try write { (doc: inout Document) throws(DocumentError) in
            try doc.writeRegister(key: key, in: object, kind: .set, value: value, objectKind: .map)
        }
    }

    /// Creates a nested object of `kind` under `key` of map `object` and returns its ID.
    @discardableResult
    public mutating func makeObject(_ kind: ObjectKind, forKey key: String, in object: ObjectID = .root) throws(DocumentError) -> ObjectID {
        try write { (doc: inout Document) throws(DocumentError) in
            try doc.writeRegister(key: key, in: object, kind: .make, value: nil, objectKind: kind)
        }
    }

    /// Deletes `key` from map `object` (a write of "absent"; concurrent writes may still win).
    public mutating func delete(_ key: String, in object: ObjectID = .root) throws(DocumentError) {
        try write { (doc: inout Document) throws(DocumentError) in
            _ = try doc.writeRegister(key: key, in: object, kind: .delete, value: nil, objectKind: .map)
        }
    }

    @discardableResult
    mutating func writeRegister(key: String, in object: ObjectID, kind: OpKind, value: Value?, objectKind: ObjectKind) throws(DocumentError) -> ObjectID {
        let (objectItem, slot) = try core.writeSlot(object, kind: .map)
        let keyIndex = core.keys.index(of: key)
        let existing = core.maps[Int(slot.index)].registers[keyIndex]
        if kind == .delete, existing == nil || (existing!.winner.isAbsent && existing!.others.isEmpty) {
            return object  // nothing to delete; writing "absent" over nothing is a no-op
        }
        let (id, lamport) = try nextCounters(1)
        let predStart = core.preds.count
        if let existing {
            core.preds.append(existing.winner.id)
            for other in existing.others { core.preds.append(other.id) }
        }
        let predCount = core.preds.count - predStart
        var valueIndex = OpRecord.absent
        var result = object
        switch kind {
        case .make:
            result = core.objectID(id)
            valueIndex = core.makeObject(id, kind: objectKind, parent: objectItem, keyIndex: keyIndex)
        case .set:
            valueIndex = UInt32(core.values.count)
            core.values.append(value ?? .null)
            if case .object(let target)? = value, let item = core.itemID(target) {
                core.reparent(item, to: objectItem, key: UInt64(keyIndex))
            }
        default:
            break
        }
        core.ops.append(OpRecord(
            object: objectItem, a: UInt64(keyIndex), payload: valueIndex, count: UInt32(predCount),
            predStart: UInt32(predStart), kind: kind, objectKind: objectKind))
        let entry = RegisterEntry(id: id, lamport: lamport, value: valueIndex)
        // A local write overwrites every live value, so it is the sole entry.
        core.maps[Int(slot.index)].registers[keyIndex] = Register(entry)
        if open?.recordsEvents == true {
            let newValue = valueIndex == OpRecord.absent ? nil : core.values[Int(valueIndex)]
            spillPlainEvent()
            openEvents.append(.mapSet(object: object, key: key, value: newValue))
        }
        return result
    }

    /// Re-attaching an existing object is allowed (undo does it) but never the root or an ancestor cycle.
    func validateAttach(_ target: ObjectID) throws(DocumentError) {
        guard !target.isRoot else { throw .invalidOperation("the root map cannot be nested") }
        guard contains(target) else { throw .unknownObject(target) }
    }

    // MARK: Lists

    /// Inserts `values` into list `object` so the first lands at `index`.
    ///
    /// Complexity: O(log n + k) for k values.
    public mutating func insert(contentsOf values: [Value], at index: Int, in object: ObjectID) throws(DocumentError) {
        guard !values.isEmpty else { return }
        for value in values { if case .object(let target) = value { try validateAttach(target) } }
        try write { (doc: inout Document) throws(DocumentError) in
            let (objectItem, slot) = try doc.core.writeSlot(object, kind: .list)
            let s = Int(slot.index)
            let count = doc.core.sequences[s].tree.visibleCount
            guard index >= 0, index <= count else { throw .indexOutOfBounds(index: index, count: count) }
            let (first, _) = try doc.nextCounters(UInt32(values.count))
            let offset = doc.core.sequences[s].elements.count
            doc.core.sequences[s].elements.append(contentsOf: values)
            let origins = doc.core.sequences[s].tree.insertLocal(
                at: index, first: first, count: values.count, contentOffset: offset, index: &doc.core.itemIndex)
            for (k, value) in values.enumerated() {
                if case .object(let target) = value, let item = doc.core.itemID(target) {
                    doc.core.reparent(item, to: objectItem, key: first.advanced(by: k).raw)
                }
            }
            doc.core.ops.append(OpRecord(
                object: objectItem, a: ItemID(origins.originLeft).raw, b: ItemID(origins.originRight).raw,
                payload: UInt32(offset), count: UInt32(values.count), kind: .insert))
            doc.emit(.listInsert(object: object, index: index, values: values))
        }
    }

    /// Inserts one value into list `object` at `index`.
    public mutating func insert(_ value: Value, at index: Int, in object: ObjectID) throws(DocumentError) {
        try insert(contentsOf: [value], at: index, in: object)
    }

    /// Appends one value to list `object`.
    public mutating func append(_ value: Value, to object: ObjectID) throws(DocumentError) {
        try insert(contentsOf: [value], at: try count(of: object), in: object)
    }

    /// Inserts a new nested object of `kind` into list `object` at `index` and returns its ID.
    @discardableResult
    public mutating func insertObject(_ kind: ObjectKind, at index: Int, in object: ObjectID) throws(DocumentError) -> ObjectID {
        try write { (doc: inout Document) throws(DocumentError) in
            let (objectItem, slot) = try doc.core.writeSlot(object, kind: .list)
            let s = Int(slot.index)
            let count = doc.core.sequences[s].tree.visibleCount
            guard index >= 0, index <= count else { throw .indexOutOfBounds(index: index, count: count) }
            let (id, _) = try doc.nextCounters(1)
            let newObject = doc.core.objectID(id)
            let offset = doc.core.sequences[s].elements.count
            doc.core.sequences[s].elements.append(.object(newObject))
            let origins = doc.core.sequences[s].tree.insertLocal(
                at: index, first: id, count: 1, contentOffset: offset, index: &doc.core.itemIndex)
            doc.core.createObject(id, kind: kind, parent: objectItem, parentKey: id.raw)
            doc.core.ops.append(OpRecord(
                object: objectItem, a: ItemID(origins.originLeft).raw, b: ItemID(origins.originRight).raw,
                payload: UInt32(offset), count: 1, kind: .insertObject, objectKind: kind))
            doc.emit(.listInsert(object: object, index: index, values: [.object(newObject)]))
            return newObject
        }
    }

    /// Appends a new nested object of `kind` to list `object`.
    @discardableResult
    public mutating func appendObject(_ kind: ObjectKind, to object: ObjectID) throws(DocumentError) -> ObjectID {
        try insertObject(kind, at: try count(of: object), in: object)
    }

    /// Removes `count` elements (list values or text scalars) starting at `index`.
    ///
    /// Complexity: O(log n + runs touched).
    public mutating func remove(at index: Int, count: Int = 1, in object: ObjectID) throws(DocumentError) {
        guard count > 0 else { return }
        try write { (doc: inout Document) throws(DocumentError) in
            let (objectItem, slot) = try doc.core.writeSequenceSlot(object)
            let s = Int(slot.index)
            let total = doc.core.sequences[s].tree.visibleCount
            guard index >= 0, index + count <= total else { throw .indexOutOfBounds(index: index + count, count: total) }
            let removed = doc.core.sequences[s].tree.deleteLocal(at: index, count: count, index: &doc.core.itemIndex)
            for run in removed {
                _ = try doc.nextCounters(1)
                doc.core.ops.append(OpRecord(object: objectItem, a: run.first.raw, count: UInt32(run.count), kind: .remove))
            }
            doc.emitPlain(slot.kind == .text ? .textRemove : .listRemove, object: object, index: index, value: Int64(count))
        }
    }

    // MARK: Text

    /// Inserts `text` into text object `object` at Unicode-scalar offset `index`.
    ///
    /// Complexity: O(log n + k) for k scalars; typing at a cursor extends one run in place.
    public mutating func insertText(_ text: String, at index: Int, in object: ObjectID) throws(DocumentError) {
        // One typed ASCII character, the commonest text, is counted and stored without
        // walking the string twice.
        let typed = text.singleASCIIScalar
        let width = typed == nil ? text.scalarCount : 1
        guard width > 0 else { return }
        try write { (doc: inout Document) throws(DocumentError) in
            let (objectItem, slot) = try doc.core.writeSlot(object, kind: .text)
            let s = Int(slot.index)
            let count = doc.core.sequences[s].tree.visibleCount
            guard index >= 0, index <= count else { throw .indexOutOfBounds(index: index, count: count) }
            let (first, _) = try doc.nextCounters(UInt32(width))
            let (offset, origins) = doc.core.sequences[s].insertTextLocally(
                text, typed: typed, width: width, at: index, first: first, index: &doc.core.itemIndex)
            doc.core.ops.append(OpRecord(
                object: objectItem, a: ItemID(origins.originLeft).raw, b: ItemID(origins.originRight).raw,
                payload: UInt32(offset), count: UInt32(width), kind: .insertText))
            if width == 1 {
                let scalar = typed ?? text.unicodeScalars.first!
                doc.emitPlain(.textInsert, object: object, index: index, value: Int64(scalar.value))
            } else {
                doc.emit(.textInsert(object: object, index: index, text: text))
            }
        }
    }

    /// Replaces `deleting` scalars at `index` with `text` in one transaction step.
    public mutating func splice(_ object: ObjectID, at index: Int, deleting: Int, inserting text: String) throws(DocumentError) {
        try write { (doc: inout Document) throws(DocumentError) in
            if deleting > 0 { try doc.remove(at: index, count: deleting, in: object) }
            if !text.isEmpty { try doc.insertText(text, at: index, in: object) }
        }
    }

    // MARK: Counters

    /// Adds `delta` to counter `object`.
    public mutating func increment(_ object: ObjectID, by delta: Int64 = 1) throws(DocumentError) {
        try write { (doc: inout Document) throws(DocumentError) in
            let (objectItem, slot) = try doc.core.writeSlot(object, kind: .counter)
            _ = try doc.nextCounters(1)
            doc.core.counters[Int(slot.index)] &+= delta
            doc.core.ops.append(OpRecord(object: objectItem, a: UInt64(bitPattern: delta), kind: .increment))
            doc.emitPlain(.counterIncrement, object: object, index: 0, value: delta)
        }
    }
}
