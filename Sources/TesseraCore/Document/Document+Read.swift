extension Document {
    // MARK: Maps

    /// The visible value of `key` in map `object`, or `nil` if absent.
    ///
    /// Complexity: amortised O(1).
    public func get(_ key: String, in object: ObjectID = .root) throws(DocumentError) -> Value? {
        try withState { (state) throws(DocumentError) -> Value? in
            let (_, slot) = try state.slot(object, kind: .map)
            guard let keyIndex = state.keys.existingIndex(of: key),
                let register = state.maps[Int(slot.index)].registers[keyIndex],
                !register.winner.isAbsent
            else { return nil }
            return state.values[Int(register.winner.value)]
        }
    }

    /// Every concurrent value of `key` that no later write has overwritten, winner first.
    ///
    /// One value when there is no conflict; an empty array when the key was never written
    /// or is deleted without contest. `nil` entries stand for concurrent deletions.
    public func conflicts(_ key: String, in object: ObjectID = .root) throws(DocumentError) -> [Value?] {
        try withState { (state) throws(DocumentError) -> [Value?] in
            let (_, slot) = try state.slot(object, kind: .map)
            guard let keyIndex = state.keys.existingIndex(of: key), let register = state.maps[Int(slot.index)].registers[keyIndex] else {
                return []
            }
            if register.others.isEmpty && register.winner.isAbsent { return [] }
            return ([register.winner] + register.others.sorted { state.beats($0, $1) }).map {
                $0.isAbsent ? nil : state.values[Int($0.value)]
            }
        }
    }

    /// One live write of a map key: its value (`nil` for a deletion), operation, Lamport time and author.
    public struct Write: Hashable, Sendable {
        public var value: Value?
        public var operation: OpID
        public var lamport: UInt64
        public var origin: Origin
    }

    /// Every live write of `key` (concurrent writes no later write has overwritten), winner first.
    ///
    /// Like ``conflicts(_:in:)`` but with who wrote each value and when, for merge reports.
    public func conflictingWrites(_ key: String, in object: ObjectID = .root) throws(DocumentError) -> [Write] {
        try withState { (state) throws(DocumentError) -> [Write] in
            let (_, slot) = try state.slot(object, kind: .map)
            guard let keyIndex = state.keys.existingIndex(of: key), let register = state.maps[Int(slot.index)].registers[keyIndex] else {
                return []
            }
            let history = historyCore
            return ([register.winner] + register.others.sorted { state.beats($0, $1) }).map { entry in
                let change = history.changeIndex(containing: entry.id)
                return Write(
                    value: entry.isAbsent ? nil : state.values[Int(entry.value)], operation: state.opID(entry.id),
                    lamport: entry.lamport, origin: change.map { history.origins.origins[Int(history.changes[$0].origin)] } ?? .anonymous)
            }
        }
    }

    /// The Lamport timestamp of operation `id`, if this document has it.
    public func lamport(of id: OpID) -> UInt64? {
        let history = historyCore
        guard let item = history.itemID(id), let index = history.changeIndex(containing: item) else { return nil }
        let change = history.changes[index]
        return change.startLamport + UInt64(item.counter - change.startCounter)
    }

    /// Calls `body` for every visible entry of map `object`, in no particular order (O(n), no sort).
    public func forEachEntry(in object: ObjectID = .root, _ body: (String, Value) throws -> Void) throws {
        try withState { (state) throws -> Void in
            let (_, slot) = try state.slot(object, kind: .map)
            for (key, register) in state.maps[Int(slot.index)].registers where !register.winner.isAbsent {
                try body(state.keys.strings[Int(key)], state.values[Int(register.winner.value)])
            }
        }
    }

    /// The operation that wrote the visible value of `key` and who made it (attribution).
    public func writer(of key: String, in object: ObjectID = .root) throws(DocumentError) -> (operation: OpID, origin: Origin)? {
        try withState { (state) throws(DocumentError) -> (operation: OpID, origin: Origin)? in
            let (_, slot) = try state.slot(object, kind: .map)
            guard let keyIndex = state.keys.existingIndex(of: key), let register = state.maps[Int(slot.index)].registers[keyIndex] else {
                return nil
            }
            let id = register.winner.id
            let history = historyCore
            guard let change = history.changeIndex(containing: id) else { return nil }
            return (history.opID(id), history.origins.origins[Int(history.changes[change].origin)])
        }
    }

    /// The keys of map `object` that have a visible value, sorted.
    public func keys(in object: ObjectID = .root) throws(DocumentError) -> [String] {
        try withState { (state) throws(DocumentError) -> [String] in
            let (_, slot) = try state.slot(object, kind: .map)
            return state.maps[Int(slot.index)].registers
                .compactMap { $0.value.winner.isAbsent ? nil : state.keys.strings[Int($0.key)] }
                .sorted()
        }
    }

    /// The visible entries of map `object`, sorted by key.
    public func entries(in object: ObjectID = .root) throws(DocumentError) -> [(key: String, value: Value)] {
        try withState { (state) throws(DocumentError) -> [(key: String, value: Value)] in
            let (_, slot) = try state.slot(object, kind: .map)
            return state.maps[Int(slot.index)].registers
                .compactMap { entry in
                    entry.value.winner.isAbsent ? nil : (state.keys.strings[Int(entry.key)], state.values[Int(entry.value.winner.value)])
                }
                .sorted { $0.0 < $1.0 }
        }
    }

    // MARK: Sequences

    /// The number of visible entries: keys of a map, elements of a list, scalars of a text.
    ///
    /// Complexity: O(1) for lists and texts, O(n) for maps.
    public func count(of object: ObjectID) throws(DocumentError) -> Int {
        try withState { (state) throws(DocumentError) -> Int in
            let (_, slot) = try state.slot(object)
            switch slot.kind {
            case .list, .text: return state.sequences[Int(slot.index)].tree.visibleCount
            case .map: return state.maps[Int(slot.index)].registers.allValues.count { !$0.winner.isAbsent }
            case .counter: return 0
            }
        }
    }

    /// The values of list `object`, in order. Complexity: O(n).
    public func list(_ object: ObjectID) throws(DocumentError) -> [Value] {
        try withState { (state) throws(DocumentError) -> [Value] in
            let (_, slot) = try state.slot(object, kind: .list)
            let sequence = state.sequences[Int(slot.index)]
            var result: [Value] = []
            result.reserveCapacity(sequence.tree.visibleCount)
            sequence.tree.forEachVisibleRun { offset, count in
                result.append(contentsOf: sequence.elements[offset..<(offset + count)])
            }
            return result
        }
    }

    /// The value at `index` of list `object`. Complexity: O(log n).
    public func element(at index: Int, in object: ObjectID) throws(DocumentError) -> Value {
        try withState { (state) throws(DocumentError) -> Value in
            let (_, slot) = try state.slot(object, kind: .list)
            let sequence = state.sequences[Int(slot.index)]
            guard index >= 0, index < sequence.tree.visibleCount else {
                throw .indexOutOfBounds(index: index, count: sequence.tree.visibleCount)
            }
            return sequence.elements[sequence.tree.item(atVisible: index).contentOffset]
        }
    }

    /// The ID of the element at `index` of a list or text (stable across edits; use it for
    /// cursors and attribution). Complexity: O(log n).
    public func elementID(at index: Int, in object: ObjectID) throws(DocumentError) -> OpID {
        try withState { (state) throws(DocumentError) -> OpID in
            let (_, slot) = try state.sequenceSlot(object)
            let tree = state.sequences[Int(slot.index)].tree
            guard index >= 0, index < tree.visibleCount else { throw .indexOutOfBounds(index: index, count: tree.visibleCount) }
            return state.opID(tree.item(atVisible: index).id)
        }
    }

    /// The current index of element `id` (for a deleted element, where it would be) and
    /// whether it is deleted; `nil` if the element is unknown. Complexity: O(log n).
    public func index(of id: OpID, in object: ObjectID) throws(DocumentError) -> (index: Int, isDeleted: Bool)? {
        try withState { (state) throws(DocumentError) -> (index: Int, isDeleted: Bool)? in
            let (_, slot) = try state.sequenceSlot(object)
            guard let item = state.itemID(id) else { return nil }
            guard let found = state.sequences[Int(slot.index)].tree.visiblePosition(of: item, index: state.itemIndex) else { return nil }
            return (found.position, found.isDeleted)
        }
    }

    /// The string of text object `object`. Complexity: O(n).
    public func text(_ object: ObjectID) throws(DocumentError) -> String {
        try withState { (state) throws(DocumentError) -> String in
            let (_, slot) = try state.slot(object, kind: .text)
            let sequence = state.sequences[Int(slot.index)]
            // Measured first, then encoded straight into the string's own storage: appended
            // byte by byte to an array and decoded again, reading a typed text cost 32
            // instructions a scalar (now 22, most of them the string's UTF-8 validation).
            return sequence.scalars.withUnsafeBufferPointer { scalars in
                var length = 0
                sequence.tree.forEachVisibleRun { offset, count in
                    for scalar in scalars[offset..<(offset + count)] { length &+= UTF8.width(scalar) }
                }
                guard length > 0 else { return "" }
                return String(unsafeUninitializedCapacity: length) { buffer in
                    var written = 0
                    sequence.tree.forEachVisibleRun { offset, count in
                        for scalar in scalars[offset..<(offset + count)] {
                            if scalar.value < 0x80 {
                                buffer[written] = UInt8(truncatingIfNeeded: scalar.value)
                                written &+= 1
                            } else {
                                UTF8.encode(scalar) { byte in
                                    buffer[written] = byte
                                    written &+= 1
                                }
                            }
                        }
                    }
                    return written
                }
            }
        }
    }

    /// The UTF-16 offset of Unicode-scalar offset `index` in text `object`. Complexity: O(n).
    public func utf16Offset(ofScalarOffset index: Int, in object: ObjectID) throws(DocumentError) -> Int {
        let scalars = try text(object).unicodeScalars
        guard index >= 0, index <= scalars.count else { throw .indexOutOfBounds(index: index, count: scalars.count) }
        return scalars.prefix(index).reduce(0) { $0 + ($1.value > 0xFFFF ? 2 : 1) }
    }

    /// The Unicode-scalar offset of UTF-16 offset `offset` in text `object`. Complexity: O(n).
    public func scalarOffset(ofUTF16Offset offset: Int, in object: ObjectID) throws(DocumentError) -> Int {
        var units = 0
        var scalars = 0
        for scalar in try text(object).unicodeScalars {
            if units >= offset { break }
            units += scalar.value > 0xFFFF ? 2 : 1
            scalars += 1
        }
        guard units == offset else { throw .indexOutOfBounds(index: offset, count: units) }
        return scalars
    }

    /// The UTF-8 offset of Unicode-scalar offset `index` in text `object`. Complexity: O(n).
    public func utf8Offset(ofScalarOffset index: Int, in object: ObjectID) throws(DocumentError) -> Int {
        let scalars = try text(object).unicodeScalars
        guard index >= 0, index <= scalars.count else { throw .indexOutOfBounds(index: index, count: scalars.count) }
        return scalars.prefix(index).reduce(0) { $0 + UTF8.width($1) }
    }

    // MARK: Counters

    /// The value of counter `object`.
    public func counterValue(_ object: ObjectID) throws(DocumentError) -> Int64 {
        try withState { (state) throws(DocumentError) -> Int64 in
            let (_, slot) = try state.slot(object, kind: .counter)
            return state.counters[Int(slot.index)]
        }
    }

    // MARK: Structure

    /// The path from the root to `object`, or `nil` if it is unknown or detached
    /// (its key was deleted or its list element removed).
    public func path(to object: ObjectID) -> [PathElement]? {
        withState { (state) -> [PathElement]? in
            guard var id = state.itemID(object) else { return nil }
            var path: [PathElement] = []
            var steps = 0
            while id != .none {
                guard let slot = state.objects[id], let parent = state.objects[slot.parent], steps < 10_000 else { return nil }
                steps += 1
                if parent.kind == .map {
                    let key = state.keys.strings[Int(slot.parentKey)]
                    guard let register = state.maps[Int(parent.index)].registers[UInt32(slot.parentKey)],
                        !register.winner.isAbsent, state.values[Int(register.winner.value)] == .object(state.objectID(id))
                    else { return nil }
                    path.append(.key(key))
                } else {
                    let element = ItemID(packed: slot.parentKey)
                    guard let found = state.sequences[Int(parent.index)].tree.visiblePosition(of: element, index: state.itemIndex),
                        !found.isDeleted
                    else { return nil }
                    path.append(.index(found.position))
                }
                id = slot.parent
            }
            return path.reversed()
        }
    }

    /// The whole visible document as plain values (maps, lists, strings, numbers).
    ///
    /// Useful for tests, JSON export and comparing replicas. Complexity: O(size).
    public func materialize(_ object: ObjectID = .root) -> MaterializedValue {
        var visiting: Set<ItemID> = []
        return materialize(object, visiting: &visiting)
    }

    private func materialize(_ object: ObjectID, visiting: inout Set<ItemID>) -> MaterializedValue {
        withState { (state) -> MaterializedValue in
            guard let id = state.itemID(object), let slot = state.objects[id], visiting.insert(id).inserted else { return .null }
            defer { visiting.remove(id) }
            switch slot.kind {
            case .map:
                var members: [(key: String, value: MaterializedValue)] = []
                for (key, register) in state.maps[Int(slot.index)].registers where !register.winner.isAbsent {
                    members.append((state.keys.strings[Int(key)],
                                    materialize(value: state.values[Int(register.winner.value)], visiting: &visiting)))
                }
                // Interned keys are distinct as bytes: none is dropped.
                return .map(MaterializedMap(members))
            case .list:
                let values = (try? list(object)) ?? []
                return .list(values.map { materialize(value: $0, visiting: &visiting) })
            case .text:
                return .text((try? text(object)) ?? "")
            case .counter:
                return .counter(state.counters[Int(slot.index)])
            }
        }
    }

    private func materialize(value: Value, visiting: inout Set<ItemID>) -> MaterializedValue {
        if case .object(let nested) = value { return materialize(nested, visiting: &visiting) }
        return .scalar(value)
    }
}

