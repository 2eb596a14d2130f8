/// The materialised-state section of a snapshot (FORMAT.md §6.1, section id 128): the
/// document's interned tables, clock, objects, registers, sequence runs and counters, so that
/// a snapshot loads without replaying its history.
///
/// The section lists everything in the document's own index order (replica, key, origin and
/// object indices), so loading it is a linear pass that rebuilds the tables and bulk-loads
/// each sequence tree.
enum StateSection {
    /// The section id in a snapshot payload (an optional extension, FORMAT.md §3.1).
    static let id: UInt64 = 128
    /// The layout version inside the section.
    static let layout: UInt64 = 1

    /// Value tags (FORMAT.md §6.1).
    enum Tag: UInt8 {
        case null = 0, `false`, `true`, int, double, string, bytes, object, absent
        /// A double stored as `mantissa / 10^scale` (FORMAT.md §5's decimal form).
        case decimal
    }

    /// Exact powers of ten for the decimal form.
    static let powersOfTen: [Double] = (0..<16).map { exponent in
        var value = 1.0
        for _ in 0..<exponent { value *= 10 }
        return value
    }
}

/// The first byte of a run in the state section: what is coded against the previous run of
/// the same sequence (in sequence order) and what follows explicitly.
struct RunHeader: OptionSet {
    let rawValue: UInt8
    static let deleted = RunHeader(rawValue: 1 << 0)
    /// The run's first ID directly follows the previous run's last (same replica).
    static let followsPrevious = RunHeader(rawValue: 1 << 1)
    /// The left origin is the previous run's last item.
    static let leftIsPrevious = RunHeader(rawValue: 1 << 2)
    /// An explicit left origin follows (neither flag: the start of the sequence).
    static let explicitLeft = RunHeader(rawValue: 1 << 3)
    /// The right origin is the previous run's right origin.
    static let rightAsPrevious = RunHeader(rawValue: 1 << 4)
    /// An explicit right origin follows (neither flag: the end of the sequence).
    static let explicitRight = RunHeader(rawValue: 1 << 5)
    /// The content starts where the previous run's ends.
    static let contiguousContent = RunHeader(rawValue: 1 << 6)
    static let all: RunHeader = [.deleted, .followsPrevious, .leftIsPrevious, .explicitLeft, .rightAsPrevious, .explicitRight, .contiguousContent]

    init(rawValue: UInt8) { self.rawValue = rawValue }

    /// The header the encoder writes for `run` after `previous`.
    init(_ run: SequenceRun, after previous: SequenceRun?) {
        var header: RunHeader = run.isDeleted ? .deleted : []
        if let previous {
            if run.first.replica == previous.first.replica,
               UInt64(run.first.counter) == UInt64(previous.first.counter) + UInt64(previous.count) {
                header.insert(.followsPrevious)
            }
            let last = previous.first.advanced(by: previous.count - 1)
            if let left = run.originLeft { header.insert(left == last ? .leftIsPrevious : .explicitLeft) }
            if let right = run.originRight { header.insert(right == previous.originRight ? .rightAsPrevious : .explicitRight) }
            if run.contentOffset == previous.contentOffset + previous.count { header.insert(.contiguousContent) }
        } else {
            if run.originLeft != nil { header.insert(.explicitLeft) }
            if run.originRight != nil { header.insert(.explicitRight) }
            if run.contentOffset == 0 { header.insert(.contiguousContent) }
        }
        self = header
    }
}

// MARK: - Encoding

/// Writes ``StateSection`` bytes for a document core whose history is present.
struct StateEncoder {
    private var out = ByteWriter(capacity: 1 << 12)
    private let core: DocumentCore

    private init(_ core: DocumentCore) { self.core = core }

    /// The state section of `core`.
    static func encode(_ core: DocumentCore) -> [UInt8] {
        var encoder = StateEncoder(core)
        encoder.write()
        return encoder.out.bytes
    }

    /// Document replica index → state index (1-based; 0 for replicas the state never names).
    private var replicaRemap: [UInt32] = []
    /// Document key index → state index.
    private var keyRemap: [UInt32] = []
    /// ``writeMap(_:)``'s buffer.
    private var registerOrder: [UInt64] = []

