import Foundation
import Testing
import TesseraAgent
import TesseraCanvas
import TesseraTestSupport

/// The `tessera` executable end to end: a relay hosting the agent (`serve --agent`), a person
/// asking through `join`'s JSON lines, and a peer hosting the agent itself (`join --agent`),
/// all talking to the scripted model server over real sockets.
@Suite("tessera serve/join with the agent", .serialized)
struct CommandLineAgentTests {
    static func modelEnvironment(_ server: ScriptedModelServer, key: String) -> [String: String] {
        ["OPENAI_BASE_URL": server.baseURL, "OPENAI_API_KEY": key, "TESSERA_MODEL": "test-model"]
    }

    /// A `tessera` process logging to `directory`.
    static func start(_ arguments: [String], in directory: TemporaryDirectory, environment: [String: String] = [:]) throws -> TesseraProcess {
        try TesseraProcess(arguments, stderrPath: directory.file("\(arguments[0])-\(UUID().uuidString).log"), environment: environment)
    }

    /// Polls `{"tool":"requests"}` until `request` is answered, at most 240 times half a second
    /// apart (about two minutes of polling, counted in polls as ``pollUntil(every:atMost:_:)`` is,
    /// so that time the test could not run is not counted); returns its summary.
    static func waitUntilAnswered(_ request: String, asking process: TesseraProcess) async throws -> JSONValue {
        var summary: JSONValue = .null
        for _ in 0..<240 {
            let listed = try await process.command(#"{"tool":"requests"}"#)
            summary = listed["result"]?.array?.first { $0["request"]?.string == request } ?? .null
            if summary["status"] == "answered" { break }
            try await Task.sleep(for: .milliseconds(500))
        }
        return summary
    }

    @Test("serve --agent: the relay's agent answers a request asked with join's \"ask\", and its shape reaches the person")
    func relayHostedAgent() async throws {
        let model = try await ScriptedModelServer.start(scripts: ["relay-agent": [
            Replies.openAIStream([], calls: [.init("create_shape", #"{"kind":"ellipse","x":10,"y":10,"w":80,"h":80,"text":"Sun"}"#)]),
            Replies.openAIStream(["Drew ", "a sun."]),
            Replies.openAIStream(["Answered ", "after you left."], pause: .milliseconds(300)),
        ]])
        let directory = TemporaryDirectory("tessera-cli-agent")
        let relay = try Self.start(
            ["serve", "--port", "0", "--data", directory.file("relay"), "--agent", "--log-level", "warning"], in: directory,
            environment: Self.modelEnvironment(model, key: "relay-agent"))
        let listening = try JSONValue(parsing: try #require(await relay.nextLine(), "serve printed nothing: \(relay.stderr)"))
        let port = try #require(listening["listening"]?["port"]?.number.map(Int.init), "serve printed \(listening)")

        let ada = try Self.start(["join", "ws://127.0.0.1:\(port)/v1/rooms/plan", "--name", "Ada", "--data", directory.file("ada")], in: directory)
        let asked = try await ada.command(#"{"tool":"ask","args":{"prompt":"Draw a sun","wait":90}}"#, timeout: .seconds(100))
        #expect(asked["ok"] == .bool(true), "\(asked)")
        #expect(asked["result"]?["status"] == "answered", "\(asked)")
        #expect(asked["result"]?["answer"] == "Drew a sun.", "\(asked)")
        #expect(asked["result"]?["answeredBy"] == "Tessa")

        let shapes = try await ada.command(#"{"tool":"query_shapes","args":{}}"#)
        let texts = shapes["result"]?["shapes"]?.array?.compactMap { $0["text"]?.string } ?? []
        #expect(texts == ["Sun"], "\(shapes)")

        let status = try await ada.status()
        let present = status["present"]?.array?.compactMap { $0["name"]?.string } ?? []
        #expect(present.contains("Tessa"), "Ada sees the relay's agent in presence: \(status)")

        // Ada asks and leaves at once: the relay's agent still answers, and Grace sees it later.
        let later = try await ada.command(#"{"tool":"ask","args":{"prompt":"Answer when I am gone"}}"#)
        let laterID = try #require(later["result"]?["request"]?.string)
        ada.closeInput()
        #expect(await ada.waitForExit() == 0, "\(ada.stderr)")
        let grace = try Self.start(["join", "ws://127.0.0.1:\(port)/v1/rooms/plan", "--name", "Grace", "--data", directory.file("grace")], in: directory)
        let seen = try await Self.waitUntilAnswered(laterID, asking: grace)
        #expect(seen["answer"] == "Answered after you left.", "\(seen)")
        grace.closeInput()
        #expect(await grace.waitForExit() == 0, "\(grace.stderr)")

        relay.kill(SIGTERM)
        #expect(await relay.waitForExit() == 0, "\(relay.stderr)")
        #expect(model.received(apiKey: "relay-agent").count == 3, "one agent talked to the model: twice for the first request, once for the second")
        await model.stop()
    }

    @Test("join --agent: the peer's own agent answers, and a failed request can be retried from the command line")
    func peerHostedAgent() async throws {
        let model = try await ScriptedModelServer.start(scripts: ["peer-agent": [
            Replies.openAIError(status: 400, message: "model not loaded"),
            Replies.openAIStream(["Here ", "is a note."], calls: [.init("create_shape", #"{"kind":"sticky","x":0,"y":0,"text":"Note"}"#)]),
            Replies.openAIStream(["Done."]),
        ]])
        let directory = TemporaryDirectory("tessera-cli-agent")
        let bob = try Self.start(
            ["join", "--room", "solo", "--listen", "0", "--name", "Bob", "--data", directory.file("bob"), "--agent", "--agent-name", "Robo"],
            in: directory, environment: Self.modelEnvironment(model, key: "peer-agent"))

        let failed = try await bob.command(#"{"tool":"ask","args":{"prompt":"Add a note","wait":90}}"#, timeout: .seconds(100))
        #expect(failed["result"]?["status"] == "failed", "\(failed)")
        #expect(failed["result"]?["error"]?.string?.contains("model not loaded") == true, "\(failed)")
        let request = try #require(failed["result"]?["request"]?.string)

        let retried = try await bob.command(#"{"tool":"retry_request","args":{"request":"\#(request)"}}"#)
        #expect(retried["ok"] == .bool(true), "\(retried)")

        let answered = try await Self.waitUntilAnswered(request, asking: bob)
        #expect(answered["status"] == "answered", "\(answered)")
        #expect(answered["answer"] == "Here is a note.\n\nDone.", "\(answered)")
        #expect(answered["answeredBy"] == "Robo")

        let status = try await bob.status()
        #expect(status["agent"]?.string != nil, "\(status)")

        let rejected = try await bob.command(#"{"tool":"reject_request","args":{"request":"\#(request)"}}"#)
        #expect(rejected["result"]?["status"] == "rejected", "\(rejected)")
        let shapes = try await bob.command(#"{"tool":"query_shapes","args":{}}"#)
        #expect(shapes["result"]?["shapes"]?.array?.isEmpty == true, "rejecting removed the agent's note: \(shapes)")

        bob.closeInput()
        #expect(await bob.waitForExit() == 0, "\(bob.stderr)")
        await model.stop()
    }

    @Test("join --agent refuses to start without a usable model configuration, and ask validates its arguments")
    func refusals() async throws {
        let directory = TemporaryDirectory("tessera-cli-agent")
        let broken = try Self.start(
            ["join", "--room", "r", "--name", "Eve", "--data", directory.file("eve"), "--agent"], in: directory,
            environment: ["OPENAI_BASE_URL": "ftp://nowhere", "TESSERA_MODEL": "m"])
        let status = await broken.waitForExit()
        #expect(status != nil && status != 0)
        #expect(broken.stderr.contains("--agent needs a model"), "\(broken.stderr)")

        let eve = try Self.start(["join", "--room", "r", "--name", "Eve", "--data", directory.file("eve2")], in: directory)
        let empty = try await eve.command(#"{"tool":"ask","args":{"prompt":"   "}}"#)
        #expect(empty["ok"] == .bool(false))
        #expect(empty["error"]?["field"] == "prompt", "\(empty)")
        let badWait = try await eve.command(#"{"tool":"ask","args":{"prompt":"hi","wait":"soon"}}"#)
        #expect(badWait["error"]?["field"] == "wait", "\(badWait)")
        let unknown = try await eve.command(#"{"tool":"reject_request","args":{"request":"1@nope"}}"#)
        #expect(unknown["ok"] == .bool(false))
        #expect(unknown["error"]?["error"]?.string?.contains("no AI request") == true, "\(unknown)")
        // Without any agent in the room the request stays pending; no wait, no hang.
        let pending = try await eve.command(#"{"tool":"ask","args":{"prompt":"Anyone there?"}}"#)
        #expect(pending["result"]?["status"] == "pending", "\(pending)")
        eve.closeInput()
        #expect(await eve.waitForExit() == 0, "\(eve.stderr)")
    }
}
