import TesseraCore

/// Z-order: each shape's `z` register holds a ``FractionalIndex``; moving a shape writes one
/// new index between its new neighbours' (plus, rarely, re-indexes a run of tied neighbours).
extension Board {
    /// Shape IDs, bottom to top.
    ///
    /// Order is (`z`, replica that wrote `z`, shape ID), so concurrent equal indices are
    /// drawn in the same order on every replica. Complexity: O(n log n).
    public var zOrder: [ShapeID] { zOrderEntries().map(\.id) }

    /// Puts shape `id` above every other shape. Does nothing if it is already strictly on top.
    ///
    /// - Throws: ``CanvasError/unknownShape(_:)``.
    public mutating func bringToFront(_ id: ShapeID) throws(CanvasError) {
        try place(id) { order in order.count }
    }

    /// Puts shape `id` below every other shape. Does nothing if it is already strictly at the back.
    ///
    /// - Throws: ``CanvasError/unknownShape(_:)``.
    public mutating func sendToBack(_ id: ShapeID) throws(CanvasError) {
        try place(id) { _ in 0 }
    }

    /// Moves shape `id` one step up, above the shape directly above it.
    ///
    /// - Throws: ``CanvasError/unknownShape(_:)``.
    public mutating func bringForward(_ id: ShapeID) throws(CanvasError) {
        let order = zOrderEntries()
        guard let position = order.firstIndex(where: { $0.id == id }) else { throw .unknownShape(id) }
        guard position + 1 < order.count else { return }
        try move(id, above: order[position + 1].id)
    }

    /// Moves shape `id` one step down, below the shape directly below it.
    ///
    /// - Throws: ``CanvasError/unknownShape(_:)``.
    public mutating func sendBackward(_ id: ShapeID) throws(CanvasError) {
        let order = zOrderEntries()
        guard let position = order.firstIndex(where: { $0.id == id }) else { throw .unknownShape(id) }
        guard position > 0 else { return }
        try move(id, below: order[position - 1].id)
    }

    /// Moves shape `id` directly above shape `other`.
    ///
    /// - Throws: ``CanvasError/unknownShape(_:)`` if either is missing.
    public mutating func move(_ id: ShapeID, above other: ShapeID) throws(CanvasError) {
        try place(id) { (order) throws(CanvasError) in
            guard let index = order.firstIndex(where: { $0.id == other }) else { throw .unknownShape(other) }
            return index + 1
        }
    }

    /// Moves shape `id` directly below shape `other`.
    ///
    /// - Throws: ``CanvasError/unknownShape(_:)`` if either is missing.
    public mutating func move(_ id: ShapeID, below other: ShapeID) throws(CanvasError) {
        try place(id) { (order) throws(CanvasError) in
            guard let index = order.firstIndex(where: { $0.id == other }) else { throw .unknownShape(other) }
            return index
        }
    }

    /// Moves shape `id` between `lower` and `upper`: directly above `lower`, which must be
    /// below `upper`.
    ///
    /// ```swift
    /// try board.move(note, between: background, and: title)
    /// ```
    ///
    /// - Throws: ``CanvasError/unknownShape(_:)``, or ``CanvasError/invalidZOrderRange(lower:upper:)``
    ///   when `lower` is not below `upper`.
    public mutating func move(_ id: ShapeID, between lower: ShapeID, and upper: ShapeID) throws(CanvasError) {
        try place(id) { (order) throws(CanvasError) in
            guard let low = order.firstIndex(where: { $0.id == lower }) else { throw .unknownShape(lower) }
            guard let high = order.firstIndex(where: { $0.id == upper }) else { throw .unknownShape(upper) }
            guard low < high else { throw .invalidZOrderRange(lower: lower, upper: upper) }
            return low + 1
        }
    }

    // MARK: Internals

