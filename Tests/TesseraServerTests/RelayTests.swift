import TesseraTestSupport
import Foundation
import Testing
import TesseraCanvas
import TesseraCore
import TesseraServer
import TesseraStore
import TesseraSync
import TesseraTransport

@Suite("Relay server", .serialized)
struct RelayTests {
    @Test("three peers and a relay edit one board concurrently, one offline for a while; all converge")
    func threePeersConverge() async throws {
        let directory = TemporaryDirectory()
        let relay = try await TestRelay.start(directory: directory.path)
        let url = relay.url("board")
        let peers = try ["Ada", "Grace", "Linus"].map {
            try TestPeer($0, room: "board", storePath: directory.file("\($0).sqlite"))
        }
        peers[0].connect([url])
        peers[1].connect([url])
        // Everyone edits at once; Linus is offline throughout.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, peer) in peers.enumerated() {
                group.addTask {
                    let note = try peer.edit { try $0.addShape(.sticky("\(peer.name)'s note", x: Double(index * 200), y: 0)) }
                    for step in 1...15 {
                        try peer.edit { try $0.update(note) { $0.y = Double(step * 10) } }
                        if step % 5 == 0 { try peer.edit { try $0.post("\(peer.name) at step \(step)") } }
                        try await Task.sleep(for: .milliseconds(3))
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(await eventually { await converged(Array(peers[0...1]), relay: relay, room: "board") })
        #expect(peers[2].version != peers[0].version)   // still offline

        peers[2].connect([url])
        #expect(await eventually { await converged(peers, relay: relay, room: "board") })
        for peer in peers {
            #expect(peer.board.shapeCount == 3)
            #expect(peer.board.messages.count == 9)
        }

        // A late joiner gets exactly what it lacks: every change once, nothing twice.
        let late = try TestPeer("Late", room: "board")
        let lacking = peers[0].shared.read { $0.changeCount } - late.shared.read { $0.changeCount }
        late.connect([url])
        #expect(await eventually { late.version == peers[0].version })
        let status = try #require(await late.host.connections.first)
        #expect(status.statistics.envelopesReceived == lacking)

        // Each store holds the converged board: reopen and compare.
        let expected = peers[0].shared.read { $0.materialize() }
        for peer in peers { await peer.close() }
        await late.close()
        for name in ["Ada", "Grace", "Linus"] {
            let store = try SQLiteStore(path: directory.file("\(name).sqlite"))
            #expect(try store.document("board").load().materialize() == expected)
            try store.close()
        }
        await relay.stop()
    }

    @Test("the relay stops gracefully and restarts mid-session; clients resume and lose nothing")
    func relayRestart() async throws {
        let directory = TemporaryDirectory()
        var relay = try await TestRelay.start(directory: directory.path)
        let port = relay.port
        let peers = try ["Ada", "Grace"].map { try TestPeer($0, room: "plan") }
        for peer in peers { peer.connect([relay.url("plan")]) }
        for (index, peer) in peers.enumerated() {
            try peer.edit { try $0.addShape(.rectangle(x: Double(index) * 100, y: 0, w: 80, h: 40, text: "before")) }
        }
        #expect(await eventually { await converged(peers, relay: relay, room: "plan") })

        // A client connected at shutdown is told why before the connection closes.
        let bystander = Task {
            try await rawWebSocket(relay.url("plan").syncURL) { outbound, messages in
                try await outbound.send(.hello(Hello(documentID: "plan", replica: .random(), version: VersionVector(), capabilities: [.presence])))
                for await _ in messages {}
            }
        }
        #expect(await eventually { await relay.server.registry.connectionCount == 3 })
        await relay.stop()
        #expect(try await bystander.value.errorCode == .goingAway)
        // Offline edits while the relay is down.
        for (index, peer) in peers.enumerated() {
            try peer.edit { try $0.addShape(.rectangle(x: Double(index) * 100, y: 100, w: 80, h: 40, text: "during")) }
            try peer.edit { try $0.post("\(peer.name) edited while the relay was down") }
        }
        relay = try await TestRelay.start(directory: directory.path, port: port)
        #expect(await eventually { await converged(peers, relay: relay, room: "plan") })
        #expect(peers[0].board.shapeCount == 4)
        #expect(peers[1].board.messages.count == 2)
        for peer in peers { await peer.close() }
        await relay.stop()
    }

    @Test("peers sync directly, with no relay: one listens, the others dial it")
    func peerToPeer() async throws {
        let ada = try TestPeer("Ada", room: "direct")
        ada.connect([], listen: 0)
        #expect(await eventually { ada.listeningPort != nil })
        let url = RoomURL(host: "127.0.0.1", port: try #require(ada.listeningPort), room: "direct")
        let grace = try TestPeer("Grace", room: "direct")
        let linus = try TestPeer("Linus", room: "direct")
        grace.connect([url])
        linus.connect([url])
        try grace.edit { try $0.addShape(.ellipse(x: 0, y: 0, w: 50, h: 50)) }
        try linus.edit { try $0.post("hello from Linus") }
        try ada.edit { try $0.addShape(.sticky("Ada", x: 100, y: 0)) }
        // Grace and Linus only reach each other through Ada's listener.
        #expect(await eventually { await converged([ada, grace, linus]) })
        #expect(grace.board.messages.first?.body == "hello from Linus")
        // Presence flows peer to peer too.
        #expect(await eventually { Set(await grace.host.presence.map(\.record.displayName)) == ["Ada", "Linus"] })
        for peer in [ada, grace, linus] { await peer.close() }
    }

    @Test("presence goes through the relay and a departure is announced")
    func presenceThroughRelay() async throws {
        let directory = TemporaryDirectory()
        let relay = try await TestRelay.start(directory: directory.path)
        let ada = try TestPeer("Ada", room: "room")
        let grace = try TestPeer("Grace", room: "room")
        ada.connect([relay.url("room")])
        grace.connect([relay.url("room")])
        #expect(await eventually { await ada.host.presence.map(\.record.displayName) == ["Grace"] })
        await grace.disconnect()
        #expect(await eventually { await ada.host.presence.isEmpty })
        await ada.close()
        await grace.close()
        await relay.stop()
    }

    @Test("an end-to-end encrypted room's relay store holds no plaintext shape or chat content")
    func encryptedRoomStoresNoPlaintext() async throws {
        let directory = TemporaryDirectory()
        let relay = try await TestRelay.start(directory: directory.path)
        let secret = RoomSecret()
        let key = RoomKey(secret: secret, documentID: "vault")
        let shapeMarker = "shape-text-\(UUID().uuidString)"
        let chatMarker = "chat-body-\(UUID().uuidString)"
        let ada = try TestPeer("Ada", room: "vault", roomKey: key)
        let grace = try TestPeer("Grace", room: "vault", roomKey: key)
        ada.connect([relay.url("vault")])
        grace.connect([relay.url("vault")])
        try ada.edit { try $0.addShape(.sticky(shapeMarker, x: 0, y: 0)) }
        try grace.edit { try $0.post(chatMarker) }
        #expect(await eventually { await converged([ada, grace], relay: relay, room: "vault") })
        #expect(grace.board.shapes.first?.text == shapeMarker)
        await ada.close()
        await grace.close()
        await relay.stop()

        let path = directory.file("tessera.sqlite")
        var bytes: [UInt8] = []
        for suffix in ["", "-wal", "-shm"] {
            if let data = FileManager.default.contents(atPath: path + suffix) { bytes += Array(data) }
        }
        #expect(bytes.count > 4096)
        #expect(!bytes.contains(bytes: Array(shapeMarker.utf8)))
        #expect(!bytes.contains(bytes: Array(chatMarker.utf8)))
        // The room's content is there, sealed: it opens with the key, and only with it.
        let store = try SQLiteStore(path: path)
        let record = try #require(try store.room("vault"))
        #expect(record.isSealed)
        let room = try store.openRoom(record)
        var document = Document()
        try document.apply(try room.envelopes.allEnvelopes.flatMap { try $0.open(with: key) })
        let board = try Board(document: document)
        #expect(board.shapes.map(\.text).contains(shapeMarker))
        #expect(board.messages.map(\.body).contains(chatMarker))
        for envelope in room.envelopes.allEnvelopes {
            #expect(envelope.header.isSealed)
            #expect(throws: EnvelopeError.self) { try envelope.open(with: nil) }
        }
        try store.close()
    }

    @Test("an in-process participant (a server-hosted agent, a JSON-channel bridge) joins a room through the registry")
    func inProcessParticipant() async throws {
        let directory = TemporaryDirectory()
        let relay = try await TestRelay.start(directory: directory.path)
        let ada = try TestPeer("Ada", room: "plan")
        ada.connect([relay.url("plan")], token: AccessToken("team"))
        try ada.edit { try $0.addShape(.sticky("from a remote client", x: 0, y: 0)) }

        let agent = LiveBoard(Board(origin: .agent("Tessa")))
        let host = SyncHost(
            source: SharedDocumentSource(agent.shared),
            configuration: SyncConfiguration(documentID: "plan", replica: agent.board.replica), role: .replica)
        let registry = relay.server.registry
        let link = Task {
            await host.maintainLink(backoff: Backoff(initial: .milliseconds(50))) { try await registry.attach(host, toRoom: "plan") }
        }
        let edits = Task { await host.forwardLocalChanges(of: agent.shared) }
        try agent.post("Hello from the agent", request: "req-1")
        #expect(await eventually { ada.board.messages.map(\.body) == ["Hello from the agent"] && agent.board.shapeCount == 1 })
        link.cancel()
        edits.cancel()
        await host.closeAll()
        await ada.close()
        await relay.stop()
    }
}
