/// Decodes a change payload written by ``ChangeEncoder``, treating every byte as hostile.
///
/// Counts are checked against the ``ElementBudget`` (and table sizes against the bytes that
/// remain) before anything is allocated for them; indices are checked against their tables;
/// counter arithmetic that could overflow is rejected; every column must be consumed
/// exactly. Complexity: O(payload size + decoded size).
struct ChangeDecoder {
    private let replicas: [ReplicaID]
    private var strings: StringTableDecoder
    /// Where the string table starts, for the error when operations leave entries unused.
    private let stringTableOffset: Int
    private let origins: [Origin]
    private var objects = ObjectListDecoder()
    private var writers = RegisterWriters()
    /// Per listed object (position + 1): the document map it names, once the in-order path
    /// looked it up (see ``mapTarget(_:in:)``), and where ``writers`` keeps its registers.
    private var listedMaps: [ListedMap] = []
    /// Likewise the document list or text each listed object names (see ``sequenceTarget(_:in:)``).
    private var listedSequences: [Document.SequenceTarget] = []
    /// The visible ranges a remove took (see ``Document/removeInOrder``), reused.
    private var removedRanges: [(position: Int, count: Int)] = []
    private var cursors = SequenceCursors()
    private var tags = ValueTagPredictor()
    private var budget: ElementBudget

    private var changeReplica: RunLengthReader
    private var changeCounter: RunLengthReader
    private var changeLamport: RunLengthReader
    private var changeOpCount: RunLengthReader
    private var changeTimestamp: RunLengthReader
    private var changeOrigin: RunLengthReader
    private var changeDepCount: RunLengthReader
    private var depReplica: RunLengthReader
    private var depCounter: RunLengthReader
    private var opObject: ObjectReferenceReader
    private var opKind: RunLengthReader
    private var opKey: RunLengthReader
    private var predCount: RunLengthReader
    private var predReplica: RunLengthReader
    private var predCounter: RunLengthReader
    private var objectKind: RunLengthReader
    private var sequenceReplica: RunLengthReader
    private var sequenceCounter: RunLengthReader
    private var insertCount: RunLengthReader
    private var textLength: RunLengthReader
    private var textUTF8: ByteReader
    private var removeCount: RunLengthReader
    private var incrementDelta: RunLengthReader
    private var valueTag: RunLengthReader
    private var valueInt: RunLengthReader
    private var valueDecimal: RunLengthReader
    private var valueDouble: ByteReader
    private var valueString: RunLengthReader
    private var valueBytes: ByteReader
    private var valueObject: ObjectReferenceReader

    private var previousDepCounter: UInt64 = 0
    /// The string-table index of the last map operation's key (set by ``decodeKey``).
    private var lastKey: Int?
    private var previousInt: Int64 = 0

    /// Whether to read typing in bulk (see ``decodeJoined(_:)``); `runs` then says how many
    /// changes each decoded change stands for.
    private var joinsTyping = false
    /// Whether ``reserveForWrites(changes:operations:in:events:)`` made room already.
    private var reservedForWrites = false
    /// Whether ``reserveText(in:count:of:)`` made room already.
    private var reservedText = false
    private var runs: [JoinedRun] = []

    private let changeCount: Int
    /// How many operations the payload holds.
    let operationCount: Int

    // Where decoding stands: changes and operations read, and what the next change's
    // columns are coded against.
    private var decoded = 0
    private var operationsLeft = 0
    private var nextCounter: [UInt64] = []
    private var nextLamport: UInt64 = 1
    private var previousTimestamp: Int64 = 0

    /// Decodes the changes in `container`'s payload.
    static func decode(_ container: Container) throws(EncodingError) -> [Change] {
        var decoder = try ChangeDecoder(payload: container.payload, budget: container.budget)
        return try decoder.decodeChanges()
    }

    /// ``decodeJoined(_:)`` of a changes or snapshot container's bytes.
    static func decodeJoined(_ bytes: [UInt8], limits: DecodingLimits) throws(EncodingError) -> (changes: [Change], runs: [JoinedRun]?) {
        let container = try Container.decode(bytes, limits: limits)
        try container.expect(.changes, .snapshot)
        return try decodeJoined(container)
    }

    /// Decodes the changes in `container`'s payload with typing joined: where every
    /// per-change column repeats what a keystroke typed at the cursor codes to (same replica,
    /// next counter and Lamport time, one operation, same timestamp and origin, no
    /// dependency, same text, "insert one ASCII character at the cursor, before the previous
    /// right origin" or "... at the end"), the keystrokes are read as one run, without a change apiece, and come
    /// back as one change that stands for them (`runs[i]`, see ``JoinedChanges``): an insert of
    /// that many characters, or one remove of their targets. Accepts and rejects exactly the
    /// payloads ``decode(_:)`` does.
    ///
    /// `runs` is nil when no run was read in bulk.
    static func decodeJoined(_ container: Container) throws(EncodingError) -> (changes: [Change], runs: [JoinedRun]?) {
        var decoder = try ChangeDecoder(payload: container.payload, budget: container.budget)
        decoder.joinsTyping = true
        let changes = try decoder.decodeChanges()
        return (changes, decoder.runs.isEmpty ? nil : decoder.runs)
    }

    init(payload: ByteReader, budget: ElementBudget) throws(EncodingError) {
        var reader = payload
        var budget = budget
        let changeOffset = reader.position
        changeCount = try reader.readCount(limit: Int.max, "change count")
        try budget.spend(changeCount, at: changeOffset, for: "changes")
        let opOffset = reader.position
        operationCount = try reader.readCount(limit: Int.max, "operation count")
        try budget.spend(operationCount, at: opOffset, for: "operations")
        operationsLeft = operationCount
        var columns = [ByteReader?](repeating: nil, count: Int(ColumnID.firstOptional))
        try Self.readSections(&reader) { (id, idOffset, section) throws(EncodingError) in
            guard id < ColumnID.firstOptional else { return }  // an optional extension this version skips
            guard ColumnID(rawValue: id) != nil else { throw .invalid(offset: idOffset, reason: "unknown section id \(id)") }
            columns[Int(id)] = section
        }

        let empty = ByteReader(payload.bytes, range: payload.end..<payload.end)
        func raw(_ id: ColumnID) -> ByteReader { columns[Int(id.rawValue)] ?? empty }
        func rle(_ id: ColumnID) -> RunLengthReader { RunLengthReader(raw(id), column: id) }

        replicas = try Self.decodeReplicas(raw(.replicas), budget: &budget)
        nextCounter = [UInt64](repeating: 1, count: replicas.count)
        stringTableOffset = raw(.strings).position
        strings = StringTableDecoder(try Self.decodeStrings(raw(.strings), budget: &budget))
        origins = try Self.decodeOrigins(raw(.origins), budget: &budget)
        self.budget = budget

        changeReplica = rle(.changeReplica)
        changeCounter = rle(.changeCounter)
        changeLamport = rle(.changeLamport)
        changeOpCount = rle(.changeOpCount)
        changeTimestamp = rle(.changeTimestamp)
        changeOrigin = rle(.changeOrigin)
        changeDepCount = rle(.changeDepCount)
        depReplica = rle(.depReplica)
        depCounter = rle(.depCounter)
        opObject = ObjectReferenceReader(code: rle(.opObject), replica: rle(.opObjectReplica), counter: rle(.opObjectCounter))
        opKind = rle(.opKind)
        opKey = rle(.opKey)
        predCount = rle(.predCount)
        predReplica = rle(.predReplica)
        predCounter = rle(.predCounter)
        objectKind = rle(.objectKind)
        sequenceReplica = rle(.sequenceReplica)
        sequenceCounter = rle(.sequenceCounter)
        insertCount = rle(.insertCount)
        textLength = rle(.textLength)
        textUTF8 = raw(.textUTF8)
        removeCount = rle(.removeCount)
        incrementDelta = rle(.incrementDelta)
        valueTag = rle(.valueTag)
        valueInt = rle(.valueInt)
        valueDecimal = rle(.valueDecimal)
        valueDouble = raw(.valueDouble)
        valueString = rle(.valueString)
        valueBytes = raw(.valueBytes)
        valueObject = ObjectReferenceReader(code: rle(.valueObject), replica: rle(.valueObjectReplica), counter: rle(.valueObjectCounter))
    }

