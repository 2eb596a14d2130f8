import Testing
import TesseraAgent
import TesseraCanvas
import TesseraCore
import TesseraSync

/// End to end: people's replicas, agent replicas with their own IDs and presence, a real
/// HTTP model server replaying scripts, and sync by merging replicas.
@Suite("Agent scenarios", .serialized)
struct AgentScenarioTests {
    /// Settings for tests: presence is trusted at once (the test controls it).
    static let settings = AgentSettings(
        maximumRounds: 6, election: ElectionPolicy(leaseDuration: .seconds(30), renewalInterval: .seconds(10), claimStagger: .seconds(5), presenceGrace: .zero))

    /// One agent: its replica's board, presence channel, client and participant.
    struct Agent {
        var board: LiveBoard
        var presence: LocalPresenceChannel
        var client: ChatCompletionsClient
        var participant: AgentParticipant
        var replica: ReplicaID { participant.replica }

        init(_ board: LiveBoard, name: String = "Tessa", client: ChatCompletionsClient, clock: ManualClock, settings: AgentSettings = AgentScenarioTests.settings) {
            self.board = board
            presence = LocalPresenceChannel(replica: board.board.replica)
            self.client = client
            participant = AgentParticipant(board: board, identity: AgentIdentity(name: name), model: client, presence: presence, settings: settings, clock: clock)
        }

        func run() async {
            await participant.tick()
            await participant.waitUntilIdle()
        }

        func shutdown() async {
            await participant.stop()
            await client.shutdown()
        }
    }

    static func shapes(of board: LiveBoard, text: String) -> [Shape] { board.shapes.filter { $0.text == text } }

    // MARK: - Concurrent edits

    @Test("two people and the agent edit the same shape concurrently: every edit survives, per property")
    func concurrentEditsSurvive() async throws {
        let room = Room()
        let ada = room.person("Ada", replica: 0xADA)
        let grace = room.person("Grace", replica: 0x6ACE)
        let note = try ada.addShape(.sticky("Ship v1", x: 40, y: 40))
        let agentBoard = room.agentBoard(replica: 0xA1)
        try Room.sync([ada, grace, agentBoard])

        let request = try AgentRequests.file(prompt: "Make the note say Ship v2 and fade it a little", author: Author(replica: ada.board.replica, name: "Ada"), in: ada)
        try Room.deliver(from: ada, to: agentBoard)
        let server = try await ScriptedModelServer.start(scripts: ["a1": [
            Replies.openAIStream([], calls: [.init("update_shape", ["id": .string(note.rawValue), "text": "Ship v2", "opacity": 0.5])]),
            Replies.openAIStream(["Updated ", "the note."]),
        ]])
        let clock = ManualClock()
        let agent = Agent(agentBoard, client: try makeClient(server, apiKey: "a1"), clock: clock)
        announce([(ada.board.replica, PresenceRecord(displayName: "Ada")), (grace.board.replica, PresenceRecord(displayName: "Grace", status: .typing))], to: [agent.presence])

        // Meanwhile, offline from the agent: Ada moves the note, Grace recolours it.
        try ada.update(note) { $0.x = 500 }
        try grace.update(note) { $0.fill = try? Color(hex: "#a5d8ff") }
        await agent.run()
        try Room.sync([ada, grace, agentBoard])

        for board in [ada, grace, agentBoard] {
            let shape = try #require(board.shape(note))
            #expect(shape.x == 500, "Ada's move")
            #expect(shape.fill?.hex == "#a5d8ff", "Grace's colour")
            #expect(shape.text == "Ship v2", "the agent's text")
            #expect(shape.opacity == 0.5, "the agent's opacity")
        }
        #expect(ada.board.document.materialize() == agentBoard.board.document.materialize())
        #expect(grace.board.document.materialize() == agentBoard.board.document.materialize())
        // Attribution: the agent's edit names the request and the person it acted for.
        let writer = try #require(try ada.board.writer(of: .opacity, of: note))
        #expect(writer.origin == .agent("Tessa@\(agent.replica)", request: request.rawValue, onBehalfOf: "Ada"))
        // The reply streamed into one message that answers Ada's question.
        let stored = try #require(AgentRequests.request(request, in: ada.board))
        #expect(stored.status == .answered)
        let replies = agentReplies(to: request, on: ada)
        #expect(replies.map(\.body) == ["Updated the note."])
        #expect(replies.first?.replyTo == stored.message)
        #expect(replies.first?.author == Author(replica: agent.replica, name: "Tessa", actor: .agent))
        #expect(stored.answerMessage == replies.first?.id)
        // The model saw who is present, the chat and the shape.
        let system = server.received(apiKey: "a1").first?.body?["messages"]?.array?.first?["content"]?.string ?? ""
        #expect(system.contains("Grace, typing"))
        #expect(system.contains("Welcome to the board"))
        #expect(system.contains(note.rawValue) && system.contains("\"Ship v1\""))
        // Presence: the cursor is on the shape it touched, and it is idle again.
        let record = try #require(agent.presence.lastPublished)
        #expect(record.cursor == .shape(note.rawValue))
        #expect(record.status == .idle)
        #expect(record.actor == .agent)
        await agent.shutdown()
        await server.stop()
    }

