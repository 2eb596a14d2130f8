import TesseraCore

/// A board shared between tasks: a UI, a sync session and an AI agent edit one board and
/// each observe its typed changes.
///
/// `LiveBoard` wraps a ``SharedDocument`` (a lock plus an event stream): every edit runs as
/// one transaction under the lock, and every transaction or applied batch of remote changes
/// is delivered, as ``BoardChange``s, to each subscriber of ``changes(bufferLimit:)``.
/// Code that works on the ``SharedDocument`` directly (a sync session applying remote
/// changes) is observed the same way.
///
/// ```swift
/// let live = LiveBoard(Board(origin: .human("Ada")))
/// let changes = live.changes()
/// let id = try live.addShape(.sticky("Hello", x: 0, y: 0))
/// for await batch in changes {
///     print(batch)   // [shapeAdded("4@…")]
///     break
/// }
/// ```
public final class LiveBoard: Sendable {
    /// The shared document underneath, for sync sessions and stores.
    public let shared: SharedDocument

    /// Shares `board`.
    public init(_ board: Board) {
        shared = SharedDocument(board.document)
    }

    /// Uses an existing shared document, adding the board's roots if it has none.
    ///
    /// - Throws: ``CanvasError/notABoard(reason:)`` if a root exists with the wrong kind.
    public init(_ shared: SharedDocument) throws(CanvasError) {
        self.shared = shared
        // Roots written here (the genesis change, or a missing root) carry no board changes
        // worth announcing: there is nothing on the board yet.
        let outcome: Result<Void, CanvasError> = shared.mutate { document in
            do throws(CanvasError) {
                try BoardSchema.prepare(&document)
                return (.success(()), nil)
            } catch {
                return (.failure(error), nil)
            }
        }
        try outcome.get()
    }

    /// A snapshot of the board now (cheap: copy-on-write).
    public var board: Board { Board(unchecked: shared.document) }

    /// A new subscription to the board's changes, from now on.
    ///
    /// - Parameter bufferLimit: how many batches a slow subscriber may fall behind before the
    ///   oldest are dropped.
    public func changes(bufferLimit: Int = 1024) -> BoardChanges {
        BoardChanges(events: shared.events(bufferLimit: bufferLimit), shared: shared)
    }

    // MARK: Reading

    /// The shape with ID `id`, if it is on the board.
    public func shape(_ id: ShapeID) -> Shape? { board.shape(id) }

    /// Every shape, bottom to top.
    public var shapes: [Shape] { board.shapes }

    /// Every chat message, in order.
    public var messages: [ChatMessage] { board.messages }

    /// The last `count` chat messages, in order.
    public func lastMessages(_ count: Int) -> [ChatMessage] { board.lastMessages(count) }

    // MARK: Editing

    /// Runs `body` on the board as one transaction under the lock and publishes its changes.
    ///
    /// ```swift
    /// try live.transact(origin: .agent("Tessa", request: "req-3")) { board in
    ///     try board.addShape(.text("Summary", x: 0, y: -60))
    ///     try board.post("Added a summary", request: "req-3")
    /// }
    /// ```
    ///
    /// As with ``Board/transact(origin:_:)``, edits made before `body` throws are committed.
    /// `body` runs under the board's lock: use its `board` argument, and do not call back into
    /// this `LiveBoard` (or its ``shared`` document) from inside it.
    public func transact<E: Error>(origin: Origin? = nil, _ body: (inout Board) throws(E) -> Void) throws(E) {
        let failure: E? = shared.mutate { document in
            var failure: E?
            let commit = document.transact(origin: origin) { doc in
                Board.withBoard(&doc) { board in
                    do throws(E) { try body(&board) } catch { failure = error }
                }
            }
            return (failure, LiveBoard.events(of: commit, origin: origin ?? document.origin))
        }
        if let failure { throw failure }
    }

    /// One board edit as a transaction under the lock, returning its result.
    private func edit<R>(_ body: (inout Board) throws(CanvasError) -> R) throws(CanvasError) -> R {
        let outcome: Result<R, CanvasError>? = shared.mutate { document in
            var outcome: Result<R, CanvasError>?
            let commit = document.transact { doc in
                outcome = Board.withBoard(&doc) { board in Result { () throws(CanvasError) -> R in try body(&board) } }
            }
            return (outcome, LiveBoard.events(of: commit, origin: document.origin))
        }
        switch outcome {
        case .success(let result)?: return result
        case .failure(let error)?: throw error
        case nil: throw .document(.invalidOperation("transaction body did not run"))
        }
    }

    /// What ``SharedDocument/transact(origin:_:)`` publishes for a commit.
    private static func events(of commit: Commit, origin: Origin) -> DocumentEvents? {
        commit.events.isEmpty ? nil : DocumentEvents(isLocal: true, origins: [origin], events: commit.events)
    }

