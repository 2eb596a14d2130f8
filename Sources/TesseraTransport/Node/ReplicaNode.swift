import Foundation
import Logging
import ServiceLifecycle
import TesseraCore
import TesseraSync

/// One replica on the network: its ``SyncHost``, the relays and peers it dials (each link
/// kept up with backoff), an optional listener for peers that dial it, its local edits
/// forwarded to every connection, and its presence kept fresh.
///
/// ```swift
/// let node = ReplicaNode(host: host, shared: shared, dialers: [WebSocketDialer(url: relayURL, token: token)],
///                        listenPort: 0, presence: PresenceRecord(displayName: "Ada"), roomKey: key)
/// try await node.run()   // until cancelled or graceful shutdown
/// ```
///
/// Offline is the normal case, not an error: while no link is up, edits accumulate in the
/// host's source (a store-backed source keeps them on disk), and every reconnect sends what
/// the peer lacks.
public struct ReplicaNode<Source: SyncSource & Sendable>: Service {
    /// The replica's host.
    public let host: SyncHost<Source>
    /// The document whose local edits are forwarded.
    public let shared: SharedDocument
    /// The relays and peers to dial.
    public var dialers: [WebSocketDialer]
    /// The port to listen on for peers (0: any free port), or `nil` not to listen.
    public var listenPort: Int?
    /// The token peers dialling in must present.
    public var listenToken: AccessToken?
    /// This participant's presence, refreshed every ``presenceInterval``; `nil` for none.
    public var presence: PresenceRecord?
    /// How often presence is refreshed (a third of the peers' default 30 s timeout).
    public var presenceInterval: Duration
    /// The room key, to seal presence in an encrypted room.
    public var roomKey: RoomKey?
    /// Reconnection delays.
    public var backoff: Backoff
    /// Where the node logs.
    public var logger: Logger
    /// Called on every link event (connecting, ended, waiting, gave up).
    public var onLinkEvent: @Sendable (RoomURL, LinkEvent) -> Void
    /// Called with the listener's bound port.
    public var onListening: @Sendable (Int) async -> Void

    /// Creates a node.
    public init(
        host: SyncHost<Source>, shared: SharedDocument, dialers: [WebSocketDialer] = [], listenPort: Int? = nil,
        listenToken: AccessToken? = nil, presence: PresenceRecord? = nil, presenceInterval: Duration = .seconds(10),
        roomKey: RoomKey? = nil, backoff: Backoff = Backoff(), logger: Logger = Logger(label: "tessera.node"),
        onLinkEvent: @escaping @Sendable (RoomURL, LinkEvent) -> Void = { _, _ in },
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) {
        self.host = host
        self.shared = shared
        self.dialers = dialers
        self.listenPort = listenPort
        self.listenToken = listenToken
        self.presence = presence
        self.presenceInterval = presenceInterval
        self.roomKey = roomKey
        self.backoff = backoff
        self.logger = logger
        self.onLinkEvent = onLinkEvent
        self.onListening = onListening
    }

    /// Runs until cancelled or gracefully shut down, then says goodbye: presence `left` and
    /// a normal close on every connection.
    public func run() async throws {
        let host = self.host
        // Presence clocks start at the wall clock in milliseconds, so updates stay newer than
        // those of a previous run (and the goodbye below newer than every refresh).
        func wallClock() -> UInt64 { UInt64(Date().timeIntervalSince1970 * 1000) }
        let localPresence = presence.map { LocalPresence(replica: host.configuration.replica, record: $0, clock: wallClock()) }
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await host.forwardLocalChanges(of: shared) }
                if let initial = localPresence {
                    let key = roomKey
                    let interval = presenceInterval
                    group.addTask {
                        var presence = initial
                        while !Task.isCancelled {
                            if let update = try? presence.refresh(sealedWith: key) { await host.publishPresence(update) }
                            try? await Task.sleep(for: interval)
                        }
                    }
                }
                for dialer in dialers {
                    let backoff = self.backoff
                    let onLinkEvent = self.onLinkEvent
                    let logger = self.logger
                    group.addTask {
                        let fatal = await host.maintainLink(backoff: backoff, onEvent: { onLinkEvent(dialer.url, $0) }) {
                            try await dialer.connect(host)
                        }
                        if let fatal { logger.error("link gave up", metadata: ["url": "\(dialer.url)", "error": "\(fatal)"]) }
                    }
                }
                if let listenPort {
                    let listener = PeerListener(
                        host: host, port: listenPort, token: listenToken, logger: logger, onListening: onListening)
                    let logger = self.logger
                    group.addTask {
                        do {
                            try await listener.run()
                        } catch {
                            logger.error("listener failed", metadata: ["error": "\(error)"])
                        }
                    }
                }
                await group.waitForAll()
            }
        }
        if let presence {
            var goodbye = LocalPresence(replica: host.configuration.replica, record: presence, clock: wallClock())
            await host.publishPresence(goodbye.leave())
        }
        await host.closeAll()
    }
}