    private mutating func write() {
        out.writeULEB128(StateSection.layout)
        // Canonical tables, so that the bytes depend on the document, not on the order in which
        // this replica happened to intern things: replicas that wrote something, sorted by ID,
        // and the keys of the registers, sorted.
        let ids = core.replicas.ids
        let writers = (1..<ids.count).filter { $0 < core.clock.count && core.clock[$0] > 0 }.sorted { ids[$0].rawValue < ids[$1].rawValue }
        replicaRemap = [UInt32](repeating: 0, count: ids.count)
        for (position, index) in writers.enumerated() { replicaRemap[index] = UInt32(position + 1) }
        out.writeCount(writers.count)
        for index in writers { out.writeUInt64LE(ids[index].rawValue) }
        for index in writers { out.writeULEB128(UInt64(core.clock[index])) }
        out.writeULEB128(core.maxLamport)
        let heads = core.frontier.sorted { (ids[Int($0.replica)].rawValue, $0.counter) < (ids[Int($1.replica)].rawValue, $1.counter) }
        out.writeCount(heads.count)
        for head in heads { writeItem(head) }

        var usedKeys = [Bool](repeating: false, count: core.keys.strings.count)
        for map in core.maps {
            for (key, _) in map.registers { usedKeys[Int(key)] = true }
        }
        let keys = usedKeys.indices.filter { usedKeys[$0] }.sorted { core.keys.strings[$0] < core.keys.strings[$1] }
        keyRemap = [UInt32](repeating: UInt32.max, count: core.keys.strings.count)
        for (position, index) in keys.enumerated() { keyRemap[index] = UInt32(position) }
        out.writeCount(keys.count)
        for index in keys { writeString(core.keys.strings[index]) }

        // Objects grouped by kind in index order, so that re-creating them in this order gives
        // every object the same index in `maps`, `sequences` or `counters`.
        var mapOwners = [ItemID?](repeating: nil, count: core.maps.count)
        var sequenceOwners = [ItemID?](repeating: nil, count: core.sequences.count)
        var counterOwners = [ItemID?](repeating: nil, count: core.counters.count)
        for (id, slot) in core.objects where id != .none {
            let index = Int(slot.index)
            switch slot.kind {
            case .map: mapOwners[index] = id
            case .list, .text: sequenceOwners[index] = id
            case .counter: counterOwners[index] = id
            }
        }
        let owners = mapOwners.dropFirst().compactMap { $0 } + sequenceOwners.compactMap { $0 } + counterOwners.compactMap { $0 }
        out.writeCount(owners.count)
        for id in owners {
            let slot = core.objects[id]!
            out.write(slot.kind.rawValue)
            writeItem(id)
            writeItem(slot.parent)
            // In a map: 0 and the key; in a list: 1 and the element that holds the object.
            if core.objects[slot.parent]?.kind == .list {
                out.write(1)
                writeItem(ItemID(raw: slot.parentKey))
            } else {
                out.write(0)
                let key = Int(slot.parentKey)
                out.writeULEB128(UInt64(key < keyRemap.count ? keyRemap[key] : UInt32.max))
            }
        }

        for map in core.maps { writeMap(map) }
        for sequence in core.sequences { writeSequence(sequence) }
        for counter in core.counters { out.writeSLEB128(counter) }
    }

    private mutating func writeMap(_ map: MapState) {
        // The registers in key order, as each one's state key index and position in the map,
        // packed into one integer: sorted without a closure, and without moving registers
        // (each a retain and a release), into a buffer reused from map to map (a map of
        // shapes is a map of maps: an array and a sort per shape were half of writing W1's state).
        var order = registerOrder
        registerOrder = []
        order.removeAll(keepingCapacity: true)
        for position in 0..<map.registers.count {
            order.append(UInt64(keyRemap[Int(map.registers.key(atPosition: position))]) << 32 | UInt64(position))
        }
        order.sort()
        out.writeCount(order.count)
        let ids = core.replicas.ids
        for packed in order {
            let register = map.registers.value(atPosition: Int(truncatingIfNeeded: packed & 0xFFFF_FFFF))
            out.writeULEB128(packed >> 32)
            out.writeCount(1 + register.others.count)
            writeEntry(register.winner)
            if register.others.count == 1 {
                writeEntry(register.others[0])
            } else if !register.others.isEmpty {
                let others = register.others.sorted {
                    ($0.lamport, ids[Int($0.id.replica)].rawValue, $0.id.counter) > ($1.lamport, ids[Int($1.id.replica)].rawValue, $1.id.counter)
                }
                for entry in others { writeEntry(entry) }
            }
        }
        registerOrder = order
    }

