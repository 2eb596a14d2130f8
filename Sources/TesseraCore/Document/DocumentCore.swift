import CZlib

/// The internal storage of a document: interned tables, the operation log in compact POD
/// records, and the materialised state of every object.
///
/// Hot paths run on integers: replicas are document-local indices (`UInt32`, 0 reserved for
/// "none"), operation and element IDs are packed ``ItemID``s, map keys are interned.
struct DocumentCore: Sendable {
    var replicas = ReplicaTable()
    /// The local replica's index in ``replicas``.
    var local: UInt32 = 0
    /// Highest counter applied, per replica index (index 0 unused).
    var clock: [UInt32] = [0]
    /// Highest Lamport timestamp seen.
    var maxLamport: UInt64 = 0
    /// Operations no other applied operation builds upon (packed IDs), i.e. the heads.
    var frontier: [ItemID] = []

    // MARK: History
    /// The log: one record per change, or per run of changes (see ``ChangeRecord/run``).
    var changes: [ChangeRecord] = []
    /// Per replica index: indices into ``changes`` in counter order.
    var changesByReplica: [[Int32]] = [[]]
    /// How many changes joined a run instead of getting a record of their own: the log holds
    /// `changes.count + runJoins` changes and `ops.count + runJoins` operations.
    var runJoins = 0
    var ops: [OpRecord] = []
    /// Dependencies of changes (packed), referenced by ``ChangeRecord/depStart``.
    var deps: [ItemID] = []
    /// Predecessors of map operations, referenced by ``OpRecord/predStart``.
    var preds: [ItemID] = []
    /// Values written by map operations, referenced by ``OpRecord/payload``.
    var values: [Value] = []
    var keys = KeyTable()
    var origins = OriginTable()
    /// The index in ``origins`` of the document's own ``Document/origin``, or `UInt32.max`
    /// until a local transaction interns it; cleared when the document's origin changes.
    /// Kept here, beside the table it indexes, so that a core put in place of another (a
    /// snapshot opened, an apply rolled back) brings the index that fits its table.
    /// Comparing the origin with the table's last one, four strings, was 4 % of typing.
    var ownOriginIndex = UInt32.max

    // MARK: State
    var objects: PackedMap<ItemID, ObjectSlot> = {
        var objects = PackedMap<ItemID, ObjectSlot>()
        objects[ItemID.none] = ObjectSlot(kind: .map, index: 0, parent: .none, parentKey: 0)
        return objects
    }() {
        didSet { slotCache = nil }
    }
    /// The object the writers touched last (see ``writeSlot(_:kind:)``); cleared whenever
    /// `objects` changes.
    var slotCache: SlotCache?
    var maps: [MapState] = [MapState()]

    /// Starts loading map `index`'s state (see ``ChangeDecoder``'s lookahead).
    @inline(__always)
    func prefetchMap(_ index: Int32) {
        maps.withUnsafeBufferPointer { maps in
            guard index >= 0, Int(index) < maps.count else { return }
            tessera_prefetch(maps.baseAddress! + Int(index))
        }
    }

    /// Starts loading map `index`'s registers (once its state is loaded; see
    /// ``ChangeDecoder``'s lookahead).
    @inline(__always)
    func prefetchRegisters(ofMap index: Int32) {
        maps.withUnsafeBufferPointer { maps in
            guard index >= 0, Int(index) < maps.count, let offset = MemoryLayout<MapState>.offset(of: \MapState.registers)
            else { return }
            PackedMap<UInt32, Register>.prefetch(at: UnsafeRawPointer(maps.baseAddress! + Int(index)) + offset)
        }
    }
    var sequences: [SequenceState] = []
    var counters: [Int64] = []
    var itemIndex = ItemIndex()

    // MARK: Causality
    var pending = PendingBuffer()

    // MARK: Deferred history
    /// Set while a document loaded from a snapshot's materialised state has not needed its
    /// history yet (see ``DeferredHistory``); the log arrays above are empty until then.
    var deferred: DeferredHistory?
    /// Why a deferred history could not be decoded, if it could not.
    var historyError: EncodingError?
    /// Set when a lazily opened snapshot did not decode (see ``UnopenedSnapshot``): the core
    /// is empty, and every object lookup (``slot(_:)``) throws, so it refuses every write and
    /// every read that names an object.
    var loadFailure: LoadFailure?

