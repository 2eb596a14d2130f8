/// What a driver tells a session, for ``SyncSession/handle(_:now:source:)``.
public enum SyncEvent: Hashable, Sendable {
    /// The connection is open.
    case start
    /// A frame arrived.
    case frame([UInt8])
    /// A decoded message arrived (from a transport that decodes itself).
    case message(Message)
    /// The source has changes the peer may lack (local edits, or changes from another connection).
    case localChangesAvailable
    /// Time passed (call at ``SyncSession/nextDeadline``).
    case tick
    /// Send this participant's presence.
    case publishPresence(PresenceUpdate)
    /// Close the session normally.
    case close
    /// The transport closed.
    case disconnected
}
