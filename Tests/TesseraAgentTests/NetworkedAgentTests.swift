import Testing
import TesseraAgent
import TesseraCanvas
import TesseraCore
import TesseraSync

/// A person and an agent as real sync peers: each replica's `LiveBoard` is the source of a
/// TesseraSync room, frames travel over the in-memory network, presence is encoded and
/// carried by the protocol, and the agent's presence channel mirrors its room — the wiring
/// `tessera join --agent` does over WebSockets.
@Suite("Agent over the sync protocol")
struct NetworkedAgentTests {
    struct Peer {
        var board: LiveBoard
        var room: SyncRoom<SharedDocumentSource>
        var presence: LocalPresence
        var endpoint: InMemoryNetwork.Endpoint
        var sentVersion = VersionVector()
    }

    /// The network, the peers, and virtual time.
    struct World {
        var network = InMemoryNetwork(seed: 42, faults: InMemoryNetwork.Faults(minimumDelay: .milliseconds(1), maximumDelay: .milliseconds(5)))
        var now = SyncInstant.zero
        var peers: [Peer] = []

        mutating func add(_ board: LiveBoard, name: String, actor: Origin.Actor, endpoint: Int) {
            let replica = board.board.replica
            let room = SyncRoom(
                source: SharedDocumentSource(board.shared), configuration: SyncConfiguration(documentID: "room", replica: replica), role: .replica)
            peers.append(Peer(board: board, room: room, presence: LocalPresence(replica: replica, record: PresenceRecord(displayName: name, actor: actor), clock: 1),
                              endpoint: InMemoryNetwork.Endpoint(endpoint)))
        }

        mutating func connect(_ a: Int, _ b: Int) {
            guard let connection = network.connect(peers[a].endpoint, peers[b].endpoint, now: now) else { return }
            perform(peers[a].room.open(connection, now: now), from: a)
            perform(peers[b].room.open(connection, now: now), from: b)
        }

        mutating func publish(_ record: PresenceRecord, from index: Int) throws {
            let update = try peers[index].presence.update { $0 = record }
            perform(peers[index].room.publishPresence(update, now: now), from: index)
        }

        mutating func perform(_ actions: [RoomAction], from index: Int) {
            for action in actions {
                switch action.kind {
                case .send(let frame): network.send(frame, on: action.connection, from: peers[index].endpoint, now: now)
                case .close: network.close(action.connection, from: peers[index].endpoint, now: now)
                }
            }
        }

        /// Advances 10 ms of virtual time: local edits go out, frames arrive, timers fire.
        mutating func step() {
            now = now + .milliseconds(10)
            for index in peers.indices {
                let version = peers[index].board.shared.read { $0.version }
                if version != peers[index].sentVersion {
                    peers[index].sentVersion = version
                    perform(peers[index].room.localChangesAvailable(now: now), from: index)
                }
            }
            while let event = network.nextEvent(upTo: now) {
                switch event {
                case .frame(let frame, let connection, let endpoint):
                    guard let index = peers.firstIndex(where: { $0.endpoint == endpoint }) else { continue }
                    perform(peers[index].room.receive(frame, on: connection, now: now), from: index)
                case .closed(let connection, let endpoint):
                    guard let index = peers.firstIndex(where: { $0.endpoint == endpoint }) else { continue }
                    perform(peers[index].room.closed(connection, now: now), from: index)
                }
            }
            for index in peers.indices { perform(peers[index].room.tick(now: now), from: index) }
        }
    }

    @Test("a person files a request, the agent answers over the sync protocol, and presence shows it working")
    func answersOverTheProtocol() async throws {
        let base = Board(replica: ReplicaID(rawValue: 0xB0A2D)!, origin: .human("setup"))
        let ada = LiveBoard(base.fork(replica: ReplicaID(rawValue: 0xADA)!, origin: .human("Ada")))
        let agentBoard = LiveBoard(base.fork(replica: ReplicaID(rawValue: 0xA1)!, origin: .agent("agent")))
        let server = try await ScriptedModelServer.start(scripts: ["a1": [
            Replies.openAIStream(["Drawing "], calls: [.init("create_shape", ["kind": "ellipse", "x": 0, "y": 0, "w": 80, "h": 80, "text": "Sun"])],
                                 pause: .milliseconds(50)),
            Replies.openAIStream(["a ", "sun."], pause: .milliseconds(20)),
        ]])
        let channel = LocalPresenceChannel(replica: agentBoard.board.replica)
        let client = try makeClient(server, apiKey: "a1")
        let agent = AgentParticipant(
            board: agentBoard, identity: AgentIdentity(name: "Tessa"), model: client, presence: channel,
            settings: AgentScenarioTests.settings, clock: ManualClock())

        var world = World()
        world.add(ada, name: "Ada", actor: .human, endpoint: 0)
        world.add(agentBoard, name: "Tessa", actor: .agent, endpoint: 1)
        world.connect(0, 1)
        try world.publish(PresenceRecord(displayName: "Ada", status: .typing), from: 0)
        for _ in 0..<20 { world.step() }

        let request = try AgentRequests.file(prompt: "Draw a sun", author: Author(replica: ada.board.replica, name: "Ada"), in: ada)
        var sawWorking = false
        var steps = 0
        while AgentRequests.request(request, in: ada.board)?.status != .answered, steps < 2_000 {
            steps += 1
            world.step()
            channel.setParticipants(world.peers[1].room.presence.entries)
            await agent.tick()
            if let record = channel.lastPublished, record != world.peers[1].presence.record { try world.publish(record, from: 1) }
            if case .working? = world.peers[0].room.presence[agentBoard.board.replica]?.record.status { sawWorking = true }
            try await Task.sleep(for: .milliseconds(2))
        }
        await agent.waitUntilIdle()
        for _ in 0..<50 { world.step() }

        #expect(AgentRequests.request(request, in: ada.board)?.status == .answered)
        #expect(agentReplies(to: request, on: ada).map(\.body) == ["Drawing \n\na sun."])
        #expect(ada.shapes.contains { $0.kind == .ellipse && $0.text == "Sun" })
        #expect(sawWorking, "Ada saw the agent working through presence")
        let seen = try #require(world.peers[0].room.presence[agentBoard.board.replica]?.record)
        #expect(seen.actor == .agent)
        #expect(seen.displayName == "Tessa")
        // The agent saw Ada (typing) through its room's presence, and told the model.
        let system = server.received(apiKey: "a1").first?.body?["messages"]?.array?.first?["content"]?.string ?? ""
        #expect(system.contains("Ada, typing"))
        #expect(ada.board.document.materialize() == agentBoard.board.document.materialize())
        await agent.stop()
        await client.shutdown()
        await server.stop()
    }
}