    /// Reads the section directory that follows a payload's counts (FORMAT.md §3.1): calls
    /// `body` with each section's id, the offset of its id and a reader over its bytes, and
    /// checks that ids increase and that nothing follows the last section.
    static func readSections(_ reader: inout ByteReader,
                             _ body: (UInt64, Int, ByteReader) throws(EncodingError) -> Void) throws(EncodingError) {
        // Each section takes at least two bytes (id and length).
        let sectionCount = try reader.readCount(limit: reader.remaining / 2, "section count")
        var previousID: UInt64?
        for _ in 0..<sectionCount {
            let idOffset = reader.position
            let id = try reader.readULEB128()
            if let previousID, id <= previousID {
                throw .invalid(offset: idOffset, reason: "section id \(id) after \(previousID): ids must increase")
            }
            previousID = id
            let length = try reader.readCount(limit: Int.max, "section length")
            try body(id, idOffset, try reader.subReader(count: length))
        }
        guard reader.isAtEnd else { throw .invalid(offset: reader.position, reason: "bytes after the last section") }
    }

    // MARK: Tables

    private static func decodeReplicas(_ section: ByteReader, budget: inout ElementBudget) throws(EncodingError) -> [ReplicaID] {
        var reader = section
        guard !reader.isAtEnd else { return [] }
        let offset = reader.position
        let count = try reader.readCount(limit: reader.remaining / 8, "replica count")
        try budget.spend(count, at: offset, for: "replicas")
        var replicas: [ReplicaID] = []
        replicas.reserveCapacity(count)
        for _ in 0..<count {
            let idOffset = reader.position
            guard let id = ReplicaID(rawValue: try reader.readUInt64LE()) else {
                throw .invalid(offset: idOffset, reason: "replica ID 0 is reserved")
            }
            replicas.append(id)
        }
        guard reader.isAtEnd else { throw .invalid(offset: reader.position, reason: "bytes after the replica table") }
        return replicas
    }

    private static func decodeStrings(_ section: ByteReader, budget: inout ElementBudget) throws(EncodingError) -> [String] {
        var reader = section
        guard !reader.isAtEnd else { return [] }
        let offset = reader.position
        let count = try reader.readCount(limit: reader.remaining, "string count")
        try budget.spend(count, at: offset, for: "strings")
        var strings: [String] = []
        strings.reserveCapacity(count)
        for _ in 0..<count {
            let length = try reader.readCount(limit: Int.max, "string length")
            strings.append(try reader.readString(length))
        }
        guard reader.isAtEnd else { throw .invalid(offset: reader.position, reason: "bytes after the string table") }
        return strings
    }

    private static func decodeOrigins(_ section: ByteReader, budget: inout ElementBudget) throws(EncodingError) -> [Origin] {
        var reader = section
        guard !reader.isAtEnd else { return [] }
        let offset = reader.position
        // An origin takes at least four bytes (actor and three string headers).
        let count = try reader.readCount(limit: reader.remaining / 4, "origin count")
        try budget.spend(count, at: offset, for: "origins")
        var origins: [Origin] = []
        origins.reserveCapacity(count)
        func string(_ reader: inout ByteReader, optional: Bool) throws(EncodingError) -> String? {
            var length = try reader.readCount(limit: Int.max, "origin string length")
            if optional {
                if length == 0 { return nil }
                length -= 1
            }
            return try reader.readString(length)
        }
        for _ in 0..<count {
            let actorOffset = reader.position
            guard let actor = Origin.Actor(rawValue: try reader.readByte()) else {
                throw .invalid(offset: actorOffset, reason: "unknown origin actor")
            }
            let name = try string(&reader, optional: false) ?? ""
            let request = try string(&reader, optional: true)
            let onBehalfOf = try string(&reader, optional: true)
            origins.append(Origin(actor: actor, name: name, request: request, onBehalfOf: onBehalfOf))
        }
        guard reader.isAtEnd else { throw .invalid(offset: reader.position, reason: "bytes after the origin table") }
        return origins
    }

    // MARK: Changes

    private mutating func decodeChanges() throws(EncodingError) -> [Change] {
        var changes: [Change] = []
        changes.reserveCapacity(changeCount)
        while decoded < changeCount {
            if joinsTyping, let typed = try joinedKeystrokes() {
                // `runs` is filled from the first bulk read on (the changes before stand for one each).
                if runs.isEmpty { runs = Array(repeating: .single, count: changes.count) }
                if !JoinedChanges.joinTyping(typed.change, typed.run, ontoLast: &changes, runs: &runs) {
                    changes.append(typed.change)
                    runs.append(typed.run)
                }
                continue
            }
            if !runs.isEmpty { runs.append(.single) }
            let header = try nextHeader()
            var operations: [Operation] = []
            operations.reserveCapacity(header.opCount)
            var counter = header.startCounter
            for _ in 0..<header.opCount {
                // A fresh array per operation: it moves into the operation uncopied.
                var pred: [OpID] = []
                operations.append(try nextOperation(replica: header.replica, counter: &counter, pred: &pred))
            }
            try endChange(header, counter: counter)
            changes.append(Change(
                replica: header.replica, startCounter: header.startCounter, startLamport: header.startLamport,
                // The empty array when there are none, so the reused buffer is not shared.
                dependencies: dependencies.isEmpty ? [] : dependencies, origin: origins[header.originIndex],
                timestamp: header.timestamp,
                operations: operations))
        }
        try finishChanges()
        return changes
    }

    /// Decodes the payload's changes and applies each to `document` as soon as it is read:
    /// no change is built, and no operation is kept beyond its integration (the fast path of
    /// ``Document/apply(encoded:limits:)``, see ``Document/applyInOrder(_:)``).
    ///
    /// Returns false at the first change that is not the next one the document can apply
    /// (a duplicate, one that must wait for its dependencies, or an invalid one), leaving
    /// `document` part-way: the caller restores it and takes the general path, which orders,
    /// buffers and reports. Throws, likewise part-way, if the bytes do not decode.
    mutating func applyInOrder(
        to document: inout Document, staging: inout Document.Staging, events: inout EventLog, origins: inout [Origin]
    ) throws(EncodingError) -> Bool {
        // One buffer for every operation's predecessors: each operation is done with it before the next.
        var pred: [OpID] = []
        // The document's interned index of each string and origin of the payload's tables,
        // plus one (0: not looked up yet): a key is hashed once per payload, not per write.
        var keyIndices = [UInt32](repeating: 0, count: strings.strings.count)
        var originIndices = [UInt32](repeating: 0, count: self.origins.count)
        func interned(origin o: Int) -> UInt32 {
            if originIndices[o] == 0 { originIndices[o] = document.core.origins.index(of: self.origins[o]) + 1 }
            return originIndices[o] - 1
        }
        var lastOrigin = -1
        while decoded < changeCount {
            let o: Int
            if try keystrokes() {
                o = typed.origin
                guard applyKeystrokes(origin: interned(origin: o), to: &document, events: &events) else { return false }
            } else if let run = writeRun() {
                // Register writes, a change apiece, with nothing in their headers but what a
                // run implies: no header to decode, no clock check per change.
                let id = replicas[run.replica]
                let start = nextCounter[run.replica]
                let startLamport = nextLamport
                guard let replica = document.startsInOrder(id, start: start, lamport: startLamport, changes: run.count,
                                                           dependencies: [])
                else { return false }
                o = run.origin
                let origin = interned(origin: o)
                let change = Document.ChangeStart(replica: id, start: start)
                reserveForWrites(changes: Int(run.count), operations: Int(run.count), in: &document, events: &events)
                let firstRecord = document.core.changes.count
                var k: UInt64 = 0
                while k < run.count {
                    try readObjectsAhead(Int(min(UInt64(Self.lookahead), run.count - k)), in: &document)
                    for j in ahead.indices {
                        let counter = start + k
                        let opStart = document.core.ops.count
                        let object = try opObject.resolve(ahead[j], objects: &objects)
                        guard try applyRegisterWrite(
                            run.meaning, on: object, counter: counter, of: change, replica: replica, lamport: startLamport + k,
                            to: &document, pred: &pred, keyIndices: &keyIndices, staging: &staging, events: &events) == counter + 1
                        else { return false }
                        // Listed in the replica's index once for the run, below.
                        document.core.changes.append(ChangeRecord(
                            replica: replica, startCounter: UInt32(counter), width: 1, opStart: UInt32(opStart),
                            opCount: UInt32(document.core.ops.count - opStart), depStart: UInt32(document.core.deps.count),
                            depCount: 0, origin: origin, startLamport: startLamport + k, timestamp: previousTimestamp))
                        k += 1
                    }
                }
                document.core.indexRecords(of: replica, from: firstRecord)
                // One clock and frontier update for the run: the same as one per change.
                document.core.recordApplied(replica: replica, start: UInt32(start), width: UInt32(run.count),
                                            lamport: startLamport, dependencies: [])
                nextCounter[run.replica] = start + run.count
                nextLamport = startLamport + run.count
            } else {
                let header = try nextHeader()
                guard let replica = document.startsInOrder(header.replica, start: header.startCounter, lamport: header.startLamport,
                                                           changes: header.opCount > 0 ? 1 : 0, dependencies: dependencies)
                else { return false }
                let opStart = document.core.ops.count
                let change = Document.ChangeStart(replica: header.replica, start: header.startCounter)
                var counter = header.startCounter
                for _ in 0..<header.opCount {
                    guard let next = try applyNextOperation(
                        counter: counter, of: change, replica: replica,
                        lamport: header.startLamport &+ (counter - header.startCounter), to: &document,
                        pred: &pred, keyIndices: &keyIndices, staging: &staging, events: &events)
                    else { return false }
                    counter = next
                }
                try endChange(header, counter: counter)
                o = header.originIndex
                document.logChange(
                    replica: replica, startCounter: UInt32(header.startCounter), width: UInt32(counter - header.startCounter),
                    opStart: opStart, dependencies: dependencies, origin: interned(origin: o),
                    startLamport: header.startLamport, timestamp: header.timestamp, run: 1)
            }
            // The payload's origin table holds each origin once: equal indices, equal origins.
            if lastOrigin != o {
                if origins.last != self.origins[o] { origins.append(self.origins[o]) }
                lastOrigin = o
            }
        }
        try finishChanges()
        return true
    }

