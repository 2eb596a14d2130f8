import CZlib

/// A key that packs into 64 bits without loss: replica IDs, item IDs, interned indices.
protocol PackedKey: Hashable, Sendable {
    var packed: UInt64 { get }
    init(packed: UInt64)
}

extension ItemID: PackedKey {
    @inline(__always) var packed: UInt64 { raw }
}

extension ReplicaID: PackedKey {
    @inline(__always) var packed: UInt64 { rawValue }
    @inline(__always) init(packed: UInt64) { self.init(unchecked: packed) }
}

extension UInt64: PackedKey {
    @inline(__always) var packed: UInt64 { self }
    @inline(__always) init(packed: UInt64) { self = packed }
}

extension UInt32: PackedKey {
    @inline(__always) var packed: UInt64 { UInt64(self) }
    @inline(__always) init(packed: UInt64) { self.init(truncatingIfNeeded: packed) }
}

/// A hash map for the core's hot lookups (replica IDs, item IDs, interned keys): dense
/// entries in insertion order plus an open-addressed index of 32-bit slots.
///
/// `Dictionary` hashes every key with SipHash, which cost more than the CRDT work itself on
/// the import and typing paths; here a lookup is one multiply-xorshift mix and, almost
/// always, one probe. The mix is keyed with a per-process random seed, so a peer cannot
/// choose IDs that collide (the same defence `Dictionary`'s seeded hashing gives).
///
/// A map of at most ``linearLimit`` entries has no index: a scan of its few keys is cheaper
/// than the mix and probe (a shape's properties), and it saves the index's allocation.
///
/// Iteration visits entries in insertion order; removing moves the last entry into the hole.
struct PackedMap<Key: PackedKey, Value: Sendable>: Sendable {
    /// A key and its value side by side: a lookup touches one place, not a key array and a
    /// value array (two cache misses per register written when a history's writes land on
    /// thousands of shapes in turn).
    fileprivate struct Entry {
        var key: UInt64
        /// Never nil between calls; optional so a value can be moved out while it is modified.
        var value: Value?
    }

    private var entries: [Entry] = []
    /// 0 = empty, otherwise 1 + the entry's position. The count is a power of two, or 0 while
    /// the map holds at most ``linearLimit`` entries.
    private var slots: [UInt32] = []

    /// How many entries a map holds before it builds its index.
    static var linearLimit: Int { 8 }

    init() {}

    var count: Int { entries.count }
    var isEmpty: Bool { entries.isEmpty }

    /// The process's seed, read once per map (a global's lazy initialiser check costs more
    /// than the mix itself).
    private var seed: UInt64 = PackedMapSeed.value

    @inline(__always)
    private func mix(_ key: UInt64) -> UInt64 { PackedMapSeed.mix(key ^ seed) }

