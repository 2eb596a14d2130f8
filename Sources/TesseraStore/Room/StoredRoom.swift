import TesseraCore
import TesseraSync

/// A relay room backed by a ``SQLiteStore``: the relay's ``SyncSource``.
///
/// The room's envelopes live in an in-memory `EnvelopeStore`, which selects what a peer
/// lacks by header alone, and in the store's `envelope` table. ``integrate(_:)`` writes the
/// new envelopes to SQLite **before** it returns, and a `SyncSession` acknowledges only after
/// integrating, so a relay never acknowledges an envelope it could lose: a client that drops
/// what the relay acknowledged loses nothing, even if the relay is killed the next instant.
///
/// Payloads are never read, so sealed (end-to-end encrypted) rooms are stored the same way
/// and the database holds only their ciphertext.
///
/// ```swift
/// let record = try store.room("plan") ?? store.createRoom("plan", accessTokenHash: nil, isSealed: false)
/// var room = SyncRoom(source: try store.openRoom(record), configuration: relayConfiguration, role: .relay)
/// ```
public struct StoredRoom: SyncSource, Sendable {
    /// The room's record.
    public let record: RoomRecord
    /// The envelopes, indexed by header.
    public private(set) var envelopes: EnvelopeStore
    private let store: SQLiteStore

    init(record: RoomRecord, store: SQLiteStore, envelopes: EnvelopeStore) {
        self.record = record
        self.store = store
        self.envelopes = envelopes
    }

    /// Per replica, the highest counter up to which every operation is stored.
    public var version: VersionVector { envelopes.version }

    /// The envelopes a peer at `version` lacks, chosen by header.
    public func envelopes(missingFrom version: VersionVector, byteLimit: Int) throws(EnvelopeError) -> [ChangeEnvelope] {
        envelopes.envelopes(missingFrom: version, byteLimit: byteLimit)
    }

    /// Exact: the encoded size of what the peer lacks.
    public func estimatedByteCount(missingFrom version: VersionVector) -> Int {
        envelopes.byteCount(missingFrom: version)
    }

    /// Validates the batch against what is stored, writes the new envelopes to SQLite in one
    /// transaction, then indexes them. On any error nothing is stored.
    ///
    /// - Throws: the `EnvelopeStore` conflicts (overlapping or contradicting headers), or
    ///   `EnvelopeError.storageFailed` if SQLite failed.
    public mutating func integrate(_ batch: [ChangeEnvelope]) throws(EnvelopeError) {
        let fresh = try envelopes.newEnvelopes(in: batch)
        guard !fresh.isEmpty else { return }
        do {
            try store.append(fresh, toRoom: record.id)
        } catch {
            throw .storageFailed("\(error)")
        }
        try envelopes.insert(contentsOf: fresh)
    }
}
