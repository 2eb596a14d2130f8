import TesseraCore

/// A replica's ``SyncSource`` over a `SharedDocument`, the reference a UI, an
/// agent and any number of sessions share.
///
/// Received changes are applied through the shared document, so its event stream tells
/// every subscriber (a UI, the other sessions' drivers) what changed. Payloads are encoded,
/// sealed, opened and decoded outside the document's lock.
public struct SharedDocumentSource: SyncSource, Sendable {
    /// The shared document.
    public let shared: SharedDocument
    /// The room key; `nil` for a cleartext room.
    public let roomKey: RoomKey?
    /// Limits for decoding received payloads.
    public var decodingLimits: DecodingLimits

    /// Wraps `shared`.
    public init(_ shared: SharedDocument, roomKey: RoomKey? = nil, decodingLimits: DecodingLimits = .standard) {
        self.shared = shared
        self.roomKey = roomKey
        self.decodingLimits = decodingLimits
    }

    /// The shared document's current version vector.
    public var version: VersionVector { shared.read { $0.version } }

    /// The changes `version` lacks, as envelopes, in causal order.
    public func envelopes(missingFrom version: VersionVector, byteLimit: Int) throws(EnvelopeError) -> [ChangeEnvelope] {
        let changes = shared.read { $0.changes(since: version) }
        return try DocumentSource.envelopes(for: changes, roomKey: roomKey, byteLimit: byteLimit)
    }

    /// Opens the envelopes and applies their changes in one atomic batch, publishing the
    /// events to the shared document's subscribers.
    public mutating func integrate(_ envelopes: [ChangeEnvelope]) throws(EnvelopeError) {
        let changes = try DocumentSource.open(envelopes, roomKey: roomKey, limits: decodingLimits)
        do {
            try shared.apply(changes)
        } catch {
            throw .rejected(error)
        }
    }
}