    private mutating func writeEntry(_ entry: RegisterEntry) {
        writeItem(entry.id)
        // Lamport time against the operation's counter (equal for a replica that writes alone).
        out.writeSLEB128(Int64(bitPattern: entry.lamport &- UInt64(entry.id.counter)))
        if entry.isAbsent {
            out.write(StateSection.Tag.absent.rawValue)
        } else {
            writeValue(core.values[Int(entry.value)])
        }
    }

    private mutating func writeSequence(_ sequence: SequenceState) {
        if sequence.kind == .text {
            out.writeCount(sequence.scalars.count)
            var utf8 = ByteWriter(capacity: sequence.scalars.count)
            for scalar in sequence.scalars {
                for unit in UTF8.encode(scalar)! { utf8.write(unit) }
            }
            out.writeCount(utf8.count)
            out.write(contentsOf: utf8.bytes)
        } else {
            out.writeCount(sequence.elements.count)
            for value in sequence.elements { writeValue(value) }
        }
        var runs: [SequenceRun] = []
        sequence.tree.forEachRun { run in
            // Canonical: adjacent runs that form one run are written as one.
            if let last = runs.last, Self.continues(last, with: run) {
                runs[runs.count - 1].count += run.count
            } else {
                runs.append(run)
            }
        }
        out.writeCount(runs.count)
        var previous: SequenceRun?
        for run in runs {
            let header = RunHeader(run, after: previous)
            out.write(header.rawValue)
            if !header.contains(.followsPrevious) { writeItem(run.first) }
            out.writeCount(run.count)
            if header.contains(.explicitLeft) { writeItem(run.originLeft ?? .none) }
            if header.contains(.explicitRight) { writeItem(run.originRight ?? .none) }
            if !header.contains(.contiguousContent) { out.writeCount(run.contentOffset) }
            previous = run
        }
    }

    /// `d` as `(scale, mantissa)` with `Double(mantissa) / 10^scale` bit-identical to `d`, if
    /// a scale up to 15 does it (never for NaN, infinities or -0.0).
    private static func decimal(_ d: Double) -> (UInt8, Int64)? {
        guard d.isFinite, !(d == 0 && d.sign == .minus) else { return nil }
        for scale in 0..<16 {
            let scaled = d * StateSection.powersOfTen[scale]
            guard abs(scaled) <= 9_007_199_254_740_992 else { return nil }
            let mantissa = scaled.rounded()
            if (Double(Int64(mantissa)) / StateSection.powersOfTen[scale]).bitPattern == d.bitPattern {
                return (UInt8(scale), Int64(mantissa))
            }
        }
        return nil
    }

    /// Whether `next` extends `run` under the run invariant (see ``SequenceRun``).
    private static func continues(_ run: SequenceRun, with next: SequenceRun) -> Bool {
        next.first.replica == run.first.replica
            && UInt64(next.first.counter) == UInt64(run.first.counter) + UInt64(run.count)
            && next.originLeft == run.first.advanced(by: run.count - 1)
            && next.originRight == run.originRight
            && next.isDeleted == run.isDeleted
            && next.contentOffset == run.contentOffset + run.count
            && run.count + next.count <= RunRecord.maxCount
    }

    /// An item: state replica index (0 = none, then nothing follows), then counter.
    private mutating func writeItem(_ id: ItemID) {
        let replica = Int(id.replica) < replicaRemap.count ? replicaRemap[Int(id.replica)] : 0
        out.writeULEB128(UInt64(replica))
        if replica != 0 { out.writeULEB128(UInt64(id.counter)) }
    }

    private mutating func writeString(_ string: String) {
        var string = string
        string.withUTF8 { utf8 in
            out.writeCount(utf8.count)
            out.write(contentsOf: utf8)
        }
    }

