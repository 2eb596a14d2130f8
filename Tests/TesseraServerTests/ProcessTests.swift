import TesseraTestSupport
import Foundation
import Testing
import TesseraCanvas
import TesseraCore
import TesseraStore
import TesseraSync

/// The real thing: `tessera serve` and `tessera join` as processes, killed with SIGKILL.
@Suite("tessera processes", .serialized)
struct ProcessTests {
    /// Starts `tessera serve` on `port` (0: a free one) and returns it with its bound port.
    private func serve(_ directory: TemporaryDirectory, data: String, port: Int = 0) async throws -> (TesseraProcess, Int) {
        let relay = try TesseraProcess(
            ["serve", "--port", "\(port)", "--data", data, "--log-level", "warning"], stderrPath: directory.file("relay-\(UUID()).log"))
        guard let line = await relay.nextLine(), let listening = try JSONValue(parsing: line)["listening"]?["port"]?.number else {
            throw TestFailure("the relay did not start: \(relay.stderr)")
        }
        return (relay, Int(listening))
    }

    private func join(_ directory: TemporaryDirectory, name: String, port: Int, room: String = "room") throws -> TesseraProcess {
        try TesseraProcess(
            ["join", "ws://127.0.0.1:\(port)/v1/rooms/\(room)", "--name", name, "--data", directory.file(name), "--linger", "20",
             "--log-level", "info"],
            stderrPath: directory.file("\(name)-\(UUID()).log"))
    }

