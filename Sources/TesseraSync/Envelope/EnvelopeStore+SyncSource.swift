import TesseraCore

/// A relay's source: selection by header only (``EnvelopeStore/envelopes(missingFrom:byteLimit:)``
/// satisfies the requirement as is), payloads never read.
extension EnvelopeStore: SyncSource {
    /// Exact: the encoded size of what the peer lacks.
    public func estimatedByteCount(missingFrom version: VersionVector) -> Int {
        byteCount(missingFrom: version)
    }

    /// Stores the envelopes (see ``insert(contentsOf:)``); payloads are not read.
    public mutating func integrate(_ envelopes: [ChangeEnvelope]) throws(EnvelopeError) {
        try insert(contentsOf: envelopes)
    }
}
