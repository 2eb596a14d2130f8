import TesseraCore

/// A collaborative canvas of shapes plus a chat, stored in an ordinary ``Document``.
///
/// `Board` is the typed facade over the layout of DESIGN.md §3: every method validates its
/// input, then writes ordinary CRDT operations in one transaction, so boards sync, merge and
/// undo like any document, and a replica without this module can still read them.
///
/// `Board` is a value type (a copy is an independent snapshot, cheap thanks to copy-on-write);
/// share one between tasks with ``LiveBoard``.
///
/// ```swift
/// var ada = Board(origin: .human("Ada"))
/// let note = try ada.addShape(.sticky("Ship v1 by Friday", x: 40, y: 40))
/// try ada.post("I added a note")
///
/// var grace = ada.fork(origin: .human("Grace"))
/// try grace.update(note) { $0.fill = .stickyPink }   // offline, concurrently…
/// try ada.update(note) { $0.x = 300 }                // …with this
/// try ada.merge(grace)                               // both edits survive
/// ```
///
/// Shape and message IDs come from the document's next operation ID, so they are unique
/// across replicas without coordination.
public struct Board: Sendable {
    /// The document holding the board; read it with Core's accessors, sync it with
    /// ``Board/changes(since:)`` and ``Board/apply(_:)``.
    public internal(set) var document: Document

    /// An index at or above every shape's `z`, valid while the document's operation count is
    /// `token`: lets ``addShape(_:)`` skip a scan of all shapes. An upper bound suffices, since
    /// a new shape only needs a key above everything.
    var zCeiling: (token: Int, index: FractionalIndex)?

    /// Creates an empty board written by `replica`.
    ///
    /// Every board starts from the same genesis change, so boards created independently on
    /// different devices can still be merged.
    public init(replica: ReplicaID = .random(), origin: Origin = .anonymous) {
        var document = Document(replica: replica, origin: origin)
        // Applying the dependency-free genesis change to an empty document cannot fail; if it
        // somehow did, reads see an empty board and writes throw `notABoard`.
        _ = try? document.apply([BoardSchema.genesis])
        self.document = document
    }

    /// Wraps an existing document, adding the board's roots if it has none.
    ///
    /// - Throws: ``CanvasError/notABoard(reason:)`` if `shapes`, `chat` or `ai` exists with
    ///   the wrong kind.
    public init(document: Document) throws(CanvasError) {
        var document = document
        try BoardSchema.prepare(&document)
        self.document = document
    }

    /// Wraps a document known to be a board (or a transaction's document), without checks.
    init(unchecked document: Document) {
        self.document = document
    }

    /// This replica's ID.
    public var replica: ReplicaID { document.replica }

    /// The origin recorded on this replica's edits unless a transaction names another.
    public var origin: Origin {
        get { document.origin }
        set { document.origin = newValue }
    }

    /// A copy of the board that writes as another replica (see ``Document/fork(replica:)``).
    ///
    /// - Parameters:
    ///   - replica: the new replica's ID; fresh and random by default.
    ///   - origin: who edits through the fork; this board's origin by default.
    public func fork(replica: ReplicaID = .random(), origin: Origin? = nil) -> Board {
        var copy = Board(unchecked: document.fork(replica: replica))
        if let origin { copy.origin = origin }
        return copy
    }

    // MARK: Roots

    /// The object under root entry `root`, or `nil` if it is missing or of the wrong kind.
    func rootObject(_ root: BoardSchema.Root) -> ObjectID? {
        guard case .object(let id)? = try? document.get(root.rawValue), document.kind(of: id) == root.kind else { return nil }
        return id
    }

    func requireRoot(_ root: BoardSchema.Root) throws(CanvasError) -> ObjectID {
        guard let id = rootObject(root) else { throw .notABoard(reason: "root \"\(root.rawValue)\" is missing") }
        return id
    }

    // MARK: Writing

    /// A document with no content, swapped in while a transaction's document is lent to a
    /// `Board`, so that the lent document stays uniquely referenced (no copy-on-write copy).
    private static let placeholder = Document(replica: ReplicaID(rawValue: 1) ?? .random())

    /// Lends `document` to `body` as a `Board`.
    static func withBoard<R>(_ document: inout Document, _ body: (inout Board) -> R) -> R {
        var board = Board(unchecked: document)
        document = placeholder
        defer { document = board.document }
        return body(&board)
    }

    /// Runs `body` as one document transaction (joining an open one) and returns its result
    /// and commit. `body` must validate before it writes: what it wrote before throwing stays.
    @discardableResult
    mutating func edit<R>(origin: Origin? = nil, _ body: (inout Board) throws(CanvasError) -> R) throws(CanvasError) -> (result: R, commit: Commit) {
        var outcome: Result<R, CanvasError>?
        let commit = document.transact(origin: origin) { doc in
            outcome = Board.withBoard(&doc) { board in Result { () throws(CanvasError) -> R in try body(&board) } }
        }
        switch outcome {
        case .success(let result)?: return (result, commit)
        case .failure(let error)?: throw error
        case nil: throw .document(.invalidOperation("transaction body did not run"))
        }
    }
}

/// Runs a Core call, wrapping its error.
@inline(__always)
func documentCall<R>(_ body: () throws(DocumentError) -> R) throws(CanvasError) -> R {
    do { return try body() } catch { throw .document(error) }
}
