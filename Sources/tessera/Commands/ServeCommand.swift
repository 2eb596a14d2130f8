import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import TesseraAgent
import TesseraServer
import TesseraStore
import TesseraSync

/// `tessera serve`: the relay server.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run a relay: rooms over WebSocket, persisted in a SQLite store.",
        discussion: """
            Clients sync rooms at ws://HOST:PORT/v1/rooms/ROOM/sync (binary TesseraSync frames); \
            GET /health reports the loaded rooms and connections. Rooms are created on first use \
            and kept in DIR/tessera.sqlite. A room's token is the one its first client presented \
            (none: open room); with --token, only holders of that token create rooms, and it opens \
            every room. End-to-end encrypted rooms are stored as ciphertext.

            With --agent the relay runs the AI participant itself: in every room with clients (not \
            end-to-end encrypted ones, which it cannot read) an agent named --agent-name joins as \
            one more replica, takes part in the relay election, and talks to the model configured \
            by OPENAI_BASE_URL, OPENAI_API_KEY and TESSERA_MODEL.

            Prints {"listening":{"host":…,"port":…}} on standard output once it accepts \
            connections; logs go to standard error. SIGTERM or SIGINT shut it down gracefully.
            """
    )

    @Option(help: ArgumentHelp("The address to bind.", valueName: "host"))
    var host: String = "127.0.0.1"

    @Option(help: ArgumentHelp("The port (0: any free port).", valueName: "port"))
    var port: Int = 8080

    @Option(help: ArgumentHelp("The directory of the store.", valueName: "dir"))
    var data: String

    @Option(help: ArgumentHelp("The server token: required to create rooms, accepted by every room.", valueName: "token"))
    var token: String?

    @Option(help: ArgumentHelp("The most rooms to create.", valueName: "n"))
    var maxRooms: Int = 10_000

    @Option(help: ArgumentHelp("The most connections per room.", valueName: "n"))
    var maxConnectionsPerRoom: Int = 512

    @Option(help: ArgumentHelp("The largest sync frame accepted, in bytes.", valueName: "bytes"))
    var maxFrameBytes: Int = 4 << 20

    @Option(help: ArgumentHelp("Frames per second a connection may send (bursts of twice that).", valueName: "n"))
    var maxFramesPerSecond: Double = 500

    @Option(help: ArgumentHelp("full: fsync every commit (survives power loss); normal: survives a process crash only.", valueName: "mode"))
    var durability: String = "full"

    @OptionGroup var agentOptions: AgentOptions

    @Option(help: ArgumentHelp("Log level (trace … critical).", valueName: "level"))
    var logLevel: String = "info"

    @Option(help: ArgumentHelp("Log format on standard error: text or json.", valueName: "format"))
    var logFormat: String = "text"

    func validate() throws {
        guard ["full", "normal"].contains(durability) else { throw ValidationError("--durability is full or normal") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown log level \(logLevel)") }
        guard LogFormat(rawValue: logFormat) != nil else { throw ValidationError("--log-format is text or json") }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0…65535") }
    }

    func run() async throws {
        LogSetup.bootstrap(level: Logger.Level(rawValue: logLevel) ?? .info, format: LogFormat(rawValue: logFormat) ?? .text)
        let logger = Logger(label: "tessera.relay")
        let store = try SQLiteStore(
            path: (data as NSString).appendingPathComponent("tessera.sqlite"), durability: durability == "normal" ? .normal : .full)
        var policy = ConnectionPolicy.relay
        policy.framesPerSecond = maxFramesPerSecond
        policy.burstFrames = maxFramesPerSecond * 2
        let configuration = RelayConfiguration(
            host: host, port: port, serverToken: token.map(AccessToken.init),
            limits: RelayLimits(
                maxFrameBytes: maxFrameBytes, maxRooms: maxRooms, maxConnectionsPerRoom: maxConnectionsPerRoom, connection: policy))
        let host = self.host
        let model = try agentOptions.makeModel()
        let agentConfiguration = model.map { RelayAgentConfiguration(model: $0, identity: agentOptions.identity) }
        let relay = RelayServer(configuration: configuration, store: store, agent: agentConfiguration, logger: logger, onListening: { port in
            StandardOutput.writeLine(#"{"listening":{"host":"\#(host)","port":\#(port)}}"#)
        })
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [relay], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await withModel(model) { try await group.run() }
        try store.close()
        logger.info("relay stopped")
    }
}
