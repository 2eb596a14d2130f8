import TesseraCore

/// One document's sessions sharing one source: a relay's room, or a replica with any
/// number of connections (to a relay, or to other replicas directly).
///
/// The room is a value with no I/O: the transport tells it about connections, frames and
/// time, and performs the ``RoomAction``s it returns. It runs one ``SyncSession`` per
/// connection, integrates what arrives into the source, tells the other sessions when the
/// source gained something (fan-out), and handles presence:
/// - in a **relay** room (``Role/relay``) presence stays opaque (it may be sealed): the
///   room keeps the latest update per participant for newcomers, forwards newer ones to
///   the other connections and announces a participant's departure when the connection it
///   came through closes;
/// - in a **replica** room (``Role/replica``) updates are opened (with the room key) into
///   ``presence``, forwarded to the other connections when newer, and expired after the
///   table's timeout.
///
/// ```swift
/// var room = SyncRoom(source: EnvelopeStore(), configuration: relayConfiguration, role: .relay)
/// var actions = room.open(connection, now: now)            // a client connected
/// actions += room.receive(frame, on: connection, now: now) // for every frame
/// actions += room.tick(now: now)                           // at room.nextDeadline
/// ```
public struct SyncRoom<Source: SyncSource & Sendable>: Sendable {
    /// How the room treats presence.
    public enum Role: Hashable, Sendable {
        /// A replica: opens presence into a table.
        case replica
        /// A relay: forwards presence without opening it.
        case relay
    }

    /// The template for every connection's session.
    public let configuration: SyncConfiguration
    /// The role.
    public let role: Role
    /// The room key, to open presence in a sealed replica room.
    public let roomKey: RoomKey?
    /// What the room syncs.
    public private(set) var source: Source
    /// Who is here (replica rooms; a relay's table stays empty).
    public private(set) var presence: PresenceTable

    private var sessions: [ConnectionID: SyncSession] = [:]
    /// The latest presence update per participant and when it came, sent to every new
    /// connection until it is older than the presence timeout.
    private var latestPresence: [ReplicaID: (update: PresenceUpdate, at: SyncInstant)] = [:]
    /// Through which connection each participant's presence last came.
    private var presenceRoute: [ReplicaID: ConnectionID] = [:]

    /// Creates a room.
    ///
    /// - Parameters:
    ///   - configuration: the template for each connection's session (for a relay, use a
    ///     replica ID of its own and include ``Capabilities/relay``).
    ///   - roomKey: the key of a sealed room, for a replica; a relay never has one.
    ///   - presenceTimeout: how long a participant stays present without a refresh (a relay
    ///     stops telling newcomers about it after that long, too).
    public init(
        source: Source, configuration: SyncConfiguration, role: Role, roomKey: RoomKey? = nil,
        presenceTimeout: Duration = .seconds(30)
    ) {
        self.source = source
        self.configuration = configuration
        self.role = role
        self.roomKey = roomKey
        presence = PresenceTable(timeout: presenceTimeout)
    }

    /// The open connections, sorted.
    public var connections: [ConnectionID] { sessions.keys.sorted() }

    /// The session of `connection`, if open.
    public func session(_ connection: ConnectionID) -> SyncSession? { sessions[connection] }

    /// The earliest time at which ``tick(now:)`` has something to do.
    public var nextDeadline: SyncInstant? {
        let deadlines = sessions.values.compactMap(\.nextDeadline) + [presence.nextExpiry].compactMap { $0 }
        return deadlines.min()
    }

    // MARK: - Connections

    /// A connection opened: its session says hello, and learns who is present.
    public mutating func open(_ connection: ConnectionID, now: SyncInstant) -> [RoomAction] {
        guard sessions[connection] == nil else { return [] }
        var session = SyncSession(configuration: configuration)
        var actions = session.start(now: now, source: source)
        let current = latestPresence.values.filter { now - $0.at < presence.timeout }.map(\.update)
        for update in current.sorted(by: { $0.replica < $1.replica }) {
            actions += session.publishPresence(update, now: now)
        }
        sessions[connection] = session
        return perform(actions, on: connection, now: now)
    }

