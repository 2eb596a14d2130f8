/// Text inserts, and removes from texts and lists, on the in-order path
/// (``Document/applyInOrder(_:)``): decoded straight into the sequence they edit, as register
/// writes are (see ``Document/writeRegisterInOrder``), without building an ``Operation`` or a
/// ``Change``.
///
/// On this path everything the payload made so far is integrated already, so an ID the
/// sequence does not hold is not one of its elements: the checks of
/// ``validateOperation(_:counter:of:replica:core:staging:)`` are the lookups integration makes
/// anyway, and each item is found once, not once to validate and again to integrate. Typing
/// one character at a time made that double lookup, with the operation built, switched over
/// and destroyed around it, most of the cost of replaying a text's history.
extension Document {
    /// A list or text of the document as the in-order path addresses it: its item ID, its
    /// index in ``DocumentCore/sequences``, and whether it is a text.
    struct SequenceTarget {
        var item: ItemID
        var sequence: Int32
        var isText: Bool

        /// "Not looked up yet", in a decoder's table of listed objects.
        static let unknown = SequenceTarget(item: .none, sequence: -1, isText: false)
    }

    /// The list or text `object` names, if the document holds it.
    func sequenceTarget(_ object: ObjectID) -> SequenceTarget? {
        guard let creator = object.creator, let item = core.itemID(creator), let slot = core.objects[item] else { return nil }
        switch slot.kind {
        case .text: return SequenceTarget(item: item, sequence: slot.index, isText: true)
        case .list: return SequenceTarget(item: item, sequence: slot.index, isText: false)
        default: return nil
        }
    }

    /// Validates and applies the insert of `text` (`width` scalars) into `target` (`objectID`)
    /// between `after` and `before`, its first scalar taking counter `counter` of replica index
    /// `replica`, the next counter of that replica (so its IDs are new). Returns false, the
    /// document unchanged, if it is invalid: `target` is not a text, `text` is empty, or an
    /// origin is not an element of it.
    mutating func insertTextInOrder(
        _ target: SequenceTarget, objectID: ObjectID, text: String, width: Int, after: OpID?, before: OpID?,
        id counter: UInt64, replica: UInt32, events: inout EventLog
    ) -> Bool {
        guard let (s, position) = integrateTextInOrder(target, width: width, after: after, before: before, id: counter,
                                                       replica: replica, reportsPosition: events.isRecording)
        else { return false }
        core.sequences[s].scalars.append(scalarsOf: text)
        events.append(.textInsert(object: objectID, index: position, text: text))
        return true
    }

    /// ``insertTextInOrder(_:objectID:text:width:after:before:id:replica:events:)`` for text
    /// that is ASCII, `ascii` (one scalar per byte), read straight from a payload's text
    /// column: a typed run needs no `String` (built, copied into the scalars and destroyed)
    /// unless an event reports it.
    mutating func insertASCIIInOrder(
        _ target: SequenceTarget, objectID: ObjectID, ascii: UnsafeBufferPointer<UInt8>, after: OpID?, before: OpID?,
        id counter: UInt64, replica: UInt32, events: inout EventLog
    ) -> Bool {
        guard let (s, position) = integrateTextInOrder(target, width: ascii.count, after: after, before: before, id: counter,
                                                       replica: replica, reportsPosition: events.isRecording)
        else { return false }
        core.sequences[s].scalars.append(ascii: ascii)
        events.append(.textInsert(object: objectID, index: position, text: String(decoding: ascii, as: UTF8.self)))
        return true
    }

    /// Integrates `width` new scalars into `target` between `after` and `before` and logs
    /// the operation; the caller appends the content. Returns the sequence's index and the
    /// insert's visible position (when `reportsPosition`), or nil, the document unchanged,
    /// if the insert is invalid.
    @inline(__always)
    private mutating func integrateTextInOrder(
        _ target: SequenceTarget, width: Int, after: OpID?, before: OpID?, id counter: UInt64, replica: UInt32,
        reportsPosition: Bool
    ) -> (sequence: Int, position: Int)? {
        // Its counters must fit the log's 32 bits (as ``classify`` checks for a change).
        guard target.isText, width > 0, UInt64(width) < UInt64(UInt32.max) - counter else { return nil }
        var left = ItemID.none
        var right = ItemID.none
        if let after {
            guard let item = core.itemID(after) else { return nil }
            left = item
        }
        if let before {
            guard let item = core.itemID(before) else { return nil }
            right = item
        }
        let s = Int(target.sequence)
        let offset = core.sequences[s].scalars.count
        let replicas = core.replicas
        let position = core.sequences[s].tree.integrate(
            first: ItemID(replica: replica, counter: UInt32(counter)), count: width, originLeft: left.nonNone,
            originRight: right.nonNone, contentOffset: offset, index: &core.itemIndex, idsAreFresh: true,
            reportsPosition: reportsPosition, replicaKey: { replicas.ids[Int($0)].rawValue })
        // Integration checked that both origins are in this sequence, before changing anything.
        guard position >= 0 else { return nil }
        core.ops.append(OpRecord(object: target.item, a: left.raw, b: right.raw, payload: UInt32(offset), count: UInt32(width),
                                 kind: .insertText))
        return (s, position)
    }

    /// Validates and applies the remove of `count` elements of `target` (`objectID`) from
    /// `lowest` on: one operation, or (`asRun`) a backspacing or forward-deleting run of
    /// `count` one-element removes, logged as one record of its first target and direction.
    /// `removed` is a reused buffer. Returns false, the document unchanged, if an ID is not
    /// an element of `target`.
    mutating func removeInOrder(
        _ target: SequenceTarget, objectID: ObjectID, lowest: OpID, count: Int, descending: Bool, asRun: Bool,
        removed: inout [(position: Int, count: Int)], events: inout EventLog
    ) -> Bool {
        guard count >= 1, let first = core.itemID(lowest) else { return false }
        let s = Int(target.sequence)
        guard core.sequences[s].tree.delete(first: first, count: count, index: &core.itemIndex, strict: true,
                                                  reportsPositions: events.isRecording, into: &removed)
        else { return false }
        if asRun {
            let start = descending ? first.advanced(by: count - 1) : first
            core.ops.append(.removeRun(in: target.item, first: start, descending: descending, count: UInt32(count)))
        } else {
            core.ops.append(OpRecord(object: target.item, a: first.raw, count: UInt32(count), kind: .remove))
        }
        for range in removed {
            events.append(.removal(from: objectID, index: range.position, count: range.count, isText: target.isText))
        }
        return true
    }
}