    /// Applies the keystroke run ``keystrokes()`` read (``typed``), straight into its sequence and logged as
    /// one record (no change or operation built), as origin `origin` of the document's table,
    /// if it is next in line and valid; returns false, `document` part-way, if not. Not
    /// inlined into ``applyInOrder(to:staging:events:origins:)``, whose loop over register
    /// writes it made larger and slower.
    @inline(never)
    private mutating func applyKeystrokes(origin: UInt32, to document: inout Document,
                                          events: inout EventLog) -> Bool {
        guard let replica = document.startsInOrder(typed.replica, start: typed.start, lamport: typed.lamport,
                                                   changes: typed.count, dependencies: []),
              let target = sequenceTarget(typed.object, in: &document)
        else { return false }
        let opStart = document.core.ops.count
        let applied: Bool
        switch typed.edit {
        case .typing(let after, let before, let text):
            reserveText(in: target, count: text.count, of: &document)
            applied = textUTF8.bytes.withUnsafeBufferPointer { bytes in
                document.insertASCIIInOrder(
                    target, objectID: typed.object.id, ascii: UnsafeBufferPointer(rebasing: bytes[text]), after: after,
                    before: before, id: typed.start, replica: replica, events: &events)
            }
        case .removal(let lowest, let descending):
            applied = document.removeInOrder(
                target, objectID: typed.object.id, lowest: lowest, count: Int(typed.count), descending: descending,
                asRun: typed.count > 1, removed: &removedRanges, events: &events)
        }
        guard applied else { return false }
        document.logChange(
            replica: replica, startCounter: UInt32(typed.start), width: UInt32(typed.count), opStart: opStart,
            dependencies: [], origin: origin, startLamport: typed.lamport, timestamp: typed.timestamp,
            run: UInt32(typed.count))
        return true
    }

    /// Decodes the operation that takes counter `first` of `change` (by replica index `replica`,
    /// at Lamport time `lamport`) and applies it to `document`. Returns the counter after it,
    /// or nil, `document` part-way (see ``applyInOrder(to:staging:events:origins:)``), if it
    /// is invalid there.
    ///
    /// `pred` is the reused predecessor buffer; `keyIndices` the document's interned index of
    /// each string of the payload's table, plus one (0: not looked up yet), so that a key is
    /// hashed once per payload, not once per write.
    @inline(__always)
    private mutating func applyNextOperation(
        counter first: UInt64, of change: Document.ChangeStart, replica: UInt32, lamport: UInt64, to document: inout Document,
        pred: inout [OpID], keyIndices: inout [UInt32], staging: inout Document.Staging, events: inout EventLog
    ) throws(EncodingError) -> UInt64? {
        let object = try opObject.next(objects: &objects, replicas: replicas)
        return try applyOperation(on: object, counter: first, of: change, replica: replica, lamport: lamport, to: &document,
                                  pred: &pred, keyIndices: &keyIndices, staging: &staging, events: &events)
    }

    /// ``applyNextOperation(counter:of:replica:lamport:to:pred:keyIndices:staging:events:)``
    /// with its object read already.
    @inline(__always)
    private mutating func applyOperation(
        on object: ListedObject, counter first: UInt64, of change: Document.ChangeStart, replica: UInt32, lamport: UInt64,
        to document: inout Document, pred: inout [OpID], keyIndices: inout [UInt32], staging: inout Document.Staging,
        events: inout EventLog
    ) throws(EncodingError) -> UInt64? {
        let id = OpID(replica: change.replica, counter: first)
        let (meaning, kindOffset) = try nextKind()
        let operation: Operation
        var keyIndex: UInt32?
        switch meaning {
        case .set, .delete:
            reserveForWrites(changes: 1, operations: headerOpCount, in: &document, events: &events)
            return try applyRegisterWrite(meaning, on: object, counter: first, of: change, replica: replica, lamport: lamport,
                                          to: &document, pred: &pred, keyIndices: &keyIndices, staging: &staging, events: &events)
        case .make:
            return try applyMake(on: object, counter: first, of: change, id: id, replica: replica, lamport: lamport,
                                 to: &document, pred: &pred, keyIndices: &keyIndices, staging: &staging, events: &events)
        case .insert(.text, _, _), .remove:
            return try applySequenceEdit(meaning, kindOffset: kindOffset, on: object, counter: first, id: id, replica: replica,
                                         to: &document, events: &events)
        default:
            lastKey = nil
            operation = try decodeOperation(object: object, meaning: meaning, kindOffset: kindOffset, id: id, pred: &pred)
            if let key = lastKey { keyIndex = internedKey(key, in: &document, keyIndices: &keyIndices) }
        }
        let (next, overflow) = first.addingReportingOverflow(UInt64(operation.width))
        guard !overflow else { throw .invalid(offset: kindOffset, reason: "operation counter overflows 64 bits") }
        guard document.applyInOrder(operation, counter: first, of: change, replica: replica,
                                    lamport: lamport, keyIndex: keyIndex, staging: &staging, events: &events)
        else { return nil }
        return next
    }

    /// A `set` or `delete` (`meaning`), its kind read: the rest of
    /// ``applyOperation(on:counter:of:replica:lamport:to:pred:keyIndices:staging:events:)``
    /// for it, and what a run of register writes applies (its kinds skipped, see ``writeRun()``).
    /// It goes straight to the map, without an `Operation` (see ``Document/writeRegisterInOrder``),
    /// unless it attaches an object.
    @inline(__always)
    private mutating func applyRegisterWrite(
        _ meaning: OperationSymbol.Meaning, on object: ListedObject, counter first: UInt64, of change: Document.ChangeStart,
        replica: UInt32, lamport: UInt64, to document: inout Document, pred: inout [OpID], keyIndices: inout [UInt32],
        staging: inout Document.Staging, events: inout EventLog
    ) throws(EncodingError) -> UInt64? {
        let id = OpID(replica: change.replica, counter: first)
        let index = try decodeKey(object: object, id: id, pred: &pred)
        let interned = internedKey(Int(index), in: &document, keyIndices: &keyIndices)
        var value: Value?
        var attachesObject = false
        if case .set = meaning {
            value = try decodeValue(in: .key(index))
            if case .object = value { attachesObject = true }
        }
        if !attachesObject, let target = mapTarget(object, in: &document) {
            guard document.writeRegisterInOrder(
                target, objectID: object.id, key: key(index), keyIndex: interned, value: value, pred: pred,
                id: first, of: change, replica: replica, lamport: lamport, events: &events)
            else { return nil }
            return first + 1
        }
        let operation: Operation
        if let value {
            operation = Operation(object: object.id, action: .set(key: key(index), value: value, pred: pred))
        } else {
            operation = Operation(object: object.id, action: .delete(key: key(index), pred: pred))
        }
        guard document.applyInOrder(operation, counter: first, of: change, replica: replica,
                                    lamport: lamport, keyIndex: interned, staging: &staging, events: &events)
        else { return nil }
        return first + 1
    }