    // MARK: - Started

    @Test("a started agent answers by itself when a request arrives by sync, and shows its work in presence")
    func startedAgentAnswersOnItsOwn() async throws {
        let room = Room()
        let ada = room.person("Ada", replica: 0xADA)
        let agentBoard = room.agentBoard(replica: 0xA1)
        let server = try await ScriptedModelServer.start(scripts: ["a1": [
            Replies.openAIStream([], calls: [.init("create_shape", ["kind": "text", "x": 10, "y": 10, "text": "Hello"])]),
            Replies.openAIStream(["Hello ", "there."]),
        ]])
        let agent = Agent(agentBoard, client: try makeClient(server, apiKey: "a1"), clock: ManualClock())
        var published = agent.presence.published.makeAsyncIterator()
        await agent.participant.start()
        let request = try AgentRequests.file(prompt: "Say hello on the canvas", author: Author(replica: ada.board.replica, name: "Ada"), in: ada)
        try Room.deliver(from: ada, to: agentBoard)
        let answered = await eventually { AgentRequests.request(request, in: agentBoard.board)?.status == .answered }
        #expect(answered)
        try Room.sync([ada, agentBoard])
        #expect(agentReplies(to: request, on: ada).map(\.body) == ["Hello there."])
        let hello = try #require(Self.shapes(of: ada, text: "Hello").first?.id)
        await agent.shutdown()
        var records: [PresenceRecord] = []
        while records.last?.status != .away, let record = await published.next() { records.append(record) }
        #expect(records.first?.status == .idle)
        #expect(records.contains { $0.status == .working(on: "\"Say hello on the canvas\"") })
        #expect(records.contains { $0.status == .idle && $0.cursor == .shape(hello.rawValue) })
        #expect(records.last?.status == .away)
        await server.stop()
    }

    // MARK: - Failover

