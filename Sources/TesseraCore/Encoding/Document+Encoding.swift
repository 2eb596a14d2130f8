/// How ``Document/init(decoding:replica:origin:limits:loading:)`` opens a snapshot.
public enum SnapshotLoading: Sendable, Hashable {
    /// Check the snapshot's envelope and CRC now, and decode it when the document is first
    /// used (the default): then as ``materializedState``. Opening costs the checksum, as a
    /// lazy state load does in Loro; the first read or write pays the rest.
    ///
    /// Bytes that pass the CRC but do not decode can only have been crafted; the first use
    /// then replays the snapshot's history instead of its state, and if that fails too, the
    /// document is empty and refuses edits (see ``Document/loadError``). Use it, like
    /// ``materializedState``, for snapshots this software wrote, such as a replica's own store.
    case lazyState
    /// Open from the snapshot's materialised state when it has one, and decode the history
    /// only when something needs it: the first edit, undo or revert, or a reader of the log
    /// such as ``Document/changes(since:)``.
    ///
    /// The state is trusted to be what the history produces: the CRC guards it against
    /// corruption, and the loader checks that it is well formed (every index, item, object
    /// reference and sequence origin resolves), throwing if it is not. When the history is
    /// decoded, it is checked against the state's version, Lamport time and sequence content,
    /// and a disagreement is reported in ``Document/historyError``.
    case materializedState
    /// Ignore any materialised state and rebuild the document by applying the history: the
    /// state can then only be the one the history produces. Use it for snapshots from a party
    /// you do not trust to have written them honestly.
    case replayHistory
}

extension Document {
    /// Encodes every change this document has that a peer at `version` lacks: the delta to
    /// send it.
    ///
    /// ```swift
    /// let delta = alice.encodeChanges(since: bob.version)
    /// try bob.apply(encoded: delta)
    /// ```
    ///
    /// Complexity: O(size of the delta).
    public func encodeChanges(since version: VersionVector, compression: PayloadCompression = .automatic) -> [UInt8] {
        let core = historyCore
        var encoder = ChangeEncoder()
        core.encodeHistory(since: version, into: &encoder)
        return Container.encode(kind: .changes, payload: encoder.finish(), compression: compression)
    }

    /// Encodes the whole document: its complete history (every change, in causal order) and
    /// its materialised state, so that ``init(decoding:replica:origin:limits:loading:)`` opens
    /// it without replaying the history (FORMAT.md §6).
    ///
    /// Changes still waiting for their dependencies are not included. A document opened from
    /// a snapshot and not edited since encodes to the same bytes.
    ///
    /// Complexity: O(size of the history + size of the state).
    public func encodeSnapshot(compression: PayloadCompression = .automatic) -> [UInt8] {
        if let unopened, compression == .automatic { return unopened.bytes }
        let stored = withState { state -> [UInt8]? in
            if let failure = state.loadFailure { return failure.bytes }
            return compression == .automatic ? state.deferred?.bytes : nil
        }
        if let stored { return stored }
        let core = historyCore
        var encoder = ChangeEncoder()
        core.encodeHistory(since: VersionVector(), into: &encoder)
        let payload = encoder.finish(extraSections: [(StateSection.id, StateEncoder.encode(core))])
        return Container.encode(kind: .snapshot, payload: payload, compression: compression, flags: .materializedState)
    }

    /// Loads a document from a snapshot (or a changes container), writing as `replica`.
    ///
    /// A store reopening its own document passes the ID it wrote under before; a copy
    /// opened anywhere else must use a fresh ID (the default), because two processes must
    /// never write under one replica ID.
    ///
    /// ```swift
    /// let copy = try Document(decoding: original.encodeSnapshot())
    /// copy.materialize() == original.materialize()   // true
    /// ```
    ///
    /// A snapshot that carries its materialised state is opened from that state, and its
    /// history is decoded only when first needed; by default (``SnapshotLoading/lazyState``)
    /// the state too is decoded on first use, and opening checks the envelope and CRC (see
    /// ``SnapshotLoading``). Changes containers, and snapshots without state, are replayed,
    /// without building the events ``apply(encoded:limits:)`` returns (no one holds the new
    /// document yet): to open a history and see it as events, apply it to a new document.
    ///
    /// - Throws: ``EncodingError``; ``EncodingError/rejected(_:)`` if the bytes decode but
    ///   the changes are invalid.
    public init(decoding bytes: [UInt8], replica: ReplicaID = .random(), origin: Origin = .anonymous,
                limits: DecodingLimits = .standard, loading: SnapshotLoading = .lazyState) throws(EncodingError) {
        let envelope = try ContainerEnvelope(bytes, limits: limits)
        if loading == .lazyState, envelope.kind == .snapshot, envelope.flags.contains(.materializedState) {
            self.init(unopened: UnopenedSnapshot(bytes: bytes, envelope: envelope, limits: limits, replica: replica), origin: origin)
            return
        }
        let container = try envelope.open(bytes)
        try container.expect(.changes, .snapshot)
        if loading != .replayHistory, container.kind == .snapshot, container.flags.contains(.materializedState),
           let core = try DocumentCore(state: container, of: bytes, limits: limits, replica: replica)
        {
            self.init(core: core, origin: origin)
            return
        }
        self = try Document(replaying: container, replica: replica, origin: origin)
    }