    // MARK: Undo
    /// Elements that undo or redo re-created as new elements: original → copy (local only).
    /// Later undo steps follow the chain so "delete what step N inserted" reaches the copy,
    /// as Yjs's `redone` links do.
    var restored: [ItemID: ItemID] = [:]

    /// Register writes made by undo or redo: the new operation → the operation whose value it
    /// put back. An undo step that owns the original also owns its restorations.
    var rewrittenFrom: [ItemID: ItemID] = [:]

    /// Whether register operation `id` is, or restores (transitively), one of `owned`.
    func isOwned(_ id: ItemID, by owned: Set<ItemID>) -> Bool {
        var current = id
        for _ in 0..<1_000 {
            if owned.contains(current) { return true }
            guard let next = rewrittenFrom[current] else { return false }
            current = next
        }
        return false
    }

    /// The newest copy of element `id` (itself if never restored).
    func latest(_ id: ItemID) -> ItemID {
        var current = id
        var steps = 0
        while let next = restored[current], steps < 1_000 {
            current = next
            steps += 1
        }
        return current
    }

    init() {}

    init(replica: ReplicaID) {
        local = replicas.index(of: replica)
        ensureClock(local)
    }

    mutating func ensureClock(_ replica: UInt32) {
        while clock.count <= Int(replica) {
            clock.append(0)
            changesByReplica.append([])
        }
    }

    /// The replica index for `id`, registering it if new.
    mutating func replicaIndex(_ id: ReplicaID) -> UInt32 {
        let index = replicas.index(of: id)
        ensureClock(index)
        return index
    }

    func itemID(_ id: OpID) -> ItemID? {
        guard let r = replicas.existingIndex(of: id.replica), id.counter <= UInt64(UInt32.max) else { return nil }
        return ItemID(replica: r, counter: UInt32(id.counter))
    }

    func opID(_ id: ItemID) -> OpID {
        OpID(replica: replicas.ids[Int(id.replica)], counter: UInt64(id.counter))
    }

    func objectID(_ id: ItemID) -> ObjectID {
        id == .none ? .root : ObjectID(opID(id))
    }

    func itemID(_ object: ObjectID) -> ItemID? {
        guard let creator = object.creator else { return ItemID.none }
        return itemID(creator)
    }

    /// The global replica key used for deterministic tie-breaks.
    @inline(__always)
    func replicaKey(_ index: UInt32) -> UInt64 { replicas.ids[Int(index)].rawValue }

    func slot(_ object: ObjectID) throws(DocumentError) -> (ItemID, ObjectSlot) {
        if let cached = slotCache, cached.object == object { return (cached.item, cached.slot) }
        if let loadFailure { throw .notLoaded(loadFailure.error) }
        guard let id = itemID(object), let slot = objects[id] else { throw .unknownObject(object) }
        return (id, slot)
    }

    /// ``slot(_:kind:)`` for the writers: remembers the answer, so a run of edits to one
    /// object (typing) skips the two hash lookups.
    ///
    /// The cache is read here, inline, before anything is called: calling the non-mutating
    /// lookup on `self` made the compiler copy the whole core (488 bytes) to the stack first,
    /// once per keystroke.
    @inline(__always)
    mutating func writeSlot(_ object: ObjectID, kind: ObjectKind) throws(DocumentError) -> (ItemID, ObjectSlot) {
        if let cached = slotCache, cached.object == object, cached.slot.kind == kind { return (cached.item, cached.slot) }
        return try writeSlotLookingUp(object, kind: kind)
    }

    @inline(never)
    private mutating func writeSlotLookingUp(_ object: ObjectID, kind: ObjectKind) throws(DocumentError) -> (ItemID, ObjectSlot) {
        let (id, slot) = try slot(object, kind: kind)
        slotCache = SlotCache(object: object, item: id, slot: slot)
        return (id, slot)
    }

    /// ``sequenceSlot(_:)`` for the writers (see ``writeSlot(_:kind:)``).
    @inline(__always)
    mutating func writeSequenceSlot(_ object: ObjectID) throws(DocumentError) -> (ItemID, ObjectSlot) {
        if let cached = slotCache, cached.object == object, cached.slot.kind == .list || cached.slot.kind == .text {
            return (cached.item, cached.slot)
        }
        return try writeSequenceSlotLookingUp(object)
    }