    @Test("the elected replica dies mid-request; the next elected takes over and the document ends with one answer")
    func failoverAfterCrash() async throws {
        let room = Room()
        let ada = room.person("Ada", replica: 0xADA)
        let boardA = room.agentBoard(replica: 0xA1)
        let boardB = room.agentBoard(replica: 0xB2)
        try Room.sync([ada, boardA, boardB])
        let request = try AgentRequests.file(prompt: "Add a note for the release", author: Author(replica: ada.board.replica, name: "Ada"), in: ada)
        try Room.sync([ada, boardA, boardB])
        let order = RelayElection.ranking(of: [boardA.board.replica, boardB.board.replica], for: request)
        let firstBoard = order[0] == boardA.board.replica ? boardA : boardB
        let secondBoard = firstBoard === boardA ? boardB : boardA

        let server = try await ScriptedModelServer.start(scripts: [
            "first": [
                Replies.openAIStream([], calls: [.init("create_shape", ["kind": "sticky", "x": 0, "y": 0, "text": "Draft"])]),
                .events([.data(#"{"choices":[{"index":0,"delta":{"content":"Almost th"}}]}"#), .pause(.seconds(30))], headers: [:]),
            ],
            "second": [
                Replies.openAIStream([], calls: [.init("create_shape", ["kind": "sticky", "x": 0, "y": 0, "text": "Release notes"])]),
                Replies.openAIStream(["Added the release note."]),
            ],
        ])
        let clock = ManualClock()
        let first = Agent(firstBoard, name: "Tessa", client: try makeClient(server, apiKey: "first"), clock: clock)
        let second = Agent(secondBoard, name: "Tessa", client: try makeClient(server, apiKey: "second"), clock: clock)
        announce([(first.replica, agentRecord("Tessa")), (second.replica, agentRecord("Tessa"))], to: [first.presence, second.presence])

        // The second agent waits: the first holds the request.
        await second.participant.tick()
        #expect(await second.participant.runningRequests.isEmpty)
        await first.participant.tick()
        #expect(await first.participant.runningRequests == [request])
        let streaming = await eventually { agentReplies(to: request, on: firstBoard).first?.body == "Almost th" }
        #expect(streaming, "the first agent's reply streams in")
        #expect(first.presence.lastPublished?.status == .working(on: "\"Add a note for the release\""))
        // Everything it did so far reaches the room; then it dies (and nothing more leaves it).
        try Room.sync([ada, firstBoard, secondBoard])
        #expect(Self.shapes(of: ada, text: "Draft").count == 1)
        #expect(AgentRequests.request(request, in: ada.board)?.status == .claimed)
        second.presence.remove(first.replica)
        await first.shutdown()
        // Stopped, not failed: a stopped agent takes back its own edits (nothing leaves it now).
        #expect(AgentRequests.request(request, in: firstBoard.board)?.status == .claimed)
        #expect(agentReplies(to: request, on: firstBoard).isEmpty)
        #expect(Self.shapes(of: firstBoard, text: "Draft").isEmpty)

        clock.advance(by: .seconds(1))
        await second.run()
        try Room.sync([ada, secondBoard])

        let stored = try #require(AgentRequests.request(request, in: ada.board))
        #expect(stored.status == .answered)
        #expect(stored.claim?.replica == second.replica && stored.claim?.attempt == 2)
        #expect(stored.answers.map(\.replica) == [second.replica])
        let replies = agentReplies(to: request, on: ada)
        #expect(replies.count == 1, "one answer in the final document")
        #expect(replies.first?.body == "Added the release note.")
        #expect(replies.first?.author.replica == second.replica)
        #expect(Self.shapes(of: ada, text: "Draft").isEmpty, "the dead attempt's edits were taken back")
        #expect(Self.shapes(of: ada, text: "Release notes").count == 1)
        #expect(ada.board.document.materialize() == secondBoard.board.document.materialize())
        await second.shutdown()
        await server.stop()
    }

    // MARK: - Partition

    @Test("two partitioned agents both answer; after the merge exactly one answer remains on every replica")
    func partitionedAnswersResolve() async throws {
        let room = Room()
        let ada = room.person("Ada", replica: 0xADA)
        let target = try ada.addShape(.rectangle(x: 0, y: 0, w: 100, h: 60, text: "Status"))
        let boardA = room.agentBoard(replica: 0xA1)
        let boardB = room.agentBoard(replica: 0xB2)
        try Room.sync([ada, boardA, boardB])
        let request = try AgentRequests.file(prompt: "Colour the status box", author: Author(replica: ada.board.replica, name: "Ada"), in: ada)
        try Room.deliver(from: ada, to: boardA)
        try Room.deliver(from: ada, to: boardB)
        let order = RelayElection.ranking(of: [boardA.board.replica, boardB.board.replica], for: request)
        let winnerBoard = order[0] == boardA.board.replica ? boardA : boardB
        let loserBoard = winnerBoard === boardA ? boardB : boardA

        // The loser writes the colour last (after adding its note), so its write has the higher
        // Lamport time and wins the register: the merge alone would show the wrong answer's colour.
        let server = try await ScriptedModelServer.start(scripts: [
            "winner": [
                Replies.openAIStream([], calls: [.init("update_shape", ["id": .string(target.rawValue), "fill": "#2f9e44"]),
                                                 .init("create_shape", ["kind": "sticky", "x": 200, "y": 0, "text": "Winner's note"])]),
                Replies.openAIStream(["Made it green."]),
            ],
            "loser": [
                Replies.openAIStream([], calls: [.init("create_shape", ["kind": "sticky", "x": 400, "y": 0, "text": "Loser's note"]),
                                                 .init("create_shape", ["kind": "text", "x": 400, "y": 300, "text": "Legend"]),
                                                 .init("update_shape", ["id": .string(target.rawValue), "fill": "#e03131"])]),
                Replies.openAIStream(["Made it red."]),
            ],
        ])
        let clock = ManualClock()
        let winner = Agent(winnerBoard, client: try makeClient(server, apiKey: "winner"), clock: clock)
        let loser = Agent(loserBoard, client: try makeClient(server, apiKey: "loser"), clock: clock)
        // Partitioned: each sees only itself, so each is elected on its side.
        await winner.run()
        await loser.run()
        #expect(agentReplies(to: request, on: winnerBoard).count == 1)
        #expect(agentReplies(to: request, on: loserBoard).count == 1)

        // The partition heals.
        try Room.sync([ada, winnerBoard, loserBoard])
        announce([(winner.replica, agentRecord("Tessa")), (loser.replica, agentRecord("Tessa"))], to: [winner.presence, loser.presence])
        let merged = try #require(AgentRequests.request(request, in: ada.board))
        #expect(merged.answers.count == 2, "both answers are visible after the merge")
        #expect(merged.keptAnswer?.replica == winner.replica)
        #expect(ada.shape(target)?.fill?.hex == "#e03131", "precondition: the discarded answer won the register")
        #expect(agentReplies(to: request, on: ada).count == 2)

        for _ in 0..<2 {
            await loser.run()
            await winner.run()
            try Room.sync([ada, winnerBoard, loserBoard])
        }
        for board in [ada, winnerBoard, loserBoard] {
            let replies = agentReplies(to: request, on: board)
            #expect(replies.map(\.body) == ["Made it green."], "exactly one answer remains")
            #expect(replies.first?.author.replica == winner.replica)
            #expect(board.shape(target)?.fill?.hex == "#2f9e44", "the kept answer's colour")
            #expect(Self.shapes(of: board, text: "Winner's note").count == 1)
            #expect(Self.shapes(of: board, text: "Loser's note").isEmpty)
            #expect(Self.shapes(of: board, text: "Legend").isEmpty)
            let stored = try #require(AgentRequests.request(request, in: board.board))
            #expect(stored.status == .answered)
            #expect(stored.answerMessage == replies.first?.id)
        }
        #expect(ada.board.document.materialize() == winnerBoard.board.document.materialize())
        #expect(ada.board.document.materialize() == loserBoard.board.document.materialize())
        await winner.shutdown()
        await loser.shutdown()
        await server.stop()
    }

    @Test("when neither answering replica is left, the agent elected for the request discards the answer that does not count")
    func thirdAgentCleansUp() async throws {
        let room = Room()
        let ada = room.person("Ada", replica: 0xADA)
        let boards = [room.agentBoard(replica: 0xA1), room.agentBoard(replica: 0xB2), room.agentBoard(replica: 0xC3)]
        try Room.sync([ada] + boards)
        let request = try AgentRequests.file(prompt: "Add a title", author: Author(replica: ada.board.replica, name: "Ada"), in: ada)
        try Room.sync([ada] + boards)
        let server = try await ScriptedModelServer.start(scripts: [
            "0": [Replies.openAIStream([], calls: [.init("create_shape", ["kind": "text", "x": 0, "y": 0, "text": "Title A"])]), Replies.openAIStream(["A."])],
            "1": [Replies.openAIStream([], calls: [.init("create_shape", ["kind": "text", "x": 0, "y": 0, "text": "Title B"])]), Replies.openAIStream(["B."])],
        ])
        let clock = ManualClock()
        let a = Agent(boards[0], client: try makeClient(server, apiKey: "0"), clock: clock)
        let b = Agent(boards[1], client: try makeClient(server, apiKey: "1"), clock: clock)
        // Partitioned, both answer; then both go away for good.
        await a.run()
        await b.run()
        await a.shutdown()
        await b.shutdown()
        try Room.sync([ada] + boards)
        #expect(agentReplies(to: request, on: ada).count == 2)
        let kept = try #require(AgentRequests.request(request, in: ada.board)?.keptAnswer)

        let c = Agent(boards[2], client: try makeClient(server, apiKey: "2"), clock: clock)
        await c.run()
        try Room.sync([ada, boards[2]])
        let replies = agentReplies(to: request, on: ada)
        #expect(replies.count == 1)
        #expect(replies.first?.author.replica == kept.replica)
        #expect(Self.shapes(of: ada, text: kept.replica == a.replica ? "Title B" : "Title A").isEmpty)
        #expect(Self.shapes(of: ada, text: kept.replica == a.replica ? "Title A" : "Title B").count == 1)
        #expect(server.received(apiKey: "2").isEmpty, "the third agent did not run the answered request")
        await c.shutdown()
        await server.stop()
    }

    // MARK: - Invalid calls

    @Test("invalid arguments are answered with what was wrong, and the model corrects itself within the round limit")
    func modelCorrectsItself() async throws {
        let room = Room()
        let ada = room.person("Ada", replica: 0xADA)
        let agentBoard = room.agentBoard(replica: 0xA1)
        try Room.sync([ada, agentBoard])
        let request = try AgentRequests.file(prompt: "Add a red box", author: Author(replica: ada.board.replica, name: "Ada"), in: ada)
        try Room.deliver(from: ada, to: agentBoard)
        let server = try await ScriptedModelServer.start(scripts: ["a1": [
            Replies.openAIStream([], calls: [.init("create_shape", #"{"kind": "rectangle", "x": 10,"#)]),
            Replies.openAIStream([], calls: [.init("update_shape", ["id": "99@00000000deadbeef", "fill": "#ff0000"])]),
            Replies.ollamaStream("", calls: [.init("create_shape", ["kind": "rectangle", "x": 10, "y": 20, "w": "wide"])]),
            Replies.openAIStream([], calls: [.init("paint_shape", ["color": "red"])]),
            Replies.openAIStream([], calls: [.init("create_shape", ["kind": "rectangle", "x": 10, "y": 20, "w": 120, "h": 80, "fill": "#e03131"])]),
            Replies.openAIStream(["Added a red box."]),
        ]])
        let agent = Agent(agentBoard, client: try makeClient(server, apiKey: "a1"), clock: ManualClock())
        await agent.run()

        let calls = server.received(apiKey: "a1")
        #expect(calls.count == 6)
        func lastToolResult(_ index: Int) -> JSONValue? {
            guard let text = calls[index].body?["messages"]?.array?.last?["content"]?.string else { return nil }
            return try? JSONValue(parsing: text)
        }
        #expect(lastToolResult(1)?["error"]?.string?.contains("not valid JSON") == true)
        #expect(lastToolResult(1)?["tool"]?.string == "create_shape")
        #expect(lastToolResult(2)?["error"]?.string?.contains("no shape with id") == true)
        #expect(lastToolResult(3)?["field"]?.string == "w")
        #expect(lastToolResult(4)?["error"]?.string?.contains("unknown tool") == true)
        #expect(lastToolResult(5)?["id"]?.string != nil)
        let boxes = agentBoard.shapes.filter { $0.kind == .rectangle }
        #expect(boxes.count == 1)
        #expect(boxes.first?.fill?.hex == "#e03131")
        let stored = try #require(AgentRequests.request(request, in: agentBoard.board))
        #expect(stored.status == .answered)
        #expect(agentReplies(to: request, on: agentBoard).map(\.body) == ["Added a red box."])
        await agent.shutdown()
        await server.stop()
    }

    @Test("a model that never gets its call right stops at the round limit with a failure in the chat")
    func roundLimit() async throws {
        let room = Room()
        let agentBoard = room.agentBoard(replica: 0xA1)
        let request = try AgentRequests.file(prompt: "Delete the ghost", author: Author(replica: nil, name: "Ada"), in: agentBoard)
        let wrong = Replies.openAIStream([], calls: [.init("delete_shape", ["id": "1@00000000000000ff"])])
        let server = try await ScriptedModelServer.start(scripts: ["a1": [wrong, wrong, wrong, wrong]])
        var settings = Self.settings
        settings.maximumRounds = 3
        let agent = Agent(agentBoard, client: try makeClient(server, apiKey: "a1"), clock: ManualClock(), settings: settings)
        await agent.run()
        #expect(server.received(apiKey: "a1").count == 3)
        let stored = try #require(AgentRequests.request(request, in: agentBoard.board))
        #expect(stored.status == .failed)
        #expect(stored.error?.contains("3 rounds") == true)
        #expect(agentReplies(to: request, on: agentBoard).first?.body.contains("stopped after 3 rounds") == true)
        await agent.shutdown()
        await server.stop()
    }

    // MARK: - Unreachable model

    @Test("an unreachable model ends the request with a clear failure in the chat; a retry goes to an agent whose model works")
    func unreachableThenRetried() async throws {
        let room = Room()
        let ada = room.person("Ada", replica: 0xADA)
        let request = try AgentRequests.file(prompt: "Summarise the board", author: Author(replica: ada.board.replica, name: "Ada"), in: ada)
        // The agent elected first for this request is the one whose model is down.
        let replicas: [UInt64] = [0xA1, 0xB2]
        let order = RelayElection.ranking(of: replicas.compactMap(ReplicaID.init(rawValue:)), for: request)
        let downBoard = room.agentBoard(replica: order[0].rawValue)
        let upBoard = room.agentBoard(replica: order[1].rawValue)
        try Room.sync([ada, downBoard, upBoard])
        let port = try await ScriptedModelServer.unusedPort()
        let downClient = try ChatCompletionsClient(configuration: ModelConfiguration(
            baseURL: "http://127.0.0.1:\(port)/v1", model: "m", connectTimeout: .seconds(2), retry: testRetryPolicy))
        let server = try await ScriptedModelServer.start(scripts: ["up": [Replies.openAIStream(["The board has one welcome message."])]])
        let clock = ManualClock()
        let down = Agent(downBoard, client: downClient, clock: clock)
        let up = Agent(upBoard, client: try makeClient(server, apiKey: "up"), clock: clock)
        announce([(down.replica, agentRecord("Tessa")), (up.replica, agentRecord("Tessa"))], to: [down.presence, up.presence])

        await up.run()
        await down.run()
        try Room.sync([ada, downBoard, upBoard])
        var stored = try #require(AgentRequests.request(request, in: ada.board))
        #expect(stored.status == .failed)
        #expect(stored.error?.contains("could not be reached (connection refused) after 3 attempts") == true)
        let failure = try #require(agentReplies(to: request, on: ada).first)
        #expect(failure.body.hasPrefix("I could not answer: the model server at http://127.0.0.1:\(port)/v1/chat/completions could not be reached"))
        #expect(failure.body.hasSuffix("You can retry the request."))
        // The failed agent steps aside: it shows as away.
        #expect(down.presence.lastPublished?.status == .away)
        await up.run()
        #expect(AgentRequests.request(request, in: upBoard.board)?.status == .failed, "a failed request waits for a retry")

        try AgentRequests.retry(request, in: ada, at: clock.now())
        #expect(throws: AgentError.self) { try AgentRequests.retry(request, in: ada) }
        try Room.sync([ada, downBoard, upBoard])
        if let away = down.presence.lastPublished { up.presence.merge(away, of: down.replica, clock: 2) }
        await down.run()
        await up.run()
        try Room.sync([ada, downBoard, upBoard])

        stored = try #require(AgentRequests.request(request, in: ada.board))
        #expect(stored.status == .answered)
        #expect(stored.error == nil)
        #expect(stored.claim?.replica == up.replica && stored.claim?.attempt == 2)
        #expect(agentReplies(to: request, on: ada).map(\.body) == ["The board has one welcome message."], "the failed attempt's reply was replaced")
        await down.shutdown()
        await up.shutdown()
        await server.stop()
    }

    // MARK: - Rejecting

    @Test("rejecting a request restores the shapes it changed and keeps a person's later edit")
    func rejectRestoresButKeepsLaterHumanEdits() async throws {
        let room = Room()
        let ada = room.person("Ada", replica: 0xADA)
        let grace = room.person("Grace", replica: 0x6ACE)
        let note = try ada.addShape(.sticky("Backlog", x: 40, y: 40))
        let old = try ada.addShape(.rectangle(x: 300, y: 40, w: 100, h: 60, text: "Old"))
        let agentBoard = room.agentBoard(replica: 0xA1)
        try Room.sync([ada, grace, agentBoard])
        let request = try AgentRequests.file(prompt: "Tidy up", author: Author(replica: ada.board.replica, name: "Ada"), in: ada)
        try Room.deliver(from: ada, to: agentBoard)
        let server = try await ScriptedModelServer.start(scripts: ["a1": [
            Replies.openAIStream([], calls: [
                .init("update_shape", ["id": .string(note.rawValue), "x": 400, "fill": "#ffc9c9"]),
                .init("delete_shape", ["id": .string(old.rawValue)]),
                .init("create_shape", ["kind": "frame", "x": 0, "y": 0, "w": 800, "h": 600, "text": "Sprint"]),
            ]),
            Replies.openAIStream(["Tidied."]),
        ]])
        let agent = Agent(agentBoard, client: try makeClient(server, apiKey: "a1"), clock: ManualClock())
        await agent.run()
        try Room.sync([ada, grace, agentBoard])
        #expect(ada.shape(note)?.x == 400)
        #expect(ada.shape(old) == nil)
        #expect(Self.shapes(of: ada, text: "Sprint").count == 1)

        // Later, Grace recolours the note the AI moved.
        try grace.update(note) { $0.fill = .green }
        try Room.sync([ada, grace, agentBoard])

        try ada.rejectRequest(request)
        try Room.sync([ada, grace, agentBoard])
        await agent.run()
        try Room.sync([ada, grace, agentBoard])

        for board in [ada, grace, agentBoard] {
            let shape = try #require(board.shape(note))
            #expect(shape.x == 40, "the AI's move is undone")
            #expect(shape.fill == .green, "Grace's later edit stays")
            #expect(board.shape(old)?.text == "Old", "the shape the AI deleted is back")
            #expect(Self.shapes(of: board, text: "Sprint").isEmpty, "the shape the AI added is gone")
            #expect(agentReplies(to: request, on: board).isEmpty)
            #expect(AgentRequests.request(request, in: board.board)?.status == .rejected)
        }
        #expect(ada.board.document.materialize() == agentBoard.board.document.materialize())
        #expect(server.received(apiKey: "a1").count == 2, "a rejected request is not run again")
        await agent.shutdown()
        await server.stop()
    }
}