    /// A document built by applying every change in `container`.
    init(replaying container: Container, replica: ReplicaID, origin: Origin) throws(EncodingError) {
        self.init(replica: replica, origin: origin)
        // No one sees the events of a document being built: none is made.
        if applyInOrder(container, reportsEvents: false) != nil { return }
        let (changes, runs) = try ChangeDecoder.decodeJoined(container)
        do {
            _ = try apply(changes, runs: runs, reportsEvents: false)
        } catch {
            throw .rejected(error)
        }
    }

    /// Applies encoded changes (a delta or a snapshot) received from another replica.
    ///
    /// The bytes are decoded completely before the document is touched, and the changes are
    /// then applied atomically (``apply(_:)``): on any error the document is exactly as
    /// before. Changes whose dependencies are missing wait in the pending buffer.
    ///
    /// - Returns: the visible changes, in order.
    @discardableResult
    public mutating func apply(encoded bytes: [UInt8], limits: DecodingLimits = .standard) throws(EncodingError) -> DocumentEvents {
        let container = try Container.decode(bytes, limits: limits)
        try container.expect(.changes, .snapshot)
        // Changes that come in order are applied as they are read (see applyInOrder).
        if let events = applyInOrder(container) { return events }
        // Typing is read in bulk and applied as the runs it is (see JoinedChanges).
        let (changes, runs) = try ChangeDecoder.decodeJoined(container)
        do {
            return try apply(changes, runs: runs)
        } catch {
            throw .rejected(error)
        }
    }
}

extension DocumentCore {
    /// The document described by the materialised state of snapshot `container` (decoded from
    /// `bytes`), its history deferred; `nil` if the payload has no state section.
    init?(state container: Container, of bytes: [UInt8], limits: DecodingLimits, replica: ReplicaID) throws(EncodingError) {
        let layout = try SnapshotLayout(container.payload)
        guard let state = layout.state else { return nil }
        self = try StateDecoder.decode(state, replica: replica, budget: container.budget)
        if layout.changeCount > 0 {
            deferred = DeferredHistory(bytes: bytes, limits: limits, changeCount: layout.changeCount,
                                       operationCount: layout.operationCount)
        }
    }
}

extension DocumentCore {
    /// Appends to `encoder` every change this core has that `version` lacks, in the order of
    /// ``changeIndices(since:)``: the bytes `ChangeEncoder.encode(changeIndices(since:).map(publicChange))`
    /// gives, without that array of changes.
    ///
    /// A change of its own is encoded straight from the log (its map writes without an
    /// ``Operation``, see ``encodeChange(_:origin:into:dependencies:pred:)``), and a run of
    /// keystrokes as what they type or remove (``encodeRun(_:from:origin:into:)``), with no
    /// change, operation or string built, its origin looked up once per origin of the log
    /// rather than compared string by string.
    ///
    /// Building every change of a typed text first, an array and an operation array per
    /// keystroke, then destroying them, was over half of exporting it.
    func encodeHistory(since version: VersionVector, into encoder: inout ChangeEncoder) {
        // The encoder's index of each origin of the log, plus one (0: not looked up yet).
        var originCodes = [UInt64](repeating: 0, count: origins.origins.count)
        // Reused for every change's dependencies and every map write's predecessors.
        var dependencies: [OpID] = []
        var pred: [OpID] = []
        for span in changeSpans(since: version) {
            let record = changes[span.record]
            let o = Int(record.origin)
            if originCodes[o] == 0 { originCodes[o] = encoder.originIndex(origins.origins[o]) + 1 }
            let origin = originCodes[o] - 1
            if record.run == 1 {
                encodeChange(record, origin: origin, into: &encoder, dependencies: &dependencies, pred: &pred)
                continue
            }
            encodeRun(span.record, from: span.part, origin: origin, into: &encoder)
        }
    }