    private mutating func writeValue(_ value: Value) {
        switch value {
        case .null: out.write(StateSection.Tag.null.rawValue)
        case .bool(let b): out.write(b ? StateSection.Tag.true.rawValue : StateSection.Tag.false.rawValue)
        case .int(let i):
            out.write(StateSection.Tag.int.rawValue)
            out.writeSLEB128(i)
        case .double(let d):
            if let (scale, mantissa) = Self.decimal(d) {
                out.write(StateSection.Tag.decimal.rawValue)
                out.write(scale)
                out.writeSLEB128(mantissa)
            } else {
                out.write(StateSection.Tag.double.rawValue)
                out.writeUInt64LE(d.bitPattern)
            }
        case .string(let s):
            out.write(StateSection.Tag.string.rawValue)
            writeString(s)
        case .bytes(let b):
            out.write(StateSection.Tag.bytes.rawValue)
            out.writeCount(b.count)
            out.write(contentsOf: b)
        case .object(let object):
            out.write(StateSection.Tag.object.rawValue)
            writeItem(core.itemID(object) ?? .none)
        }
    }
}

// MARK: - Decoding

/// Reads a ``StateSection`` into a fresh ``DocumentCore``, treating every byte as hostile.
///
/// Everything a later operation relies on is checked before the core is returned: indices
/// against their tables, items against the clock, no item or object ID twice, object parents
/// that exist and form no cycle, sequence origins inside their own sequence, content offsets
/// inside the content, and every object reference pointing at an object. What cannot be
/// checked without the history is that the state is the one the history produces; see
/// ``Document/init(decoding:replica:origin:limits:loading:)``.
struct StateDecoder {
    private var reader: ByteReader
    private var budget: ElementBudget
    private var core = DocumentCore()
    private var replicaCount = 0

    /// Decodes the section in `reader`, for a document written by `replica`.
    static func decode(_ reader: ByteReader, replica: ReplicaID, budget: ElementBudget) throws(EncodingError) -> DocumentCore {
        var decoder = StateDecoder(reader: reader, budget: budget)
        try decoder.read(replica: replica)
        return decoder.core
    }

    private init(reader: ByteReader, budget: ElementBudget) {
        self.reader = reader
        self.budget = budget
    }

    private func invalid(_ reason: String, at offset: Int? = nil) -> EncodingError {
        .invalid(offset: offset ?? reader.position, reason: "state section: " + reason)
    }

    private mutating func count(_ what: String, minimumBytes: Int) throws(EncodingError) -> Int {
        let offset = reader.position
        let n = try reader.readCount(limit: reader.remaining / max(minimumBytes, 1), what)
        try budget.spend(n, at: offset, for: what)
        return n
    }

    private mutating func read(replica local: ReplicaID) throws(EncodingError) {
        let layoutOffset = reader.position
        guard try reader.readULEB128() == StateSection.layout else {
            throw invalid("unknown state layout", at: layoutOffset)
        }
        // Tables, in the document's own index order.
        replicaCount = try count("replicas", minimumBytes: 8)
        for _ in 0..<replicaCount {
            let offset = reader.position
            guard let id = ReplicaID(rawValue: try reader.readUInt64LE()) else { throw invalid("replica ID 0", at: offset) }
            guard core.replicas.existingIndex(of: id) == nil else { throw invalid("replica \(id) listed twice", at: offset) }
            _ = core.replicaIndex(id)
        }
        for r in 0..<replicaCount {
            let offset = reader.position
            let counter = try reader.readULEB128()
            guard counter <= UInt64(UInt32.max) else { throw invalid("counter out of range", at: offset) }
            core.clock[r + 1] = UInt32(counter)
        }
        core.maxLamport = try reader.readULEB128()
        let heads = try count("heads", minimumBytes: 1)
        core.frontier.reserveCapacity(heads)
        for _ in 0..<heads { core.frontier.append(try item()) }

        let keyCount = try count("keys", minimumBytes: 1)
        for k in 0..<keyCount {
            let offset = reader.position
            let key = try string()
            guard core.keys.index(of: key) == UInt32(k) else { throw invalid("key \"\(key)\" listed twice", at: offset) }
        }
        core.local = core.replicaIndex(local)

        // Objects.
        let objectCount = try count("objects", minimumBytes: 4)
        var created: [(id: ItemID, offset: Int, inList: Bool)] = []
        created.reserveCapacity(objectCount)
        for _ in 0..<objectCount {
            let offset = reader.position
            guard let kind = ObjectKind(rawValue: try reader.readByte()) else { throw invalid("unknown object kind", at: offset) }
            let id = try item()
            guard id != .none else { throw invalid("object without an ID", at: offset) }
            guard core.objects[id] == nil else { throw invalid("object \(id) listed twice", at: offset) }
            let parent = try item()
            // A key if the parent is a map, an element if it is a list.
            let inList: Bool
            switch try reader.readByte() {
            case 0: inList = false
            case 1: inList = true
            default: throw invalid("bad parent form", at: offset)
            }
            let parentKey = inList ? try item().raw : try reader.readULEB128()
            core.createObject(id, kind: kind, parent: parent, parentKey: parentKey)
            created.append((id, offset, inList))
        }
        try checkParents(created)

        for m in 0..<core.maps.count { try readMap(m) }
        var runsBySequence: [[SequenceRun]] = []
        runsBySequence.reserveCapacity(core.sequences.count)
        for s in 0..<core.sequences.count { runsBySequence.append(try readSequence(s)) }
        try checkOrigins(runsBySequence)
        for s in 0..<core.sequences.count {
            core.sequences[s].tree = SequenceTree(runs: runsBySequence[s], index: &core.itemIndex)
        }
        for c in 0..<core.counters.count { core.counters[c] = try reader.readSLEB128() }
        guard reader.isAtEnd else { throw invalid("bytes after the state") }
    }