    /// Adds a shape on top; see ``Board/addShape(_:)``.
    @discardableResult
    public func addShape(_ shape: Shape) throws(CanvasError) -> ShapeID {
        try edit { (board) throws(CanvasError) in try board.addShape(shape) }
    }

    /// Changes a shape, writing only what differs; see ``Board/update(_:_:)``.
    @discardableResult
    public func update(_ id: ShapeID, _ body: (inout Shape) -> Void) throws(CanvasError) -> Set<ShapeProperty> {
        try edit { (board) throws(CanvasError) in try board.update(id, body) }
    }

    /// Deletes a shape; see ``Board/deleteShape(_:)``.
    public func deleteShape(_ id: ShapeID) throws(CanvasError) {
        try edit { (board) throws(CanvasError) in try board.deleteShape(id) }
    }

    /// Adds an arrow bound to two shapes; see ``Board/connect(_:to:label:stroke:)``.
    @discardableResult
    public func connect(_ start: ShapeID, to end: ShapeID, label: String = "") throws(CanvasError) -> ShapeID {
        try edit { (board) throws(CanvasError) in try board.connect(start, to: end, label: label) }
    }

    /// Puts a shape above all others; see ``Board/bringToFront(_:)``.
    public func bringToFront(_ id: ShapeID) throws(CanvasError) {
        try edit { (board) throws(CanvasError) in try board.bringToFront(id) }
    }

    /// Puts a shape below all others; see ``Board/sendToBack(_:)``.
    public func sendToBack(_ id: ShapeID) throws(CanvasError) {
        try edit { (board) throws(CanvasError) in try board.sendToBack(id) }
    }

    /// Moves a shape directly above another; see ``Board/move(_:above:)``.
    public func move(_ id: ShapeID, above other: ShapeID) throws(CanvasError) {
        try edit { (board) throws(CanvasError) in try board.move(id, above: other) }
    }

    /// Moves a shape directly below another; see ``Board/move(_:below:)``.
    public func move(_ id: ShapeID, below other: ShapeID) throws(CanvasError) {
        try edit { (board) throws(CanvasError) in try board.move(id, below: other) }
    }

    /// Moves a shape between two others; see ``Board/move(_:between:and:)``.
    public func move(_ id: ShapeID, between lower: ShapeID, and upper: ShapeID) throws(CanvasError) {
        try edit { (board) throws(CanvasError) in try board.move(id, between: lower, and: upper) }
    }

    /// Posts a chat message; see ``Board/post(_:author:replyTo:request:sentAt:)``.
    @discardableResult
    public func post(_ text: String, author: Author? = nil, replyTo: MessageID? = nil, request: String? = nil) throws(CanvasError) -> MessageID {
        try edit { (board) throws(CanvasError) in try board.post(text, author: author, replyTo: replyTo, request: request) }
    }

    /// Appends to a message's body (streaming); see ``Board/appendToMessage(_:text:)``.
    public func appendToMessage(_ id: MessageID, text: String) throws(CanvasError) {
        try edit { (board) throws(CanvasError) in try board.appendToMessage(id, text: text) }
    }

    /// Replaces a message's body; see ``Board/editMessage(_:body:)``.
    public func editMessage(_ id: MessageID, body: String) throws(CanvasError) {
        try edit { (board) throws(CanvasError) in try board.editMessage(id, body: body) }
    }

    // MARK: Undo and sync

    /// Undoes this board's actor's latest edit; `false` if there was nothing to undo.
    @discardableResult
    public func undo() throws(CanvasError) -> Bool {
        try mutate { (document) throws(DocumentError) in try document.undo() }
    }

    /// Redoes this board's actor's latest undone edit; `false` if there was nothing to redo.
    @discardableResult
    public func redo() throws(CanvasError) -> Bool {
        try mutate { (document) throws(DocumentError) in try document.redo() }
    }

    /// Applies changes from another replica and publishes what they changed.
    public func apply(_ changes: [Change]) throws(CanvasError) {
        do { try shared.apply(changes) } catch { throw .document(error) }
    }

    /// Merges everything `other` has that this board lacks.
    public func merge(_ other: Board) throws(CanvasError) {
        let outcome: Result<Void, DocumentError> = shared.mutate { document in
            do throws(DocumentError) {
                let events = try document.merge(other.document)
                return (.success(()), events)
            } catch {
                return (.failure(error), nil)
            }
        }
        do { try outcome.get() } catch { throw .document(error) }
    }

    /// Runs an undo-like Core call under the lock and publishes the commit's events.
    private func mutate(_ body: (inout Document) throws(DocumentError) -> Commit?) throws(CanvasError) -> Bool {
        let outcome: Result<Bool, DocumentError> = shared.mutate { document in
            do throws(DocumentError) {
                guard let commit = try body(&document) else { return (.success(false), nil) }
                return (.success(true), DocumentEvents(isLocal: true, origins: [document.origin], events: commit.events))
            } catch {
                return (.failure(error), nil)
            }
        }
        do { return try outcome.get() } catch { throw .document(error) }
    }
}