    /// Encodes changes `first...` of the run at `index` of the log (as origin `origin` of the
    /// encoder's table), one change each: the first as what it types or removes (or as a
    /// change, when it has dependencies or is not a keystroke), the rest a column at a time
    /// (``ChangeEncoder/appendTypingRun(_:in:replica:startCounter:startLamport:before:timestamp:origin:)``,
    /// ``ChangeEncoder/appendRemovalRun(_:target:in:replica:startCounter:startLamport:timestamp:origin:)``).
    /// Keystroke by keystroke, a typed text's runs were four fifths of exporting it.
    private func encodeRun(_ index: Int, from first: UInt32, origin: UInt64, into encoder: inout ChangeEncoder) {
        let record = changes[index]
        let run = ops[Int(record.opStart)]
        let object = objectID(run.object)
        let sequence = Int(objects[run.object]?.index ?? 0)
        let replica = replicas.ids[Int(record.replica)]
        var part = first
        while part < record.run {
            let single = runOperation(run, of: record, part: part)
            let counter = UInt64(record.startCounter + part)
            let lamport = record.startLamport + UInt64(part)
            let keystroke: ChangeEncoder.Keystroke
            switch single.kind {
            case .insertText where part > 0 || record.depCount == 0:
                let scalar = sequences[sequence].scalars[Int(single.payload)]
                keystroke = .typed(scalar, after: optionalOpID(single.a), before: optionalOpID(single.b))
            case .remove where part > 0 || record.depCount == 0:
                keystroke = .removed(first: opID(ItemID(packed: single.a)))
            default:
                if part == 0 && record.depCount > 0 {
                    encoder.append(publicChange(LoggedChange(record: index, part: 0)))
                } else {
                    encoder.appendSingle(publicOperation(single), replica: replica, startCounter: counter, startLamport: lamport,
                                         timestamp: record.timestamp, origin: origin)
                }
                part += 1
                continue
            }
            let listed = encoder.appendKeystroke(keystroke, in: object, replica: replica, startCounter: counter,
                                                 startLamport: lamport, timestamp: record.timestamp, origin: origin)
            // The rest of the run, after the keystroke just written.
            let rest = Int(record.run - part - 1)
            switch keystroke {
            case .typed:
                let start = Int(single.payload) + 1
                encoder.appendTypingRun(
                    sequences[sequence].scalars[start..<(start + rest)], in: listed,
                    replica: replica, startCounter: counter + 1, startLamport: lamport + 1, before: optionalOpID(single.b),
                    timestamp: record.timestamp, origin: origin)
            case .removed(let target):
                let step: Int64 = run.descending ? -1 : 1
                encoder.appendRemovalRun(
                    rest, target: { OpID(replica: target.replica, counter: target.counter &+ UInt64(bitPattern: step * Int64($0 + 1))) },
                    in: listed, replica: replica, startCounter: counter + 1, startLamport: lamport + 1,
                    timestamp: record.timestamp, origin: origin)
            }
            return
        }
    }

    /// Encodes `record`, a change of its own (not a run), as ``publicChange(_:)`` of it
    /// would encode, its map writes straight from the log: no ``Change``, no ``Operation``
    /// and no predecessor array per write (building and destroying them was a fifth of
    /// exporting a history of shape edits). `dependencies` and `pred` are reused buffers.
    private func encodeChange(_ record: ChangeRecord, origin: UInt64, into encoder: inout ChangeEncoder,
                              dependencies: inout [OpID], pred: inout [OpID]) {
        let replica = replicas.ids[Int(record.replica)]
        // Emptied only when not empty, and one element by `removeLast`: `removeAll(keepingCapacity:)`
        // is a generic range replacement, several times the cost (2 % of exporting W2's delta).
        if !dependencies.isEmpty { dependencies.removeAll(keepingCapacity: true) }
        for dep in deps[Int(record.depStart)..<Int(record.depStart + record.depCount)] { dependencies.append(opID(dep)) }
        let start = UInt64(record.startCounter)
        let replicaIndex = encoder.beginChange(
            replica: replica, startCounter: start, startLamport: record.startLamport, operations: Int(record.opCount),
            timestamp: record.timestamp, origin: origin, dependencies: dependencies)
        var counter = start
        for i in Int(record.opStart)..<Int(record.opStart + record.opCount) {
            let op = ops[i]
            switch op.kind {
            case .set, .make, .delete:
                if pred.count == 1 { pred.removeLast() } else if !pred.isEmpty { pred.removeAll(keepingCapacity: true) }
                for p in preds[Int(op.predStart)..<(Int(op.predStart) + Int(op.predCount))] { pred.append(opID(p)) }
                encoder.appendRegisterWrite(
                    op.kind, object: objectID(op.object), key: keys.strings[Int(op.a)],
                    value: op.kind == .set ? values[Int(op.payload)] : nil, objectKind: op.objectKind, pred: pred,
                    replica: replica, counter: counter)
                counter &+= 1
            default:
                let operation = publicOperation(op)
                encoder.appendOperation(operation, replica: replica, counter: counter)
                counter &+= UInt64(operation.width)
            }
        }
        encoder.finishChange(replica: replicaIndex, startCounter: start, startLamport: record.startLamport, endCounter: counter)
    }
}
