#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Encodes changes column by column into a change payload (FORMAT.md §4).
///
/// One pass over the changes; every table lookup is a hash lookup, so encoding is
/// O(total size). The encoder and ``ChangeDecoder`` build the same context (replica table,
/// string table, object list, last writer of each register) in the same order, which is what
/// lets most references shrink to small numbers and long runs.
struct ChangeEncoder {
    private var replicas = ReplicaTableEncoder()
    private var strings = StringTableEncoder()
    private var objects = ObjectListEncoder()
    private var writers = RegisterWriters()
    private var cursors = SequenceCursors()
    private var tags = ValueTagPredictor()
    private var originTable = ByteWriter()
    private var originCount = 0
    private var originIndices: [OriginKey: UInt64] = [:]
    /// Consecutive changes almost always share their origin.
    private var lastOrigin: (origin: Origin, index: UInt64)?

    // MARK: Columns
    private var changeReplica = RunLengthWriter()
    private var changeCounter = RunLengthWriter()
    private var changeLamport = RunLengthWriter()
    private var changeOpCount = RunLengthWriter()
    private var changeTimestamp = RunLengthWriter()
    private var changeOrigin = RunLengthWriter()
    private var changeDepCount = RunLengthWriter()
    private var depReplica = RunLengthWriter()
    private var depCounter = RunLengthWriter()
    private var opObject = ObjectReferenceWriter()
    private var opKind = RunLengthWriter()
    private var opKey = RunLengthWriter()
    private var predCount = RunLengthWriter()
    private var predReplica = RunLengthWriter()
    private var predCounter = RunLengthWriter()
    private var objectKind = RunLengthWriter()
    private var sequenceReplica = RunLengthWriter()
    private var sequenceCounter = RunLengthWriter()
    private var insertCount = RunLengthWriter()
    private var textLength = RunLengthWriter()
    private var textUTF8 = ByteWriter()
    private var removeCount = RunLengthWriter()
    private var incrementDelta = RunLengthWriter()
    private var valueTag = RunLengthWriter()
    private var valueInt = RunLengthWriter()
    private var valueDecimal = RunLengthWriter()
    private var valueDouble = ByteWriter()
    private var valueString = RunLengthWriter()
    private var valueBytes = ByteWriter()
    private var valueObject = ObjectReferenceWriter()

    // MARK: Delta state (mirrored exactly by ChangeDecoder)
    private var nextLamport: UInt64 = 1
    private var previousTimestamp: Int64 = 0
    private var previousDepCounter: UInt64 = 0
    private var previousInt: Int64 = 0
    private var changeCount = 0
    private var operationCount = 0

    init() {}

    /// The payload for `changes`.
    /// `extraSections` are optional extensions (ids ≥ 64, increasing), such as a snapshot's
    /// materialised state, written after the columns.
    static func encode(_ changes: [Change], extraSections: [(UInt64, [UInt8])] = []) -> [UInt8] {
        var encoder = ChangeEncoder()
        for change in changes { encoder.append(change) }
        return encoder.finish(extraSections: extraSections)
    }

    mutating func append(_ change: Change) {
        let replica = appendHeader(replica: change.replica, startCounter: change.startCounter, startLamport: change.startLamport,
                                   operations: change.operations.count, timestamp: change.timestamp,
                                   origin: originIndex(change.origin), dependencies: change.dependencies)
        var counter = change.startCounter
        for operation in change.operations {
            append(operation, replica: change.replica, counter: counter)
            counter &+= UInt64(operation.width)
        }
        finishChange(replica: replica, startCounter: change.startCounter, startLamport: change.startLamport, endCounter: counter)
    }