    /// A `make`, decoded straight into the map it writes (see ``Document/makeInOrder``); the
    /// rest of ``applyOperation(on:counter:of:replica:lamport:to:pred:keyIndices:staging:events:)``,
    /// not inlined there for the reason ``applySequenceEdit`` is not.
    @inline(never)
    private mutating func applyMake(
        on object: ListedObject, counter first: UInt64, of change: Document.ChangeStart, id: OpID, replica: UInt32,
        lamport: UInt64, to document: inout Document, pred: inout [OpID], keyIndices: inout [UInt32],
        staging: inout Document.Staging, events: inout EventLog
    ) throws(EncodingError) -> UInt64? {
        // No ``reserveForWrites``: a history commonly opens by making its texts, whose typing
        // then folds into runs and would leave that room empty (31 MB replaying W3).
        let index = try decodeKey(object: object, id: id, pred: &pred)
        let kind = try decodeObjectKind()
        // Listed after the operation's other columns are read (FORMAT.md §3.3).
        objects.append(made: id)
        let interned = internedKey(Int(index), in: &document, keyIndices: &keyIndices)
        if let target = mapTarget(object, in: &document) {
            guard document.makeInOrder(target, objectID: object.id, key: key(index), keyIndex: interned, kind: kind, pred: pred,
                                       id: first, of: change, replica: replica, lamport: lamport, events: &events)
            else { return nil }
            return first + 1
        }
        // Not a map of the document: the general checks say what is wrong.
        let operation = Operation(object: object.id, action: .make(key: key(index), kind: kind, pred: pred))
        guard document.applyInOrder(operation, counter: first, of: change, replica: replica,
                                    lamport: lamport, keyIndex: interned, staging: &staging, events: &events)
        else { return nil }
        return first + 1
    }

    /// A text insert or a remove (`meaning`, read at `kindOffset`), decoded straight into the
    /// sequence it edits (see ``Document/insertTextInOrder`` and ``Document/removeInOrder``);
    /// the rest of ``applyOperation(on:counter:of:replica:lamport:to:pred:keyIndices:staging:events:)``.
    /// Not inlined there: that function is inlined into the loop over a run of register
    /// writes, whose code it made larger and slower (5 % more instructions replaying W1).
    @inline(never)
    private mutating func applySequenceEdit(
        _ meaning: OperationSymbol.Meaning, kindOffset: Int, on object: ListedObject, counter first: UInt64, id: OpID,
        replica: UInt32, to document: inout Document, events: inout EventLog
    ) throws(EncodingError) -> UInt64? {
        switch meaning {
        case .insert(.text, let afterCode, let beforeCode):
            // Straight into the text (see ``Document/insertTextInOrder``).
            let (after, before) = try decodeOrigins(in: object, afterCode, beforeCode, kindOffset: kindOffset)
            let length = try textLength.nextCount(atMost: textUTF8.remaining)
            if length > 0, textUTF8.asciiPrefix(upTo: length) == length {
                // ASCII, the usual case: no `String` built (see ``Keystrokes/Edit/typing(after:before:text:)``).
                let text = try textUTF8.readRange(length)
                cursors.recordInsert(in: object, first: id, width: UInt64(length), after: after, before: before)
                guard let target = sequenceTarget(object, in: &document) else { return nil }
                reserveText(in: target, count: length, of: &document)
                let inserted = textUTF8.bytes.withUnsafeBufferPointer { bytes in
                    document.insertASCIIInOrder(target, objectID: object.id, ascii: UnsafeBufferPointer(rebasing: bytes[text]),
                                                after: after, before: before, id: first, replica: replica, events: &events)
                }
                guard inserted else { return nil }
                return first + UInt64(length)
            }
            let text = try textUTF8.readString(length)
            let width = text.scalarCount
            cursors.recordInsert(in: object, first: id, width: UInt64(width), after: after, before: before)
            guard let target = sequenceTarget(object, in: &document),
                  document.insertTextInOrder(target, objectID: object.id, text: text, width: width, after: after, before: before,
                                             id: first, replica: replica, events: &events)
            else { return nil }
            return first + UInt64(width)
        case .remove(let code):
            let (lowest, count) = try decodeRemove(in: object, code: code, kindOffset: kindOffset)
            // Its counter must fit the log's 32 bits (as ``classify`` checks for a change).
            guard first < UInt64(UInt32.max) - 1, let target = sequenceTarget(object, in: &document),
                  document.removeInOrder(target, objectID: object.id, lowest: lowest, count: count, descending: false,
                                         asRun: false, removed: &removedRanges, events: &events)
            else { return nil }
            return first + 1
        default:
            return nil
        }
    }

    /// At the payload's first text insert, room in that text for all the payload's text
    /// (`count` scalars of that insert, read already, and at most a scalar per byte of the
    /// text column after it), made once: a history of typing grew the text a keystroke run
    /// at a time, copying it some thirty times. Bounded by the payload's size, like
    /// everything the decoder allocates.
    @inline(__always)
    private mutating func reserveText(in target: Document.SequenceTarget, count: Int, of document: inout Document) {
        guard !reservedText else { return }
        reservedText = true
        document.core.sequences[Int(target.sequence)].scalars.reserveRoom(for: count + textUTF8.remaining)
    }

    /// The document's interned index of string `index` of the payload's table, a map key,
    /// looked up in `keyIndices` (the document's index plus one, 0 for not looked up yet) so
    /// that a key is hashed once per payload, not per write.
    @inline(__always)
    private func internedKey(_ index: Int, in document: inout Document, keyIndices: inout [UInt32]) -> UInt32 {
        if keyIndices[index] == 0 { keyIndices[index] = document.core.keys.index(of: strings.strings[index]) + 1 }
        return keyIndices[index] - 1
    }

    /// At the payload's first register write, room in the log for the records, values and
    /// events of the rest of it (`changes` and `operations` of them already read), made once:
    /// growing by doubling copied the log (a session's delta lands on a log as long as
    /// itself; a history of shapes builds one from nothing) several times over, and faulting
    /// in the copies' fresh pages was a quarter to a third of the time. Not up front for every
    /// payload: typing folds into runs, and its room would stay empty.
    @inline(__always)
    private mutating func reserveForWrites(changes: Int, operations: Int, in document: inout Document,
                                           events: inout EventLog) {
        guard !reservedForWrites else { return }
        reservedForWrites = true
        document.core.reserveLog(changes: changes + changeCount - decoded, operations: operations + operationsLeft)
        events.reserveRoom(for: operations + operationsLeft)
    }

    /// The changes the columns code next, if they are register writes with nothing in their
    /// headers but what a run of them implies (one replica's next counters and Lamport times,
    /// one operation each, one timestamp and origin, no dependency): the shape of a session
    /// of property edits, one transaction per edit. Skips their header columns and returns
    /// the replica's and origin's indices in the payload's tables, how many there are, and
    /// what they are (their kind column is skipped too: a run of sets, or of deletions).
    /// Anything else is left to the change-by-change path (``nextHeader()``), which reports
    /// what is wrong with it.
    private mutating func writeRun() -> (replica: Int, count: UInt64, origin: Int, meaning: OperationSymbol.Meaning)? {
        let limit = min(changeCount - decoded, operationsLeft)
        guard limit >= 1,
              let kind = opKind.repeatedRun(), kind.value == OperationSymbol.set || kind.value == OperationSymbol.delete,
              let headers = repeatedHeaders()
        else { return nil }
        let count = min(UInt64(limit), kind.count, headers.count)
        guard nextLamport < UInt64.max - count else { return nil }
        skipHeaders(count)
        // Their kinds are the run's: read here, not once per operation.
        opKind.skip(count)
        decoded += Int(count)
        operationsLeft -= Int(count)
        return (headers.replica, count, headers.origin, kind.value == OperationSymbol.set ? .set : .delete)
    }

