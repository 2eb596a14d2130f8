import TesseraCore

/// What a session syncs: something that has changes, can pick the ones a peer lacks, and
/// can take in the ones a peer sends.
///
/// A replica's source holds a document (``DocumentSource``, ``SharedDocumentSource``); a
/// relay's source is an ``EnvelopeStore``, which never reads payloads. A store-backed
/// source (SQLite, PostgreSQL) conforms the same way.
///
/// A session only *reads* a source (``version``, ``envelopes(missingFrom:byteLimit:)``);
/// received envelopes come out of the session as ``SyncAction/apply(_:)`` for the driver to
/// pass to ``integrate(_:)`` (or let ``SyncSession/handle(_:now:source:)`` do it).
public protocol SyncSource {
    /// What this side has: the version vector announced in `hello` and `ack`.
    var version: VersionVector { get }

    /// The envelopes a peer at `version` lacks, in an order the peer can apply (each
    /// replica's envelopes by ascending counter, dependencies before dependents where
    /// possible), stopping once about `byteLimit` encoded bytes are collected but always
    /// returning at least one envelope when any is missing.
    func envelopes(missingFrom version: VersionVector, byteLimit: Int) throws(EnvelopeError) -> [ChangeEnvelope]

    /// About how many bytes a peer at `version` lacks; only used to decide whether to flush
    /// before the coalescing interval ends. The default counts 32 bytes per missing operation.
    func estimatedByteCount(missingFrom version: VersionVector) -> Int

    /// Takes in envelopes received from a peer, atomically: on error nothing is integrated.
    /// Duplicates are ignored; envelopes whose dependencies are missing may wait.
    mutating func integrate(_ envelopes: [ChangeEnvelope]) throws(EnvelopeError)
}

extension SyncSource {
    /// 32 bytes per operation `version` lacks, a rough average for encoded changes.
    public func estimatedByteCount(missingFrom version: VersionVector) -> Int {
        var missing: UInt64 = 0
        for (replica, counter) in self.version.entries where counter > version[replica] {
            missing += counter - version[replica]
        }
        return Int(clamping: missing.multipliedReportingOverflow(by: 32).overflow ? UInt64.max : missing * 32)
    }
}
