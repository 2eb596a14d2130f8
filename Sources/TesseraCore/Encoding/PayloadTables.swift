import CZlib

/// The shared context that encoder and decoder build identically while walking the
/// operations of a payload in order, so that most references become small numbers or
/// repeats (FORMAT.md §3).

/// Replica IDs in order of first reference, and where each replica's next change is
/// expected to start.
struct ReplicaTableEncoder {
    private(set) var ids: [ReplicaID] = []
    private var indices = PackedMap<ReplicaID, UInt64>()
    /// Per replica index: the counter after that replica's previous change in the payload.
    var nextCounter: [UInt64] = []

    @inline(__always)
    mutating func index(_ id: ReplicaID) -> UInt64 {
        if let index = indices[id] { return index }
        let index = UInt64(ids.count)
        ids.append(id)
        indices[id] = index
        nextCounter.append(1)
        return index
    }
}

/// Strings (map keys and string values) in order of first reference.
///
/// A reference is `0` for "the next string of the table" (a first use) and `k ≥ 1` for
/// "string k − 1" (a repeat), so the table order is implied and a first use costs one byte.
struct StringTableEncoder {
    private(set) var body = ByteWriter()
    /// The strings so far, by their bytes, hashed as the document hashes its keys (SipHash
    /// in a `Dictionary` cost about 1,650 instructions a string the cache below missed, a
    /// tenth of exporting a merged session's shape edits).
    private var table = KeyTable()
    var count: Int { table.strings.count }
    /// A direct-mapped cache in front of ``table``, keyed by a string's two words: the
    /// same words are the same string (small strings hold their bytes in them; a large one
    /// is its buffer, which ``recentStrings`` keeps alive, so no other string can reuse its
    /// address). An export writes the document's interned keys and values over and over,
    /// the same instances each time, and hashing their bytes with SipHash for every
    /// write was 13 % of exporting a history of shape edits. Each slot: two words, then
    /// the index plus one (0: empty).
    ///
    /// Allocated at the first string (most payloads, a keystroke's, have none).
    private var recent: [UInt64] = []
    private var recentStrings: [String] = []
    private static let recentSlots = 256

    mutating func reference(_ string: String) -> (code: UInt64, index: UInt64) {
        let (w0, w1) = unsafeBitCast(string, to: (UInt64, UInt64).self)
        let slot = Int(truncatingIfNeeded: ((w0 ^ (w1 &>> 29)) &* 0x9E37_79B9_7F4A_7C15) &>> 56)
        let found = recent.withUnsafeBufferPointer { cache -> UInt64 in
            let base = slot * 3
            return base < cache.count && cache[base] == w0 && cache[base + 1] == w1 ? cache[base + 2] : 0
        }
        if found != 0 { return (found, found - 1) }
        if recent.isEmpty {
            recent = [UInt64](repeating: 0, count: Self.recentSlots * 3)
            recentStrings = [String](repeating: "", count: Self.recentSlots)
        }
        let (code, index) = lookUp(string)
        let base = slot * 3
        recent[base] = w0
        recent[base + 1] = w1
        recent[base + 2] = index + 1
        recentStrings[slot] = string
        return (code, index)
    }

    private mutating func lookUp(_ string: String) -> (code: UInt64, index: UInt64) {
        let known = table.strings.count
        let index = UInt64(table.index(of: string))
        if index < known { return (index + 1, index) }
        var s = string
        s.withUTF8 { utf8 in
            body.writeCount(utf8.count)
            body.write(contentsOf: utf8)
        }
        return (0, index)
    }
}

/// Decoder side of ``StringTableEncoder``.
struct StringTableDecoder {
    let strings: [String]
    /// How many strings have been referenced so far; references must introduce them in order.
    private(set) var introduced = 0

    init(_ strings: [String]) { self.strings = strings }

    /// Resolves reference `code` read at `offset`.
    @inline(__always)
    mutating func resolve(_ code: UInt64, offset: Int) throws(EncodingError) -> (string: String, index: UInt64) {
        let index = try resolveIndex(code, offset: offset)
        return (strings[Int(index)], index)
    }