/// A plain, fully materialised copy of (part of) a document.
public indirect enum MaterializedValue: Hashable, Sendable {
    case null
    case scalar(Value)
    /// A map's members, keyed by the keys' bytes (see ``MaterializedMap``).
    case map(MaterializedMap)
    case list([MaterializedValue])
    case text(String)
    case counter(Int64)

    /// Map entries, if this is a map.
    public var mapValue: MaterializedMap? {
        if case .map(let m) = self { return m }
        return nil
    }

    /// Elements, if this is a list.
    public var listValue: [MaterializedValue]? {
        if case .list(let l) = self { return l }
        return nil
    }

    /// The member at `key` of a map.
    public subscript(key: String) -> MaterializedValue? { mapValue?[key] }
}

extension DocumentCore {
    /// Whether register entry `a` beats `b`: greater Lamport time, then greater replica ID.
    @inline(__always)
    func beats(_ a: RegisterEntry, _ b: RegisterEntry) -> Bool { DocumentCore.beats(a, b, replicas) }

    @inline(__always)
    static func beats(_ a: RegisterEntry, _ b: RegisterEntry, _ replicas: ReplicaTable) -> Bool {
        beats(a, b, ids: replicas.ids)
    }

    /// ``beats(_:_:_:)`` given the replica table's IDs (an array, or a buffer over one).
    @inline(__always)
    static func beats<IDs: RandomAccessCollection<ReplicaID>>(_ a: RegisterEntry, _ b: RegisterEntry, ids: IDs) -> Bool
    where IDs.Index == Int {
        if a.lamport != b.lamport { return a.lamport > b.lamport }
        return ids[Int(a.id.replica)].rawValue > ids[Int(b.id.replica)].rawValue
    }
}
