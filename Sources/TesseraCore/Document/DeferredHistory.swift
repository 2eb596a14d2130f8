import Synchronization

/// The history of a document that was loaded from a snapshot's materialised state: kept as
/// the snapshot's bytes until something needs it, then decoded once.
///
/// Opening a snapshot therefore costs the state, not the history (as in Loro). The history is
/// needed by the first local or remote edit (which must append to it), by undo and revert,
/// and by every reader of the log (deltas for peers, attribution, ``Document/history``).
/// Writers decode it into their own copy; readers of an unedited copy share one decoded
/// result through this object. Decoding checks that the history produces the loaded state's
/// clock, Lamport time and sequence content; if it does not, the document keeps its state and
/// reports the problem in ``Document/historyError``.
final class DeferredHistory: Sendable {
    /// The snapshot the document was loaded from.
    let bytes: [UInt8]
    let limits: DecodingLimits
    /// The snapshot's change and operation counts (from its payload header).
    let changeCount: Int
    let operationCount: Int
    /// The document with its history, once decoded by a reader.
    private let decoded = Mutex<Result<DocumentCore, EncodingError>?>(nil)

    init(bytes: [UInt8], limits: DecodingLimits, changeCount: Int, operationCount: Int) {
        self.bytes = bytes
        self.limits = limits
        self.changeCount = changeCount
        self.operationCount = operationCount
    }

    /// The error of an earlier decoding, if one failed (decodes nothing).
    var failure: EncodingError? {
        decoded.withLock { cached in
            if case .failure(let error)? = cached { return error }
            return nil
        }
    }

    /// `state` (the loaded core, unedited) with its history present.
    ///
    /// - Parameter take: a writer takes the decoded result, so it owns the arrays it is about to
    ///   extend; a reader leaves it for the next reader.
    func materialize(_ state: DocumentCore, take: Bool) -> Result<DocumentCore, EncodingError> {
        decoded.withLock { cached in
            if let result = cached {
                if take { cached = nil }
                return result
            }
            let result: Result<DocumentCore, EncodingError>
            do throws(EncodingError) {
                // Typing read in bulk (see ChangeDecoder.decodeJoined) is logged as the runs it is.
                let (changes, runs) = try ChangeDecoder.decodeJoined(bytes, limits: limits)
                var core = state
                core.deferred = nil
                try core.appendHistory(changes, runs: runs)
                result = .success(core)
            } catch {
                result = .failure(error)
            }
            if !take { cached = result }
            return result
        }
    }
}

extension Document {
    /// Why the history of a document loaded from materialised state could not be used, if it
    /// could not: the snapshot's history did not decode, or did not produce the state it came
    /// with. The document keeps the loaded state and the edits made since; it cannot send
    /// peers the changes from before it was loaded. `nil` while the history has not been
    /// needed yet.
    public var historyError: EncodingError? { withState { $0.historyError ?? $0.deferred?.failure } }

    /// The core with its history present; decodes a deferred history (once, shared between
    /// unedited copies) for the readers of the log.
    var historyCore: DocumentCore {
        withState { state in
            guard let deferred = state.deferred else { return state }
            switch deferred.materialize(state, take: false) {
            case .success(let full):
                return full
            case .failure(let error):
                var loaded = state
                loaded.deferred = nil
                loaded.historyError = error
                return loaded
            }
        }
    }

    /// Loads a lazily opened snapshot and decodes a deferred history into this document
    /// before it is edited: every writer calls it first.
    @inline(__always)
    mutating func ensureHistory() {
        if unopened != nil || core.deferred != nil { loadForWriting() }
    }

    private mutating func loadForWriting() {
        if unopened != nil { takeUnopened() }
        guard let deferred = core.deferred else { return }
        switch deferred.materialize(core, take: true) {
        case .success(let full):
            core = full
        case .failure(let error):
            core.deferred = nil
            core.historyError = error
        }
    }
}

