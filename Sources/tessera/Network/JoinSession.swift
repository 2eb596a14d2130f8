import Foundation
import Logging
import TesseraAgent
import TesseraCanvas
import TesseraCore
import TesseraStore
import TesseraSync
import TesseraTransport

/// The state of one `tessera join`: the store, the live board and the sync host, and the
/// handling of each command line.
actor JoinSession {
    let room: String
    nonisolated let shared: SharedDocument
    nonisolated let host: SyncHost<PersistentDocumentSource>
    private let store: SQLiteStore
    private let stored: StoredDocument
    private let live: LiveBoard
    private let name: String
    private var hasLinks: Bool
    private var listeningPort: Int?
    private var agent: HostedAgent?

    init(room: String, name: String, storePath: String, roomKey: RoomKey?, hasLinks: Bool, logger: Logger) throws {
        self.room = room
        self.name = name
        self.hasLinks = hasLinks
        store = try SQLiteStore(path: storePath)
        stored = try store.document(room)
        let document = try stored.load(origin: .human(name))
        shared = SharedDocument(document)
        live = try LiveBoard(shared)
        // The board's roots (written on first use) are saved before anything can be sent.
        try stored.save(shared.document)
        var capabilities: Capabilities = [.presence]
        if roomKey != nil { capabilities.insert(.sealed) }
        let configuration = SyncConfiguration.webSocket(documentID: room, replica: stored.replica, capabilities: capabilities)
        host = SyncHost(
            source: PersistentDocumentSource(shared, stored: stored, roomKey: roomKey), configuration: configuration,
            role: .replica, roomKey: roomKey)
        logger.info("opened store", metadata: ["replica": "\(stored.replica)", "path": "\(storePath)"])
    }

    nonisolated func close() throws {
        try store.close()
    }

    func listening(on port: Int) {
        listeningPort = port
    }

    /// Creates the AI participant of `--agent`: a replica of its own, forked from this one
    /// (so it starts with everything this peer has), to be linked to ``host`` in-process.
    func hostAgent(identity: AgentIdentity, model: any ChatModel, roomKey: RoomKey?, logger: Logger) -> HostedAgent {
        let agent = HostedAgent(room: room, seed: live.board, identity: identity, model: model, roomKey: roomKey, logger: logger)
        self.agent = agent
        hasLinks = true
        return agent
    }

    // MARK: - Commands

    /// Runs one command line and returns its result line.
    func handle(_ line: String) async -> String {
        let request: CommandRequest
        do throws(CommandError) {
            request = try CommandRequest(jsonLine: line)
        } catch {
            return Self.failure(error.json)
        }
        if request.tool == "sync_status" { return Self.success(await status()) }
        let agentCommand: AgentCommand?
        do throws(CommandError) {
            agentCommand = try AgentCommand(request)
        } catch {
            return Self.failure(error.json)
        }
        if let agentCommand {
            let (stored, shared, host) = (self.stored, self.shared, self.host)
            do throws(CommandError) {
                // Saved and handed to sync before any waiting, so the request reaches the room.
                return Self.success(try await agentCommand.execute(on: live, as: Author(replica: stored.replica, name: name)) {
                    try stored.save(shared.document)
                    await host.localChangesAvailable()
                })
            } catch {
                return Self.failure(error.json)
            }
        }
        let result: JSONValue
        do throws(CommandError) {
            let command = try CanvasCommand(request)
            result = try live.execute(command)
        } catch {
            return Self.failure(error.json)
        }
        do {
            // Durable before the result is printed: a crash after this line loses nothing.
            try stored.save(shared.document)
        } catch {
            return Self.failure(CommandError("the edit was made but could not be saved: \(error)", tool: request.tool).json)
        }
        await host.localChangesAvailable()
        return Self.success(result)
    }

    static func success(_ result: JSONValue) -> String {
        JSONValue.object(["ok": .bool(true), "result": result]).serialized
    }

    static func failure(_ error: JSONValue) -> String {
        JSONValue.object(["ok": .bool(false), "error": error]).serialized
    }

    // MARK: - Status

    /// Versions, connections and presence, as JSON.
    func status() async -> JSONValue {
        let version = await host.version
        let connections = await host.connections
        let present = await host.presence
        let synced = !connections.isEmpty && connections.allSatisfy { $0.peer != nil && $0.peerVersion.dominates(version) }
        return [
            "room": .string(room),
            "replica": .string("\(stored.replica)"),
            "version": Self.json(version),
            "saved": Self.json(stored.savedVersion),
            "shapes": .number(Double(live.board.shapeCount)),
            "messages": .number(Double(live.board.messages.count)),
            "connections": .array(connections.map { connection -> JSONValue in
                [
                    "peer": connection.peer.map { .string("\($0.replica)") } ?? .null,
                    "relay": .bool(connection.peer?.capabilities.contains(.relay) ?? false),
                    "peerVersion": Self.json(connection.peerVersion),
                ]
            }),
            "present": .array(present.map { entry -> JSONValue in
                ["replica": .string("\(entry.replica)"), "name": .string(entry.record.displayName)]
            }),
            "listening": listeningPort.map { JSONValue.number(Double($0)) } ?? .null,
            "agent": agent.map { JSONValue.string("\($0.replica)") } ?? .null,
            "synced": .bool(synced),
        ]
    }

    static func json(_ version: VersionVector) -> JSONValue {
        .object(Dictionary(uniqueKeysWithValues: version.entries.map { ("\($0.replica)", JSONValue.number(Double($0.counter))) }))
    }

    /// Waits until every connected peer has acknowledged everything this replica has, or
    /// `timeout` passes; returns at once when the replica has no links.
    func waitUntilSynced(timeout: Duration) async {
        guard hasLinks else { return }
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let version = await host.version
            let connections = await host.connections
            if !connections.isEmpty, connections.allSatisfy({ $0.peer != nil && $0.peerVersion.dominates(version) }) { return }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }
}
