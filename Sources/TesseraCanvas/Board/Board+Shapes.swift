import TesseraCore

extension Board {
    // MARK: Reading shapes

    /// The shape with ID `id`, or `nil` if it is not on the board.
    ///
    /// Complexity: O(1) lookups plus the length of the shape's text.
    public func shape(_ id: ShapeID) -> Shape? {
        guard let object = shapeObject(id) else { return nil }
        return Shape(reading: object, id: id, in: document)
    }

    /// Whether a shape with ID `id` is on the board.
    public func contains(_ id: ShapeID) -> Bool { shapeObject(id) != nil }

    /// Every shape, bottom to top in z-order (see ``zOrder``).
    ///
    /// Complexity: O(n log n) for n shapes.
    public var shapes: [Shape] {
        zOrderEntries().map { Shape(reading: $0.object, id: $0.id, in: document) }
    }

    /// The number of shapes on the board.
    public var shapeCount: Int {
        guard let shapes = rootObject(.shapes) else { return 0 }
        return (try? document.count(of: shapes)) ?? 0
    }

    /// The value of `property` that every concurrent writer wrote, winner first.
    ///
    /// One value when there is no conflict; after a merge of concurrent writes to the same
    /// property, all of them (`nil` for a concurrent deletion) until someone writes it again.
    ///
    /// - Throws: ``CanvasError/unknownShape(_:)``.
    public func conflicts(_ property: ShapeProperty, of id: ShapeID) throws(CanvasError) -> [Value?] {
        guard let object = shapeObject(id) else { throw .unknownShape(id) }
        return try documentCall { () throws(DocumentError) in try document.conflicts(property.key, in: object) }
    }

    /// The operation that wrote the visible value of `property` and who made it.
    ///
    /// - Throws: ``CanvasError/unknownShape(_:)``.
    public func writer(of property: ShapeProperty, of id: ShapeID) throws(CanvasError) -> (operation: OpID, origin: Origin)? {
        guard let object = shapeObject(id) else { throw .unknownShape(id) }
        return try documentCall { () throws(DocumentError) in try document.writer(of: property.key, in: object) }
    }

    /// The map object that stores shape `id`, if it is on the board.
    public func shapeObject(_ id: ShapeID) -> ObjectID? {
        guard let shapes = rootObject(.shapes), case .object(let object)? = try? document.get(id.rawValue, in: shapes),
            document.kind(of: object) == .map
        else { return nil }
        return object
    }

    // MARK: Editing shapes

    /// Adds `shape` on top of every other shape and returns its new ID.
    ///
    /// Every property is written as its own register and the text as a Text object (created
    /// even when empty, so two people typing into a new shape's label edit one text rather
    /// than racing to create it).
    ///
    /// ```swift
    /// let id = try board.addShape(.ellipse(x: 10, y: 10, w: 80, h: 80, fill: .blue))
    /// ```
    ///
    /// - Throws: the validation errors of ``Shape/validate()``, and
    ///   ``CanvasError/unknownShape(_:)`` or ``CanvasError/invalidReference(_:_:)`` for a bad
    ///   `parent`, `from` or `to`. Nothing is written when it throws.
    @discardableResult
    public mutating func addShape(_ shape: Shape) throws(CanvasError) -> ShapeID {
        try shape.validate()
        try validateReferences(of: shape, changed: [.parent, .from, .to], id: nil)
        let z = indexAboveAll()
        let id = try edit { (board: inout Board) throws(CanvasError) -> ShapeID in
            let shapes = try board.requireRoot(.shapes)
            let id = ShapeID(board.document.nextOperationID)
            var stored = shape
            stored.id = id
            stored.z = z
            try documentCall { () throws(DocumentError) in
                let object = try board.document.makeObject(.map, forKey: id.rawValue, in: shapes)
                for property in ShapeProperty.allCases where property != .text {
                    if let value = stored.storedValue(of: property) { try board.document.set(property.key, to: value, in: object) }
                }
                let text = try board.document.makeObject(.text, forKey: ShapeProperty.text.key, in: object)
                try board.document.insertText(stored.text, at: 0, in: text)
            }
            return id
        }.result
        zCeiling = (document.operationCount, z)
        return id
    }

