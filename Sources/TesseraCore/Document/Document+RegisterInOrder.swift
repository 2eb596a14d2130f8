/// Register writes on the in-order path (``Document/applyInOrder(_:)``): a `set` or `delete`
/// decoded straight into the map it writes, on document-local IDs, without building an
/// ``Operation`` (whose `String` key, ``Value`` and predecessor array were copied into it,
/// switched over twice and destroyed again: nearly a fifth of a whole-history import of shapes).
extension Document {
    /// A map of the document as the in-order path addresses it: its item ID and its index in
    /// ``DocumentCore/maps``.
    struct MapTarget {
        var item: ItemID
        var map: Int32

        /// "Not looked up yet", in a decoder's table of listed objects.
        static let unknown = MapTarget(item: .none, map: -1)
    }

    /// The map `object` names, if the document holds it (the root, or a map made by an
    /// operation already integrated, hence known).
    func mapTarget(_ object: ObjectID) -> MapTarget? {
        guard let creator = object.creator else { return MapTarget(item: .none, map: 0) }
        guard let item = core.itemID(creator), let slot = core.objects[item], slot.kind == .map else { return nil }
        return MapTarget(item: item, map: slot.index)
    }

    /// Validates and applies operation `counter` of `change` (replica index `replica`, Lamport
    /// time `lamport`): a write of `value` to key `key` (interned as `keyIndex`) of `target`
    /// (`objectID`), or its deletion when `value` is nil, overwriting `pred`. `value` must not
    /// be an object (attaching one is checked on the general path).
    ///
    /// The same checks as ``validateOperation(_:counter:of:replica:core:staging:)`` for such
    /// an operation, for a batch integrated as it validates (so the document holds everything
    /// the batch made so far): every predecessor must be known. Returns false, the document
    /// unchanged, if the operation is invalid.
    @inline(__always)
    mutating func writeRegisterInOrder(
        _ target: MapTarget, objectID: ObjectID, key: @autoclosure () -> String, keyIndex: UInt32, value: consuming Value?,
        pred: [OpID], id counter: UInt64, of change: ChangeStart, replica: UInt32, lamport: UInt64, events: inout EventLog
    ) -> Bool {
        // The operation's counter must fit the log's 32 bits (as ``classify`` checks for a change).
        guard counter < UInt64(UInt32.max) - 1 else { return false }
        for p in pred where !isKnown(p, before: counter, of: change) { return false }
        let predStart = logPredecessors(pred)
        var valueIndex = OpRecord.absent
        let kind: OpKind = value == nil ? .delete : .set
        // Moved into the pool, not copied (a copy and a destroy of the value per write).
        if let value = consume value {
            valueIndex = UInt32(core.values.count)
            core.values.append(value)
        }
        writeRegister(id: ItemID(replica: replica, counter: UInt32(counter)), lamport: lamport, object: target.item,
                      map: target.map, objectID: objectID, key: key(), keyIndex: keyIndex, kind: kind,
                      valueIndex: valueIndex, objectKind: .map, predStart: predStart, events: &events)
        return true
    }

    /// ``writeRegisterInOrder(_:objectID:key:keyIndex:value:pred:id:of:replica:lamport:events:)``
    /// for a `make`: writes a new object of kind `kind` (whose ID is the operation's) to `key`,
    /// as ``integrateOperation(_:id:lamport:keyIndex:events:)`` does after validating it, without
    /// building the operation. The operation's ID is new (its counter is the replica's next), so
    /// the object is. Returns false, the document unchanged, if a predecessor is unknown.
    mutating func makeInOrder(
        _ target: MapTarget, objectID: ObjectID, key: @autoclosure () -> String, keyIndex: UInt32, kind: ObjectKind, pred: [OpID],
        id counter: UInt64, of change: ChangeStart, replica: UInt32, lamport: UInt64, events: inout EventLog
    ) -> Bool {
        guard counter < UInt64(UInt32.max) - 1 else { return false }
        for p in pred where !isKnown(p, before: counter, of: change) { return false }
        let predStart = logPredecessors(pred)
        let id = ItemID(replica: replica, counter: UInt32(counter))
        let valueIndex = core.makeObject(id, kind: kind, parent: target.item, keyIndex: keyIndex)
        writeRegister(id: id, lamport: lamport, object: target.item, map: target.map, objectID: objectID, key: key(),
                      keyIndex: keyIndex, kind: .make, valueIndex: valueIndex, objectKind: kind, predStart: predStart,
                      events: &events)
        return true
    }

    /// Whether the document knows operation `id`, or it comes before `counter` in `change`.
    @inline(__always)
    private func isKnown(_ id: OpID, before counter: UInt64, of change: ChangeStart) -> Bool {
        if id.replica == change.replica, id.counter < counter, id.counter >= change.start { return true }
        return core.seen(id.replica) >= id.counter
    }
}