    @inline(never)
    private mutating func writeSequenceSlotLookingUp(_ object: ObjectID) throws(DocumentError) -> (ItemID, ObjectSlot) {
        let (id, slot) = try sequenceSlot(object)
        slotCache = SlotCache(object: object, item: id, slot: slot)
        return (id, slot)
    }

    func slot(_ object: ObjectID, kind: ObjectKind) throws(DocumentError) -> (ItemID, ObjectSlot) {
        let (id, slot) = try slot(object)
        guard slot.kind == kind else { throw .wrongKind(object, expected: kind, found: slot.kind) }
        return (id, slot)
    }

    func sequenceSlot(_ object: ObjectID) throws(DocumentError) -> (ItemID, ObjectSlot) {
        let (id, slot) = try slot(object)
        guard slot.kind == .list || slot.kind == .text else {
            throw .wrongKind(object, expected: .list, found: slot.kind)
        }
        return (id, slot)
    }

    /// Records that object `item`, if the document holds it, now sits at `key` of `parent`
    /// (an interned key in a map, an element's packed ID in a list). One lookup: two
    /// optional-chained assignments were two `_modify` coroutines, each with its frame on the
    /// heap, at every write that elects an object.
    mutating func reparent(_ item: ItemID, to parent: ItemID, key: UInt64) {
        objects.withValue(forKey: item) { (slot: inout ObjectSlot?) in
            guard slot != nil else { return }
            slot!.parent = parent
            slot!.parentKey = key
        }
    }

    /// Registers a new object created by operation `id`.
    /// For a `make` with ID `id` writing key `keyIndex` of `parent`: logs the new object as the
    /// operation's value and creates it. Returns the value's index in the log.
    mutating func makeObject(_ id: ItemID, kind: ObjectKind, parent: ItemID, keyIndex: UInt32) -> UInt32 {
        let valueIndex = UInt32(values.count)
        values.append(.object(objectID(id)))
        createObject(id, kind: kind, parent: parent, parentKey: UInt64(keyIndex))
        return valueIndex
    }

    mutating func createObject(_ id: ItemID, kind: ObjectKind, parent: ItemID, parentKey: UInt64) {
        let index: Int32
        switch kind {
        case .map:
            index = Int32(maps.count)
            maps.append(MapState())
        case .list, .text:
            index = Int32(sequences.count)
            sequences.append(SequenceState(kind: kind))
        case .counter:
            index = Int32(counters.count)
            counters.append(0)
        }
        objects[id] = ObjectSlot(kind: kind, index: index, parent: parent, parentKey: parentKey)
    }

    /// Advances the clock, Lamport time and frontier after a change has been applied.
    mutating func recordApplied(replica: UInt32, start: UInt32, width: UInt32, lamport: UInt64, dependencies: ArraySlice<ItemID>) {
        let last = ItemID(replica: replica, counter: start + width - 1)
        if !dependencies.isEmpty || start > 1 {
            // Heads built upon by this change leave the frontier (see DESIGN §2; the update is
            // exact because a dependency is always a head at the time the change was made).
            let previous = ItemID(replica: replica, counter: start - 1)
            // The usual case, a replica going on from its own last change, replaces it in
            // place: the same frontier, in the same order, as removing it and appending.
            if dependencies.isEmpty, let end = frontier.indices.last, frontier[end] == previous,
               !frontier[..<end].contains(previous) {
                frontier[end] = last
            } else {
                frontier.removeAll { $0 == previous || dependencies.contains($0) }
                frontier.append(last)
            }
        } else {
            frontier.append(last)
        }
        clock[Int(replica)] = start + width - 1
        let lastLamport = lamport + UInt64(width) - 1
        if lastLamport > maxLamport { maxLamport = lastLamport }
    }
}

/// A resolved object: its public ID, its item ID and its slot.
struct SlotCache: Sendable {
    var object: ObjectID
    var item: ItemID
    var slot: ObjectSlot
}

/// Where an object's state lives.
struct ObjectSlot: Sendable {
    var kind: ObjectKind
    /// Index into `maps`, `sequences` or `counters`.
    var index: Int32
    /// The containing object (``ItemID/none`` for children of the root, and for the root).
    var parent: ItemID
    /// In a map parent: the interned key; in a list parent: the element's packed ID.
    var parentKey: UInt64
}

