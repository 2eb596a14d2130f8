import Logging
import TesseraCanvas
import TesseraCore
import TesseraSync

/// An ``AgentParticipant`` made a peer of a room: its own replica (a fork with a fresh ID),
/// a ``TesseraSync/SyncHost`` over that replica, and presence through the host. What it
/// needs from outside is a model and a way to reach the room — the `link` of ``run(link:)``:
///
/// - `tessera join --agent` links it to the person's own host in the same process, so the
///   agent's edits reach the relay and peers through that replica;
/// - `tessera serve --agent` links it to a relay room with
///   `RoomRegistry.attach(_:toRoom:)`.
///
/// ```swift
/// let agent = HostedAgent(room: "plan", seed: board, model: client)
/// let (agentEnd, roomEnd) = InProcessConnection.pair()
/// async let room: ConnectionOutcome = roomHost.serve(frames: roomEnd.frames, sink: roomEnd.sink)
/// await agent.run { host in await host.serve(frames: agentEnd.frames, sink: agentEnd.sink) }
/// ```
///
/// The agent's replica lives in memory: everything it writes is handed to the room as soon
/// as it is written, and the room's side keeps it (a person's store, the relay's store). A
/// new run starts from a fresh fork with a new replica ID, so no counter is ever reused.
public final class HostedAgent: Sendable {
    /// The agent's replica of the board.
    public let board: LiveBoard
    /// The host syncing that replica.
    public let host: SyncHost<SharedDocumentSource>
    /// The participant.
    public let participant: AgentParticipant

    private let logger: Logger

    /// Creates the agent's replica, host and participant; nothing runs before ``run(link:)``.
    ///
    /// - Parameters:
    ///   - room: the document ID of the room.
    ///   - seed: what the agent starts from: the room's board as this process knows it (or an
    ///     empty `Board()`; sync brings the rest). It is forked with a fresh replica ID.
    ///   - roomKey: the key of an end-to-end encrypted room (the agent must be able to read it).
    public init(
        room: String, seed: Board = Board(), identity: AgentIdentity = AgentIdentity(), model: any ChatModel,
        settings: AgentSettings = AgentSettings(), roomKey: RoomKey? = nil, limits: WireLimits = .standard,
        logger: Logger = Logger(label: "tessera.agent")
    ) {
        let board = LiveBoard(seed.fork(replica: .random(), origin: .agent(identity.name)))
        var capabilities: Capabilities = [.presence]
        if roomKey != nil { capabilities.insert(.sealed) }
        var configuration = SyncConfiguration(documentID: room, replica: board.board.replica, capabilities: capabilities, limits: limits)
        // In-process and WebSocket links are reliable: a frame is never lost, only its connection.
        configuration.resendTimeout = .seconds(24 * 3600)
        host = SyncHost(source: SharedDocumentSource(board.shared, roomKey: roomKey), configuration: configuration, role: .replica, roomKey: roomKey)
        var logger = logger
        logger[metadataKey: "agent"] = "\(identity.originName(on: board.board.replica))"
        logger[metadataKey: "room"] = "\(room)"
        self.logger = logger
        self.board = board
        participant = AgentParticipant(
            board: board, identity: identity, model: model, presence: SyncHostPresenceChannel(host: host, roomKey: roomKey),
            settings: settings, logger: logger)
    }

    /// The agent's replica ID.
    public var replica: ReplicaID { participant.replica }

    /// Whether the agent has nothing left to do in its room: it runs no request, and no
    /// request it can see waits for an answer (pending, or claimed by anyone).
    public var isIdle: Bool {
        get async {
            guard await participant.runningRequests.isEmpty else { return false }
            return !AgentRequests.all(in: board.board).contains { $0.status == .pending || $0.status == .claimed }
        }
    }

    /// Runs the agent until the task is cancelled: starts the participant, tells the host
    /// about the agent's edits, and keeps the link to the room up (reconnecting with backoff
    /// when `link` returns or throws, giving up on a fatal refusal).
    ///
    /// On cancellation the participant stops (its running requests are cancelled; their
    /// leases lapse and another replica takes over), announces itself away, and the link
    /// closes.
    ///
    /// - Parameter link: connects the agent's host to the room and serves that connection
    ///   until it ends (`host.serve(frames:sink:)` on one end of a connection).
    /// - Returns: the fatal error that ended the link, or `nil` when cancelled.
    @discardableResult
    public func run(backoff: Backoff = Backoff(), link: @escaping @Sendable (SyncHost<SharedDocumentSource>) async throws -> ConnectionOutcome) async -> SyncError? {
        let host = self.host
        let logger = self.logger
        let participant = self.participant
        let shared = board.shared
        await participant.start()
        logger.info("agent started", metadata: ["replica": "\(replica)"])
        let failure = await withTaskGroup(of: SyncError?.self) { group in
            group.addTask {
                await host.forwardLocalChanges(of: shared)
                return nil
            }
            group.addTask {
                await host.maintainLink(backoff: backoff, onEvent: { event in
                    switch event {
                    case .waiting, .dialling: logger.trace("\(event)")
                    case .ended(let outcome) where outcome.error == nil: logger.debug("\(event)")
                    default: logger.notice("\(event)")
                    }
                }, dial: { try await link(host) })
            }
            // The link ends the group: cancelled (nil) or given up (a fatal error).
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        await participant.stop()
        // The "away" record reaches the room only while the link is up; it is gone now, so
        // the room learns of the departure from the closed connection.
        await host.closeAll()
        logger.info("agent stopped", metadata: failure.map { ["error": "\($0)"] } ?? [:])
        return failure
    }
}
