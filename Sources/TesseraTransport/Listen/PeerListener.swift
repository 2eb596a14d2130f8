import Hummingbird
import HummingbirdWebSocket
import Logging
import ServiceLifecycle
import TesseraSync

/// A replica's own tiny WebSocket endpoint, so other replicas can dial it directly — peer to
/// peer, no relay needed. It serves `/v1/rooms/<document>/sync` (the relay's path, so a
/// peer dials a relay and a replica the same way) and `/health`.
///
/// ```swift
/// let listener = PeerListener(host: host, port: 0) { port in print("listening on \(port)") }
/// try await listener.run()     // a ServiceLifecycle service: stops on graceful shutdown
/// ```
///
/// Every inbound connection becomes one more session of the replica's ``SyncHost``, so what
/// one peer sends reaches the others (a replica with several peers relays for them).
public struct PeerListener<Source: SyncSource & Sendable>: Service {
    /// The replica's host.
    public let host: SyncHost<Source>
    /// The address to bind (`127.0.0.1` by default: reachable from this machine only).
    public var address: String
    /// The port; 0 picks a free one (reported to ``onListening``).
    public var port: Int
    /// The token peers must present, if any.
    public var token: AccessToken?
    /// Rate limits for inbound peers.
    public var policy: ConnectionPolicy
    /// Where the listener logs.
    public var logger: Logger
    /// Called with the bound port once the listener accepts connections.
    public var onListening: @Sendable (Int) async -> Void

    /// Creates a listener.
    public init(
        host: SyncHost<Source>, address: String = "127.0.0.1", port: Int, token: AccessToken? = nil,
        policy: ConnectionPolicy = .relay, logger: Logger = Logger(label: "tessera.listen"),
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) {
        self.host = host
        self.address = address
        self.port = port
        self.token = token
        self.policy = policy
        self.logger = logger
        self.onListening = onListening
    }

    /// Listens until graceful shutdown or cancellation.
    public func run() async throws {
        let host = self.host
        let documentID = host.configuration.documentID
        let token = self.token
        let policy = self.policy
        let router = Router(context: BasicWebSocketRequestContext.self)
        router.get("/health") { _, _ in "ok" }
        SyncRoute.add(to: router, maxFrameBytes: host.configuration.limits.maxFrameBytes) { request in
            guard request.room == documentID else {
                return .refuse(.wrongDocument(expected: documentID, found: request.room))
            }
            if let token, !(request.token?.matches(token) ?? false) {
                return .refuse(.refused(code: .accessDenied, reason: "missing or wrong token for this peer"))
            }
            return .accept { frames, sink in
                _ = await host.serve(frames: frames, sink: sink, policy: policy)
            }
        }
        let onListening = self.onListening
        let port = self.port
        let app = Application(
            router: router,
            server: .http1WebSocketUpgrade(webSocketRouter: router, configuration: .init(ws: .sync)),
            configuration: ApplicationConfiguration(address: .hostname(address, port: port)),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) },
            logger: logger
        )
        try await app.run()
    }
}

extension WebSocketServerConfiguration {
    /// The WebSocket settings of sync endpoints: 1 MiB WebSocket frames (larger sync frames are
    /// fragmented), no WebSocket-level pings (the sync protocol pings and times out itself), a
    /// short closing handshake.
    public static var sync: WebSocketServerConfiguration {
        WebSocketServerConfiguration(
            maxFrameSize: WebSocketSyncLimits.webSocketFrameBytes, autoPing: .disabled, closeTimeout: .seconds(2))
    }
}