/// A change in the log, as POD; or a run of changes (``run`` > 1).
struct ChangeRecord: Sendable {
    var replica: UInt32
    var startCounter: UInt32
    var width: UInt32
    var opStart: UInt32
    var opCount: UInt32
    var depStart: UInt32
    var depCount: UInt32
    var origin: UInt32
    var startLamport: UInt64
    var timestamp: Int64
    /// How many changes the record stands for. Usually 1. A run (see
    /// ``DocumentCore/appendToLog(_:)``) is `run` consecutive changes of `replica` that each
    /// made one operation of width 1 (typing, backspacing) with consecutive Lamport times, one
    /// origin and one timestamp, and no dependency beyond the previous change of the run
    /// (the first change's dependencies are the record's). Its one operation record stands
    /// for all of them: change `k` of an insert run inserted element `payload + k` after
    /// element `k - 1` of the run (the first after `a`) and before `b`; change `k` of a remove
    /// run removed element `a + k` (`a - k` if ``OpRecord/descending``).
    var run: UInt32 = 1

    var endCounter: UInt32 { startCounter + width }
}

/// The operation kinds as stored.
enum OpKind: UInt8, Sendable {
    case set, make, delete, insert, insertObject, insertText, remove, increment
}

/// An operation in the log, as POD. Field use depends on ``kind``:
/// - set/make/delete: `a` = key index, `payload` = value index (``OpRecord/absent`` for delete),
///   `count` preds starting at `predStart` in `preds` (a register can hold any number of
///   concurrent values, so the count is 32-bit like the rest).
/// - insert/insertObject/insertText: `a` = origin left, `b` = origin right, `payload` = content offset, `count` = width.
/// - remove: `a` = first target, `count` = number of elements.
/// - increment: `a` = the delta's bit pattern.
struct OpRecord: Sendable {
    var object: ItemID
    var a: UInt64
    var b: UInt64 = 0
    var payload: UInt32 = 0
    var count: UInt32 = 1
    var predStart: UInt32 = 0
    var kind: OpKind
    /// For make/insertObject: the new object's kind.
    var objectKind: ObjectKind = .map
    /// For the remove operation of a run of changes (``ChangeRecord/run``): whether each change
    /// removed the element before the previous one's (backspacing) rather than after it.
    var descending = false

    static let absent = UInt32.max

    /// Map operations: how many predecessors.
    var predCount: UInt32 { count }

    /// How many counters the operation takes.
    var width: UInt32 { kind == .insert || kind == .insertText ? count : 1 }
}

/// Interned replica IDs. Index 0 is reserved so a packed ID of 0 can mean "none".
struct ReplicaTable: Sendable {
    var ids: [ReplicaID] = [ReplicaID(unchecked: 0)]
    var lookup = PackedMap<ReplicaID, UInt32>()
    /// The last replica looked up: a change's operations and references mostly name one.
    private var last: (id: ReplicaID, index: UInt32)?

    mutating func index(of id: ReplicaID) -> UInt32 {
        if let last, last.id == id { return last.index }
        if let index = lookup[id] {
            last = (id, index)
            return index
        }
        let index = UInt32(ids.count)
        ids.append(id)
        lookup[id] = index
        last = (id, index)
        return index
    }

    func existingIndex(of id: ReplicaID) -> UInt32? {
        if let last, last.id == id { return last.index }
        return lookup[id]
    }
}

/// Interned strings, told apart by their UTF-8 bytes (``Swift/String/hasSameUTF8(as:)``):
/// the document's map keys, and an export's string table.
struct KeyTable: Sendable {
    private(set) var strings: [String] = []
    /// Open-addressed index: 0 = empty, otherwise 1 + the key's index. A power of two in size
    /// (or empty), under 5/8 full.
    private var slots: [UInt32] = []
    /// Per key, the low 32 bits of its hash (the index never has more slots).
    private var hashes: [UInt32] = []
    /// Keyed like ``PackedMap``: a peer cannot choose keys that collide.
    private var seed: UInt64 = PackedMapSeed.value

    /// Up to this many keys are found by comparing: canvas maps have a dozen short keys,
    /// and comparing small strings is cheaper than hashing one.
    private static let scanLimit = 24