    /// ``append(_:)`` for a change of one operation, `operation`, and no dependencies, its
    /// origin given as its index in this encoder's table (``originIndex(_:)``): the same
    /// bytes, without a ``Change`` (an array of one operation, built and destroyed per
    /// keystroke when a document exports its typing). See ``DocumentCore/encodeHistory(since:into:)``.
    mutating func appendSingle(_ operation: Operation, replica id: ReplicaID, startCounter: UInt64, startLamport: UInt64,
                               timestamp: Int64, origin: UInt64) {
        let replica = appendHeader(replica: id, startCounter: startCounter, startLamport: startLamport, operations: 1,
                                   timestamp: timestamp, origin: origin, dependencies: [])
        append(operation, replica: id, counter: startCounter)
        finishChange(replica: replica, startCounter: startCounter, startLamport: startLamport,
                     endCounter: startCounter &+ UInt64(operation.width))
    }

    /// ``append(_:)`` taken apart, for a change of a document's log written without building
    /// it (see ``DocumentCore/encodeHistory(since:into:)``): its header here, its operations
    /// through ``appendOperation(_:replica:counter:)`` and
    /// ``appendRegisterWrite(_:object:key:value:objectKind:pred:replica:counter:)``, then
    /// ``finishChange(replica:startCounter:startLamport:endCounter:)``. The same bytes.
    /// Returns the replica's index, for ``finishChange(replica:startCounter:startLamport:endCounter:)``.
    mutating func beginChange(replica id: ReplicaID, startCounter: UInt64, startLamport: UInt64, operations: Int,
                              timestamp: Int64, origin: UInt64, dependencies: [OpID]) -> UInt64 {
        appendHeader(replica: id, startCounter: startCounter, startLamport: startLamport, operations: operations,
                     timestamp: timestamp, origin: origin, dependencies: dependencies)
    }

    /// One operation of a change begun by ``beginChange(replica:startCounter:startLamport:operations:timestamp:origin:dependencies:)``.
    mutating func appendOperation(_ operation: Operation, replica: ReplicaID, counter: UInt64) {
        append(operation, replica: replica, counter: counter)
    }

    /// A map write (`kind` `.set`, with `value`; `.make`, of `objectKind`; or `.delete`) of a
    /// change begun by ``beginChange(replica:startCounter:startLamport:operations:timestamp:origin:dependencies:)``:
    /// the bytes of the ``Operation`` it stands for, without building it.
    mutating func appendRegisterWrite(_ kind: OpKind, object: ObjectID, key: String, value: Value?, objectKind kindOfObject: ObjectKind,
                                      pred: [OpID], replica: ReplicaID, counter: UInt64) {
        let listed = opObject.append(object, objects: &objects, replicas: &replicas)
        appendMapWrite(kind, key: key, value: value, objectKind: kindOfObject, pred: pred, object: listed,
                       id: OpID(replica: replica, counter: counter))
    }

    /// A map write's columns, its object written: kind, key, predecessors, and its value
    /// (`.set`) or the new object's kind (`.make`).
    @inline(__always)
    private mutating func appendMapWrite(_ kind: OpKind, key: String, value: Value?, objectKind kindOfObject: ObjectKind,
                                         pred: [OpID], object listed: ListedObject, id: OpID) {
        switch kind {
        case .set:
            opKind.append(OperationSymbol.set)
            let index = appendKey(key, pred: pred, object: listed, id: id)
            appendValue(value ?? .null, in: .key(index))
        case .make:
            opKind.append(OperationSymbol.make)
            appendKey(key, pred: pred, object: listed, id: id)
            objectKind.append(UInt64(kindOfObject.rawValue))
            objects.append(ObjectID(id))
        default:
            opKind.append(OperationSymbol.delete)
            appendKey(key, pred: pred, object: listed, id: id)
        }
    }

    /// Ends a change begun by ``beginChange(replica:startCounter:startLamport:operations:timestamp:origin:dependencies:)``
    /// (`replica`, the index it returned), its operations taking counters up to `endCounter`.
    @inline(__always)
    mutating func finishChange(replica: UInt64, startCounter: UInt64, startLamport: UInt64, endCounter: UInt64) {
        replicas.nextCounter[Int(replica)] = endCounter
        nextLamport = startLamport &+ (endCounter &- startCounter)
    }