    /// What the per-change columns say of the next changes, if each of them (at least the
    /// count returned) is what a run implies: one replica (its index), next counter and
    /// Lamport time, one operation, the same timestamp and origin (its index), no
    /// dependency. Reads at most the columns' run headers (see ``RunLengthReader/repeatedRun()``).
    private mutating func repeatedHeaders() -> (replica: Int, origin: Int, count: UInt64)? {
        if headerRun.count > 0 { return headerRun }
        guard let replica = changeReplica.repeatedRun(), replica.value < UInt64(replicas.count),
              let counter = changeCounter.repeatedRun(), counter.value == 0,
              let lamport = changeLamport.repeatedRun(), lamport.value == 0,
              let opCount = changeOpCount.repeatedRun(), opCount.value == 1,
              let time = changeTimestamp.repeatedRun(), time.value == 0,
              let origin = changeOrigin.repeatedRun(), origin.value < UInt64(origins.count),
              let depCount = changeDepCount.repeatedRun(), depCount.value == 0
        else { return nil }
        let count = min(replica.count, counter.count, lamport.count, opCount.count, time.count, origin.count, depCount.count)
        headerRun = (Int(replica.value), Int(origin.value), count)
        return headerRun
    }

    /// What ``repeatedHeaders()`` said last, counted down as changes are read (none left: not
    /// known). Keystrokes outside runs ask at every change, and the seven columns' runs of a
    /// single typist's trace are as long as the trace.
    private var headerRun: (replica: Int, origin: Int, count: UInt64) = (0, 0, 0)

    /// Skips the per-change columns of `count` changes (at most what ``repeatedHeaders()`` said).
    private mutating func skipHeaders(_ count: UInt64) {
        headerRun.count -= min(count, headerRun.count)
        changeReplica.skip(count)
        changeCounter.skip(count)
        changeLamport.skip(count)
        changeOpCount.skip(count)
        changeTimestamp.skip(count)
        changeOrigin.skip(count)
        changeDepCount.skip(count)
    }

    /// What the decoder keeps per listed object that may be a map: side by side, since a
    /// write to a shape needs both (one line loaded, where the head, the block length and
    /// the map target were three; 16 bytes).
    struct ListedMap {
        /// The document map, or ``Document/MapTarget/unknown`` until looked up.
        var target = Document.MapTarget.unknown
        /// Its registers' block in ``writers``.
        var writers: RegisterWriters.Head = 0
    }

    /// The entry of `object` in ``listedMaps``, which grows to hold it; nil for a position
    /// past 2³² (not produced by valid payloads of sane size; ``RegisterWriters`` keeps
    /// those apart).
    @inline(__always)
    private mutating func listedMap(_ object: ListedObject) -> Int? {
        let slot = object.index + 1
        guard slot >= 0, slot < Int(UInt32.max) else { return nil }
        if slot >= listedMaps.count {
            listedMaps.append(contentsOf: repeatElement(ListedMap(), count: slot + 1 - listedMaps.count))
        }
        return slot
    }

    /// How many register writes of a run ``readObjectsAhead(_:in:)`` reads at a time.
    static var lookahead: Int { 8 }

    /// Reads the object references of the next `count` operations, register writes of a
    /// run, into ``ahead``, and starts loading what writing them will read: each object's
    /// block of register writers and its map's registers.
    ///
    /// A session of property edits writes shapes in no order, and each write waited on two
    /// or three cache misses in turn (the writers' block, the map's entries, the map itself);
    /// the two functions that took them held over half the samples of replaying a history of
    /// 10,000 shapes. Announced a batch ahead, the misses overlap.
    ///
    /// The references are resolved only when their write is applied
    /// (``ObjectReferenceReader/resolve(_:objects:)``): a write's value may list a new object
    /// too (an object reference the payload has not named yet), after which the object column
    /// may name it by position, so the list must grow in the order one write at a time grows
    /// it. What the list already says is prefetched; a listing, or a position not listed yet,
    /// is not. A batch read past an invalid operation is not applied.
    private mutating func readObjectsAhead(_ count: Int, in document: inout Document) throws(EncodingError) {
        ahead.removeAll(keepingCapacity: true)
        for _ in 0..<count { ahead.append(try opObject.nextUnresolved(replicas: replicas)) }
        // The near tables first, which say where the scattered state is; then that state
        // (loading each map's state itself before reading where its entries are).
        for reference in ahead {
            guard let object = opObject.known(reference, objects: objects) else { continue }
            if let target = mapTarget(object, in: &document) { document.core.prefetchMap(target.map) }
            let slot = object.index + 1
            if slot >= 0, slot < listedMaps.count { writers.prefetch(listedMaps[slot].writers) }
        }
        for reference in ahead {
            guard reference.code >= ObjectReferenceReader.firstListed else { continue }
            let slot = Int(truncatingIfNeeded: reference.code - ObjectReferenceReader.firstListed) + 1
            if slot > 0, slot < listedMaps.count, listedMaps[slot].target.map >= 0 {
                document.core.prefetchRegisters(ofMap: listedMaps[slot].target.map)
            }
        }
    }

    /// The object references ``readObjectsAhead(_:in:)`` read last.
    private var ahead: [ObjectReferenceReader.Unresolved] = []

    /// The document map `object` names, if the document holds one by that ID: looked up once
    /// per listed object (it stays the same map while the payload is applied), not per write.
    @inline(__always)
    private mutating func mapTarget(_ object: ListedObject, in document: inout Document) -> Document.MapTarget? {
        let slot = object.index + 1
        if slot < listedMaps.count, listedMaps[slot].target.map != Document.MapTarget.unknown.map {
            return listedMaps[slot].target
        }
        guard slot >= 0, let target = document.mapTarget(object.id) else { return nil }
        if let slot = listedMap(object) { listedMaps[slot].target = target }
        return target
    }

    /// The document list or text `object` names, if the document holds one by that ID:
    /// looked up once per listed object, as ``mapTarget(_:in:)`` does for maps.
    @inline(__always)
    private mutating func sequenceTarget(_ object: ListedObject, in document: inout Document) -> Document.SequenceTarget? {
        let slot = object.index + 1
        if slot < listedSequences.count, listedSequences[slot].sequence != Document.SequenceTarget.unknown.sequence {
            return listedSequences[slot]
        }
        guard slot >= 0, let target = document.sequenceTarget(object.id) else { return nil }
        if slot >= listedSequences.count {
            listedSequences.append(contentsOf: repeatElement(.unknown, count: slot + 1 - listedSequences.count))
        }
        listedSequences[slot] = target
        return target
    }

    /// What the per-change columns say of the next change.
    struct ChangeHeader {
        var replica: ReplicaID
        var replicaIndex: Int
        var startCounter: UInt64
        var startLamport: UInt64
        var opCount: Int
        var timestamp: Int64
        /// Index into the payload's origin table.
        var originIndex: Int
        // Its dependencies are in ``dependencies``: without an array the header is plain
        // data, not retained, copied and destroyed by outlined code at every use.
    }

    /// How many operations the change ``nextHeader()`` read last has.
    private var headerOpCount = 0

    /// The dependencies of the change ``nextHeader()`` read last (reused from change to change).
    private var dependencies: [OpID] = []

    /// Reads the next change's header (its operations follow).
    private mutating func nextHeader() throws(EncodingError) -> ChangeHeader {
        decoded += 1
        if headerRun.count > 0 { headerRun.count -= 1 }
        let replicaIndex = try changeReplica.next(below: replicas.count)
        let replica = replicas[replicaIndex]
        let startCounter = nextCounter[replicaIndex] &+ UInt64(bitPattern: try changeCounter.nextSigned())
        let startLamport = nextLamport &+ UInt64(bitPattern: try changeLamport.nextSigned())
        let opCount = try changeOpCount.nextCount(atMost: operationsLeft)
        operationsLeft -= opCount
        headerOpCount = opCount
        let timestamp = previousTimestamp &+ (try changeTimestamp.nextSigned())
        previousTimestamp = timestamp
        let originIndex = try changeOrigin.next(below: origins.count)
        let depOffset = changeDepCount.offset
        let depCount = try changeDepCount.nextCount(atMost: Int.max)
        try budget.spend(depCount, at: depOffset, for: "dependencies")
        dependencies.removeAll(keepingCapacity: true)
        // Not for none: reserving on the shared empty array allocates a buffer.
        if depCount > 0 { dependencies.reserveCapacity(depCount) }
        for _ in 0..<depCount {
            let dependencyReplica = replicas[try depReplica.next(below: replicas.count)]
            previousDepCounter = previousDepCounter &+ UInt64(bitPattern: try depCounter.nextSigned())
            dependencies.append(OpID(replica: dependencyReplica, counter: previousDepCounter))
        }
        return ChangeHeader(replica: replica, replicaIndex: replicaIndex, startCounter: startCounter, startLamport: startLamport,
                            opCount: opCount, timestamp: timestamp, originIndex: originIndex)
    }