    /// The table index reference `code` (read at `offset`) names, checked as ``resolve(_:offset:)``
    /// checks it, without the string: a map write needs only the key's index unless someone
    /// reads its event (and the string's retain and release were two atomics per write).
    @inline(__always)
    mutating func resolveIndex(_ code: UInt64, offset: Int) throws(EncodingError) -> UInt64 {
        if code == 0 {
            guard introduced < strings.count else {
                throw .invalid(offset: offset, reason: "string reference beyond the \(strings.count)-entry string table")
            }
            introduced += 1
            return UInt64(introduced - 1)
        }
        guard code <= UInt64(introduced) else {
            throw .invalid(offset: offset, reason: "string reference \(code - 1) to a string not introduced yet (\(introduced) so far)")
        }
        return code - 1
    }
}

/// Objects in order of first appearance: created by a `make`/`insertObject` in the payload,
/// or first referenced explicitly. A reference is `0` for the root, `1` for "explicit ID in
/// the replica and counter columns" (which also appends it to the list), `n ≥ 2` for entry
/// `n − 2`. List positions also key the per-object context (register writers, cursors).
struct ObjectListEncoder {
    private var indices = ObjectIndex()
    private var count = 0
    /// The last object looked up: runs of operations on one object (typing, a shape's
    /// properties) skip the hash.
    private var last: (object: ObjectID, index: Int)?

    /// `object`'s list position (−1 for the root) and whether this reference listed it, in
    /// which case it must be written explicitly.
    @inline(__always)
    mutating func reference(_ object: ObjectID) -> (index: Int, isNew: Bool) {
        if object.isRoot { return (-1, false) }
        if let last, last.object == object { return (last.index, false) }
        if let index = indices[object] {
            last = (object, index)
            return (index, false)
        }
        return (append(object), true)
    }

    /// Lists an object (one created by the operation being encoded); returns its position.
    @discardableResult
    mutating func append(_ object: ObjectID) -> Int {
        let index = indices.insert(object, at: count)
        guard index == count else { return index }
        count += 1
        last = (object, count - 1)
        return count - 1
    }
}

/// Decoder side of ``ObjectListEncoder``.
struct ObjectListDecoder {
    private var objects: [ObjectID] = []
    /// Every listed object's position, once ``isIndexed``; empty until then.
    private var indices = ObjectIndex()
    /// Whether ``indices`` is kept. Not while every object listed was made by an operation
    /// of the payload with a counter above its replica's earlier ones: no entry can repeat
    /// then, and a history of shapes lists its 10,000 that way (their index was a seventh of
    /// a `make`). The first listing that might repeat one builds it.
    private var isIndexed = false
    /// Until ``isIndexed``: per replica, the highest counter of an object it made (a few
    /// replicas at most; more build the index).
    private var madeUpTo: [(replica: ReplicaID, counter: UInt64)] = []

    /// Lists `object` (referenced explicitly), unless it is listed already; returns its position.
    @discardableResult
    mutating func append(_ object: ObjectID) -> Int {
        if !isIndexed { buildIndex() }
        let index = indices.insert(object, at: objects.count)
        if index == objects.count { objects.append(object) }
        return index
    }

    /// Lists the object that operation `id` (a `make` or an object insert) made, unless it
    /// is listed already; returns its position.
    @discardableResult
    mutating func append(made id: OpID) -> Int {
        if !isIndexed {
            var known = false
            for i in madeUpTo.indices where madeUpTo[i].replica == id.replica {
                known = true
                if madeUpTo[i].counter < id.counter {
                    madeUpTo[i].counter = id.counter
                    objects.append(ObjectID(id))
                    return objects.count - 1
                }
            }
            if !known, madeUpTo.count < 8 {
                madeUpTo.append((id.replica, id.counter))
                objects.append(ObjectID(id))
                return objects.count - 1
            }
        }
        return append(ObjectID(id))
    }

    /// Indexes the list, whose entries are distinct (see ``isIndexed``).
    private mutating func buildIndex() {
        isIndexed = true
        madeUpTo = []
        for (position, object) in objects.enumerated() { _ = indices.insert(object, at: position) }
    }