    /// A frame arrived on `connection`. Frames on a connection that is not open (never
    /// opened, or already closed by the room) are ignored: they are stragglers.
    public mutating func receive(_ frame: [UInt8], on connection: ConnectionID, now: SyncInstant) -> [RoomAction] {
        guard var session = sessions.removeValue(forKey: connection) else { return [] }
        let actions = session.receive(frame: frame, now: now, source: source)
        sessions[connection] = session
        return perform(actions, on: connection, now: now)
    }

    /// The transport closed `connection` (or failed).
    public mutating func closed(_ connection: ConnectionID, now: SyncInstant) -> [RoomAction] {
        guard var session = sessions.removeValue(forKey: connection) else { return [] }
        let actions = session.disconnected()
        return perform(actions, on: connection, now: now, closing: true)
    }

    /// Ends `connection`'s session with `error`: an `error` message, then a close. For what
    /// the transport polices itself, before a frame reaches the session: an oversized frame
    /// refused before it is buffered, a rate limit, a shutdown.
    ///
    /// ```swift
    /// actions += room.fail(connection, with: .refused(code: .rateLimited, reason: "over 200 frames/s"), now: now)
    /// ```
    public mutating func fail(_ connection: ConnectionID, with error: SyncError, now: SyncInstant) -> [RoomAction] {
        let actions = sessionAction(on: connection) { $0.fail(error) }
        return perform(actions, on: connection, now: now, closing: true)
    }

    /// Closes every connection normally (e.g. on shutdown).
    public mutating func closeAll(now: SyncInstant) -> [RoomAction] {
        var result: [RoomAction] = []
        for connection in connections {
            guard var session = sessions.removeValue(forKey: connection) else { continue }
            result += perform(session.close(), on: connection, now: now, closing: true)
        }
        return result
    }

    // MARK: - Time, local changes, presence

    /// Time passed: every session's timers, and presence expiry.
    public mutating func tick(now: SyncInstant) -> [RoomAction] {
        var result: [RoomAction] = []
        for connection in connections {
            guard var session = sessions.removeValue(forKey: connection) else { continue }
            let actions = session.tick(now: now, source: source)
            sessions[connection] = session
            result += perform(actions, on: connection, now: now)
        }
        for replica in presence.expire(now: now) { presenceRoute[replica] = nil }
        // A relay cannot open presence, so it expires what it forwards by age alone.
        for (replica, latest) in latestPresence where now - latest.at >= presence.timeout {
            latestPresence[replica] = nil
            presenceRoute[replica] = nil
        }
        return result
    }

    /// Changes the source (local edits on a replica) and tells every session.
    ///
    /// ```swift
    /// let actions = room.update(now: now) { source in
    ///     try source.document.transact { try $0.set("title", to: "Plan") }
    /// }
    /// ```
    public mutating func update<E: Error>(now: SyncInstant, _ body: (inout Source) throws(E) -> Void) throws(E) -> [RoomAction] {
        try body(&source)
        return localChangesAvailable(now: now)
    }

    /// The source gained changes by other means (e.g. a shared document edited elsewhere):
    /// every session sends what its peer lacks, coalesced.
    ///
    /// - Parameter addedBytes: the encoded size of what was gained, if known (see
    ///   ``SyncSession/localChangesAvailable(now:source:addedBytes:)``).
    public mutating func localChangesAvailable(
        now: SyncInstant, except excluded: ConnectionID? = nil, addedBytes: Int? = nil
    ) -> [RoomAction] {
        var result: [RoomAction] = []
        for connection in connections where connection != excluded {
            guard var session = sessions.removeValue(forKey: connection) else { continue }
            let actions = session.localChangesAvailable(now: now, source: source, addedBytes: addedBytes)
            sessions[connection] = session
            result += perform(actions, on: connection, now: now)
        }
        return result
    }

    /// Announces this participant's presence (made with ``LocalPresence``) on every connection,
    /// and to connections opened later.
    public mutating func publishPresence(_ update: PresenceUpdate, now: SyncInstant) -> [RoomAction] {
        guard isNewer(update) else { return [] }
        latestPresence[update.replica] = (update, now)
        if case .left = update.content { latestPresence[update.replica] = nil }
        return broadcast(update, except: nil, now: now)
    }

