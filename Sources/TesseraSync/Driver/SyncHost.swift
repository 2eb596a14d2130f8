import TesseraCore

/// A ``SyncRoom`` driven by real time and real connections: the async driver every
/// transport uses, on a replica (any number of connections: a relay, peers that dialled in,
/// peers it dialled) and on a relay (one host per room).
///
/// The host is an actor owning the room. For each connection, ``serve(frames:sink:policy:)``
/// feeds the inbound frames to the room, and a writer task per connection performs the
/// room's sends in order through a ``FrameSink``, so a slow peer never delays the others.
/// A timer wakes the room at its ``SyncRoom/nextDeadline`` (coalesced flushes and acks,
/// resends, pings, timeouts, presence expiry).
///
/// ```swift
/// let host = SyncHost(source: SharedDocumentSource(shared), configuration: configuration, role: .replica)
/// let edits = Task { await host.forwardLocalChanges(of: shared) }   // local edits → every peer
/// let outcome = await host.serve(frames: inbound, sink: outbound)  // until the connection ends
/// ```
///
/// The host reads time from `ContinuousClock`; the room itself stays a pure state machine,
/// tested without sockets or clocks.
public actor SyncHost<Source: SyncSource & Sendable> {
    private var room: SyncRoom<Source>
    private var outboxes: [ConnectionID: AsyncStream<Outgoing>.Continuation] = [:]
    /// Why each connection ended, kept until its ``serve(frames:sink:policy:)`` returns.
    private var endings: [ConnectionID: SyncError] = [:]
    /// The peers of established connections.
    private var peers: [ConnectionID: Hello] = [:]
    private var nextConnection: UInt64 = 1
    private let origin = ContinuousClock.now
    private var timer: Task<Void, Never>?
    private var timerDeadline: SyncInstant?
    private var observers: [Int: AsyncStream<SyncHostEvent>.Continuation] = [:]
    private var nextObserver = 0

    /// Creates a host; see ``SyncRoom/init(source:configuration:role:roomKey:presenceTimeout:)``.
    public init(
        source: Source, configuration: SyncConfiguration, role: SyncRoom<Source>.Role, roomKey: RoomKey? = nil,
        presenceTimeout: Duration = .seconds(30)
    ) {
        room = SyncRoom(source: source, configuration: configuration, role: role, roomKey: roomKey, presenceTimeout: presenceTimeout)
        self.configuration = configuration
    }

    /// The session template (document ID, this side's replica ID, limits).
    public nonisolated let configuration: SyncConfiguration

    var now: SyncInstant { SyncInstant(.now, since: origin) }

    // MARK: - Reading

    /// What the room syncs.
    public var source: Source { room.source }

    /// The source's version vector.
    public var version: VersionVector { room.source.version }

    /// The open connections.
    public var connections: [ConnectionStatus] {
        room.connections.compactMap { id in
            room.session(id).map {
                ConnectionStatus(
                    id: id, peer: $0.peer, acknowledgedVersion: $0.acknowledgedVersion, peerVersion: $0.peerVersion,
                    bytesInFlight: $0.bytesInFlight,
                    statistics: $0.statistics)
            }
        }
    }

    /// Who is present (a replica host; a relay forwards presence without opening it).
    public var presence: [PresenceTable.Entry] { room.presence.entries }

    /// A stream of connection events from now on.
    public func events() -> AsyncStream<SyncHostEvent> {
        let (stream, continuation) = AsyncStream<SyncHostEvent>.makeStream(bufferingPolicy: .bufferingNewest(256))
        let key = nextObserver
        nextObserver += 1
        observers[key] = continuation
        continuation.onTermination = { [weak self] _ in
            Task { await self?.removeObserver(key) }
        }
        return stream
    }

    private func removeObserver(_ key: Int) { observers[key] = nil }

    // MARK: - Local events

    /// The source gained changes (local edits): every connection sends what its peer lacks,
    /// coalesced.
    public func localChangesAvailable() {
        perform(room.localChangesAvailable(now: now))
    }

    /// Announces this participant's presence on every connection, and to later ones.
    public func publishPresence(_ update: PresenceUpdate) {
        perform(room.publishPresence(update, now: now))
    }

    /// Ends every connection: with an `error` frame carrying `error` (e.g.
    /// `.refused(code: .goingAway, reason: "shutting down")`), or normally for `nil`.
    public func closeAll(error: SyncError? = nil) {
        if let error {
            for id in room.connections { perform(room.fail(id, with: error, now: now)) }
        } else {
            perform(room.closeAll(now: now))
        }
    }

    /// Whether `id` is still open.
    func isOpen(_ id: ConnectionID) -> Bool { outboxes[id] != nil }

    // MARK: - Connection lifecycle (used by serve)

    func open(_ outbox: AsyncStream<Outgoing>.Continuation) -> ConnectionID {
        let id = ConnectionID(nextConnection)
        nextConnection += 1
        outboxes[id] = outbox
        perform(room.open(id, now: now))
        return id
    }

    /// Handles one frame; `false` once the connection is closed.
    func receive(_ frame: [UInt8], on id: ConnectionID) -> Bool {
        perform(room.receive(frame, on: id, now: now))
        if peers[id] == nil, let peer = room.session(id)?.peer, outboxes[id] != nil {
            peers[id] = peer
            notify(.connected(id, peer))
        }
        return outboxes[id] != nil
    }

    func fail(_ id: ConnectionID, _ error: SyncError) {
        perform(room.fail(id, with: error, now: now))
    }

    /// The transport closed (or the serve loop ended): the room forgets the connection.
    func closed(_ id: ConnectionID) {
        perform(room.closed(id, now: now))
        if let outbox = outboxes.removeValue(forKey: id) {
            outbox.finish()
            notify(.disconnected(id, endings[id]))
        }
    }

    /// How the connection ended; forgets it.
    func outcome(_ id: ConnectionID) -> ConnectionOutcome {
        ConnectionOutcome(error: endings.removeValue(forKey: id), peer: peers.removeValue(forKey: id))
    }

    // MARK: - Performing room actions

    private func perform(_ actions: [RoomAction]) {
        for action in actions {
            switch action.kind {
            case .send(let frame):
                outboxes[action.connection]?.yield(.frame(frame))
            case .close(let error):
                guard let outbox = outboxes.removeValue(forKey: action.connection) else { continue }
                if let error { endings[action.connection] = error }
                outbox.yield(.close(error))
                outbox.finish()
                notify(.disconnected(action.connection, error))
            }
        }
        scheduleTimer()
    }

    private func notify(_ event: SyncHostEvent) {
        for observer in observers.values { observer.yield(event) }
    }

    // MARK: - Timer

    /// Keeps one timer task armed for the room's next deadline. Most events do not move the
    /// deadline earlier, so most calls return at the first check.
    private func scheduleTimer() {
        guard let deadline = room.nextDeadline else {
            timer?.cancel()
            timer = nil
            timerDeadline = nil
            return
        }
        if timer != nil, let armed = timerDeadline, armed <= deadline { return }
        timer?.cancel()
        timerDeadline = deadline
        // At least a millisecond, so a deadline that stays in the past cannot spin.
        let delay = max(deadline - now, .milliseconds(1))
        timer = Task { [weak self] in
            try? await Task.sleep(for: delay)
            guard !Task.isCancelled else { return }
            await self?.fire()
        }
    }

    private func fire() {
        timer = nil
        timerDeadline = nil
        perform(room.tick(now: now))
    }
}