    /// The z-order of every shape, bottom to top.
    func zOrderEntries() -> [ZOrderEntry] {
        guard let shapes = rootObject(.shapes), let entries = try? document.entries(in: shapes) else { return [] }
        var order: [ZOrderEntry] = []
        order.reserveCapacity(entries.count)
        for (key, value) in entries {
            guard case .object(let object) = value, document.kind(of: object) == .map else { continue }
            let stored = (try? document.get(ShapeProperty.z.key, in: object))??.stringValue
            let writer = (try? document.writer(of: ShapeProperty.z.key, in: object))??.operation.replica
            order.append(ZOrderEntry(id: ShapeID(key), object: object, index: stored.flatMap(FractionalIndex.init), writer: writer))
        }
        order.sort()
        return order
    }

    /// An index above every shape's (for a new shape).
    ///
    /// Only the highest index matters, so this is one pass over the shapes without the sort
    /// and writer lookups of ``zOrderEntries()``. Complexity: O(n).
    func indexAboveAll() -> FractionalIndex {
        var top: FractionalIndex?
        if let ceiling = zCeiling, ceiling.token == document.operationCount {
            top = ceiling.index
        } else if let shapes = rootObject(.shapes), let entries = try? document.entries(in: shapes) {
            for (_, value) in entries {
                guard case .object(let object) = value,
                    let stored = (try? document.get(ShapeProperty.z.key, in: object))??.stringValue,
                    let index = FractionalIndex(stored)
                else { continue }
                if top.map({ $0 < index }) ?? true { top = index }
            }
        }
        // `between(x, nil)` cannot throw: an open upper end is above everything.
        return (try? FractionalIndex.between(top, nil)) ?? FractionalIndex.initial
    }

    /// Moves shape `id` to `position(order)` in the order of the *other* shapes.
    ///
    /// Usually one write: an index strictly between the new neighbours'. When the neighbour
    /// below ties with (or, for foreign data, lacks an index like) the shapes above the
    /// insertion point, those shapes cannot be separated by one key, so the run of them is
    /// re-indexed above the moved shape (keys spread by bisection) — the fix Figma applies too.
    private mutating func place(_ id: ShapeID, at position: ([ZOrderEntry]) throws(CanvasError) -> Int) throws(CanvasError) {
        let all = zOrderEntries()
        guard let current = all.firstIndex(where: { $0.id == id }) else { throw .unknownShape(id) }
        var order = all
        let moving = order.remove(at: current)
        let target = min(max(try position(order), 0), order.count)
        let lower = target > 0 ? order[target - 1].index : nil
        // Shapes from `target` up that do not sort strictly above `lower` by index alone.
        var end = target
        while end < order.count {
            guard let index = order[end].index else { end += 1; continue }
            if let lower, index <= lower { end += 1; continue }
            break
        }
        let upper = end < order.count ? order[end].index : nil
        // Already in place, strictly between its neighbours: write nothing.
        if target == current, end == target, let index = moving.index,
            lower.map({ $0 < index }) ?? true, upper.map({ index < $0 }) ?? true {
            return
        }
        let keys: [FractionalIndex]
        do { keys = try FractionalIndex.keys(count: 1 + end - target, between: lower, and: upper) } catch {
            // Unreachable: `upper` is the first index strictly above `lower` by construction.
            throw .invalidZOrderRange(lower: target > 0 ? order[target - 1].id : id, upper: end < order.count ? order[end].id : id)
        }
        var writes = [(moving.object, keys[0])]
        for k in target..<end { writes.append((order[k].object, keys[1 + k - target])) }
        let ceiling = zCeiling.flatMap { $0.token == document.operationCount ? $0.index : nil }
        try edit { (board: inout Board) throws(CanvasError) in
            try documentCall { () throws(DocumentError) in
                for (object, key) in writes { try board.document.set(ShapeProperty.z.key, to: .string(key.rawValue), in: object) }
            }
        }
        if let ceiling, let highest = keys.last {
            zCeiling = (document.operationCount, max(ceiling, highest))
        }
    }
}