    /// The object at list position `index`, if one is listed there.
    @inline(__always)
    func listed(at index: UInt64) -> ObjectID? {
        index < UInt64(objects.count) ? objects[Int(index)] : nil
    }

    /// Inlined (it is read for every operation), its error built out of line.
    @inline(__always)
    func object(at index: UInt64, offset: Int) throws(EncodingError) -> ObjectID {
        guard index < UInt64(objects.count) else { throw beyondList(index, offset: offset) }
        return objects[Int(index)]
    }

    @inline(never)
    private func beyondList(_ index: UInt64, offset: Int) -> EncodingError {
        .invalid(offset: offset, reason: "object reference \(index) beyond the \(objects.count) objects listed so far")
    }
}

/// An object and its position in the payload's object list (−1 for the root).
struct ListedObject {
    var id: ObjectID
    var index: Int
}

/// The three columns of one kind of object reference.
struct ObjectReferenceWriter {
    var code = RunLengthWriter()
    var replica = RunLengthWriter()
    var counter = RunLengthWriter()

    @discardableResult
    mutating func append(_ object: ObjectID, objects: inout ObjectListEncoder, replicas: inout ReplicaTableEncoder) -> ListedObject {
        let (index, isNew) = objects.reference(object)
        if index < 0 {
            code.append(0)
        } else if isNew, let creator = object.creator {
            code.append(1)
            replica.append(replicas.index(creator.replica))
            counter.append(creator.counter)
        } else {
            code.append(UInt64(index) + 2)
        }
        return ListedObject(id: object, index: index)
    }

    /// `count` more references to `object`, which ``append(_:objects:replicas:)`` has
    /// listed (and returned): its code, repeated.
    @inline(__always)
    mutating func appendListed(_ object: ListedObject, count: Int) {
        code.append(object.index < 0 ? 0 : UInt64(object.index) + 2, count: count)
    }
}

/// Decoder side of ``ObjectReferenceWriter``.
struct ObjectReferenceReader {
    /// The code of a reference that lists a new object (its ID follows in the replica and
    /// counter columns).
    static let listsObject: UInt64 = 1
    /// The code of list position 0 (position `p` is code `firstListed + p`).
    static let firstListed: UInt64 = 2

    var code: RunLengthReader
    var replica: RunLengthReader
    var counter: RunLengthReader

    /// A reference read from the columns but not yet resolved against the object list.
    struct Unresolved {
        var code: UInt64
        /// For a listing: the object it lists (the root otherwise).
        var listed: ObjectID
        /// Where the code was read, for errors.
        var offset: Int
    }

    @inline(__always)
    mutating func next(objects: inout ObjectListDecoder, replicas: [ReplicaID]) throws(EncodingError) -> ListedObject {
        try resolve(try nextUnresolved(replicas: replicas), objects: &objects)
    }

    /// Reads the next reference, and the ID a listing gives, without touching the object list
    /// (see ``resolve(_:objects:)``).
    @inline(__always)
    mutating func nextUnresolved(replicas: [ReplicaID]) throws(EncodingError) -> Unresolved {
        let offset = code.offset
        let value = try code.next()
        guard value == Self.listsObject else { return Unresolved(code: value, listed: .root, offset: offset) }
        let id = ObjectID(OpID(replica: replicas[try replica.next(below: replicas.count)], counter: try counter.next()))
        return Unresolved(code: value, listed: id, offset: offset)
    }

    /// The object `reference` names, listing it if it is a listing: what ``next(objects:replicas:)``
    /// reads, with the object list as it stands now.
    @inline(__always)
    func resolve(_ reference: Unresolved, objects: inout ObjectListDecoder) throws(EncodingError) -> ListedObject {
        switch reference.code {
        case 0:
            return ListedObject(id: .root, index: -1)
        case Self.listsObject:
            return ListedObject(id: reference.listed, index: objects.append(reference.listed))
        default:
            let position = reference.code - Self.firstListed
            return ListedObject(id: try objects.object(at: position, offset: reference.offset), index: Int(position))
        }
    }

