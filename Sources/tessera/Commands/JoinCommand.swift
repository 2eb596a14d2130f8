import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import TesseraAgent
import TesseraCanvas
import TesseraCore
import TesseraStore
import TesseraSync
import TesseraTransport

/// `tessera join`: a replica of one room's board with a local store, synced through a relay
/// and/or directly with peers, edited with JSON-line commands on standard input.
struct JoinCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "join",
        abstract: "Join a room: keep a local store, sync it, and edit the board with JSON-line commands on stdin.",
        discussion: """
            Reads one JSON command per line on standard input, e.g.
              {"tool":"create_shape","args":{"kind":"sticky","x":40,"y":40,"text":"Hello"}}
            and prints one JSON result per line: {"ok":true,"result":…} or {"ok":false,"error":…}. \
            Besides the canvas tools (create_shape, update_shape, delete_shape, arrange_shapes, \
            query_shapes, post_message), "sync_status" reports versions, connections and who is present, \
            and the AI-request commands talk to the room's AI participant:
              {"tool":"ask","args":{"prompt":"Group the stickies by theme","wait":60}}
            files a request (any replica running an agent in the room may answer it) and, with "wait" \
            (seconds), returns once it is answered, failed or rejected; "requests" lists them; \
            "reject_request" and "retry_request" take {"request":ID}.

            With --agent this peer also runs the AI participant: a replica of its own (named \
            --agent-name) linked to this one in-process, which takes part in the room's relay \
            election and, when elected, talks to the model configured by OPENAI_BASE_URL, \
            OPENAI_API_KEY and TESSERA_MODEL. At the end of input it first finishes the requests \
            it can see pending (at most --agent-linger seconds).

            Every edit is saved in the store (DIR/tessera.sqlite) before its result is printed, so it \
            survives a crash. Offline, edits wait in the store and flow when the relay or a peer is \
            reachable again; the connection is retried with backoff. At the end of input the command \
            waits (at most --linger seconds) until its peers have acknowledged everything, then exits.

            Peer to peer: --listen PORT accepts peers dialling ws://HOST:PORT/v1/rooms/ROOM, and \
            --peer URL dials one (repeatable); no relay is needed.
            """
    )

    @Argument(help: ArgumentHelp("The room on a relay: ws://HOST:PORT/v1/rooms/ROOM.", valueName: "url"))
    var url: String?

    @Option(help: ArgumentHelp("Your display name (recorded on your edits and shown as presence).", valueName: "name"))
    var name: String

    @Option(help: ArgumentHelp("The directory of the local store.", valueName: "dir"))
    var data: String

    @Option(help: ArgumentHelp("The room, when no relay URL names it.", valueName: "room"))
    var room: String?

    @Option(help: ArgumentHelp("The room secret of an end-to-end encrypted room (base64url, from `tessera secret`).", valueName: "secret"))
    var secret: String?

    @Option(help: ArgumentHelp("The room's access token (default for an encrypted room: derived from the secret).", valueName: "token"))
    var token: String?

    @Option(help: ArgumentHelp("Accept peers on this port (0: any free port, shown by sync_status).", valueName: "port"))
    var listen: Int?

    @Option(name: .customLong("peer"), help: ArgumentHelp("Dial a peer directly: ws://HOST:PORT/v1/rooms/ROOM (repeatable).", valueName: "url"))
    var peers: [String] = []

    @Option(help: ArgumentHelp("Seconds to wait at the end of input for peers to acknowledge everything.", valueName: "seconds"))
    var linger: Double = 10

    @OptionGroup var agentOptions: AgentOptions

    @Option(help: ArgumentHelp("Seconds the agent may take, at the end of input, to finish pending requests.", valueName: "seconds"))
    var agentLinger: Double = 300

    @Option(help: ArgumentHelp("Log level on standard error (trace … critical).", valueName: "level"))
    var logLevel: String = "notice"

    func validate() throws {
        if url == nil, room == nil, peers.isEmpty {
            throw ValidationError("name a room: a relay URL, --peer URL, or --room ROOM (with --listen)")
        }
        if let secret, RoomSecret(base64URL: secret) == nil {
            throw ValidationError("--secret must be a room secret as printed by `tessera secret` (43 base64url characters)")
        }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown log level \(logLevel)") }
    }

    func run() async throws {
        LogSetup.bootstrap(level: Logger.Level(rawValue: logLevel) ?? .notice, format: .text)
        var joinLogger = Logger(label: "tessera.join")
        let relay = try url.map { try parse($0) }
        let peerURLs = try peers.map { try parse($0) }
        guard let roomID = room ?? relay?.room ?? peerURLs.first?.room else { throw ValidationError("no room") }
        for other in [relay].compactMap({ $0 }) + peerURLs where other.room != roomID {
            throw ValidationError("\(other) names room \"\(other.room)\", not \"\(roomID)\"")
        }
        joinLogger[metadataKey: "room"] = "\(roomID)"
        let logger = joinLogger
        let roomKey = secret.flatMap(RoomSecret.init(base64URL:)).map { RoomKey(secret: $0, documentID: roomID) }
        let accessToken = token.map(AccessToken.init) ?? roomKey.map(AccessToken.init(roomKey:))

        let session = try JoinSession(
            room: roomID, name: name, storePath: (data as NSString).appendingPathComponent("tessera.sqlite"), roomKey: roomKey,
            hasLinks: relay != nil || !peerURLs.isEmpty || listen != nil, logger: logger)
        let dialers = ([relay].compactMap { $0 } + peerURLs).map { WebSocketDialer(url: $0, token: accessToken, logger: logger) }
        let node = ReplicaNode(
            host: session.host, shared: session.shared, dialers: dialers, listenPort: listen, listenToken: accessToken,
            presence: PresenceRecord(displayName: name), roomKey: roomKey, logger: logger,
            onLinkEvent: { url, event in
                switch event {
                case .waiting, .dialling: logger.debug("\(event)", metadata: ["url": "\(url)"])
                case .ended(let outcome) where outcome.error == nil: logger.info("\(event)", metadata: ["url": "\(url)"])
                default: logger.notice("\(event)", metadata: ["url": "\(url)"])
                }
            },
            onListening: { port in
                await session.listening(on: port)
                logger.notice("listening for peers", metadata: ["port": "\(port)"])
            })
        let linger = Duration.milliseconds(Int64(max(0, linger) * 1000))
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: node)]
        let model = try agentOptions.makeModel()
        var hosted: HostedAgent?
        if let model {
            let agent = await session.hostAgent(identity: agentOptions.identity, model: model, roomKey: roomKey, logger: Logger(label: "tessera.agent"))
            hosted = agent
            services.append(.init(service: AgentService(agent: agent, localHost: session.host)))
        }
        let agentLinger = Duration.milliseconds(Int64(max(0, agentLinger) * 1000))
        services.append(.init(
            service: CommandLoop(session: session, agent: hosted, agentLinger: agentLinger, linger: linger),
            successTerminationBehavior: .gracefullyShutdownGroup))
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await withModel(model) { try await group.run() }
        try session.close()
    }

    private func parse(_ string: String) throws -> RoomURL {
        do {
            return try RoomURL(string)
        } catch {
            throw ValidationError(error.description)
        }
    }
}