    /// The slot holding `key`, or the empty slot where it would go.
    @inline(__always)
    private func probe(_ key: UInt64) -> (slot: Int, entry: Int?) {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: mix(key)) & mask
        while true {
            let stored = slots[slot]
            if stored == 0 { return (slot, nil) }
            let entry = Int(stored) - 1
            if entries[entry].key == key { return (slot, entry) }
            slot = (slot &+ 1) & mask
        }
    }

    @inline(__always)
    private func entryIndex(_ key: UInt64) -> Int? {
        guard !slots.isEmpty else { return scan(key) }
        return probe(key).entry
    }

    /// The entry of `key` in a map without an index.
    @inline(__always)
    private func scan(_ key: UInt64) -> Int? {
        entries.withUnsafeBufferPointer { entries in
            for i in entries.indices where entries[i].key == key { return i }
            return nil
        }
    }

    /// Starts loading the entries a lookup in the map at `address` scans when it has no
    /// index (see ``ChangeDecoder``'s lookahead), so that the lookup need not wait for them:
    /// the array's header and room for ``linearLimit`` entries. Loading fewer lines and
    /// letting the scan wait for the rest measured slower.
    ///
    /// The map is read in place, as raw memory: a copy of it (or of its state) would retain
    /// its arrays, and the retain wait for the very lines being prefetched. For a map with
    /// an index, the lines prefetched are of no use, and of no harm.
    @inline(__always)
    static func prefetch(at address: UnsafeRawPointer) {
        guard MemoryLayout<[Entry]>.size == MemoryLayout<UnsafeRawPointer>.size,
              let offset = MemoryLayout<Self>.offset(of: \Self.entries)
        else { return }
        // An array is one reference to its storage object: the header, then the elements.
        let storage = address.load(fromByteOffset: offset, as: UnsafeRawPointer.self)
        var line = 0
        while line < smallMapBytes {
            tessera_prefetch(storage + line)
            line += 64
        }
    }

    /// An array header and ``linearLimit`` entries.
    private static var smallMapBytes: Int { 32 + linearLimit * MemoryLayout<Entry>.stride }

    private mutating func rehash(_ size: Int) {
        slots = [UInt32](repeating: 0, count: size)
        let mask = size - 1
        for entry in entries.indices {
            var slot = Int(truncatingIfNeeded: mix(entries[entry].key)) & mask
            while slots[slot] != 0 { slot = (slot &+ 1) & mask }
            slots[slot] = UInt32(entry + 1)
        }
    }

    subscript(key: Key) -> Value? {
        @inline(__always) get {
            guard let entry = entryIndex(key.packed) else { return nil }
            return entries[entry].value
        }
        set {
            if let newValue {
                updateValue(newValue, forKey: key)
            } else {
                removeValue(forKey: key)
            }
        }
        _modify {
            if let entry = entryIndex(key.packed) {
                // In place, as in ``withValue(forKey:_:)``; a value left nil is removed.
                defer { if entries[entry].value == nil { removeValue(forKey: key) } }
                yield &entries[entry].value
            } else {
                var value: Value? = nil
                yield &value
                if let value { updateValue(value, forKey: key) }
            }
        }
    }

    /// Calls `body` with `key`'s value (nil if absent) to modify in place; a value it leaves
    /// nil is removed, one it sets on an absent key is added.
    ///
    /// The subscript's `_modify` does the same, but as a coroutine whose frame is allocated
    /// on the heap: a malloc and a free per register written on the import paths.
    @inline(__always)
    mutating func withValue<R>(forKey key: Key, _ body: (inout Value?) -> R) -> R {
        if let entry = entryIndex(key.packed) {
            // Modified where it is stored, through the buffer (it stays uniquely referenced):
            // moved out to a local and back, its words were copied twice per register write.
            let (result, removed) = entries.withUnsafeMutableBufferPointer { entries in
                let result = body(&entries[entry].value)
                return (result, entries[entry].value == nil)
            }
            if removed { removeValue(forKey: key) }
            return result
        }
        var value: Value? = nil
        let result = body(&value)
        if let value { updateValue(value, forKey: key) }
        return result
    }

    subscript(key: Key, default defaultValue: @autoclosure () -> Value) -> Value {
        get { self[key] ?? defaultValue() }
        _modify {
            let entry: Int
            if let found = entryIndex(key.packed) {
                entry = found
            } else {
                updateValue(defaultValue(), forKey: key)
                entry = entries.count - 1
            }
            yield &entries[entry].value!
        }
    }

    /// Makes room for `count` entries in total without growing (loading a snapshot knows
    /// each map's size).
    mutating func reserveCapacity(_ count: Int) {
        entries.reserveCapacity(count)
        guard count > Self.linearLimit else { return }
        var size = Swift.max(slots.count, 8)
        while count * 8 > size * 5 { size *= 2 }
        if size > slots.count { rehash(size) }
    }

    @discardableResult
    mutating func updateValue(_ value: Value, forKey key: Key) -> Value? {
        let packed = key.packed
        if slots.isEmpty {
            if let entry = scan(packed) {
                let old = entries[entry].value
                entries[entry].value = value
                return old
            }
            // Room for eight entries from the first: most maps are small (a shape's
            // properties), and growing 1, 2, 4, 8 reallocated the array each time.
            if entries.isEmpty { entries.reserveCapacity(Self.linearLimit) }
            entries.append(Entry(key: packed, value: value))
            if entries.count > Self.linearLimit { rehash(32) }
            return nil
        }
        let (slot, entry) = probe(packed)
        if let entry {
            let old = entries[entry].value
            entries[entry].value = value
            return old
        }
        entries.append(Entry(key: packed, value: value))
        slots[slot] = UInt32(entries.count)
        // Keep the load under 5/8: probes stay short.
        if entries.count * 8 > slots.count * 5 { rehash(slots.count * 2) }
        return nil
    }

    @discardableResult
    mutating func removeValue(forKey key: Key) -> Value? {
        let packed = key.packed
        guard !slots.isEmpty else {
            guard let entry = scan(packed) else { return nil }
            entries.swapAt(entry, entries.count - 1)
            return entries.removeLast().value
        }
        let (slot, found) = probe(packed)
        guard let entry = found else { return nil }
        deleteSlot(slot)
        let last = entries.count - 1
        if entry != last {
            // The last entry moves into the hole; repoint its slot.
            let (movedSlot, _) = probe(entries[last].key)
            slots[movedSlot] = UInt32(entry + 1)
            entries.swapAt(entry, last)
        }
        return entries.removeLast().value
    }

    /// Backward-shift deletion: no tombstones, probes stay as short as at insertion.
    private mutating func deleteSlot(_ hole: Int) {
        let mask = slots.count - 1
        var hole = hole
        var slot = (hole + 1) & mask
        while slots[slot] != 0 {
            let home = Int(truncatingIfNeeded: mix(entries[Int(slots[slot]) - 1].key)) & mask
            // Move the entry back if the hole lies on its probe path (cyclically between home and slot).
            let distanceToSlot = (slot &- home) & mask
            let distanceToHole = (hole &- home) & mask
            if distanceToHole < distanceToSlot {
                slots[hole] = slots[slot]
                hole = slot
            }
            slot = (slot + 1) & mask
        }
        slots[hole] = 0
    }
}

