import TesseraCore

/// A batch of one replica's changes as it travels and is stored: a small cleartext header
/// plus an opaque payload.
///
/// The header says whose operations the payload holds (a contiguous counter range of one
/// replica) and what they depend on, which is all a relay needs to store envelopes and to
/// pick what a peer's version vector lacks. The payload is TesseraCore's encoding of the
/// changes (`Change.encode(_:compression:)`), sealed with the room key in an
/// end-to-end encrypted room, so a relay stores and forwards it without reading it. The
/// header is bound to a sealed payload as associated data: a relay cannot move a payload
/// under another header.
///
/// A ``DocumentSource`` makes one envelope per change, so every replica cuts a replica's
/// history at the same boundaries (the transactions) and two envelopes for the same
/// counters are either identical or a contradiction. The format allows longer ranges.
///
/// ```swift
/// let envelope = try ChangeEnvelope(changes: [change], sealedWith: roomKey)
/// let changes = try envelope.open(with: roomKey)    // == [change]
/// ```
public struct ChangeEnvelope: Hashable, Sendable, CustomStringConvertible {
    /// What the relay may read.
    public var header: Header
    /// The encoded changes, sealed when ``Header/isSealed``.
    public var payload: [UInt8]

    /// Wraps an existing header and payload (for instance read back from a store).
    public init(header: Header, payload: [UInt8]) {
        self.header = header
        self.payload = payload
    }

    /// The cleartext part of an envelope.
    public struct Header: Hashable, Sendable, CustomStringConvertible {
        /// The replica that made the changes.
        public var replica: ReplicaID
        /// The operation counters the changes take: `startCounter ..< endCounter`.
        public var counters: Range<UInt64>
        /// The operations of other replicas the changes build on, sorted by replica then
        /// counter (the union of the changes' dependencies outside the range itself).
        public var dependencies: [OpID]
        /// Whether the payload is sealed with the room key.
        public var isSealed: Bool

        /// Creates a header. `counters` must be non-empty and start at 1 or later.
        public init(replica: ReplicaID, counters: Range<UInt64>, dependencies: [OpID], isSealed: Bool) {
            self.replica = replica
            self.counters = counters
            self.dependencies = dependencies
            self.isSealed = isSealed
        }

        /// The first counter in the range.
        public var startCounter: UInt64 { counters.lowerBound }
        /// One past the last counter in the range.
        public var endCounter: UInt64 { counters.upperBound }
        /// Whether the range is one a replica can have: non-empty and starting at 1 or later.
        /// Decoded headers always are; ``EnvelopeStore`` and ``SyncSession`` refuse others.
        public var isValid: Bool { counters.lowerBound >= 1 && !counters.isEmpty }

        /// The ID of the range's last operation.
        public var lastID: OpID { OpID(replica: replica, counter: counters.upperBound &- 1) }

        public var description: String {
            "\(replica) \(counters.lowerBound)..<\(counters.upperBound)\(isSealed ? " sealed" : "")"
        }
    }

    public var description: String { "ChangeEnvelope(\(header), \(payload.count) bytes)" }
}

extension OpID {
    /// The canonical order of dependencies in a header: by replica, then counter.
    static func headerOrder(_ lhs: OpID, _ rhs: OpID) -> Bool {
        (lhs.replica.rawValue, lhs.counter) < (rhs.replica.rawValue, rhs.counter)
    }
}
