import Foundation
import Logging
import Synchronization
import TesseraCanvas
import TesseraCore
import TesseraStore
import TesseraSync
import TesseraTransport

/// A replica in this process: a live board saved in a store, synced by a `ReplicaNode`
/// that can be started and stopped (going offline and back).
final class TestPeer: Sendable {
    let name: String
    let store: SQLiteStore
    let stored: StoredDocument
    let live: LiveBoard
    let host: SyncHost<PersistentDocumentSource>
    let roomKey: RoomKey?
    private let node = Mutex<Task<Void, Never>?>(nil)
    private let listening = Mutex<Int?>(nil)

    /// A peer of `room`, stored at `storePath` (in memory when `nil`).
    init(_ name: String, room: String, storePath: String? = nil, roomKey: RoomKey? = nil) throws {
        self.name = name
        self.roomKey = roomKey
        store = try storePath.map { try SQLiteStore(path: $0) } ?? SQLiteStore.inMemory()
        stored = try store.document(room)
        let shared = SharedDocument(try stored.load(origin: .human(name)))
        live = try LiveBoard(shared)
        try stored.save(shared.document)
        var capabilities: Capabilities = [.presence]
        if roomKey != nil { capabilities.insert(.sealed) }
        var configuration = SyncConfiguration.webSocket(documentID: room, replica: stored.replica, capabilities: capabilities)
        configuration.flushInterval = .milliseconds(10)
        configuration.ackDelay = .milliseconds(10)
        host = SyncHost(
            source: PersistentDocumentSource(shared, stored: stored, roomKey: roomKey), configuration: configuration,
            role: .replica, roomKey: roomKey)
    }

    var shared: SharedDocument { live.shared }
    var version: VersionVector { shared.read { $0.version } }
    var board: Board { live.board }
    var listeningPort: Int? { listening.withLock { $0 } }

    /// Goes online: dials `urls` (reconnecting with backoff) and listens if `listen` is given.
    func connect(_ urls: [RoomURL], token: AccessToken? = nil, listen: Int? = nil) {
        var logger = Logger(label: "test.peer.\(name)")
        logger.logLevel = .critical
        let token = token ?? roomKey.map(AccessToken.init(roomKey:))
        let node = ReplicaNode(
            host: host, shared: shared, dialers: urls.map { WebSocketDialer(url: $0, token: token, logger: logger) },
            listenPort: listen, listenToken: token, presence: PresenceRecord(displayName: name), presenceInterval: .seconds(1),
            roomKey: roomKey, backoff: Backoff(initial: .milliseconds(50), maximum: .milliseconds(500)), logger: logger,
            onListening: { [weak self] port in self?.listening.withLock { $0 = port } })
        let task = Task { _ = try? await node.run() }
        self.node.withLock { $0 = task }
    }

    /// Goes offline: stops the node and waits until it has closed its connections.
    func disconnect() async {
        let task = node.withLock { task in defer { task = nil }; return task }
        task?.cancel()
        await task?.value
    }

    /// Edits the board and saves, as `tessera join` does for each command.
    @discardableResult
    func edit<R>(_ body: (LiveBoard) throws -> R) throws -> R {
        let result = try body(live)
        try stored.save(shared.document)
        return result
    }

    /// Stops and closes the store.
    func close() async {
        await disconnect()
        try? store.close()
    }
}

/// Whether every peer has the same version vector and board, and the relay room (if given)
/// the same version.
func converged(_ peers: [TestPeer], relay: TestRelay? = nil, room: String? = nil) async -> Bool {
    guard let first = peers.first else { return true }
    let version = first.version
    guard peers.allSatisfy({ $0.version == version }) else { return false }
    if let relay, let room {
        guard let host = await relay.server.registry.host(of: room), await host.version == version else { return false }
    }
    let state = first.shared.read { $0.materialize() }
    return peers.allSatisfy { $0.shared.read { $0.materialize() } == state }
}
