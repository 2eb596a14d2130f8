import TesseraCore

/// A replica's ``SyncSource``: a document value, and the room key if the room is sealed.
///
/// Envelopes are made on demand, one per change (the boundaries every replica agrees on),
/// sealed with the key when there is one. Received envelopes are opened, checked against
/// their headers and applied atomically (`Document.apply(_:)`: early changes
/// wait in the pending buffer, duplicates are ignored).
///
/// ```swift
/// var source = DocumentSource(document, roomKey: key)
/// let actions = session.handle(.frame(frame), now: now, source: &source)
/// ```
public struct DocumentSource: SyncSource, Sendable {
    /// The document.
    public var document: Document
    /// The room key; `nil` for a cleartext room.
    public let roomKey: RoomKey?
    /// Limits for decoding received payloads.
    public var decodingLimits: DecodingLimits

    /// Wraps `document`.
    public init(_ document: Document, roomKey: RoomKey? = nil, decodingLimits: DecodingLimits = .standard) {
        self.document = document
        self.roomKey = roomKey
        self.decodingLimits = decodingLimits
    }

    /// The document's version vector.
    public var version: VersionVector { document.version }

    /// The changes `version` lacks, as envelopes, in causal order.
    public func envelopes(missingFrom version: VersionVector, byteLimit: Int) throws(EnvelopeError) -> [ChangeEnvelope] {
        try Self.envelopes(for: document.changes(since: version), roomKey: roomKey, byteLimit: byteLimit)
    }

    /// Opens the envelopes and applies their changes in one atomic batch.
    public mutating func integrate(_ envelopes: [ChangeEnvelope]) throws(EnvelopeError) {
        let changes = try Self.open(envelopes, roomKey: roomKey, limits: decodingLimits)
        do {
            try document.apply(changes)
        } catch {
            throw .rejected(error)
        }
    }

    static func envelopes(for changes: [Change], roomKey: RoomKey?, byteLimit: Int) throws(EnvelopeError) -> [ChangeEnvelope] {
        var result: [ChangeEnvelope] = []
        var bytes = 0
        for change in changes {
            let envelope = try ChangeEnvelope(changes: [change], sealedWith: roomKey)
            result.append(envelope)
            bytes += envelope.encodedByteCount
            if bytes >= byteLimit { break }
        }
        return result
    }

    static func open(_ envelopes: [ChangeEnvelope], roomKey: RoomKey?, limits: DecodingLimits) throws(EnvelopeError) -> [Change] {
        var changes: [Change] = []
        for envelope in envelopes { changes.append(contentsOf: try envelope.open(with: roomKey, limits: limits)) }
        return changes
    }
}
