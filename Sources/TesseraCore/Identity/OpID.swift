/// The identity of one operation: the replica that made it and that replica's counter.
///
/// A replica's counters start at 1 and grow by exactly one per operation (a list insert of
/// `n` elements takes `n` consecutive counters, one per element), so the set of operations a
/// replica has seen is summarised by a ``VersionVector``.
public struct OpID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The replica that created the operation.
    public var replica: ReplicaID
    /// The replica-local sequence number, starting at 1.
    public var counter: UInt64

    /// Creates an operation ID.
    public init(replica: ReplicaID, counter: UInt64) {
        self.replica = replica
        self.counter = counter
    }

    /// `counter@replica`, e.g. `12@2f1a3b4c5d6e7f81`.
    public var description: String { "\(counter)@\(replica)" }

    /// Orders by counter, then replica (a total order; not causal).
    public static func < (lhs: OpID, rhs: OpID) -> Bool {
        (lhs.counter, lhs.replica.rawValue) < (rhs.counter, rhs.replica.rawValue)
    }
}

/// The identity of an object in a document: the ID of the operation that created it,
/// or ``root`` for the document's root map.
public struct ObjectID: Hashable, Sendable, CustomStringConvertible {
    /// The creating operation; `nil` for the root map.
    public let creator: OpID?

    /// The root map every document has.
    public static let root = ObjectID(creator: nil)

    /// The object created by operation `creator`.
    public init(_ creator: OpID) { self.creator = creator }

    private init(creator: OpID?) { self.creator = creator }

    /// `root`, or the creating operation's description.
    public var description: String { creator.map(\.description) ?? "root" }

    /// Whether this is the root map.
    public var isRoot: Bool { creator == nil }
}