    /// The object `reference` names if the list already says which (no listing, no position
    /// beyond the list), without changing the list.
    @inline(__always)
    func known(_ reference: Unresolved, objects: borrowing ObjectListDecoder) -> ListedObject? {
        switch reference.code {
        case 0:
            return ListedObject(id: .root, index: -1)
        case Self.listsObject:
            return nil
        default:
            let position = reference.code - Self.firstListed
            guard let id = objects.listed(at: position) else { return nil }
            return ListedObject(id: id, index: Int(position))
        }
    }

    func finish() throws(EncodingError) {
        try code.finish()
        try replica.finish()
        try counter.finish()
    }
}

/// The last operation in the payload that wrote each map register: the usual predecessor of
/// the next write to it, so `pred` is coded relative to it (zero when it is exactly that).
///
/// Most maps are small (a shape's handful of properties): each object's registers share a
/// block of ``blockSize`` adjacent entries, so a lookup is one read of the object's head
/// and a scan of a few adjacent keys, wherever in the payload the object's writes fall,
/// instead of three scattered reads of a document-wide hash table (or a walk along a chain
/// of entries spread over the payload, which stalled on every link when a session wrote
/// random properties of many shapes). An object with more than ``blockSize`` keys moves to
/// ``hashed``.
///
/// The heads are kept per listed object by the caller (see ``Head``), next to what else it
/// keeps per object: the decoder keeps each head beside the document map the object names,
/// so a write to a shape loads one line for both (see ``ChangeDecoder``'s lookahead).
struct RegisterWriters {
    struct Key: Hashable {
        var object: Int
        var key: UInt64
    }

    /// Where an object's registers are: 0 before its first, 1 + its block, or
    /// ``hashedMark`` once they moved to the hash table.
    typealias Head = UInt32

    private static let blockSize = 8
    private static let hashedMark = Head.max

    /// Per listed object (position + 1), for callers that keep no heads of their own
    /// (``base(object:key:id:)``).
    private var heads: [Head] = []
    /// The blocks' keys, each plus one (0: an unused entry; a block's used entries come
    /// first), and their writers: block `b` is entries `b · blockSize ..< (b + 1) · blockSize`.
    private var keys: [UInt32] = []
    private var writers: [OpID] = []
    /// Objects with many keys, by object position + 1 and key index in one word.
    private var hashed = PackedMap<UInt64, OpID>()
    /// Positions or key indices past 2³² (not produced by valid payloads of sane size).
    private var last: [Key: OpID] = [:]

    /// Starts loading the block `head` names (see ``ChangeDecoder``'s lookahead).
    @inline(__always)
    func prefetch(_ head: Head) {
        guard head != 0, head != Self.hashedMark else { return }
        let start = (Int(head) - 1) * Self.blockSize
        keys.withUnsafeBufferPointer { tessera_prefetch($0.baseAddress! + start) }
        writers.withUnsafeBufferPointer { writers in
            tessera_prefetch(writers.baseAddress! + start)
            tessera_prefetch(writers.baseAddress! + start + Self.blockSize / 2)
        }
    }

    /// ``base(object:key:id:head:)`` with the heads kept here.
    @inline(__always)
    mutating func base(object: ListedObject, key: UInt64, id: OpID) -> OpID {
        let slot = object.index + 1
        guard slot >= 0, slot < Int(UInt32.max) else {
            var head: Head = 0
            return base(object: object, key: key, id: id, head: &head)
        }
        if slot >= heads.count { heads.append(contentsOf: repeatElement(0, count: slot + 1 - heads.count)) }
        var head = heads[slot]
        defer { heads[slot] = head }
        return base(object: object, key: key, id: id, head: &head)
    }