    /// The per-change columns of a change (its operations follow); returns the index of its
    /// replica in the table.
    @inline(__always)
    private mutating func appendHeader(replica id: ReplicaID, startCounter: UInt64, startLamport: UInt64, operations: Int,
                                       timestamp: Int64, origin: UInt64, dependencies: [OpID]) -> UInt64 {
        changeCount += 1
        operationCount += operations
        let replica = replicas.index(id)
        changeReplica.append(replica)
        changeCounter.append(signed: Int64(bitPattern: startCounter &- replicas.nextCounter[Int(replica)]))
        changeLamport.append(signed: Int64(bitPattern: startLamport &- nextLamport))
        changeOpCount.append(UInt64(operations))
        changeTimestamp.append(signed: timestamp &- previousTimestamp)
        previousTimestamp = timestamp
        changeOrigin.append(origin)
        changeDepCount.append(UInt64(dependencies.count))
        for dep in dependencies {
            depReplica.append(replicas.index(dep.replica))
            depCounter.append(signed: Int64(bitPattern: dep.counter &- previousDepCounter))
            previousDepCounter = dep.counter
        }
        return replica
    }

    private mutating func append(_ operation: Operation, replica: ReplicaID, counter: UInt64) {
        let id = OpID(replica: replica, counter: counter)
        let object = opObject.append(operation.object, objects: &objects, replicas: &replicas)
        switch operation.action {
        case .set(let key, let value, let pred):
            appendMapWrite(.set, key: key, value: value, objectKind: .map, pred: pred, object: object, id: id)
        case .make(let key, let kind, let pred):
            appendMapWrite(.make, key: key, value: nil, objectKind: kind, pred: pred, object: object, id: id)
        case .delete(let key, let pred):
            appendMapWrite(.delete, key: key, value: nil, objectKind: .map, pred: pred, object: object, id: id)
        case .insert(let after, let before, let values):
            appendInsert(.values, after, before, object: object, id: id, width: UInt64(values.count))
            insertCount.append(UInt64(values.count))
            for value in values { appendValue(value, in: .list) }
        case .insertObject(let after, let before, let kind):
            appendInsert(.object, after, before, object: object, id: id, width: 1)
            objectKind.append(UInt64(kind.rawValue))
            objects.append(ObjectID(id))
        case .insertText(let after, let before, let text):
            var text = text
            text.withUTF8 { utf8 in
                appendText(utf8, width: UInt64(operation.width), after, before, object: object, id: id)
            }
        case .remove(let first, let count):
            appendRemove(first, count: count, object: object)
        case .increment(let delta):
            opKind.append(OperationSymbol.increment)
            incrementDelta.append(signed: delta)
        }
    }

    /// The rest of a text insert's columns, its kind and object written: its origins, and
    /// its text, `utf8` (`width` scalars).
    @inline(__always)
    private mutating func appendText(_ utf8: UnsafeBufferPointer<UInt8>, width: UInt64, _ after: OpID?, _ before: OpID?,
                                     object: ListedObject, id: OpID) {
        appendInsert(.text, after, before, object: object, id: id, width: width)
        textLength.append(UInt64(utf8.count))
        // One byte, a typed ASCII character, appended as such: the generic append of a buffer
        // was an eighth of exporting a typed text.
        if utf8.count == 1 { textUTF8.write(utf8[0]) } else { textUTF8.write(contentsOf: utf8) }
    }

    /// The columns of a remove of `count` elements from `first` on, its object written.
    @inline(__always)
    private mutating func appendRemove(_ first: OpID, count: Int, object: ListedObject) {
        let state = cursors.state(of: object)
        let code = cursors.removeCode(first, state)
        opKind.append(OperationSymbol.removeBase + UInt64(code))
        if code == SequenceCursors.removeExplicit { appendExplicit(first, in: object) }
        removeCount.append(signed: Int64(count))
        cursors.recordRemove(in: object, first: first)
    }