    /// The index of `key`, if interned.
    func existingIndex(of key: String) -> UInt32? {
        if slots.isEmpty {
            return strings.firstIndex { $0.hasSameUTF8(as: key) }.map { UInt32($0) }
        }
        return probe(key, hash: hash(key)).index
    }

    /// Where `key`, hashed `h`, is in the index: its index if interned, and the slot its
    /// probe ended at (the free slot it would take if not). The index must have slots.
    private func probe(_ key: String, hash h: UInt64) -> (index: UInt32?, slot: Int) {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let stored = slots[slot]
            if stored == 0 { return (nil, slot) }
            // The kept hashes first: a probe passes other keys' slots, and comparing bytes
            // (through `withUTF8` for each) cost more than hashing.
            if hashes[Int(stored) - 1] == UInt32(truncatingIfNeeded: h), strings[Int(stored) - 1].hasSameUTF8(as: key) {
                return (stored - 1, slot)
            }
            slot = (slot &+ 1) & mask
        }
    }

    /// The index of `key`, interned if it is not yet. A new key is hashed once: the probe that
    /// did not find it ends at the free slot it takes, and its hash is kept for growing the
    /// index (a map of ten thousand shapes interns as many keys).
    mutating func index(of key: String) -> UInt32 {
        guard !slots.isEmpty else {
            if let index = strings.firstIndex(where: { $0.hasSameUTF8(as: key) }) { return UInt32(index) }
            strings.append(key)
            hashes.append(UInt32(truncatingIfNeeded: hash(key)))
            if strings.count > Self.scanLimit { rehash(64) }
            return UInt32(strings.count - 1)
        }
        let h = hash(key)
        let (existing, slot) = probe(key, hash: h)
        if let existing { return existing }
        let index = UInt32(strings.count)
        strings.append(key)
        hashes.append(UInt32(truncatingIfNeeded: h))
        if strings.count * 8 > slots.count * 5 {
            rehash(slots.count * 2)
        } else {
            slots[slot] = index + 1
        }
        return index
    }

    /// Rebuilds the index with `size` slots from the kept hashes.
    private mutating func rehash(_ size: Int) {
        slots = [UInt32](repeating: 0, count: size)
        let mask = size - 1
        for (i, h) in hashes.enumerated() {
            var slot = Int(h) & mask
            while slots[slot] != 0 { slot = (slot &+ 1) & mask }
            slots[slot] = UInt32(i) + 1
        }
    }

    /// A seeded multiply-xorshift hash of the key's UTF-8, eight bytes at a time: map keys are
    /// short, and `Hasher`'s SipHash cost more than the register write it found the key for.
    private func hash(_ key: String) -> UInt64 {
        var key = key
        return key.withUTF8 { bytes in
            var h = seed ^ UInt64(bytes.count)
            var i = 0
            while i + 8 <= bytes.count {
                h = PackedMapSeed.mix(h ^ UInt64(littleEndian: UnsafeRawPointer(bytes.baseAddress! + i).loadUnaligned(as: UInt64.self)))
                i += 8
            }
            if i < bytes.count {
                var tail: UInt64 = 0
                for k in i..<bytes.count { tail |= UInt64(bytes[k]) << (UInt64(k - i) * 8) }
                h = PackedMapSeed.mix(h ^ tail)
            }
            return PackedMapSeed.mix(h)
        }
    }
}

/// Interned origins; most documents have a handful.
struct OriginTable: Sendable {
    var origins: [Origin] = []
    var lookup: [Origin: UInt32] = [:]
    /// One-entry cache: consecutive changes almost always share their origin. Two plain
    /// fields, compared in place: binding an optional `(origin, index)` pair copied the
    /// origin (retaining and releasing its strings) on every transaction.
    private var lastOrigin = Origin.anonymous
    private var lastIndex = UInt32.max

    mutating func index(of origin: Origin) -> UInt32 {
        if lastIndex != UInt32.max, lastOrigin == origin { return lastIndex }
        return indexLookingUp(origin)
    }

    @inline(never)
    private mutating func indexLookingUp(_ origin: Origin) -> UInt32 {
        let index: UInt32
        if let existing = lookup[origin] {
            index = existing
        } else {
            index = UInt32(origins.count)
            origins.append(origin)
            lookup[origin] = index
        }
        lastOrigin = origin
        lastIndex = index
        return index
    }
}