    /// Reads the operation at `counter` (by `replica`) and moves `counter` past it; `pred`
    /// receives a map operation's predecessors.
    @inline(__always)
    private mutating func nextOperation(replica: ReplicaID, counter: inout UInt64, pred: inout [OpID]) throws(EncodingError) -> Operation {
        let offset = opKind.offset
        let operation = try decodeOperation(replica: replica, counter: counter, pred: &pred)
        let (next, overflow) = counter.addingReportingOverflow(UInt64(operation.width))
        guard !overflow else { throw .invalid(offset: offset, reason: "operation counter overflows 64 bits") }
        counter = next
        return operation
    }

    /// Ends the change `header` began, whose operations took the counters up to `counter`.
    private mutating func endChange(_ header: ChangeHeader, counter: UInt64) throws(EncodingError) {
        let width = counter - header.startCounter
        guard header.startLamport <= UInt64.max - width else {
            throw .invalid(offset: changeLamport.offset, reason: "Lamport timestamp overflows 64 bits")
        }
        nextCounter[header.replicaIndex] = counter
        nextLamport = header.startLamport + width
    }

    /// After the last change: the counts must agree and every column must be consumed.
    private func finishChanges() throws(EncodingError) {
        guard operationsLeft == 0 else {
            throw .invalid(offset: changeOpCount.offset, reason: "the changes hold \(operationCount - operationsLeft) operations, the header says \(operationCount)")
        }
        try finish()
    }

    /// A keystroke run as ``keystrokes()`` reads it: `count` one-operation changes by one
    /// replica, one after the other, with nothing in their headers but what a run implies.
    struct Keystrokes {
        enum Edit {
            /// The ASCII text at `text` in the text column (`count` scalars, one per byte)
            /// typed after `after`, each scalar after the one before: no `String` is built
            /// on the in-order path, which copies the bytes straight into the text.
            case typing(after: OpID, before: OpID?, text: Range<Int>)
            /// `count` elements removed one at a time, from `lowest` on, or down to it when `descending`.
            case removal(lowest: OpID, descending: Bool)
        }

        var replica: ReplicaID
        var start: UInt64
        var lamport: UInt64
        var count: UInt64
        /// Index into the payload's origin table.
        var origin: Int
        var timestamp: Int64
        var object: ListedObject
        var edit: Edit

        var run: JoinedRun {
            if case .removal(_, let descending) = edit { return JoinedRun(count: UInt32(count), descending: descending) }
            return JoinedRun(count: UInt32(count))
        }
    }

    /// The keystroke run ``keystrokes()`` read last: kept in the decoder rather than returned,
    /// which copied the large optional value out and back at every run.
    private var typed = Keystrokes(replica: .init(unchecked: 1), start: 0, lamport: 0, count: 0, origin: 0, timestamp: 0,
                                   object: ListedObject(id: .root, index: -1),
                                   edit: .removal(lowest: OpID(replica: .init(unchecked: 1), counter: 0), descending: false))

