import TesseraCore

extension Board {
    // MARK: Transactions

    /// Runs `body` as one transaction: all its edits become one change (one undo step) with
    /// `origin`, or the board's ``origin`` by default.
    ///
    /// ```swift
    /// let changes = try board.transact(origin: .agent("Tessa", request: "req-7")) { board in
    ///     let a = try board.addShape(.rectangle(x: 0, y: 0, w: 80, h: 40, text: "A"))
    ///     let b = try board.addShape(.rectangle(x: 200, y: 0, w: 80, h: 40, text: "B"))
    ///     try board.connect(a, to: b)
    /// }
    /// ```
    ///
    /// Each edit in `body` validates before it writes; if `body` throws, the edits before the
    /// throw are still committed (as in the Core and Yjs) and the error is rethrown.
    ///
    /// - Returns: the changes the transaction made.
    @discardableResult
    public mutating func transact<E: Error>(origin: Origin? = nil, _ body: (inout Board) throws(E) -> Void) throws(E) -> [BoardChange] {
        var failure: E?
        let commit = document.transact(origin: origin) { doc in
            Board.withBoard(&doc) { board in
                do throws(E) { try body(&board) } catch { failure = error }
            }
        }
        if let failure { throw failure }
        return changes(for: commit.events)
    }

    // MARK: Sync

    /// Every change this board has that a peer at `version` lacks (see ``Document/changes(since:)``).
    public func changes(since version: VersionVector = VersionVector()) -> [Change] {
        document.changes(since: version)
    }

    /// Applies changes from another replica and returns what they changed on the board.
    ///
    /// - Throws: ``CanvasError/document(_:)`` if the Core refuses the changes (nothing is applied).
    @discardableResult
    public mutating func apply(_ changes: [Change]) throws(CanvasError) -> [BoardChange] {
        let events = try documentCall { () throws(DocumentError) in try document.apply(changes) }
        return self.changes(for: events.events)
    }

    /// Merges everything `other` has that this board lacks and returns what changed.
    ///
    /// Merging is commutative, associative and idempotent: two boards that merged each other
    /// are equal.
    @discardableResult
    public mutating func merge(_ other: Board) throws(CanvasError) -> [BoardChange] {
        let events = try documentCall { () throws(DocumentError) in try document.merge(other.document) }
        return changes(for: events.events)
    }

    // MARK: Undo

    /// Whether this board's actor has an edit to undo.
    public var canUndo: Bool { document.canUndo() }

    /// Whether this board's actor has an undone edit to redo.
    public var canRedo: Bool { document.canRedo() }

    /// Undoes this actor's latest edit with new operations (so the undo syncs).
    ///
    /// Undo never clobbers someone else's later write: a property another replica wrote since
    /// keeps their value. Undoing a delete brings the shape back, including concurrent edits
    /// made to it meanwhile.
    ///
    /// - Returns: what changed, or `nil` if there was nothing to undo.
    @discardableResult
    public mutating func undo() throws(CanvasError) -> [BoardChange]? {
        guard let commit = try documentCall({ () throws(DocumentError) in try document.undo() }) else { return nil }
        return changes(for: commit.events)
    }

    /// Redoes this actor's latest undone edit.
    ///
    /// - Returns: what changed, or `nil` if there was nothing to redo.
    @discardableResult
    public mutating func redo() throws(CanvasError) -> [BoardChange]? {
        guard let commit = try documentCall({ () throws(DocumentError) in try document.redo() }) else { return nil }
        return changes(for: commit.events)
    }

    /// Reverts every edit whose origin matches `predicate`, from any replica, in one change.
    ///
    /// ```swift
    /// try board.revert { $0.request == "req-7" }   // reject everything one AI request did
    /// ```
    @discardableResult
    public mutating func revert(where predicate: (Origin) -> Bool) throws(CanvasError) -> [BoardChange] {
        let commit = try documentCall { () throws(DocumentError) in try document.revert(where: predicate) }
        return changes(for: commit.events)
    }
}
