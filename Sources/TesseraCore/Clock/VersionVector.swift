/// What a replica has seen: for every replica, the highest operation counter applied.
///
/// Because counters are contiguous per replica, `vv[r] == n` means "operations 1...n of
/// replica `r` are here". A delta for a peer is every operation its version vector lacks.
///
/// ```swift
/// var vv = VersionVector()
/// vv[alice] = 12
/// vv.includes(OpID(replica: alice, counter: 7))   // true
/// ```
public struct VersionVector: Hashable, Sendable, CustomStringConvertible {
    @usableFromInline var storage: [ReplicaID: UInt64]

    /// The empty version vector (nothing seen).
    public init() { storage = [:] }

    /// A version vector from explicit entries; zero entries are dropped.
    public init(_ entries: [ReplicaID: UInt64]) {
        storage = entries.filter { $0.value > 0 }
    }

    /// The highest counter seen from `replica` (0 if none). Setting 0 removes the entry.
    public subscript(replica: ReplicaID) -> UInt64 {
        get { storage[replica] ?? 0 }
        set {
            if newValue == 0 { storage[replica] = nil } else { storage[replica] = newValue }
        }
    }

    /// Whether operation `id` is covered.
    public func includes(_ id: OpID) -> Bool { self[id.replica] >= id.counter }

    /// Whether every operation covered by `other` is covered by `self`.
    public func dominates(_ other: VersionVector) -> Bool {
        other.storage.allSatisfy { self[$0.key] >= $0.value }
    }

    /// Raises every entry to the maximum of both vectors.
    public mutating func formUnion(_ other: VersionVector) {
        for (replica, counter) in other.storage where counter > self[replica] {
            storage[replica] = counter
        }
    }

    /// The entry-wise maximum.
    public func union(_ other: VersionVector) -> VersionVector {
        var copy = self
        copy.formUnion(other)
        return copy
    }

    /// Replicas with a non-zero entry, sorted by ID.
    public var replicas: [ReplicaID] { storage.keys.sorted() }

    /// The entries sorted by replica, for deterministic output.
    public var entries: [(replica: ReplicaID, counter: UInt64)] {
        storage.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// Total number of operations covered.
    public var operationCount: UInt64 { storage.values.reduce(0, +) }

    /// Whether nothing is covered.
    public var isEmpty: Bool { storage.isEmpty }

    public var description: String {
        "{" + entries.map { "\($0.replica): \($0.counter)" }.joined(separator: ", ") + "}"
    }
}