/// The agent on the real async driver: its replica syncs through its own `SyncHost`,
/// connected in-process to a person's host, and its presence goes through the host — how a
/// server hosts an agent next to a room.
@Suite("Agent over SyncHost")
struct SyncHostAgentTests {
    @Test("a started agent with its own host answers a request filed on another replica and appears in that replica's presence")
    func agentOverHosts() async throws {
        let base = Board(replica: ReplicaID(rawValue: 0xB0A2D)!, origin: .human("setup"))
        let ada = LiveBoard(base.fork(replica: ReplicaID(rawValue: 0xADA)!, origin: .human("Ada")))
        let agentBoard = LiveBoard(base.fork(replica: ReplicaID(rawValue: 0xA1)!, origin: .agent("agent")))
        let adaHost = SyncHost(
            source: SharedDocumentSource(ada.shared), configuration: SyncConfiguration(documentID: "room", replica: ada.board.replica), role: .replica)
        let agentHost = SyncHost(
            source: SharedDocumentSource(agentBoard.shared), configuration: SyncConfiguration(documentID: "room", replica: agentBoard.board.replica),
            role: .replica)
        let (adaEnd, agentEnd) = InProcessConnection.pair()
        let links = Task {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { _ = await adaHost.serve(frames: adaEnd.frames, sink: adaEnd.sink) }
                group.addTask { _ = await agentHost.serve(frames: agentEnd.frames, sink: agentEnd.sink) }
                group.addTask { await adaHost.forwardLocalChanges(of: ada.shared) }
                group.addTask { await agentHost.forwardLocalChanges(of: agentBoard.shared) }
            }
        }
        let server = try await ScriptedModelServer.start(scripts: ["a1": [
            Replies.openAIStream([], calls: [.init("create_shape", ["kind": "diamond", "x": 0, "y": 0, "w": 60, "h": 60, "text": "Decide"])]),
            Replies.openAIStream(["Added ", "a decision."]),
        ]])
        let client = try makeClient(server, apiKey: "a1")
        let agent = AgentParticipant(
            board: agentBoard, identity: AgentIdentity(name: "Tessa"), model: client, presence: SyncHostPresenceChannel(host: agentHost),
            settings: AgentScenarioTests.settings)
        await agent.start()
        var adaPresence = LocalPresence(replica: ada.board.replica, record: PresenceRecord(displayName: "Ada"), clock: 1)
        await adaHost.publishPresence(try adaPresence.refresh())

        let request = try AgentRequests.file(prompt: "Add a decision", author: Author(replica: ada.board.replica, name: "Ada"), in: ada)
        let answered = await eventually { AgentRequests.request(request, in: ada.board)?.status == .answered }
        #expect(answered)
        let replied = await eventually { agentReplies(to: request, on: ada).map(\.body) == ["Added a decision."] }
        #expect(replied)
        #expect(ada.shapes.contains { $0.kind == .diamond && $0.text == "Decide" })
        let seen = await eventually { await adaHost.presence.contains { $0.replica == agent.replica && $0.record.actor == .agent } }
        #expect(seen, "Ada's replica sees the agent through presence")
        // Ada announces herself again: under a loaded test run the first announcement can
        // outlive its presence timeout before this point.
        await adaHost.publishPresence(try adaPresence.refresh())
        let seesAda = await eventually { await agentHost.presence.contains { $0.replica == ada.board.replica } }
        #expect(seesAda, "the agent sees Ada")
        await agent.stop()
        links.cancel()
        await client.shutdown()
        await server.stop()
    }
}