    /// One keystroke of a run, as the operation of a change of its own (see ``appendKeystroke``).
    enum Keystroke {
        /// `scalar` typed into the text between `after` and `before`.
        case typed(Unicode.Scalar, after: OpID?, before: OpID?)
        /// The removal of the element `first`.
        case removed(first: OpID)
    }

    /// ``appendSingle(_:replica:startCounter:startLamport:timestamp:origin:)`` for a keystroke
    /// of `object`, without an ``Operation``: the same bytes, with no operation (and, typed, no
    /// `String`) built, copied and destroyed per keystroke.
    ///
    /// Returns `object` as listed, for the run's later keystrokes
    /// (``appendTypingRun(_:in:replica:startCounter:startLamport:before:timestamp:origin:)``,
    /// ``appendRemovalRun(_:target:in:replica:startCounter:startLamport:timestamp:origin:)``).
    @discardableResult
    mutating func appendKeystroke(_ keystroke: Keystroke, in object: ObjectID, replica id: ReplicaID, startCounter: UInt64,
                                  startLamport: UInt64, timestamp: Int64, origin: UInt64) -> ListedObject {
        let replica = appendHeader(replica: id, startCounter: startCounter, startLamport: startLamport, operations: 1,
                                   timestamp: timestamp, origin: origin, dependencies: [])
        let listed = opObject.append(object, objects: &objects, replicas: &replicas)
        switch keystroke {
        case .typed(let scalar, let after, let before):
            var bytes: (UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0)
            withUnsafeMutableBytes(of: &bytes) { buffer in
                var count = 0
                UTF8.encode(scalar) { byte in
                    buffer[count] = byte
                    count += 1
                }
                appendText(UnsafeBufferPointer(start: buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), count: count),
                           width: 1, after, before, object: listed, id: OpID(replica: id, counter: startCounter))
            }
        case .removed(let first):
            appendRemove(first, count: 1, object: listed)
        }
        finishChange(replica: replica, startCounter: startCounter, startLamport: startLamport, endCounter: startCounter &+ 1)
        return listed
    }

    /// The keystrokes of a run after the one ``appendKeystroke`` (or any append) wrote last:
    /// `scalars` typed one after the other into `object` (as that append listed it) by
    /// replica `id`, from `startCounter` (at `startLamport`) on, each after the one before and
    /// all before `before`, one change each, made at `timestamp` as origin `origin`. The bytes
    /// as many ``appendKeystroke`` calls write, a column at a time: after the first keystroke
    /// every one codes the same (after the cursor, before the previous right origin or at the
    /// end; no delta in its header), so the run-length columns take a count, not a call
    /// per keystroke.
    ///
    /// - Precondition: the change written last is the keystroke before the first of these
    ///   (counter `startCounter - 1`), typed into `object` before `before`.
    mutating func appendTypingRun<Scalars: Collection<Unicode.Scalar>>(
        _ scalars: Scalars, in object: ListedObject, replica id: ReplicaID, startCounter: UInt64, startLamport: UInt64,
        before: OpID?, timestamp: Int64, origin: UInt64
    ) {
        let count = scalars.count
        guard count > 0 else { return }
        let previous = OpID(replica: id, counter: startCounter &- 1)
        assert(cursors.state(of: object).cursor == .element(previous) && (before == nil || cursors.state(of: object).previousBefore == before))
        let replica = appendRunHeaders(count, replica: id, startCounter: startCounter, startLamport: startLamport,
                                       timestamp: timestamp, origin: origin)
        opObject.appendListed(object, count: count)
        opKind.append(OperationSymbol.insert(
            .text, after: SequenceCursors.afterCursor,
            before: before == nil ? SequenceCursors.beforeNone : SequenceCursors.beforePrevious), count: count)
        if scalars.allSatisfy(\.isASCII) {
            textLength.append(1, count: count)
            for scalar in scalars { textUTF8.write(UInt8(truncatingIfNeeded: scalar.value)) }
        } else {
            for scalar in scalars {
                textLength.append(UInt64(UTF8.width(scalar)))
                UTF8.encode(scalar) { textUTF8.write($0) }
            }
        }
        cursors.recordTyping(in: object, first: OpID(replica: id, counter: startCounter), count: UInt64(count),
                             after: previous, before: before)
        finishChange(replica: replica, startCounter: startCounter, startLamport: startLamport,
                     endCounter: startCounter &+ UInt64(count))
    }

    /// The keystrokes of a run after the one ``appendKeystroke`` (or any append) wrote last:
    /// `count` removes of one element each in `object` (as that append listed it), of
    /// `target(0)`, `target(1)`, …, by replica `id` from `startCounter` (at `startLamport`) on,
    /// one change each, made at `timestamp` as origin `origin`. The bytes as many
    /// ``appendKeystroke`` calls write: the headers and objects a column at a time, each
    /// remove coded as it would be.
    ///
    /// - Precondition: the change written last is the keystroke before the first of these
    ///   (counter `startCounter - 1`), in `object`.
    mutating func appendRemovalRun(
        _ count: Int, target: (Int) -> OpID, in object: ListedObject, replica id: ReplicaID, startCounter: UInt64,
        startLamport: UInt64, timestamp: Int64, origin: UInt64
    ) {
        guard count > 0 else { return }
        let replica = appendRunHeaders(count, replica: id, startCounter: startCounter, startLamport: startLamport,
                                       timestamp: timestamp, origin: origin)
        opObject.appendListed(object, count: count)
        for i in 0..<count { appendRemove(target(i), count: 1, object: object) }
        finishChange(replica: replica, startCounter: startCounter, startLamport: startLamport,
                     endCounter: startCounter &+ UInt64(count))
    }

    /// The per-change columns of `count` changes of one operation each, without
    /// dependencies, by replica `id` from `startCounter` (at `startLamport`) on, made at
    /// `timestamp` as origin `origin`: what ``appendHeader`` writes for each, every column
    /// after the first change's deltas a repeated value. Returns the replica's index.
    @inline(__always)
    private mutating func appendRunHeaders(_ count: Int, replica id: ReplicaID, startCounter: UInt64, startLamport: UInt64,
                                           timestamp: Int64, origin: UInt64) -> UInt64 {
        changeCount += count
        operationCount += count
        let replica = replicas.index(id)
        changeReplica.append(replica, count: count)
        // The first change's deltas from the change before; every later one's are zero.
        changeCounter.append(signed: Int64(bitPattern: startCounter &- replicas.nextCounter[Int(replica)]))
        changeCounter.append(ZigZag.encode(0), count: count - 1)
        changeLamport.append(signed: Int64(bitPattern: startLamport &- nextLamport))
        changeLamport.append(ZigZag.encode(0), count: count - 1)
        changeOpCount.append(1, count: count)
        changeTimestamp.append(signed: timestamp &- previousTimestamp)
        changeTimestamp.append(ZigZag.encode(0), count: count - 1)
        previousTimestamp = timestamp
        changeOrigin.append(origin, count: count)
        changeDepCount.append(0, count: count)
        return replica
    }

    /// Writes a map operation's key and predecessors; returns the key's string index.
    @discardableResult
    private mutating func appendKey(_ key: String, pred: [OpID], object: ListedObject, id: OpID) -> UInt64 {
        let (code, index) = strings.reference(key)
        opKey.append(code)
        let base = writers.base(object: object, key: index, id: id)
        predCount.append(UInt64(pred.count))
        for p in pred {
            predReplica.append(p.replica == base.replica ? 0 : replicas.index(p.replica) + 1)
            predCounter.append(signed: Int64(bitPattern: base.counter &- p.counter))
        }
        return index
    }

    private mutating func appendInsert(_ form: OperationSymbol.InsertForm, _ after: OpID?, _ before: OpID?, object: ListedObject,
                                       id: OpID, width: UInt64) {
        let state = cursors.state(of: object)
        let afterCode = cursors.afterCode(after, state)
        let beforeCode = cursors.beforeCode(before, after: after, state)
        opKind.append(OperationSymbol.insert(form, after: afterCode, before: beforeCode))
        if afterCode == SequenceCursors.afterExplicit, let after { appendExplicit(after, in: object) }
        if beforeCode == SequenceCursors.beforeExplicit, let before { appendExplicit(before, in: object) }
        cursors.recordInsert(in: object, first: id, width: width, after: after, before: before)
    }

    private mutating func appendExplicit(_ id: OpID, in object: ListedObject) {
        sequenceReplica.append(replicas.index(id.replica))
        sequenceCounter.append(signed: cursors.explicitDelta(id.counter, in: object))
    }

    private mutating func appendValue(_ value: Value, in context: ValueTagPredictor.Context) {
        func tag(_ tag: UInt64) { valueTag.append(tags.code(for: tag, in: context)) }
        switch value {
        case .null:
            tag(ValueTag.null)
        case .bool(let b):
            tag(b ? ValueTag.true : ValueTag.false)
        case .int(let i):
            tag(ValueTag.int)
            valueInt.append(signed: i &- previousInt)
            previousInt = i
        case .double(let d):
            if let (mantissa, scale) = DecimalDouble.split(d, preferred: tags.preferredScale(in: context)) {
                tag(ValueTag.decimal + UInt64(scale))
                valueDecimal.append(signed: mantissa)
            } else {
                tag(ValueTag.double)
                valueDouble.writeUInt64LE(d.bitPattern)
            }
        case .string(let s):
            tag(ValueTag.string)
            valueString.append(strings.reference(s).code)
        case .bytes(let b):
            tag(ValueTag.bytes)
            valueBytes.writeCount(b.count)
            valueBytes.write(contentsOf: b)
        case .object(let id):
            tag(ValueTag.object)
            valueObject.append(id, objects: &objects, replicas: &replicas)
        }
    }

    /// The index of `origin` in this encoder's origin table, which it joins if new. Origins
    /// are few, so their strings are stored inline rather than in the string table.
    mutating func originIndex(_ origin: Origin) -> UInt64 {
        if let last = lastOrigin, last.origin.hasSameBytes(as: origin) { return last.index }
        let key = OriginKey(origin)
        let index: UInt64
        if let existing = originIndices[key] {
            index = existing
        } else {
            index = UInt64(originCount)
            originCount += 1
            originIndices[key] = index
            originTable.write(origin.actor.rawValue)
            func write(_ string: String?, optional: Bool) {
                guard var string else {
                    originTable.writeULEB128(0)
                    return
                }
                string.withUTF8 { utf8 in
                    originTable.writeCount(utf8.count + (optional ? 1 : 0))
                    originTable.write(contentsOf: utf8)
                }
            }
            write(origin.name, optional: false)
            write(origin.request, optional: true)
            write(origin.onBehalfOf, optional: true)
        }
        lastOrigin = (origin, index)
        return index
    }

    // MARK: Output

    mutating func finish(extraSections: [(UInt64, [UInt8])] = []) -> [UInt8] {
        var sections: [(UInt64, [UInt8])] = []
        func add(_ id: ColumnID, _ bytes: [UInt8]) {
            if !bytes.isEmpty { sections.append((id.rawValue, bytes)) }
        }
        func table(_ count: Int, _ body: [UInt8]) -> [UInt8] {
            guard count > 0 else { return [] }
            var table = ByteWriter(capacity: body.count + 5)
            table.writeCount(count)
            table.write(contentsOf: body)
            return table.bytes
        }
        var replicaBody = ByteWriter(capacity: 8 * replicas.ids.count)
        for id in replicas.ids { replicaBody.writeUInt64LE(id.rawValue) }
        add(.replicas, table(replicas.ids.count, replicaBody.bytes))
        add(.strings, table(strings.count, strings.body.bytes))
        add(.origins, table(originCount, originTable.bytes))
        add(.changeReplica, changeReplica.finish())
        add(.changeCounter, changeCounter.finish())
        add(.changeLamport, changeLamport.finish())
        add(.changeOpCount, changeOpCount.finish())
        add(.changeTimestamp, changeTimestamp.finish())
        add(.changeOrigin, changeOrigin.finish())
        add(.changeDepCount, changeDepCount.finish())
        add(.depReplica, depReplica.finish())
        add(.depCounter, depCounter.finish())
        add(.opObject, opObject.code.finish())
        add(.opObjectReplica, opObject.replica.finish())
        add(.opObjectCounter, opObject.counter.finish())
        add(.opKind, opKind.finish())
        add(.opKey, opKey.finish())
        add(.predCount, predCount.finish())
        add(.predReplica, predReplica.finish())
        add(.predCounter, predCounter.finish())
        add(.objectKind, objectKind.finish())
        add(.sequenceReplica, sequenceReplica.finish())
        add(.sequenceCounter, sequenceCounter.finish())
        add(.insertCount, insertCount.finish())
        add(.textLength, textLength.finish())
        add(.textUTF8, textUTF8.bytes)
        add(.removeCount, removeCount.finish())
        add(.incrementDelta, incrementDelta.finish())
        add(.valueTag, valueTag.finish())
        add(.valueInt, valueInt.finish())
        add(.valueDecimal, valueDecimal.finish())
        add(.valueDouble, valueDouble.bytes)
        add(.valueString, valueString.finish())
        add(.valueBytes, valueBytes.bytes)
        add(.valueObject, valueObject.code.finish())
        add(.valueObjectReplica, valueObject.replica.finish())
        add(.valueObjectCounter, valueObject.counter.finish())

        for (id, bytes) in extraSections where !bytes.isEmpty {
            precondition(id >= ColumnID.firstOptional && id > (sections.last?.0 ?? 0), "extension section ids must be optional and increasing")
            sections.append((id, bytes))
        }
        let total = sections.reduce(32) { $0 + $1.1.count + 10 }
        var out = ByteWriter(capacity: total)
        out.writeCount(changeCount)
        out.writeCount(operationCount)
        out.writeCount(sections.count)
        for (id, bytes) in sections {
            out.writeULEB128(id)
            out.writeCount(bytes.count)
            out.write(contentsOf: bytes)
        }
        return out.bytes
    }
}