/// The AI participant of `tessera join --agent`: its own replica, linked in-process to this
/// peer's host, so its edits reach the store, the relay and the peers through this replica.
private struct AgentService: Service {
    let agent: HostedAgent
    let localHost: SyncHost<PersistentDocumentSource>

    func run() async throws {
        let localHost = self.localHost
        _ = await cancelWhenGracefulShutdown {
            await agent.run { agentHost in
                let (agentEnd, localEnd) = InProcessConnection.pair()
                async let local = localHost.serve(frames: localEnd.frames, sink: localEnd.sink)
                let outcome = await agentHost.serve(frames: agentEnd.frames, sink: agentEnd.sink)
                _ = await local
                return outcome
            }
        }
    }
}

/// Reads commands until the end of input (or shutdown), then lingers until synced.
private struct CommandLoop: Service {
    let session: JoinSession
    let agent: HostedAgent?
    let agentLinger: Duration
    let linger: Duration

    func run() async throws {
        await cancelWhenGracefulShutdown {
            for await line in StandardInputLines.stream() {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                guard !trimmed.isEmpty else { continue }
                StandardOutput.writeLine(await session.handle(trimmed))
            }
        }
        // On a signal, leave at once; at the end of input, let the agent finish what is
        // pending, then give the peers time to catch up.
        guard !Task.isCancelled, !Task.isShuttingDownGracefully else { return }
        if let agent {
            let deadline = ContinuousClock.now + agentLinger
            while ContinuousClock.now < deadline, !Task.isCancelled, await !agent.isIdle {
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
        await session.waitUntilSynced(timeout: linger)
    }
}
