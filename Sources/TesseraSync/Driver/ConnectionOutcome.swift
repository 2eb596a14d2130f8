import TesseraCore

/// How one connection served by a ``SyncHost`` ended.
public struct ConnectionOutcome: Hashable, Sendable {
    /// Why the session ended: an error either side reported (``SyncError/remote(code:message:)``
    /// for the peer's), or `nil` for a normal close or a dropped transport.
    public var error: SyncError?
    /// The peer's hello, if the handshake completed.
    public var peer: Hello?

    /// Creates an outcome.
    public init(error: SyncError?, peer: Hello?) {
        self.error = error
        self.peer = peer
    }

    /// Whether reconnecting with the same settings cannot help: the peer refused access, is
    /// another document or protocol, disagrees on sealing, uses this replica's ID, or sent
    /// payloads that do not open with this room key (usually a wrong secret).
    public var isFatal: Bool { error?.isFatal ?? false }
}

extension SyncError {
    /// Whether reconnecting with the same settings cannot help (see ``ConnectionOutcome/isFatal``).
    public var isFatal: Bool {
        switch code {
        case .accessDenied, .wrongDocument, .unsupportedProtocolVersion, .sealingMismatch, .duplicateReplica,
            .authenticationFailed:
            true
        default:
            false
        }
    }
}

/// What happens to a ``SyncHost``'s connections, for logs, UIs and tests.
public enum SyncHostEvent: Hashable, Sendable {
    /// A connection completed its handshake with the peer that sent `hello`.
    case connected(ConnectionID, Hello)
    /// A connection ended; `error` is why, `nil` for a normal close.
    case disconnected(ConnectionID, SyncError?)
}

/// The state of one of a ``SyncHost``'s connections.
public struct ConnectionStatus: Hashable, Sendable {
    /// The connection.
    public var id: ConnectionID
    /// The peer's hello, once received.
    public var peer: Hello?
    /// What the peer has confirmed having (its hello and its acks).
    public var acknowledgedVersion: VersionVector
    /// What the peer certainly has: what it confirmed, and what it sent. When it dominates
    /// the host's version, the peer has everything this side has.
    public var peerVersion: VersionVector
    /// Change bytes sent but not acknowledged.
    public var bytesInFlight: Int
    /// The session's counters (frames and envelopes sent and received, resends).
    public var statistics: SyncSession.Statistics
}