    private func createShape(_ peer: TesseraProcess, text: String) async throws {
        let answer = try await peer.command(#"{"tool":"create_shape","args":{"kind":"sticky","x":10,"y":20,"text":"\#(text)"}}"#)
        #expect(answer["ok"] == .bool(true), "\(answer.serialized)")
    }

    private func shapeTexts(_ peer: TesseraProcess) async throws -> Set<String> {
        let answer = try await peer.command(#"{"tool":"query_shapes","args":{"limit":500}}"#)
        return Set(answer["result"]?["shapes"]?.array?.compactMap { $0["text"]?.string } ?? [])
    }

    /// Writes each store's board with `tessera snapshot` and decodes it.
    private func snapshot(_ directory: TemporaryDirectory, data: String, room: String? = nil) async throws -> Document {
        let file = directory.file("snapshot-\(UUID()).tessera")
        var arguments = ["snapshot", "--data", data, "-o", file]
        if let room { arguments += ["--room", room] }
        let process = try TesseraProcess(arguments, stderrPath: directory.file("snapshot-\(UUID()).log"))
        guard await process.waitForExit() == 0 else { throw TestFailure("snapshot failed: \(process.stderr)") }
        return try Document(decoding: Array(try Data(contentsOf: URL(fileURLWithPath: file))))
    }

    @Test("a peer killed with SIGKILL mid-sync restarts with its replica ID and loses nothing it had committed")
    func killedPeerLosesNothing() async throws {
        let directory = TemporaryDirectory()
        let (relay, port) = try await serve(directory, data: directory.file("relay"))
        var ada = try join(directory, name: "ada", port: port)
        let replica = try #require(try await ada.status()["replica"]?.string)
        // Bad lines get an error result and change nothing.
        for line in ["not json", #"{"tool":"ask","args":{"question":"?"}}"#, #"{"tool":"fly","args":{}}"#,
                     #"{"tool":"create_shape","args":{"kind":"sticky"}}"#] {
            let answer = try await ada.command(line)
            #expect(answer["ok"] == .bool(false), "\(line)")
            #expect(answer["error"]?["error"]?.string != nil)
        }
        let texts = (0..<40).map { "note \($0)" }
        for text in texts { try await createShape(ada, text: text) }
        // Every result was printed after its edit was committed; kill without warning, while
        // the last edits are still being coalesced and sent.
        ada.kill()
        _ = await ada.waitForExit()

        // Reopened offline first, so what it shows comes from its own store alone.
        let offline = try TesseraProcess(
            ["join", "--room", "room", "--name", "ada", "--data", directory.file("ada")], stderrPath: directory.file("ada-offline.log"))
        #expect(try await offline.status()["replica"]?.string == replica)
        #expect(try await shapeTexts(offline) == Set(texts))
        offline.closeInput()
        #expect(await offline.waitForExit() == 0, "\(offline.stderr)")

        ada = try join(directory, name: "ada", port: port)
        let status = try await ada.status()
        #expect(status["replica"]?.string == replica)
        #expect(try await shapeTexts(ada) == Set(texts))
        // What it committed reaches everyone: Grace joins fresh and gets all of it.
        let grace = try join(directory, name: "grace", port: port)
        try await createShape(grace, text: "from grace")
        #expect(try await eventually(timeout: .seconds(30)) { try await shapeTexts(grace).count == texts.count + 1 })
        #expect(try await eventually(timeout: .seconds(30)) { try await shapeTexts(ada).count == texts.count + 1 })
        // A further edit after the restart continues the replica's counters: Grace accepts it.
        try await createShape(ada, text: "after restart")
        #expect(try await eventually(timeout: .seconds(30)) { try await shapeTexts(grace).contains("after restart") })

        for peer in [ada, grace] { peer.closeInput() }
        #expect(await ada.waitForExit() == 0, "\(ada.stderr)")
        #expect(await grace.waitForExit() == 0, "\(grace.stderr)")
        relay.kill(SIGTERM)
        #expect(await relay.waitForExit() == 0, "\(relay.stderr)")

        let adaDocument = try await snapshot(directory, data: directory.file("ada"))
        let graceDocument = try await snapshot(directory, data: directory.file("grace"))
        let relayDocument = try await snapshot(directory, data: directory.file("relay"), room: "room")
        #expect(adaDocument.materialize() == graceDocument.materialize())
        #expect(relayDocument.materialize() == adaDocument.materialize())
        #expect(try Board(document: adaDocument).shapeCount == texts.count + 2)
    }

    @Test("the relay killed with SIGKILL and restarted: clients resume, offline edits flow, nothing acknowledged is lost")
    func killedRelayRestarts() async throws {
        let directory = TemporaryDirectory()
        var (relay, port) = try await serve(directory, data: directory.file("relay"))
        let ada = try join(directory, name: "ada", port: port)
        let grace = try join(directory, name: "grace", port: port)
        for index in 0..<10 {
            try await createShape(ada, text: "ada \(index)")
            try await createShape(grace, text: "grace \(index)")
        }
        #expect(try await eventually(timeout: .seconds(30)) {
            let a = try await ada.status()
            let g = try await grace.status()
            return a["synced"] == .bool(true) && g["synced"] == .bool(true) && a["version"] == g["version"]
        })
        relay.kill()
        _ = await relay.waitForExit()

        // Offline: edits are committed locally and wait.
        for index in 10..<15 {
            try await createShape(ada, text: "ada \(index)")
            try await createShape(grace, text: "grace \(index)")
        }
        (relay, port) = try await serve(directory, data: directory.file("relay"), port: port)
        #expect(try await eventually(timeout: .seconds(30)) {
            let a = try await ada.status()
            let g = try await grace.status()
            return a["synced"] == .bool(true) && g["synced"] == .bool(true) && a["version"] == g["version"]
        })
        #expect(try await shapeTexts(ada).count == 30)
        #expect(try await shapeTexts(ada) == shapeTexts(grace))

        for peer in [ada, grace] { peer.closeInput() }
        #expect(await ada.waitForExit() == 0, "\(ada.stderr)")
        #expect(await grace.waitForExit() == 0, "\(grace.stderr)")
        relay.kill(SIGTERM)
        #expect(await relay.waitForExit() == 0, "\(relay.stderr)")
        let relayDocument = try await snapshot(directory, data: directory.file("relay"), room: "room")
        let adaDocument = try await snapshot(directory, data: directory.file("ada"))
        #expect(relayDocument.materialize() == adaDocument.materialize())
    }

    @Test("the relay acknowledges only what it has stored: killed right after an ack, its store holds it")
    func acknowledgedMeansStored() async throws {
        let directory = TemporaryDirectory()
        let data = directory.file("relay")
        let (relay, port) = try await serve(directory, data: data)
        var document = Document(origin: .human("Raw"))
        for index in 0..<5 { try document.set("key \(index)", to: .int(Int64(index))) }
        let envelopes = try ChangeEnvelope.envelopes(for: document.changes(), sealedWith: nil)
        let version = document.version
        let hello = Message.hello(Hello(documentID: "room", replica: document.replica, version: VersionVector(), capabilities: [.presence]))
        _ = try await rawWebSocket("ws://127.0.0.1:\(port)/v1/rooms/room/sync") { outbound, messages in
            try await outbound.send(hello)
            try await outbound.send(.changes(envelopes))
            for await message in messages {
                guard case .ack(let acknowledged) = message, acknowledged.dominates(version) else { continue }
                relay.kill()   // SIGKILL the instant the relay has acknowledged everything
                break
            }
        }
        #expect(await relay.waitForExit() != nil)
        let store = try SQLiteStore(path: (data as NSString).appendingPathComponent("tessera.sqlite"))
        let room = try store.openRoom(try #require(try store.room("room")))
        #expect(room.version.dominates(version))
        try store.close()
    }
}