    /// Changes shape `id` through `body` and writes only the properties that differ, so a
    /// concurrent edit of any other property is untouched. Text changes are written as one
    /// splice of the changed middle, so concurrent typing elsewhere in the text survives.
    ///
    /// ```swift
    /// try board.update(id) { shape in
    ///     shape.x += 20
    ///     shape.fill = .red
    /// }
    /// ```
    ///
    /// The shape's ``Shape/id`` and ``Shape/z`` cannot be changed here (use the z-order
    /// methods).
    ///
    /// - Returns: the properties written (empty if nothing changed).
    /// - Throws: ``CanvasError/unknownShape(_:)``, ``CanvasError/shapeLocked(_:)`` when the
    ///   shape is locked and stays locked, or a validation error. Nothing is written when it throws.
    @discardableResult
    public mutating func update(_ id: ShapeID, _ body: (inout Shape) -> Void) throws(CanvasError) -> Set<ShapeProperty> {
        guard let object = shapeObject(id) else { throw .unknownShape(id) }
        let current = Shape(reading: object, id: id, in: document)
        var updated = current
        body(&updated)
        updated.id = current.id
        updated.z = current.z
        let changed = updated.differences(from: current)
        guard !changed.isEmpty else { return [] }
        if current.locked && updated.locked { throw .shapeLocked(id) }
        try updated.validate()
        try validateReferences(of: updated, changed: Set(changed), id: id)
        try edit { (board: inout Board) throws(CanvasError) in
            try documentCall { () throws(DocumentError) in
                for property in changed {
                    if property == .text {
                        try board.writeText(updated.text, replacing: current.text, in: object)
                    } else {
                        try board.document.writeShapeProperty(property, of: updated, in: object)
                    }
                }
            }
        }
        return Set(changed)
    }

    /// Removes shape `id` from the board.
    ///
    /// The shape's key is deleted from `shapes`; its map stays in the history, so a
    /// concurrent edit of the shape does not bring it back, but undoing the delete does (with
    /// any such concurrent edit included).
    ///
    /// - Throws: ``CanvasError/unknownShape(_:)``, ``CanvasError/shapeLocked(_:)``.
    public mutating func deleteShape(_ id: ShapeID) throws(CanvasError) {
        guard let shape = shape(id) else { throw .unknownShape(id) }
        if shape.locked { throw .shapeLocked(id) }
        try edit { (board: inout Board) throws(CanvasError) in
            let shapes = try board.requireRoot(.shapes)
            try documentCall { () throws(DocumentError) in try board.document.delete(id.rawValue, in: shapes) }
        }
    }

    /// Adds an arrow from shape `start` to shape `end`, bound to both, and returns its ID.
    ///
    /// - Throws: ``CanvasError/unknownShape(_:)`` if either shape is missing.
    @discardableResult
    public mutating func connect(_ start: ShapeID, to end: ShapeID, label: String = "", stroke: Color = .ink) throws(CanvasError) -> ShapeID {
        guard let a = shape(start) else { throw .unknownShape(start) }
        guard let b = shape(end) else { throw .unknownShape(end) }
        return try addShape(.arrow(from: a.center, to: b.center, startShape: start, endShape: end, stroke: stroke, label: label))
    }

    // MARK: Helpers

    private mutating func writeText(_ new: String, replacing old: String, in shapeObject: ObjectID) throws(DocumentError) {
        if case .object(let text)? = try document.get(ShapeProperty.text.key, in: shapeObject), document.kind(of: text) == .text {
            try document.replaceText(text, from: old, to: new)
        } else {
            // A shape written by another tool without a Text object: give it one.
            let text = try document.makeObject(.text, forKey: ShapeProperty.text.key, in: shapeObject)
            try document.insertText(new, at: 0, in: text)
        }
    }

    /// Checks the `parent`, `from` and `to` references among `changed`: each must name another
    /// shape on the board, and parents must not form a cycle.
    func validateReferences(of shape: Shape, changed: Set<ShapeProperty>, id: ShapeID?) throws(CanvasError) {
        for property in [ShapeProperty.parent, .from, .to] where changed.contains(property) {
            let target: ShapeID?
            switch property {
            case .parent: target = shape.parent
            case .from: target = shape.from
            default: target = shape.to
            }
            guard let target else { continue }
            if target == id { throw .invalidReference(property, target) }
            guard contains(target) else { throw .unknownShape(target) }
            if property == .parent, let id {
                var visited: Set<ShapeID> = [target]
                var cursor = self.shape(target)?.parent
                while let next = cursor, visited.insert(next).inserted {
                    if next == id { throw .invalidReference(.parent, target) }
                    cursor = self.shape(next)?.parent
                }
            }
        }
    }
}