    /// Every parent exists, map parents name a key, and following parents always reaches the root.
    private func checkParents(_ created: [(id: ItemID, offset: Int, inList: Bool)]) throws(EncodingError) {
        // 0 unvisited, 1 on the current path, 2 reaches the root.
        var state = PackedMap<ItemID, UInt8>()
        for (id, offset, inList) in created {
            guard (core.objects[core.objects[id]!.parent]?.kind == .list) == inList else {
                throw invalid("object \(id)'s place does not match its parent's kind", at: offset)
            }
            var path: [ItemID] = []
            var current = id
            while current != .none, state[current] == nil {
                guard let slot = core.objects[current] else { throw invalid("object \(current)'s parent does not exist", at: offset) }
                state[current] = 1
                path.append(current)
                if let parent = core.objects[slot.parent] {
                    if parent.kind == .map, slot.parentKey >= UInt64(core.keys.strings.count) {
                        throw invalid("object \(current)'s key is not in the key table", at: offset)
                    }
                    if parent.kind == .counter { throw invalid("object \(current) is inside a counter", at: offset) }
                } else {
                    throw invalid("object \(current)'s parent \(slot.parent) does not exist", at: offset)
                }
                current = slot.parent
            }
            if current != .none, state[current] == 1 { throw invalid("object \(id)'s parents form a cycle", at: offset) }
            for visited in path { state[visited] = 2 }
        }
    }

    private mutating func readMap(_ m: Int) throws(EncodingError) {
        let registerCount = try count("registers", minimumBytes: 4)
        var map = MapState()
        map.registers.reserveCapacity(registerCount)
        for _ in 0..<registerCount {
            let offset = reader.position
            let key = try reader.readULEB128()
            guard key < UInt64(core.keys.strings.count) else { throw invalid("key index out of range", at: offset) }
            guard map.registers[UInt32(key)] == nil else { throw invalid("register listed twice", at: offset) }
            let entries = try count("register entries", minimumBytes: 3)
            guard entries >= 1 else { throw invalid("register without entries", at: offset) }
            var register = Register(try entry())
            if entries > 1 {
                register.others.reserveCapacity(entries - 1)
                for _ in 1..<entries { register.others.append(try entry()) }
            }
            map.registers[UInt32(key)] = register
        }
        core.maps[m] = map
    }

    private mutating func entry() throws(EncodingError) -> RegisterEntry {
        let offset = reader.position
        let id = try item()
        guard id != .none else { throw invalid("register entry without an ID", at: offset) }
        let lamport = UInt64(id.counter) &+ UInt64(bitPattern: try reader.readSLEB128())
        guard lamport <= core.maxLamport else { throw invalid("Lamport time beyond the document's", at: offset) }
        let tagOffset = reader.position
        if reader.remaining > 0, reader.bytes[reader.position] == StateSection.Tag.absent.rawValue {
            _ = try reader.readByte()
            return RegisterEntry(id: id, lamport: lamport, value: OpRecord.absent)
        }
        let value = try self.value()
        guard core.values.count < Int(OpRecord.absent) else { throw invalid("too many values", at: tagOffset) }
        core.values.append(value)
        return RegisterEntry(id: id, lamport: lamport, value: UInt32(core.values.count - 1))
    }