extension DocumentCore {
    /// Appends the log records of `history` (a snapshot's changes, in order) to a core loaded
    /// from that snapshot's materialised state, without integrating them: the state already
    /// holds their effect. Checks along the way that the history is the state's: it must name
    /// only known replicas, keys and objects, insert exactly the content the sequences hold (in
    /// the order they hold it) and end at the state's clock and Lamport time.
    ///
    /// Entry `i` of `history` may stand for `runs[i]`: a keystroke run as
    /// ``ChangeDecoder/decodeJoined(_:)`` reads it.
    mutating func appendHistory(_ history: [Change], runs: [JoinedRun]? = nil) throws(EncodingError) {
        func mismatch(_ reason: String) -> EncodingError {
            .invalid(offset: 0, reason: "the snapshot's history does not produce its materialised state: " + reason)
        }
        func item(_ id: OpID?) throws(EncodingError) -> ItemID {
            guard let id else { return .none }
            guard let r = replicas.existingIndex(of: id.replica), id.counter <= UInt64(clock[Int(r)]) else {
                throw mismatch("unknown operation \(id)")
            }
            return ItemID(replica: r, counter: UInt32(id.counter))
        }
        var cursor = [Int](repeating: 0, count: sequences.count)
        var seen = [UInt32](repeating: 0, count: clock.count)
        var lamport: UInt64 = 0
        changes.reserveCapacity(history.count)
        for (index, change) in history.enumerated() {
            let run = runs?[index] ?? .single
            guard let r = replicas.existingIndex(of: change.replica) else { throw mismatch("unknown replica \(change.replica)") }
            let replica = Int(r)
            let changeWidth = run.width(of: change)
            guard change.startCounter == UInt64(seen[replica]) + 1, changeWidth > 0,
                  change.startCounter + changeWidth - 1 <= UInt64(clock[replica]) else {
                throw mismatch("change \(change.replica):\(change.startCounter) out of sequence")
            }
            let opStart = ops.count
            let startCounter = UInt32(change.startCounter)
            var counter = startCounter
            for op in change.operations {
                let id = ItemID(replica: r, counter: counter)
                let object = try item(op.object.creator)
                guard let slot = objects[object] else { throw mismatch("unknown object \(op.object)") }
                func register(_ key: String, _ kind: OpKind, _ value: Value?, _ objectKind: ObjectKind, _ pred: [OpID]) throws(EncodingError) {
                    guard slot.kind == .map, let keyIndex = keys.existingIndex(of: key) else {
                        throw mismatch("register \(key) of \(op.object)")
                    }
                    var payload = OpRecord.absent
                    if let value {
                        payload = UInt32(values.count)
                        values.append(value)
                    }
                    let predStart = preds.count
                    for p in pred { preds.append(try item(p)) }
                    ops.append(OpRecord(object: object, a: UInt64(keyIndex), payload: payload, count: UInt32(pred.count),
                                        predStart: UInt32(predStart), kind: kind, objectKind: objectKind))
                }
                switch op.action {
                case .set(let key, let value, let pred):
                    try register(key, .set, value, .map, pred)
                case .make(let key, let kind, let pred):
                    guard objects[id]?.kind == kind else { throw mismatch("object \(id) was made as a \(kind)") }
                    try register(key, .make, .object(objectID(id)), kind, pred)
                case .delete(let key, let pred):
                    try register(key, .delete, nil, .map, pred)
                case .insert(let after, let before, let inserted):
                    let s = Int(slot.index)
                    let offset = cursor[s]
                    guard slot.kind == .list, offset + inserted.count <= sequences[s].elements.count,
                          sequences[s].elements[offset..<(offset + inserted.count)].elementsEqual(inserted) else {
                        throw mismatch("list insert \(id) is not the list's content")
                    }
                    cursor[s] += inserted.count
                    ops.append(OpRecord(object: object, a: try item(after).raw, b: try item(before).raw, payload: UInt32(offset),
                                        count: UInt32(inserted.count), kind: .insert))
                case .insertObject(let after, let before, let kind):
                    let s = Int(slot.index)
                    let offset = cursor[s]
                    guard slot.kind == .list, offset < sequences[s].elements.count,
                          sequences[s].elements[offset] == .object(objectID(id)), objects[id]?.kind == kind else {
                        throw mismatch("list insert \(id) is not the list's content")
                    }
                    cursor[s] += 1
                    ops.append(OpRecord(object: object, a: try item(after).raw, b: try item(before).raw, payload: UInt32(offset),
                                        count: 1, kind: .insertObject, objectKind: kind))
                case .insertText(let after, let before, let text):
                    let s = Int(slot.index)
                    let offset = cursor[s]
                    guard slot.kind == .text else { throw mismatch("text insert \(id) into a \(slot.kind)") }
                    var end = offset
                    let scalars = sequences[s].scalars
                    for scalar in text.unicodeScalars {
                        guard end < scalars.count, scalars[end] == scalar else {
                            throw mismatch("text insert \(id) is not the text's content")
                        }
                        end += 1
                    }
                    cursor[s] = end
                    ops.append(OpRecord(object: object, a: try item(after).raw, b: try item(before).raw, payload: UInt32(offset),
                                        count: UInt32(end - offset), kind: .insertText))
                case .remove(let first, let count):
                    guard slot.kind == .list || slot.kind == .text, count >= 1 else { throw mismatch("remove \(id)") }
                    if run.count > 1 {
                        // A run of removes: one record of its first target and direction.
                        ops.append(.removeRun(in: object, first: try item(run.target(0, lowest: first)),
                                              descending: run.descending, count: run.count))
                    } else {
                        ops.append(OpRecord(object: object, a: try item(first).raw, count: UInt32(count), kind: .remove))
                    }
                case .increment(let delta):
                    guard slot.kind == .counter else { throw mismatch("increment \(id) of a \(slot.kind)") }
                    ops.append(OpRecord(object: object, a: UInt64(bitPattern: delta), kind: .increment))
                }
                counter += UInt32(op.width)
            }
            let depStart = deps.count
            for dep in change.dependencies { deps.append(try item(dep)) }
            let width = UInt32(changeWidth)
            appendToLog(ChangeRecord(
                replica: r, startCounter: startCounter, width: width, opStart: UInt32(opStart),
                opCount: UInt32(ops.count - opStart), depStart: UInt32(depStart), depCount: UInt32(change.dependencies.count),
                origin: origins.index(of: change.origin), startLamport: change.startLamport, timestamp: change.timestamp,
                run: run.count))
            seen[replica] = startCounter + width - 1
            lamport = max(lamport, change.startLamport + UInt64(width) - 1)
        }
        guard seen == Array(clock.prefix(seen.count)) else { throw mismatch("the history ends at another version") }
        guard lamport == maxLamport else { throw mismatch("the history ends at another Lamport time") }
        for s in sequences.indices where cursor[s] != sequences[s].contentCount {
            throw mismatch("a sequence holds content no change inserted")
        }
    }
}
