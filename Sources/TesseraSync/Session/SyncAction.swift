import TesseraCore

/// What a ``SyncSession`` asks its driver to do. The session itself performs no I/O.
public enum SyncAction: Hashable, Sendable {
    /// Send this message as one frame (``Message/encoded()``).
    case send(Message)
    /// Integrate these envelopes into the source (``SyncSource/integrate(_:)``); on failure
    /// report it with ``SyncSession/fail(_:)``.
    case apply([ChangeEnvelope])
    /// A participant's presence changed (or it left): merge it into a ``PresenceTable``, or
    /// on a relay forward it to the room's other sessions.
    case updatePresence(PresenceUpdate)
    /// The session ended: these participants, whose presence came through it, are gone.
    case removePresence([ReplicaID])
    /// Close the connection; `nil` for a normal close. Any `send` before it goes out first.
    case close(SyncError?)
}