extension PackedMap: Sequence {
    struct Iterator: IteratorProtocol {
        fileprivate let entries: [Entry]
        fileprivate var position = 0

        mutating func next() -> (key: Key, value: Value)? {
            guard position < entries.count else { return nil }
            defer { position += 1 }
            return (Key(packed: entries[position].key), entries[position].value!)
        }
    }

    func makeIterator() -> Iterator { Iterator(entries: entries) }

    var underestimatedCount: Int { entries.count }

    /// The values, in insertion order.
    var allValues: [Value] { entries.map { $0.value! } }

    /// The key at `position` (`0 ..< count`) of the iteration order.
    func key(atPosition position: Int) -> Key { Key(packed: entries[position].key) }

    /// The value at `position` (`0 ..< count`) of the iteration order.
    func value(atPosition position: Int) -> Value { entries[position].value! }
}

/// The per-process key of ``PackedMap``'s hash mix (and ``KeyTable``'s), and the mix.
enum PackedMapSeed {
    static let value: UInt64 = {
        var generator = SystemRandomNumberGenerator()
        return generator.next()
    }()

    /// A multiply-xorshift finaliser: every input bit reaches every output bit. Callers fold
    /// the seed into the input.
    @inline(__always)
    static func mix(_ value: UInt64) -> UInt64 {
        var x = value
        x ^= x >> 32
        x &*= 0xD6E8_FEB8_6659_FD93
        x ^= x >> 32
        x &*= 0xD6E8_FEB8_6659_FD93
        x ^= x >> 32
        return x
    }
}