/// A string compared and hashed by its UTF-8 bytes.
///
/// `String`'s own `==` uses canonical equivalence, which would merge "é" (U+00E9) and
/// "e\u{301}" into one table entry and silently change bytes on a round trip.
struct UTF8Key: Hashable {
    let string: String

    init(_ string: String) { self.string = string }

    /// Byte for byte, compared in place: the generic `elementsEqual` of two UTF-8 views
    /// was 7 % of exporting a history of shapes (a key or string value per write).
    static func == (a: UTF8Key, b: UTF8Key) -> Bool { a.string.hasSameUTF8(as: b.string) }

    func hash(into hasher: inout Hasher) {
        // withUTF8 makes a bridged string contiguous first, so equal bytes always hash alike.
        var copy = string
        copy.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        hasher.combine(copy.utf8.count)
    }
}

/// An origin keyed by its exact bytes, so byte-identical origins share one table entry.
private struct OriginKey: Hashable {
    var actor: UInt8
    var name: UTF8Key
    var request: UTF8Key?
    var onBehalfOf: UTF8Key?

    init(_ origin: Origin) {
        actor = origin.actor.rawValue
        name = UTF8Key(origin.name)
        request = origin.request.map(UTF8Key.init)
        onBehalfOf = origin.onBehalfOf.map(UTF8Key.init)
    }
}

extension Origin {
    /// Equality of the exact bytes (``Origin``'s `==` compares strings by canonical equivalence).
    func hasSameBytes(as other: Origin) -> Bool {
        func same(_ a: String?, _ b: String?) -> Bool {
            switch (a, b) {
            case (nil, nil): true
            case (let a?, let b?): a.utf8.elementsEqual(b.utf8)
            default: false
            }
        }
        return actor == other.actor && same(name, other.name) && same(request, other.request)
            && same(onBehalfOf, other.onBehalfOf)
    }
}
