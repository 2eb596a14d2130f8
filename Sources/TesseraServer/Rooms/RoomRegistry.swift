import Logging
import TesseraAgent
import TesseraCore
import TesseraStore
import TesseraSync
import TesseraTransport

/// The relay's rooms: one ``SyncHost`` (an actor owning a relay-role `SyncRoom` over a
/// ``StoredRoom``) per room with connections, created on first use and persisted in the store.
///
/// A room is loaded from the store when its first connection arrives and dropped when its
/// last one leaves; everything it integrated is already in SQLite (a relay writes before it
/// acknowledges), so dropping it loses nothing. Connection counts are kept here, synchronously,
/// so a room can never be loaded twice.
///
/// ```swift
/// let registry = RoomRegistry(store: store, configuration: configuration, logger: logger)
/// switch await registry.admit(request) {
/// case .success(let host): _ = await host.serve(frames: frames, sink: sink); await registry.release(request.room)
/// case .failure(let error): refuse(error)
/// }
/// ```
public actor RoomRegistry {
    /// The relay's store.
    public let store: SQLiteStore
    /// The relay's configuration.
    public let configuration: RelayConfiguration
    private let logger: Logger

    private struct Room {
        var host: SyncHost<StoredRoom>
        var isSealed: Bool
        /// Every connection, in-process participants included.
        var connections: Int
        /// Connections from clients (not in-process participants).
        var clients = 0
        /// The relay's own agent in this room, while it has one.
        var agent: RoomAgent?
        /// Bumped whenever a client arrives, so a pending retirement of the agent is called off.
        var generation = 0
    }

    /// A hosted agent and the task running it.
    private struct RoomAgent {
        var hosted: HostedAgent
        var task: Task<Void, Never>
    }

    /// The agent the relay runs in each room, if any.
    private let agentConfiguration: RelayAgentConfiguration?

    private var rooms: [String: Room] = [:]
    private var isShuttingDown = false

    /// Creates a registry over `store`.
    ///
    /// - Parameter agent: how to run an agent in every room with clients (see
    ///   ``RelayAgentConfiguration``); `nil` for none.
    public init(store: SQLiteStore, configuration: RelayConfiguration, agent: RelayAgentConfiguration? = nil, logger: Logger) {
        self.store = store
        self.configuration = configuration
        self.logger = logger
        agentConfiguration = agent
    }

    /// The number of rooms with connections.
    public var loadedRoomCount: Int { rooms.count }

    /// The number of open connections, over all rooms.
    public var connectionCount: Int { rooms.values.reduce(0) { $0 + $1.connections } }

    /// The host of a loaded room, for inspection (`nil` when the room has no connections).
    public func host(of room: String) -> SyncHost<StoredRoom>? { rooms[room]?.host }

    /// Admits a connection to a room — creating the room on first use — and counts it; the
    /// caller serves it with the returned host and calls ``release(_:)`` when it ends.
    ///
    /// - Returns: the room's host, or why the connection is refused: ``ErrorCode/accessDenied``
    ///   (see ``RoomAccess``), ``ErrorCode/capacityExceeded`` (too many rooms or connections),
    ///   ``ErrorCode/goingAway`` (shutting down), ``ErrorCode/internalError`` (the store failed).
    public func admit(_ request: SyncRequest) -> Result<SyncHost<StoredRoom>, SyncError> {
        admit(room: request.room, token: request.token, wantsSealed: request.wantsSealed, trusted: false)
    }

    private func admit(room id: String, token: AccessToken?, wantsSealed: Bool, trusted: Bool) -> Result<SyncHost<StoredRoom>, SyncError> {
        guard !isShuttingDown else { return .failure(.refused(code: .goingAway, reason: "the relay is shutting down")) }
        do throws(StoreError) {
            let record: RoomRecord
            if let existing = try store.room(id) {
                if !trusted, case .deny(let reason) = RoomAccess.decide(room: existing, presented: token, serverToken: configuration.serverToken) {
                    return .failure(.refused(code: .accessDenied, reason: reason))
                }
                record = existing
            } else {
                var digest: [UInt8]?
                if !trusted {
                    switch RoomAccess.decide(room: nil, presented: token, serverToken: configuration.serverToken) {
                    case .deny(let reason): return .failure(.refused(code: .accessDenied, reason: reason))
                    case .create(let tokenDigest): digest = tokenDigest
                    case .admit: break
                    }
                }
                guard try store.roomCount() < configuration.limits.maxRooms else {
                    return .failure(.refused(code: .capacityExceeded, reason: "the relay holds its maximum of \(configuration.limits.maxRooms) rooms"))
                }
                record = try store.createRoom(id, accessTokenHash: digest, isSealed: wantsSealed)
                logger.info("room created", metadata: ["room": "\(id)", "sealed": "\(record.isSealed)", "token": "\(digest != nil)"])
            }
            if var room = rooms[id] {
                guard room.connections < configuration.limits.maxConnectionsPerRoom else {
                    return .failure(.refused(code: .capacityExceeded, reason: "room \"\(id)\" has its maximum of \(configuration.limits.maxConnectionsPerRoom) connections"))
                }
                room.connections += 1
                if !trusted { room.clients += 1 }
                rooms[id] = room
                if !trusted { clientArrived(in: id) }
                return .success(room.host)
            }
            let source = try store.openRoom(record)
            let host = SyncHost(source: source, configuration: sessionConfiguration(for: record), role: .relay)
            rooms[id] = Room(host: host, isSealed: record.isSealed, connections: 1, clients: trusted ? 0 : 1)
            logger.debug("room loaded", metadata: ["room": "\(id)", "envelopes": "\(source.envelopes.count)"])
            if !trusted { clientArrived(in: id) }
            return .success(host)
        } catch {
            logger.error("store failed", metadata: ["room": "\(id)", "error": "\(error)"])
            return .failure(.refused(code: .internalError, reason: "the relay's store failed"))
        }
    }

    /// A connection admitted by ``admit(_:)`` ended; the room is dropped when it has no more.
    public func release(_ room: String) {
        release(room, client: true)
    }

    private func release(_ room: String, client: Bool) {
        guard var entry = rooms[room] else { return }
        entry.connections -= 1
        if client { entry.clients -= 1 }
        rooms[room] = entry.connections > 0 ? entry : nil
        if client, entry.clients == 0, entry.agent != nil { retireAgent(of: room, generation: entry.generation) }
    }

    /// The session template of a room: the relay's own replica ID in it, the `relay`
    /// capability, and its sealing.
    private func sessionConfiguration(for record: RoomRecord) -> SyncConfiguration {
        var capabilities: Capabilities = [.relay, .presence]
        if record.isSealed { capabilities.insert(.sealed) }
        return SyncConfiguration.webSocket(
            documentID: record.id, replica: record.relayReplica, capabilities: capabilities,
            limits: WireLimits(maxFrameBytes: configuration.limits.maxFrameBytes))
    }

    // MARK: - In-process participants

    /// Connects an in-process participant — a server-hosted agent, a bridge for a browser's
    /// JSON channel — to a room through an in-memory connection, with the same sessions and
    /// protocol as a remote client, and serves both ends until the connection ends.
    ///
    /// In-process participants are trusted: no token is checked. The room is created on
    /// first use with the participant's sealing.
    ///
    /// ```swift
    /// let agent = SyncHost(source: SharedDocumentSource(shared), configuration: configuration, role: .replica)
    /// let outcome = await agent.maintainLink { try await registry.attach(agent, toRoom: "plan") }
    /// ```
    public func attach<Source>(_ participant: SyncHost<Source>, toRoom room: String) async throws(SyncError) -> ConnectionOutcome {
        let host = try admit(room: room, token: nil, wantsSealed: participant.configuration.isSealed, trusted: true).get()
        let (participantEnd, roomEnd) = InProcessConnection.pair()
        async let roomSide = host.serve(frames: roomEnd.frames, sink: roomEnd.sink)
        let outcome = await participant.serve(frames: participantEnd.frames, sink: participantEnd.sink)
        _ = await roomSide
        release(room, client: false)
        return outcome
    }

    // MARK: - The relay's agent

    /// A client arrived in `room`: call off the agent's retirement, or start an agent.
    private func clientArrived(in id: String) {
        guard var room = rooms[id], let agentConfiguration else { return }
        room.generation += 1
        defer { rooms[id] = room }
        guard room.agent == nil, !isShuttingDown else { return }
        guard !room.isSealed else {
            if room.clients == 1 {
                logger.info("room is end-to-end encrypted: the relay cannot read it and runs no agent there", metadata: ["room": "\(id)"])
            }
            return
        }
        let hosted = HostedAgent(
            room: id, identity: agentConfiguration.identity, model: agentConfiguration.model, settings: agentConfiguration.settings,
            limits: WireLimits(maxFrameBytes: configuration.limits.maxFrameBytes), logger: logger)
        let task = Task {
            _ = await hosted.run { host in
                do throws(SyncError) {
                    return try await self.attach(host, toRoom: id)
                } catch {
                    return ConnectionOutcome(error: error, peer: nil)
                }
            }
        }
        room.agent = RoomAgent(hosted: hosted, task: task)
    }

    /// The last client left `room`: the agent finishes the requests it can (at most
    /// ``RelayAgentConfiguration/lingerAfterLastClient``), then leaves, unless a client
    /// came back meanwhile.
    private func retireAgent(of id: String, generation: Int) {
        guard let agent = rooms[id]?.agent, let agentConfiguration else { return }
        let linger = agentConfiguration.lingerAfterLastClient
        Task {
            let deadline = ContinuousClock.now + linger
            while ContinuousClock.now < deadline, await !agent.hosted.isIdle {
                try? await Task.sleep(for: .milliseconds(250))
            }
            self.stopAgent(in: id, ifGeneration: generation)
        }
    }

    private func stopAgent(in id: String, ifGeneration generation: Int) {
        guard var room = rooms[id], room.generation == generation, room.clients == 0, let agent = room.agent else { return }
        room.agent = nil
        rooms[id] = room
        agent.task.cancel()
        logger.debug("agent left the room", metadata: ["room": "\(id)"])
    }

    // MARK: - Shutdown

    /// Refuses new connections, ends every session with an `error` frame
    /// (``ErrorCode/goingAway``) and waits, at most `timeout`, for the connections to close.
    ///
    /// Every change a client saw acknowledged is already in the store.
    public func shutdown(timeout: Duration = .seconds(5)) async {
        isShuttingDown = true
        // Agents leave first (their runs are cancelled; the leases lapse), then the sessions close.
        for (id, room) in rooms {
            guard let agent = room.agent else { continue }
            agent.task.cancel()
            rooms[id]?.agent = nil
        }
        logger.info("closing rooms", metadata: ["rooms": "\(rooms.count)", "connections": "\(connectionCount)"])
        for room in rooms.values {
            await room.host.closeAll(error: .refused(code: .goingAway, reason: "the relay is shutting down"))
        }
        let deadline = ContinuousClock.now + timeout
        while !rooms.isEmpty, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }
}
