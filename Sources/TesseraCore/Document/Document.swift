/// A collaborative document: a tree of maps, lists, texts and counters under a root map,
/// edited offline by one replica and merged with any other replica's copy.
///
/// `Document` is a value type: copying it is cheap (storage is copy-on-write), and every
/// copy is an independent snapshot. Use ``fork(replica:)``, not a plain copy, to create
/// a second *writer*, since two writers must never share a ``ReplicaID``.
///
/// ```swift
/// var doc = Document(replica: .random(), origin: .human("Ada"))
/// let commit = try doc.transact { doc in
///     let shapes = try doc.makeObject(.map, forKey: "shapes")
///     try doc.set("fill", to: "#ff0000", in: shapes)
/// }
/// var other = doc.fork()
/// try other.merge(doc)
/// ```
///
/// Every write happens inside a transaction that becomes one ``Change``. Writes called
/// outside ``transact(origin:_:)`` commit immediately, one change each.
public struct Document: Sendable {
    /// The document's storage. While ``unopened`` is set it is an empty placeholder: readers
    /// go through ``withState(_:)``, and writers call ``ensureHistory()`` first, which loads it.
    var core: DocumentCore
    /// A snapshot opened lazily and not yet written to (see ``SnapshotLoading/lazyState``).
    var unopened: UnopenedSnapshot?
    var open: OpenTransaction?
    /// The open transaction's dependencies other than this replica's previous change, and
    /// its events. Kept beside ``open`` rather than in it, so that the transaction is plain
    /// data: an optional holding arrays was created and destroyed through the runtime's
    /// generic value witnesses, twice per keystroke (6 % of typing's instructions).
    var openDependencies: [ItemID] = []
    var openEvents: [DocumentEvent] = []
    /// The open transaction's event while it has exactly one of the plain kinds a keystroke
    /// makes (then ``openEvents`` is empty): held as data, so that committing it and
    /// dropping the commit neither copies a string nor switches over ``DocumentEvent``'s
    /// payloads (about 6 % of typing's instructions).
    var openPlainEvent = PlainEvent.none
    var undo = UndoState()

    /// The origin recorded on this replica's changes unless a transaction names another.
    public var origin: Origin {
        didSet { core.ownOriginIndex = .max }
    }

    /// Creates an empty document written by `replica`.
    public init(replica: ReplicaID = .random(), origin: Origin = .anonymous) {
        core = DocumentCore(replica: replica)
        self.origin = origin
    }

    init(core: DocumentCore, origin: Origin) {
        self.core = core
        self.origin = origin
    }

    /// A document opened lazily from a snapshot (see ``SnapshotLoading/lazyState``).
    init(unopened: UnopenedSnapshot, origin: Origin) {
        core = DocumentCore()
        self.unopened = unopened
        self.origin = origin
    }

    /// Runs `body` on the document's storage, for readers: a lazily opened snapshot's decoded
    /// core, shared by the unedited copies (decoded on first use), else ``core``.
    ///
    /// Writers use ``core`` directly, after ``ensureHistory()``, which keeps their hot paths
    /// free of this branch. (A computed `core` with `_read`/`_modify` accessors was not
    /// inlined, and made local typing 7x slower.)
    @inline(__always)
    func withState<R, E: Error>(_ body: (DocumentCore) throws(E) -> R) throws(E) -> R {
        if let unopened { return try body(unopened.core) }
        return try body(core)
    }

    /// Takes over a lazily opened snapshot's decoded core before a write (moving it when this
    /// document holds the only reference).
    @inline(never)
    mutating func takeUnopened() {
        guard var snapshot = unopened.take() else { return }
        core = isKnownUniquelyReferenced(&snapshot) ? snapshot.take() : snapshot.core
    }

    /// This replica's ID.
    public var replica: ReplicaID { unopened?.replica ?? core.replicas.ids[Int(core.local)] }

    /// What this document has seen, per replica.
    public var version: VersionVector {
        var vv = VersionVector()
        withState { state in
            for index in 1..<state.clock.count where state.clock[index] > 0 {
                vv[state.replicas.ids[index]] = UInt64(state.clock[index])
            }
        }
        return vv
    }

    /// The heads: operations that no other operation here builds upon.
    public var frontier: [OpID] { withState { state in state.frontier.map { state.opID($0) }.sorted() } }

    /// The highest Lamport timestamp seen.
    public var lamport: UInt64 { withState { $0.maxLamport } }

    /// Changes received before their dependencies, waiting to be applied.
    public var pendingChangeCount: Int { withState { $0.pending.count } }

    /// The number of changes in this document's history.
    public var changeCount: Int { withState { $0.deferred?.changeCount ?? $0.changes.count + $0.runJoins } }