    /// The ID the `pred` entries of operation `id` (writing `key` of `object`, whose head
    /// is `head`) are coded against, and records the operation as the register's latest
    /// writer.
    ///
    /// Without an earlier writer in the payload, the object's creator stands in: a delta's
    /// first overwrite of a property usually replaces the value written right after the
    /// object was made, a few counters later.
    @inline(__always)
    mutating func base(object: ListedObject, key: UInt64, id: OpID, head: inout Head) -> OpID {
        guard object.index >= -1, object.index < Int(UInt32.max) - 1, key < UInt64(UInt32.max) else {
            return last.updateValue(id, forKey: Key(object: object.index, key: key)) ?? object.id.creator ?? id
        }
        let slot = object.index + 1
        if head != Self.hashedMark {
            let stored = UInt32(key) + 1
            var start = (Int(head) &- 1) &* Self.blockSize
            var count = 0
            if head == 0 {
                start = keys.count
            } else {
                while count < Self.blockSize, keys[start + count] != 0 {
                    if keys[start + count] == stored {
                        let previous = writers[start + count]
                        writers[start + count] = id
                        return previous
                    }
                    count += 1
                }
            }
            if count < Self.blockSize {
                if head == 0 {
                    // A block per object at most, and positions stay below 2³² - 1 (the guard
                    // above): block numbers fit a head.
                    keys.append(contentsOf: repeatElement(0, count: Self.blockSize))
                    writers.append(contentsOf: repeatElement(id, count: Self.blockSize))
                    head = Head(start / Self.blockSize + 1)
                }
                keys[start + count] = stored
                writers[start + count] = id
                return object.id.creator ?? id
            }
            // Too many keys for a block: the object's registers move to the hash table.
            for i in start..<(start + count) { hashed[UInt64(slot) << 32 | UInt64(keys[i] - 1)] = writers[i] }
            head = Self.hashedMark
        }
        return hashed.updateValue(id, forKey: UInt64(slot) << 32 | key) ?? object.id.creator ?? id
    }
}

/// The list positions of non-root objects, for ``ObjectListEncoder`` and ``ObjectListDecoder``:
/// an open-addressed table keyed by the creating operation's two words, probed with
/// ``PackedMapSeed``'s seeded mix. A history of shapes lists an object per shape, and
/// `Dictionary`'s SipHash of each (plus its growth) was a twelfth of importing one.
struct ObjectIndex {
    private struct Slot {
        var replica: UInt64
        var counter: UInt64
        /// 1 + the object's position; 0 for an empty slot.
        var position: Int
    }

    private var slots: [Slot] = []
    private var count = 0
    private let seed = PackedMapSeed.value

    @inline(__always)
    private func home(_ creator: OpID, mask: Int) -> Int {
        let mixed = PackedMapSeed.mix((creator.replica.rawValue ^ seed) &+ creator.counter &* 0x9E37_79B9_7F4A_7C15)
        return Int(truncatingIfNeeded: mixed) & mask
    }

    /// The slot holding `creator`'s object and its position, or the empty slot where it
    /// would go. The table must have slots.
    @inline(__always)
    private func probe(_ creator: OpID) -> (slot: Int, position: Int?) {
        let mask = slots.count - 1
        var i = home(creator, mask: mask)
        while slots[i].position != 0 {
            if slots[i].counter == creator.counter, slots[i].replica == creator.replica.rawValue {
                return (i, slots[i].position - 1)
            }
            i = (i &+ 1) & mask
        }
        return (i, nil)
    }

    /// The position of `object` (not the root).
    subscript(object: ObjectID) -> Int? {
        guard let creator = object.creator, !slots.isEmpty else { return nil }
        return probe(creator).position
    }

    /// Lists `object` (not the root) at `position` unless it is listed; returns its position.
    mutating func insert(_ object: ObjectID, at position: Int) -> Int {
        guard let creator = object.creator else { return -1 }
        if (count + 1) * 4 > slots.count * 3 { grow() }
        let (slot, listed) = probe(creator)
        if let listed { return listed }
        slots[slot] = Slot(replica: creator.replica.rawValue, counter: creator.counter, position: position + 1)
        count += 1
        return position
    }

    private mutating func grow() {
        let old = slots
        slots = Array(repeating: Slot(replica: 0, counter: 0, position: 0), count: max(16, old.count * 2))
        let mask = slots.count - 1
        for slot in old where slot.position != 0 {
            let creator = OpID(replica: ReplicaID(unchecked: slot.replica), counter: slot.counter)
            var i = home(creator, mask: mask)
            while slots[i].position != 0 { i = (i &+ 1) & mask }
            slots[i] = slot
        }
    }
}