    private mutating func readSequence(_ s: Int) throws(EncodingError) -> [SequenceRun] {
        let contentCount: Int
        if core.sequences[s].kind == .text {
            contentCount = try count("text scalars", minimumBytes: 1)
            let byteCount = try reader.readCount(limit: reader.remaining, "text length")
            let offset = reader.position
            let range = try reader.readRange(byteCount)
            core.sequences[s].scalars = try Self.scalars(reader.bytes[range], count: contentCount, offset: offset)
        } else {
            contentCount = try count("list elements", minimumBytes: 1)
            core.sequences[s].elements.reserveCapacity(contentCount)
            for _ in 0..<contentCount { core.sequences[s].elements.append(try value()) }
        }
        let runCount = try count("runs", minimumBytes: 2)
        var runs: [SequenceRun] = []
        runs.reserveCapacity(runCount)
        // Registered under the sequence's number for now, so that duplicates and origins can be
        // checked; bulk loading then registers the real leaves.
        var previous: SequenceRun?
        for _ in 0..<runCount {
            let offset = reader.position
            let header = RunHeader(rawValue: try reader.readByte())
            guard RunHeader.all.isSuperset(of: header),
                  !header.isSuperset(of: [.leftIsPrevious, .explicitLeft]), !header.isSuperset(of: [.rightAsPrevious, .explicitRight])
            else { throw invalid("bad run header", at: offset) }
            let first: ItemID
            if header.contains(.followsPrevious) {
                guard let previous else { throw invalid("first run follows nothing", at: offset) }
                first = previous.first.advanced(by: previous.count)
                guard first.counter > previous.first.counter else { throw invalid("run counter overflow", at: offset) }
            } else {
                first = try item()
            }
            let n = try reader.readCount(limit: RunRecord.maxCount, "run length")
            let originLeft: ItemID?
            if header.contains(.explicitLeft) {
                originLeft = try item()
            } else if header.contains(.leftIsPrevious) {
                guard let previous else { throw invalid("first run's left origin is the previous run", at: offset) }
                originLeft = previous.first.advanced(by: previous.count - 1)
            } else {
                originLeft = nil
            }
            let originRight: ItemID?
            if header.contains(.explicitRight) {
                originRight = try item()
            } else if header.contains(.rightAsPrevious) {
                guard let previous else { throw invalid("first run's right origin is the previous run's", at: offset) }
                originRight = previous.originRight
            } else {
                originRight = nil
            }
            let contentOffset: Int
            if header.contains(.contiguousContent) {
                contentOffset = (previous.map { $0.contentOffset + $0.count }) ?? 0
            } else {
                contentOffset = try reader.readCount(limit: contentCount, "content offset")
            }
            guard first != .none, first.counter >= 1, n >= 1, originLeft != ItemID.none, originRight != ItemID.none else {
                throw invalid("malformed run", at: offset)
            }
            guard UInt64(first.counter) + UInt64(n) - 1 <= UInt64(core.clock[Int(first.replica)]) else {
                throw invalid("run \(first) beyond the clock", at: offset)
            }
            guard contentOffset + n <= contentCount else { throw invalid("run content out of range", at: offset) }
            guard core.itemIndex.firstRegisteredCounter(replica: first.replica,
                                                        in: UInt64(first.counter)..<(UInt64(first.counter) + UInt64(n))) == nil
            else { throw invalid("item \(first) listed twice", at: offset) }
            core.itemIndex.setLeaf(s, for: first, count: n)
            let run = SequenceRun(first: first, count: n, originLeft: originLeft, originRight: originRight,
                                  contentOffset: contentOffset, isDeleted: header.contains(.deleted))
            runs.append(run)
            previous = run
        }
        return runs
    }