    /// The number of operations in this document's history.
    public var operationCount: Int { withState { $0.deferred?.operationCount ?? $0.ops.count + $0.runJoins } }

    /// A copy of this document that writes as another replica (fresh random ID by default).
    ///
    /// The fork has the same history and state; its undo history starts empty.
    public func fork(replica: ReplicaID = .random()) -> Document {
        var copy = self
        copy.ensureHistory()
        copy.open = nil
        copy.openDependencies = []
        copy.openEvents = []
        copy.openPlainEvent = .none
        copy.undo = UndoState()
        copy.core.local = copy.core.replicaIndex(replica)
        return copy
    }

    /// The kind of an object, or `nil` if the document has no such object.
    public func kind(of object: ObjectID) -> ObjectKind? {
        withState { state in
            guard let id = state.itemID(object) else { return nil }
            return state.objects[id]?.kind
        }
    }

    /// Whether the object exists.
    public func contains(_ object: ObjectID) -> Bool { kind(of: object) != nil }
}

/// The transaction in progress, if any.
struct OpenTransaction: Sendable {
    /// The transaction's origin, interned in ``DocumentCore/origins``.
    var origin: UInt32
    var startCounter: UInt32
    var startLamport: UInt64
    var opStart: Int
    var recordsEvents: Bool
    var timestamp: Int64
    /// Whether the change undoes or redoes a step (so it does not clear the redo stack).
    var undoKind: UndoKind = .none
}

/// The outcome of a transaction.
public struct Commit: Sendable {
    /// The operations the change took, or `nil` if the transaction wrote nothing.
    public var operations: ClosedRange<OpID>?
    /// The visible changes the transaction made.
    public var events: [DocumentEvent] {
        get {
            recorded.events
        }
        set { recorded = RecordedEvents(newValue) }
    }
    /// The events as the transaction left them: a keystroke's single event is held as data,
    /// so committing it neither allocates nor shares the document's event buffer (sharing
    /// it cost an atomic retain and release per keystroke, about 5 % of typing).
    var recorded: RecordedEvents

    /// Whether the transaction wrote anything.
    public var isEmpty: Bool { operations == nil }

    init(operations: ClosedRange<OpID>?, recorded: RecordedEvents) {
        self.operations = operations
        self.recorded = recorded
    }

    /// What a transaction nested in another returns: its writes are the outer one's.
    @usableFromInline
    static var joined: Commit { Commit(operations: nil, recorded: .none) }
}

/// A transaction's events: a keystroke's single event as plain data (see
/// ``Document/openPlainEvent``), any others as an array. A struct, not an enum of the
/// cases: dropping a commit then releases one optional array in place, where an enum (or an
/// optional ``DocumentEvent``) was destroyed through outlined value witnesses, 6 M more of
/// W3's 441 M instructions.
struct RecordedEvents: Sendable {
    var plain: PlainEvent = .none
    var many: [DocumentEvent]?

    static var none: RecordedEvents { RecordedEvents() }

    init() {}

    init(plain: PlainEvent) { self.plain = plain }

    init(_ events: [DocumentEvent]) {
        if !events.isEmpty { many = events }
    }

    var events: [DocumentEvent] {
        if let event = plain.event { return [event] }
        return many ?? []
    }
}

/// One event of the kinds typing makes, without references: a text insertion of one
/// scalar, a removal, or a counter increment.
struct PlainEvent: Sendable {
    enum Kind: UInt8, Sendable {
        case none, textInsert, textRemove, listRemove, counterIncrement
    }

    var kind: Kind
    var object: ObjectID
    var index: Int
    /// The count removed, the delta, or the inserted scalar's value.
    var value: Int64

    static var none: PlainEvent { PlainEvent(kind: .none, object: .root, index: 0, value: 0) }

    var isNone: Bool { kind == .none }

    /// The event it stands for (`nil` for ``Kind/none``).
    var event: DocumentEvent? {
        switch kind {
        case .none: nil
        case .textInsert:
            // Stored from a scalar, so always a valid one.
            .textInsert(object: object, index: index, text: String(Unicode.Scalar(UInt32(truncatingIfNeeded: value)) ?? "\u{FFFD}"))
        case .textRemove: .textRemove(object: object, index: index, count: Int(value))
        case .listRemove: .listRemove(object: object, index: index, count: Int(value))
        case .counterIncrement: .counterIncrement(object: object, delta: value)
        }
    }
}

extension Document {
    /// The ID the next operation written by this replica will get (in or out of a transaction).
    ///
    /// The canvas derives shape and message IDs from it, so two replicas never pick the same.
    public var nextOperationID: OpID {
        withState { state in OpID(replica: replica, counter: UInt64(state.clock[Int(state.local)]) + 1) }
    }
}
