import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import ServiceLifecycle
import TesseraStore
import TesseraSync
import TesseraTransport

/// The relay: a Hummingbird server with a WebSocket sync endpoint per room, persistent rooms,
/// fan-out of changes and presence, access tokens, limits and graceful shutdown.
///
/// Routes:
/// - `GET /v1/rooms/{room}/sync` — WebSocket upgrade; binary frames of the TesseraSync
///   protocol (one frame per message). The token comes from `Authorization: Bearer …` or
///   `?token=…`; `?sealed=1` asks for an end-to-end encrypted room when it is created.
/// - `GET /health` — `{"status":"ok","rooms":…,"connections":…}`.
/// - whatever ``init(configuration:store:agent:logger:routes:onListening:)``'s `routes` adds: the
///   seam for a browser canvas's JSON channel, and for hosting an agent as an in-process
///   participant (``RoomRegistry/attach(_:toRoom:)``).
///
/// ```swift
/// let store = try SQLiteStore(path: "data/relay.sqlite")
/// let relay = RelayServer(configuration: RelayConfiguration(port: 8080), store: store, logger: logger)
/// let group = ServiceGroup(configuration: .init(services: [relay], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
/// try await group.run()
/// ```
///
/// **Shutdown.** On graceful shutdown the relay first ends every session with an `error`
/// frame (``ErrorCode/goingAway``) — clients reconnect with backoff — then stops the HTTP
/// server. Nothing acknowledged is lost at any point: a room writes what it receives to
/// SQLite before the session acknowledges it.
public struct RelayServer: Service {
    /// Extra routes: called once with the router and the registry before the server starts.
    public typealias Routes = @Sendable (Router<BasicWebSocketRequestContext>, RoomRegistry) -> Void

    /// The rooms.
    public let registry: RoomRegistry
    /// The configuration.
    public let configuration: RelayConfiguration
    private let logger: Logger
    private let routes: Routes
    private let onListening: @Sendable (Int) async -> Void

    /// Creates a relay over `store` (which it does not close).
    ///
    /// - Parameters:
    ///   - routes: adds routes beside the sync endpoint (a JSON channel, static files).
    ///   - onListening: called with the bound port once the server accepts connections.
    ///   - agent: runs the AI participant in every room (see ``RelayAgentConfiguration``).
    public init(
        configuration: RelayConfiguration, store: SQLiteStore, agent: RelayAgentConfiguration? = nil, logger: Logger,
        routes: @escaping Routes = { _, _ in }, onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) {
        self.configuration = configuration
        self.logger = logger
        self.routes = routes
        self.onListening = onListening
        registry = RoomRegistry(store: store, configuration: configuration, agent: agent, logger: logger)
    }

    /// Serves until graceful shutdown or cancellation.
    public func run() async throws {
        let registry = self.registry
        let logger = self.logger
        let policy = configuration.limits.connection
        let router = Router(context: BasicWebSocketRequestContext.self)
        router.get("/health") { _, _ -> Response in
            let rooms = await registry.loadedRoomCount
            let connections = await registry.connectionCount
            let body = #"{"status":"ok","rooms":\#(rooms),"connections":\#(connections)}"#
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        SyncRoute.add(to: router, maxFrameBytes: configuration.limits.maxFrameBytes) { request in
            switch await registry.admit(request) {
            case .failure(let error):
                return .refuse(error)
            case .success(let host):
                return .accept { frames, sink in
                    let outcome = await host.serve(frames: frames, sink: sink, policy: policy)
                    await registry.release(request.room)
                    var metadata: Logger.Metadata = ["room": "\(request.room)"]
                    if let peer = outcome.peer { metadata["replica"] = "\(peer.replica)" }
                    if let error = outcome.error {
                        metadata["error"] = "\(error)"
                        logger.notice("sync connection ended", metadata: metadata)
                    } else {
                        logger.info("sync connection ended", metadata: metadata)
                    }
                }
            }
        }
        routes(router, registry)
        let onListening = self.onListening
        let port = configuration.port
        let app = Application(
            router: router,
            server: .http1WebSocketUpgrade(webSocketRouter: router, configuration: .init(ws: .sync)),
            configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: port), serverName: "tessera"),
            onServerRunning: { channel in
                let bound = channel.localAddress?.port ?? port
                logger.info("relay listening", metadata: ["port": "\(bound)"])
                await onListening(bound)
            },
            logger: logger
        )
        // Services shut down in reverse order, each after the previous one returned: the
        // rooms say goodbye (goingAway) before the HTTP server stops.
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [.init(service: app), .init(service: RoomShutdown(registry: registry))], logger: logger))
        try await group.run()
    }
}

/// Waits for graceful shutdown, then closes every room's sessions.
private struct RoomShutdown: Service {
    let registry: RoomRegistry

    func run() async throws {
        try? await gracefulShutdown()
        await registry.shutdown()
    }
}