    // MARK: - Performing session actions

    private mutating func perform(
        _ actions: [SyncAction], on connection: ConnectionID, now: SyncInstant, closing: Bool = false
    ) -> [RoomAction] {
        var result: [RoomAction] = []
        var pending = actions[...]
        while let action = pending.popFirst() {
            switch action {
            case .send(let message):
                result.append(RoomAction(connection: connection, kind: .send(message.encoded())))
            case .close(let error):
                sessions[connection] = nil
                result.append(RoomAction(connection: connection, kind: .close(error)))
            case .apply(let envelopes):
                // Only a room with other sessions needs to know whether anything was new (a
                // document source builds its version vector on every read).
                let fanOut = sessions.count > 1
                let before = fanOut ? source.version : VersionVector()
                do {
                    try source.integrate(envelopes)
                } catch {
                    pending = (sessionAction(on: connection) { $0.fail(.envelope(error)) })[...]
                    continue
                }
                // Acks may be due at once; then the other sessions forward what is new.
                pending += sessionAction(on: connection) { [source] in $0.tick(now: now, source: source) }
                if fanOut, source.version != before {
                    let bytes = envelopes.reduce(0) { $0 + $1.encodedByteCount }
                    result += localChangesAvailable(now: now, except: connection, addedBytes: bytes)
                }
            case .updatePresence(let update):
                result += receivePresence(update, from: connection, now: now)
            case .removePresence(let replicas):
                result += removePresence(replicas, routedThrough: connection, now: now, closing: closing)
            }
        }
        return result
    }

    /// Runs `body` on the session of `connection`, if it is still open.
    private mutating func sessionAction(on connection: ConnectionID, _ body: (inout SyncSession) -> [SyncAction]) -> [SyncAction] {
        guard var session = sessions.removeValue(forKey: connection) else { return [] }
        let actions = body(&session)
        sessions[connection] = session
        return actions
    }

    private mutating func receivePresence(_ update: PresenceUpdate, from connection: ConnectionID, now: SyncInstant) -> [RoomAction] {
        guard isNewer(update) else { return [] }
        if role == .replica {
            do {
                try presence.apply(update, openedWith: roomKey, now: now)
            } catch {
                let actions = sessionAction(on: connection) { $0.fail(.presence(error)) }
                return perform(actions, on: connection, now: now)
            }
        }
        if case .left = update.content {
            latestPresence[update.replica] = nil
            presenceRoute[update.replica] = nil
        } else {
            latestPresence[update.replica] = (update, now)
            presenceRoute[update.replica] = connection
        }
        return broadcast(update, except: connection, now: now)
    }

    /// Whether `update` replaces what the room knows. A departure carries the clock of the
    /// participant's last update (a relay announces it with the clock it last saw), so it
    /// wins a tie; a departure of someone not present is old news and goes no further,
    /// which also stops departures from circling in a mesh.
    private func isNewer(_ update: PresenceUpdate) -> Bool {
        guard let latest = latestPresence[update.replica] else {
            if case .left = update.content { return false }
            return true
        }
        if case .left = update.content { return update.clock >= latest.update.clock }
        return update.clock > latest.update.clock
    }

    /// Participants whose presence came through a closed session are gone; a relay tells
    /// the others (it is the only one who can notice).
    private mutating func removePresence(
        _ replicas: [ReplicaID], routedThrough connection: ConnectionID, now: SyncInstant, closing: Bool
    ) -> [RoomAction] {
        var result: [RoomAction] = []
        for replica in replicas where presenceRoute[replica] == connection {
            presenceRoute[replica] = nil
            presence.remove(replica)
            let latest = latestPresence.removeValue(forKey: replica)
            if role == .relay, let latest {
                result += broadcast(.left(replica, clock: latest.update.clock), except: connection, now: now)
            }
        }
        return result
    }

    private mutating func broadcast(_ update: PresenceUpdate, except excluded: ConnectionID?, now: SyncInstant) -> [RoomAction] {
        var result: [RoomAction] = []
        for connection in connections where connection != excluded {
            let actions = sessionAction(on: connection) { $0.publishPresence(update, now: now) }
            result += perform(actions, on: connection, now: now)
        }
        return result
    }
}
