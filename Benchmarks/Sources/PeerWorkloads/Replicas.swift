import TesseraCore

extension ReplicaID {
    /// Replica A of WORKLOADS.md §7 (the Loro peer ID: Tessera IDs are 64-bit too).
    static let peerbenchA = ReplicaID(unchecked64: 0x2F1A_3B4C_5D6E_7F81)
    /// Replica B of WORKLOADS.md §7.
    static let peerbenchB = ReplicaID(unchecked64: 0x5E6D_7C8B_9AA9_B8C7)

    /// A replica ID from a constant known to be non-zero.
    private init(unchecked64 value: UInt64) {
        guard let id = ReplicaID(rawValue: value) else { preconditionFailure("replica IDs are non-zero") }
        self = id
    }
}

/// The two ways §9 allows a document to be opened from bytes: the canonical export and a
/// replay of the whole history (reported under the `updates.` prefix, as Loro's
/// `ExportMode.Updates` is).
enum ExportVariant: CaseIterable {
    /// `encodeSnapshot()` / `Document(decoding:replica:)`.
    case snapshot
    /// `encodeChanges(since: [])` / `Document(decoding:)`, which replays those changes into a new document.
    case updates

    /// The metric-name prefix.
    var prefix: String { self == .snapshot ? "" : "updates." }

    func export(_ document: Document) -> [UInt8] {
        switch self {
        case .snapshot: document.encodeSnapshot()
        case .updates: document.encodeChanges(since: VersionVector())
        }
    }

    func open(_ bytes: [UInt8], replica: ReplicaID) throws(EncodingError) -> Document {
        switch self {
        case .snapshot:
            return try Document(decoding: bytes, replica: replica)
        case .updates:
            // A changes container opens by replaying it, as `apply(encoded:)` on a new
            // document would, without building the events no one of a new document sees.
            return try Document(decoding: bytes, replica: replica)
        }
    }
}