    /// Decodes UTF-8 into scalars: ASCII byte by byte, anything else through validated
    /// `String` decoding.
    private static func scalars(_ utf8: ArraySlice<UInt8>, count: Int, offset: Int) throws(EncodingError) -> [Unicode.Scalar] {
        let ascii = utf8.withUnsafeBufferPointer { buffer in buffer.allSatisfy { $0 < 0x80 } }
        var scalars: [Unicode.Scalar] = []
        if ascii {
            guard utf8.count == count else {
                throw .invalid(offset: offset, reason: "state section: text scalar count differs")
            }
            scalars = [Unicode.Scalar](unsafeUninitializedCapacity: count) { buffer, initialized in
                utf8.withUnsafeBufferPointer { bytes in
                    for i in 0..<count { buffer[i] = Unicode.Scalar(bytes[i]) }
                }
                initialized = count
            }
        } else {
            let decoded = utf8.withUnsafeBufferPointer { String(validating: $0, as: UTF8.self) }
            guard let text = decoded else { throw .invalid(offset: offset, reason: "state section: ill-formed UTF-8") }
            scalars.reserveCapacity(count)
            scalars.append(scalarsOf: text)
            guard scalars.count == count else { throw .invalid(offset: offset, reason: "state section: text scalar count differs") }
        }
        return scalars
    }

    /// Every origin is an item of the same sequence (items are registered under their sequence).
    private func checkOrigins(_ runsBySequence: [[SequenceRun]]) throws(EncodingError) {
        for (s, runs) in runsBySequence.enumerated() {
            for run in runs {
                // Each origin checked on its own: a two-element array per run was a third of the check.
                if let origin = run.originLeft, core.itemIndex.leaf(of: origin) != s {
                    throw invalid("origin \(origin) of run \(run.first) is not in its sequence")
                }
                if let origin = run.originRight, core.itemIndex.leaf(of: origin) != s {
                    throw invalid("origin \(origin) of run \(run.first) is not in its sequence")
                }
            }
        }
    }

    /// An item (replica index 0 = none); items name a listed replica and lie within its clock.
    private mutating func item() throws(EncodingError) -> ItemID {
        let offset = reader.position
        let replica = try reader.readULEB128()
        if replica == 0 { return .none }
        let counter = try reader.readULEB128()
        guard replica <= UInt64(replicaCount), counter >= 1, counter <= UInt64(core.clock[Int(replica)]) else {
            throw invalid("item \(replica):\(counter) out of range", at: offset)
        }
        return ItemID(replica: UInt32(replica), counter: UInt32(counter))
    }

    private mutating func string() throws(EncodingError) -> String {
        let length = try reader.readCount(limit: reader.remaining, "string length")
        return try reader.readString(length)
    }

    private mutating func value() throws(EncodingError) -> Value {
        let offset = reader.position
        guard let tag = StateSection.Tag(rawValue: try reader.readByte()) else { throw invalid("unknown value tag", at: offset) }
        switch tag {
        case .null: return .null
        case .false: return .bool(false)
        case .true: return .bool(true)
        case .int: return .int(try reader.readSLEB128())
        case .double: return .double(Double(bitPattern: try reader.readUInt64LE()))
        case .string: return .string(try string())
        case .bytes:
            let length = try reader.readCount(limit: reader.remaining, "bytes length")
            return .bytes(try reader.readBytes(length))
        case .object:
            let id = try item()
            guard core.objects[id] != nil else { throw invalid("reference to a missing object \(id)", at: offset) }
            return .object(core.objectID(id))
        case .decimal:
            let scaleOffset = reader.position
            let scale = Int(try reader.readByte())
            guard scale < 16 else { throw invalid("decimal scale out of range", at: scaleOffset) }
            let mantissa = try reader.readSLEB128()
            guard mantissa.magnitude <= 1 << 53 else { throw invalid("decimal mantissa out of range", at: scaleOffset) }
            return .double(Double(mantissa) / StateSection.powersOfTen[scale])
        case .absent:
            throw invalid("absent value outside a register", at: offset)
        }
    }
}

// MARK: - Snapshot layout

/// The section directory of a snapshot payload, read without decoding the history: the change
/// and operation counts from its header and the state section, if present.
struct SnapshotLayout {
    var changeCount: Int
    var operationCount: Int
    var state: ByteReader?

    init(_ payload: ByteReader) throws(EncodingError) {
        var reader = payload
        changeCount = try reader.readCount(limit: Int.max, "change count")
        operationCount = try reader.readCount(limit: Int.max, "operation count")
        var state: ByteReader?
        try ChangeDecoder.readSections(&reader) { (id, _, section) throws(EncodingError) in
            if id == StateSection.id { state = section }
        }
        self.state = state
    }
}
