import TesseraCore
import TesseraSync

/// A replica's ``SyncSource`` that keeps its document durable: a `SharedDocumentSource`
/// plus the ``StoredDocument`` it is saved in.
///
/// - Received changes are applied, then saved before ``integrate(_:)`` returns, so the
///   session's acknowledgement (which follows integration) never covers unsaved changes.
/// - Before envelopes are made for a peer, the document is saved, and envelopes are made
///   from exactly the saved state: **nothing leaves the replica before it is durable**.
///   Otherwise a crash after sending could make the restarted replica reuse counters the
///   peers already hold for other operations.
///
/// Local edits should still be saved by whoever makes them (``StoredDocument/save(_:)``
/// right after the transaction), so that they are durable when the edit returns; this
/// source's save is the safety net.
///
/// ```swift
/// let source = PersistentDocumentSource(shared, stored: stored, roomKey: key)
/// let host = SyncHost(source: source, configuration: configuration, role: .replica, roomKey: key)
/// ```
public struct PersistentDocumentSource: SyncSource, Sendable {
    /// The shared document and room key.
    public private(set) var base: SharedDocumentSource
    /// Where the document is saved.
    public let stored: StoredDocument

    /// Wraps `shared`, saved in `stored`.
    public init(_ shared: SharedDocument, stored: StoredDocument, roomKey: RoomKey? = nil, decodingLimits: DecodingLimits = .standard) {
        base = SharedDocumentSource(shared, roomKey: roomKey, decodingLimits: decodingLimits)
        self.stored = stored
    }

    /// The shared document.
    public var shared: SharedDocument { base.shared }

    /// The shared document's version vector.
    public var version: VersionVector { base.version }

    /// Saves the document, then makes envelopes from that same saved state.
    public func envelopes(missingFrom version: VersionVector, byteLimit: Int) throws(EnvelopeError) -> [ChangeEnvelope] {
        let document = base.shared.document
        do {
            try stored.save(document)
        } catch {
            throw .storageFailed("\(error)")
        }
        return try DocumentSource(document, roomKey: base.roomKey, decodingLimits: base.decodingLimits)
            .envelopes(missingFrom: version, byteLimit: byteLimit)
    }

    /// Applies the envelopes through the shared document, then saves them.
    ///
    /// If saving fails the changes stay applied in memory (the next successful save writes
    /// them) and the error ends the session, so the peer does not count them as received.
    public mutating func integrate(_ envelopes: [ChangeEnvelope]) throws(EnvelopeError) {
        try base.integrate(envelopes)
        do {
            try stored.save(base.shared.document)
        } catch {
            throw .storageFailed("\(error)")
        }
    }
}