    /// The keystrokes ``keystrokes()`` read (in ``typed``) as the change they join into, and the run they stand for.
    private mutating func joinedKeystrokes() throws(EncodingError) -> (change: Change, run: JoinedRun)? {
        guard try keystrokes() else { return nil }
        let action: Operation.Action
        switch typed.edit {
        case .typing(let after, let before, let text):
            let string = textUTF8.bytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[text]), as: UTF8.self) }
            action = .insertText(after: after, before: before, text: string)
        case .removal(let lowest, _):
            action = .remove(first: lowest, count: Int(typed.count))
        }
        let change = Change(
            replica: typed.replica, startCounter: typed.start, startLamport: typed.lamport, dependencies: [],
            origin: origins[typed.origin], timestamp: typed.timestamp,
            operations: [Operation(object: typed.object.id, action: action)])
        return (change, typed.run)
    }

    /// Reads the keystrokes the columns code next into ``typed``, in bulk where there are
    /// several (see ``decodeJoined(_:)``): typing at the cursor, backspacing or forward
    /// deleting; a text insert of one ASCII character anywhere, with the typing at the cursor
    /// that continues it; or one remove of one element anywhere. Returns whether it did.
    /// Anything else, including anything invalid that shows before a column is read, is left
    /// to the change-by-change path, which reports it; what shows later throws what that
    /// path would throw, at the same offset.
    ///
    /// A keystroke of its own is read here rather than as a change: the change-by-change path
    /// reads and checks a header and dispatches on the operation for each, and the 14,800
    /// keystrokes outside runs were half of replaying the automerge-paper trace. And typing
    /// usually starts with a keystroke the cursor model does not predict (an insert placed by
    /// an explicit origin), which then joins the run after it.
    private mutating func keystrokes() throws(EncodingError) -> Bool {
        let limit = min(changeCount - decoded, operationsLeft)
        guard limit >= 1 else { return false }
        // The operation kind first: it rules out everything but text and list edits at once.
        if limit >= 2, let kind = opKind.repeatedRun(), Self.isCursorKeystroke(kind.value),
           try cursorKeystrokes(kind: kind, limit: limit) {
            return true
        }
        guard let symbol = opKind.peek(), let meaning = OperationSymbol.meaning(of: symbol) else { return false }
        switch meaning {
        case .insert(.text, let afterCode, let beforeCode) where afterCode != SequenceCursors.afterNone:
            return try typing(afterCode: afterCode, beforeCode: beforeCode, limit: limit)
        case .remove(let code):
            return try loneRemove(code: code)
        default:
            return false
        }
    }

    // Computed where used (constants once inlined), not globals initialised once and checked
    // at every use.
    private static var insideSymbol: UInt64 {
        OperationSymbol.insert(.text, after: SequenceCursors.afterCursor, before: SequenceCursors.beforePrevious)
    }
    private static var atEndSymbol: UInt64 {
        OperationSymbol.insert(.text, after: SequenceCursors.afterCursor, before: SequenceCursors.beforeNone)
    }
    private static var backspaceSymbol: UInt64 { OperationSymbol.removeBase + UInt64(SequenceCursors.removeAtCursor) }
    private static var deleteSymbol: UInt64 { OperationSymbol.removeBase + UInt64(SequenceCursors.removeNext) }

    /// Whether `symbol` is what every keystroke of a run codes to, change by change.
    @inline(__always)
    private static func isCursorKeystroke(_ symbol: UInt64) -> Bool {
        symbol == insideSymbol || symbol == atEndSymbol || symbol == backspaceSymbol || symbol == deleteSymbol
    }

    /// The change columns and the object of the next keystroke, if they are what a run of
    /// them implies (see ``repeatedHeaders()``), and the object is a listed one; reads no entry.
    private mutating func keystrokeContext() -> (headers: (replica: Int, origin: Int, count: UInt64),
                                                 object: (value: UInt64, count: UInt64), target: ListedObject)? {
        guard let headers = repeatedHeaders(),
              let object = opObject.code.repeatedRun(), object.value >= 2,
              let listed = try? objects.object(at: object.value - 2, offset: 0)
        else { return nil }
        return (headers, object, ListedObject(id: listed, index: Int(object.value - 2)))
    }

    /// Typing at the cursor, backspacing or forward deleting: keystrokes coded `kind`, a run
    /// of that symbol in the kind column (see ``keystrokes()``).
    private mutating func cursorKeystrokes(kind: (value: UInt64, count: UInt64), limit: Int) throws(EncodingError) -> Bool {
        let inside = Self.insideSymbol, atEnd = Self.atEndSymbol
        guard let (headers, object, target) = keystrokeContext() else { return false }
        var count = min(UInt64(min(limit, Int(UInt16.max))), headers.count, object.count, kind.count)
        let r = headers.replica
        let id = replicas[r]
        let start = nextCounter[r]
        let state = cursors.state(of: target)
        let edit: Keystrokes.Edit
        if kind.value == inside || kind.value == atEnd {
            guard let length = textLength.repeatedRun(), length.value == 1, case .element(let after) = state.cursor else { return false }
            let before = kind.value == inside ? state.previousBefore : nil
            if kind.value == inside && before == nil { return false }
            count = UInt64(textUTF8.asciiPrefix(upTo: Int(min(count, length.count))))
            guard count >= 2, start < UInt64.max - count, nextLamport < UInt64.max - count else { return false }
            let text = try readTyping(count, first: OpID(replica: id, counter: start), after: after, before: before, in: target)
            edit = .typing(after: after, before: before, text: text)
        } else {
            // Each remove is predicted from the cursor the previous one left; the run ends
            // where a target is not next to the previous one (the same way), or is unknown.
            guard let removeCount = self.removeCount.repeatedRun(), removeCount.value == ZigZag.encode(1) else { return false }
            count = min(count, removeCount.count)
            guard start < UInt64.max - count, nextLamport < UInt64.max - count else { return false }
            let code = Int(kind.value - OperationSymbol.removeBase)
            let (first, last, taken, descending) = cursors.recordRemoveRun(in: target, code: code, limit: count)
            // The cursor model has moved: a lone remove is still taken as it is, as a run of one.
            count = taken
            guard count >= 1 else { return false }
            self.removeCount.skip(count)
            skipKeystrokes(count)
            edit = .removal(lowest: descending ? last : first, descending: descending)
        }
        took(count, replica: r, origin: headers.origin, object: target, edit: edit)
        return true
    }

    /// Reads `count` ASCII keystrokes typed one after the other from `first` on (the first
    /// after `after`, all before `before`), whose columns hold them as runs, and records them in
    /// the typing model; returns where their text is in the text column.
    private mutating func readTyping(
        _ count: UInt64, first: OpID, after: OpID, before: OpID?, in target: ListedObject
    ) throws(EncodingError) -> Range<Int> {
        textLength.skip(count)
        // ASCII (checked by the caller): valid UTF-8, one scalar per byte.
        let text = try textUTF8.readRange(Int(count))
        cursors.recordTyping(in: target, first: first, count: count, after: after, before: before)
        skipKeystrokes(count)
        return text
    }

    /// Skips the change columns, kinds and objects of `count` keystrokes, runs in their columns.
    private mutating func skipKeystrokes(_ count: UInt64) {
        skipHeaders(count)
        opKind.skip(count)
        opObject.code.skip(count)
    }

    /// A text insert of one ASCII character coded `afterCode` and `beforeCode` (any origins
    /// but "at the start"), read as a keystroke, joined by the typing at the cursor that
    /// continues it, if it is there (see ``keystrokes()``).
    private mutating func typing(afterCode: Int, beforeCode: Int, limit: Int) throws(EncodingError) -> Bool {
        guard let (headers, object, target) = keystrokeContext(),
              textLength.peek() == 1, textUTF8.asciiPrefix(upTo: 1) == 1,
              nextCounter[headers.replica] < UInt64.max - 1, nextLamport < UInt64.max - 1
        else { return false }
        // Read as the change-by-change path reads it, so anything wrong (an unknown cursor)
        // is reported as that path reports it.
        let kindOffset = opKind.offset
        _ = try opKind.next()
        let (origin, before) = try decodeOrigins(in: target, afterCode, beforeCode, kindOffset: kindOffset)
        // Not "at the start" (the caller checked), so there is one.
        guard let after = origin else { throw .invalid(offset: kindOffset, reason: "a keystroke without a left origin") }
        _ = try textLength.next()
        let first = try textUTF8.readRange(1)
        let r = headers.replica
        let id = replicas[r]
        let start = nextCounter[r]
        cursors.recordInsert(in: target, first: OpID(replica: id, counter: start), width: 1, after: after, before: before)
        skipHeaders(1)
        opObject.code.skip(1)
        var count: UInt64 = 1
        var text = first
        // The typing at the cursor that continues it: each keystroke after the one before,
        // before the same right origin (none at the end), in the same object, change after change.
        if limit >= 2, let kind = opKind.repeatedRun(),
           before == nil ? kind.value == Self.atEndSymbol : kind.value == Self.insideSymbol,
           let more = repeatedHeaders(), more.replica == r, more.origin == headers.origin,
           let sameObject = opObject.code.repeatedRun(), sameObject.value == object.value,
           let length = textLength.repeatedRun(), length.value == 1 {
            let most = min(UInt64(min(limit, Int(UInt16.max)) - 1), kind.count, more.count, sameObject.count, length.count)
            let continued = UInt64(textUTF8.asciiPrefix(upTo: Int(most)))
            if continued >= 1, start + 1 < UInt64.max - continued, nextLamport + 1 < UInt64.max - continued {
                let rest = try readTyping(continued, first: OpID(replica: id, counter: start + 1),
                                          after: OpID(replica: id, counter: start), before: before, in: target)
                count += continued
                text = first.lowerBound..<rest.upperBound
            }
        }
        took(count, replica: r, origin: headers.origin, object: target,
             edit: .typing(after: after, before: before, text: text))
        return true
    }

    /// A remove of one element coded `code` (at the cursor, next to the previous remove, or
    /// explicit), read as a keystroke (see ``keystrokes()``).
    private mutating func loneRemove(code: Int) throws(EncodingError) -> Bool {
        guard let (headers, _, target) = keystrokeContext(), removeCount.peek() == ZigZag.encode(1),
              nextCounter[headers.replica] < UInt64.max - 1, nextLamport < UInt64.max - 1
        else { return false }
        let kindOffset = opKind.offset
        _ = try opKind.next()
        let (lowest, _) = try decodeRemove(in: target, code: code, kindOffset: kindOffset)
        skipHeaders(1)
        opObject.code.skip(1)
        took(1, replica: headers.replica, origin: headers.origin, object: target,
             edit: .removal(lowest: lowest, descending: false))
        return true
    }

    /// Records in ``typed`` the `count` keystrokes by replica index `replica` just read, and
    /// moves past them.
    private mutating func took(_ count: UInt64, replica r: Int, origin: Int, object: ListedObject, edit: Keystrokes.Edit) {
        let start = nextCounter[r]
        typed = Keystrokes(replica: replicas[r], start: start, lamport: nextLamport, count: count,
                           origin: origin, timestamp: previousTimestamp, object: object, edit: edit)
        nextCounter[r] = start + count
        nextLamport += count
        decoded += Int(count)
        operationsLeft -= Int(count)
    }

    private mutating func decodeOperation(replica: ReplicaID, counter: UInt64, pred: inout [OpID]) throws(EncodingError) -> Operation {
        let (object, meaning, kindOffset) = try nextObjectAndKind()
        return try decodeOperation(object: object, meaning: meaning, kindOffset: kindOffset,
                                   id: OpID(replica: replica, counter: counter), pred: &pred)
    }

    /// Reads the next operation's object and what its kind symbol means (read at `kindOffset`).
    @inline(__always)
    private mutating func nextObjectAndKind() throws(EncodingError) -> (ListedObject, OperationSymbol.Meaning, kindOffset: Int) {
        let object = try opObject.next(objects: &objects, replicas: replicas)
        let (meaning, kindOffset) = try nextKind()
        return (object, meaning, kindOffset)
    }

    /// Reads the next operation's kind symbol (its object is read) and what it means.
    @inline(__always)
    private mutating func nextKind() throws(EncodingError) -> (OperationSymbol.Meaning, kindOffset: Int) {
        let kindOffset = opKind.offset
        let symbol = try opKind.next()
        guard let meaning = OperationSymbol.meaning(of: symbol) else {
            throw .invalid(offset: kindOffset, reason: "unknown operation symbol \(symbol)")
        }
        return (meaning, kindOffset)
    }

    /// The rest of operation `id`, whose object and kind are read (see ``nextObjectAndKind()``).
    private mutating func decodeOperation(
        object: ListedObject, meaning: OperationSymbol.Meaning, kindOffset: Int, id: OpID, pred: inout [OpID]
    ) throws(EncodingError) -> Operation {
        let action: Operation.Action
        switch meaning {
        case .set:
            let index = try decodeKey(object: object, id: id, pred: &pred)
            action = .set(key: key(index), value: try decodeValue(in: .key(index)), pred: pred)
        case .make:
            let index = try decodeKey(object: object, id: id, pred: &pred)
            action = .make(key: key(index), kind: try decodeObjectKind(), pred: pred)
            objects.append(made: id)
        case .delete:
            let index = try decodeKey(object: object, id: id, pred: &pred)
            action = .delete(key: key(index), pred: pred)
        case .insert(let form, let afterCode, let beforeCode):
            let (after, before) = try decodeOrigins(in: object, afterCode, beforeCode, kindOffset: kindOffset)
            let width: UInt64
            switch form {
            case .values:
                let countOffset = insertCount.offset
                let count = try insertCount.nextCount(atMost: Int.max)
                try budget.spend(count, at: countOffset, for: "list values")
                var values: [Value] = []
                values.reserveCapacity(count)
                for _ in 0..<count { values.append(try decodeValue(in: .list)) }
                action = .insert(after: after, before: before, values: values)
                width = UInt64(count)
            case .object:
                action = .insertObject(after: after, before: before, kind: try decodeObjectKind())
                objects.append(made: id)
                width = 1
            case .text:
                let length = try textLength.nextCount(atMost: textUTF8.remaining)
                let text = try textUTF8.readString(length)
                action = .insertText(after: after, before: before, text: text)
                width = UInt64(text.scalarCount)
            }
            cursors.recordInsert(in: object, first: id, width: width, after: after, before: before)
        case .remove(let code):
            let (first, count) = try decodeRemove(in: object, code: code, kindOffset: kindOffset)
            action = .remove(first: first, count: count)
        case .increment:
            action = .increment(delta: try incrementDelta.nextSigned())
        }
        return Operation(object: object.id, action: action)
    }

    /// An insert's origins, as its codes predict them or (codes "explicit") read from the
    /// sequence columns, left first.
    @inline(__always)
    private mutating func decodeOrigins(
        in object: ListedObject, _ afterCode: Int, _ beforeCode: Int, kindOffset: Int
    ) throws(EncodingError) -> (after: OpID?, before: OpID?) {
        let state = cursors.state(of: object)
        let after: OpID?
        if let predicted = try cursors.predictedAfter(afterCode, state, offset: kindOffset) {
            after = predicted
        } else {
            after = try decodeExplicit(in: object)
        }
        let before: OpID?
        if let predicted = try cursors.predictedBefore(beforeCode, after: after, state, offset: kindOffset) {
            before = predicted
        } else {
            before = try decodeExplicit(in: object)
        }
        return (after, before)
    }

    /// A remove's first target and count (its kind coded `code`), recorded in the typing model.
    @inline(__always)
    private mutating func decodeRemove(in object: ListedObject, code: Int, kindOffset: Int) throws(EncodingError) -> (OpID, Int) {
        let first: OpID
        if let predicted = try cursors.predictedRemove(code, cursors.state(of: object), offset: kindOffset) {
            first = predicted
        } else {
            first = try decodeExplicit(in: object)
        }
        let countOffset = removeCount.offset
        guard let count = Int(exactly: try removeCount.nextSigned()) else {
            throw .invalid(offset: countOffset, reason: "remove count out of range")
        }
        cursors.recordRemove(in: object, first: first)
        return (first, count)
    }

    /// A map operation's key, as its index in the payload's string table (``key(_:)`` gives
    /// the string); its predecessors, coded against the register's last writer, replace the
    /// contents of `pred`.
    private mutating func decodeKey(object: ListedObject, id: OpID, pred: inout [OpID]) throws(EncodingError) -> UInt64 {
        let keyOffset = opKey.offset
        let index = try strings.resolveIndex(try opKey.next(), offset: keyOffset)
        lastKey = Int(index)
        let base: OpID
        if let slot = listedMap(object) {
            // Read, and written back only when it changes (an object's first key, or its
            // move to the hash table): passed `inout`, the list was checked for uniqueness
            // on every write.
            let stored = listedMaps[slot].writers
            var head = stored
            base = writers.base(object: object, key: index, id: id, head: &head)
            if head != stored { listedMaps[slot].writers = head }
        } else {
            base = writers.base(object: object, key: index, id: id)
        }
        let offset = predCount.offset
        let count = try predCount.nextCount(atMost: Int.max)
        try budget.spend(count, at: offset, for: "predecessors")
        if count == 1 {
            // The usual case (an overwrite of one value): written in place.
            let code = try predReplica.next(below: replicas.count + 1)
            let replica = code == 0 ? base.replica : replicas[code - 1]
            let only = OpID(replica: replica, counter: base.counter &- UInt64(bitPattern: try predCounter.nextSigned()))
            if pred.count == 1 {
                pred[0] = only
            } else {
                pred.removeAll(keepingCapacity: true)
                pred.append(only)
            }
            return index
        }
        // `removeAll(keepingCapacity:)` is a generic range replacement, several times the
        // cost of dropping one.
        if pred.count == 1 { pred.removeLast() } else if !pred.isEmpty { pred.removeAll(keepingCapacity: true) }
        // Not for none: reserving on the shared empty array allocates a buffer.
        if count > 0 { pred.reserveCapacity(count) }
        for _ in 0..<count {
            let code = try predReplica.next(below: replicas.count + 1)
            let replica = code == 0 ? base.replica : replicas[code - 1]
            pred.append(OpID(replica: replica, counter: base.counter &- UInt64(bitPattern: try predCounter.nextSigned())))
        }
        return index
    }

    /// The key at `index` of the payload's string table (one ``decodeKey(object:id:pred:)`` returned).
    @inline(__always)
    private func key(_ index: UInt64) -> String { strings.strings[Int(index)] }

    /// An operation ID the typing model did not predict.
    private mutating func decodeExplicit(in object: ListedObject) throws(EncodingError) -> OpID {
        let replica = replicas[try sequenceReplica.next(below: replicas.count)]
        return OpID(replica: replica, counter: cursors.explicitCounter(try sequenceCounter.nextSigned(), in: object))
    }

    private mutating func decodeObjectKind() throws(EncodingError) -> ObjectKind {
        let raw = try objectKind.next(below: ObjectKind.allCases.count)
        guard let kind = ObjectKind(rawValue: UInt8(raw)) else {
            throw .invalid(offset: objectKind.offset, reason: "unknown object kind \(raw)")
        }
        return kind
    }

    private mutating func decodeValue(in context: ValueTagPredictor.Context) throws(EncodingError) -> Value {
        let offset = valueTag.offset
        guard let tag = tags.tag(for: try valueTag.next(), in: context) else {
            throw .invalid(offset: offset, reason: "invalid value tag code (unknown tag, or \"as predicted\" without a prediction)")
        }
        switch tag {
        case ValueTag.null:
            return .null
        case ValueTag.false:
            return .bool(false)
        case ValueTag.true:
            return .bool(true)
        case ValueTag.int:
            previousInt = previousInt &+ (try valueInt.nextSigned())
            return .int(previousInt)
        case ValueTag.double:
            return .double(Double(bitPattern: try valueDouble.readUInt64LE()))
        case ValueTag.string:
            let stringOffset = valueString.offset
            return .string(try strings.resolve(try valueString.next(), offset: stringOffset).string)
        case ValueTag.bytes:
            let length = try valueBytes.readCount(limit: valueBytes.remaining, "bytes length")
            return .bytes(try valueBytes.readBytes(length))
        case ValueTag.object:
            return .object(try valueObject.next(objects: &objects, replicas: replicas).id)
        case ValueTag.decimal...(ValueTag.decimal + UInt64(ValueTag.maxScale)):
            let mantissaOffset = valueDecimal.offset
            let mantissa = try valueDecimal.nextSigned()
            guard mantissa.magnitude <= 1 << 53 else {
                throw .invalid(offset: mantissaOffset, reason: "decimal mantissa \(mantissa) is not exactly representable")
            }
            return .double(DecimalDouble.join(mantissa: mantissa, scale: Int(tag - ValueTag.decimal)))
        default:
            throw .invalid(offset: offset, reason: "unknown value tag \(tag)")
        }
    }

    /// Every column must be consumed exactly: leftovers mean the counts and columns disagree.
    private func finish() throws(EncodingError) {
        for column in [changeReplica, changeCounter, changeLamport, changeOpCount, changeTimestamp, changeOrigin,
                       changeDepCount, depReplica, depCounter, opKind, opKey, predCount, predReplica, predCounter,
                       objectKind, sequenceReplica, sequenceCounter, insertCount, textLength, removeCount,
                       incrementDelta, valueTag, valueInt, valueDecimal,
                       valueString] {
            try column.finish()
        }
        try opObject.finish()
        try valueObject.finish()
        guard strings.introduced == strings.strings.count else {
            throw .invalid(offset: stringTableOffset, reason: "the string table has \(strings.strings.count) entries, the operations use \(strings.introduced)")
        }
        for (column, reader) in [(ColumnID.textUTF8, textUTF8), (.valueDouble, valueDouble), (.valueBytes, valueBytes)]
        where !reader.isAtEnd {
            throw .invalid(offset: reader.position, reason: "\(column) column has more bytes than the operations use")
        }
    }
}

extension RunLengthReader {
    /// Reads a count that must not exceed `limit`.
    @inline(__always)
    mutating func nextCount(atMost limit: Int) throws(EncodingError) -> Int {
        let start = offset
        let raw = try next()
        guard let count = Int(exactly: raw), count <= limit else {
            throw .invalid(offset: start, reason: "\(column) count \(raw) exceeds \(limit)")
        }
        return count
    }
}
