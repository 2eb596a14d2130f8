import TesseraCore

/// Why an envelope could not be sealed, opened, stored or applied.
public enum EnvelopeError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A sealed payload failed to open: tampered, spliced under another header, or sealed
    /// with another room key.
    case sealing(SealingError, header: ChangeEnvelope.Header)
    /// A cleartext envelope arrived in a sealed room (a relay must not be able to inject changes).
    case notSealed(ChangeEnvelope.Header)
    /// A sealed envelope arrived but this side has no room key.
    case missingKey(ChangeEnvelope.Header)
    /// The payload does not decode as changes.
    case decoding(EncodingError, header: ChangeEnvelope.Header)
    /// The payload decodes, but its changes are not what the header announces.
    case headerMismatch(ChangeEnvelope.Header, reason: String)
    /// The changes given to make an envelope are empty or not one replica's contiguous range.
    case invalidChanges(reason: String)
    /// The header's counter range is empty or starts at 0 (see ``ChangeEnvelope/Header/isValid``).
    case invalidHeader(ChangeEnvelope.Header)
    /// The document refused the changes (it is unchanged).
    case rejected(DocumentError)
    /// A store already holds an envelope of the same replica whose range overlaps this one
    /// without being equal to it: two writers used one replica ID, or a peer lies.
    case overlapping(replica: ReplicaID, existing: Range<UInt64>, received: Range<UInt64>)
    /// A store already holds an envelope with this exact range but other dependencies or sealing.
    case conflictingHeader(existing: ChangeEnvelope.Header, received: ChangeEnvelope.Header)
    /// A durable source could not write the envelopes (or their changes) to its storage;
    /// nothing was integrated. The peer keeps them and sends them again on a later connection.
    case storageFailed(String)

    public var description: String {
        switch self {
        case .sealing(let error, let header): "envelope \(header): \(error)"
        case .notSealed(let header): "envelope \(header) is not sealed, but the room is"
        case .missingKey(let header): "envelope \(header) is sealed, but no room key is available"
        case .decoding(let error, let header): "envelope \(header): \(error)"
        case .headerMismatch(let header, let reason): "envelope \(header) does not match its payload: \(reason)"
        case .invalidChanges(let reason): "cannot make an envelope: \(reason)"
        case .invalidHeader(let header): "envelope \(header) has an invalid counter range"
        case .rejected(let error): "changes rejected: \(error)"
        case .overlapping(let replica, let existing, let received):
            "replica \(replica): range \(received.lowerBound)..<\(received.upperBound) overlaps stored range \(existing.lowerBound)..<\(existing.upperBound)"
        case .conflictingHeader(let existing, let received):
            "envelope \(received) contradicts the stored envelope \(existing) (dependencies or sealing differ)"
        case .storageFailed(let reason): "storage failed: \(reason)"
        }
    }
}
