/// One transaction of one replica: a contiguous range of operation counters, the causal
/// dependencies it was made on, and who made it.
///
/// Changes are the unit of sync and storage. A change is applied only after its
/// dependencies (earlier changes wait in a pending buffer) and applying it twice is a no-op.
public struct Change: Hashable, Sendable, CustomStringConvertible {
    /// The replica that made the change.
    public var replica: ReplicaID
    /// The counter of the first operation; operations take consecutive counters.
    public var startCounter: UInt64
    /// The Lamport timestamp of the first operation; operation `k` has `startLamport + k`
    /// (counted in counters, so a multi-element insert advances it by its width).
    public var startLamport: UInt64
    /// The document's frontier when the change was made (the operations no other operation
    /// had yet built upon), excluding this replica's own previous operation, which is implied.
    public var dependencies: [OpID]
    /// Who made it.
    public var origin: Origin
    /// Wall-clock time in milliseconds since 1970, for display only (never for ordering);
    /// local changes record it at whole-second resolution.
    public var timestamp: Int64
    /// The operations, in order.
    public var operations: [Operation]

    /// Creates a change.
    public init(
        replica: ReplicaID, startCounter: UInt64, startLamport: UInt64, dependencies: [OpID],
        origin: Origin, timestamp: Int64, operations: [Operation]
    ) {
        self.replica = replica
        self.startCounter = startCounter
        self.startLamport = startLamport
        self.dependencies = dependencies
        self.origin = origin
        self.timestamp = timestamp
        self.operations = operations
    }

    /// The number of counters the change takes.
    public var width: UInt64 { operations.reduce(0) { $0 + UInt64($1.width) } }

    /// The counters the change takes.
    public var counters: Range<UInt64> { startCounter..<(startCounter &+ width) }

    /// The ID of the change's last operation.
    public var lastID: OpID { OpID(replica: replica, counter: startCounter &+ width &- 1) }

    public var description: String {
        "Change(\(replica) \(counters.lowerBound)..<\(counters.upperBound), \(operations.count) ops, \(origin))"
    }
}
