import Synchronization
import Testing
import TesseraAgent
import TesseraCanvas

/// The Chat Completions client against a real HTTP server replaying each supported server's
/// wire format.
@Suite("Chat Completions client")
struct ModelClientTests {
    static let request = ChatCompletionRequest(messages: [.system("You draw."), .user("Draw a box")], tools: AgentRunner.tools, toolChoice: "auto")

    /// Collects streamed deltas.
    final class Deltas: Sendable {
        private let parts = Mutex<[String]>([])
        func append(_ text: String) { parts.withLock { $0.append(text) } }
        var all: [String] { parts.withLock { $0 } }
    }

    @Test("OpenAI, not streamed: text, tool calls with string arguments, the request's model, key and tools")
    func openAIWhole() async throws {
        let server = try await ScriptedModelServer.start(scripts: ["k": [
            Replies.openAI("Sure.", calls: [.init(id: "call_abc", "create_shape", #"{"kind":"rectangle","x":1,"y":2}"#)]),
        ]])
        let client = try makeClient(server, apiKey: "k")
        let completion = try await client.complete(Self.request)
        #expect(completion.content == "Sure.")
        #expect(completion.toolCalls == [ToolCall(id: "call_abc", name: "create_shape", arguments: #"{"kind":"rectangle","x":1,"y":2}"#)])
        #expect(completion.finishReason == .toolCalls)
        #expect(completion.usage?.totalTokens == 15)
        let sent = try #require(server.received.first)
        #expect(sent.path == "/v1/chat/completions")
        #expect(sent.body?["model"]?.string == "test-model")
        #expect(sent.body?["stream"] == nil)
        #expect(sent.body?["tools"]?.array?.count == CanvasCommands.tools.count)
        #expect(sent.body?["tools"]?.array?.first?["function"]?["name"]?.string == "create_shape")
        #expect(sent.body?["messages"]?.array?.count == 2)
        await client.shutdown()
        await server.stop()
    }

    @Test("OpenAI, streamed: deltas arrive in order, tool-call argument fragments are joined per index")
    func openAIStream() async throws {
        let calls = [Replies.Call(id: "call_1", "create_shape", #"{"kind":"sticky","x":10,"y":20,"text":"Hi"}"#),
                     Replies.Call(id: "call_2", "delete_shape", #"{"id":"5@00000000000000aa"}"#)]
        let server = try await ScriptedModelServer.start(scripts: ["k": [Replies.openAIStream(["Adding ", "a ", "note."], calls: calls, fragment: 5)]])
        let client = try makeClient(server, apiKey: "k")
        let deltas = Deltas()
        let completion = try await client.stream(Self.request) { deltas.append($0) }
        #expect(deltas.all == ["Adding ", "a ", "note."])
        #expect(completion.content == "Adding a note.")
        #expect(completion.toolCalls.map(\.id) == ["call_1", "call_2"])
        #expect(completion.toolCalls.map(\.arguments) == calls.map(\.arguments))
        #expect(try completion.toolCalls[0].parsedArguments()["text"]?.string == "Hi")
        #expect(server.received.first?.body?["stream"] == .bool(true))
        // Replaying the turn sends the arguments back as a string, as OpenAI requires.
        let replay = ChatCompletionRequest(messages: [completion.message, .toolResult(for: completion.toolCalls[0], content: #"{"id":"1@a"}"#)])
        server.enqueue([Replies.openAI("ok")], for: "k")
        _ = try await client.complete(replay)
        let echoed = try #require(server.received.last?.body?["messages"]?.array)
        #expect(echoed[0]["tool_calls"]?.array?[0]["function"]?["arguments"]?.string == calls[0].arguments)
        #expect(echoed[1]["tool_call_id"]?.string == "call_1")
        #expect(echoed[1]["role"]?.string == "tool")
        await client.shutdown()
        await server.stop()
    }

    @Test("Ollama: whole calls without index, arguments as objects, finish_reason stop, missing IDs synthesised stably")
    func ollama() async throws {
        let server = try await ScriptedModelServer.start(scripts: ["k": [
            Replies.ollamaStream("On it.", calls: [.init("create_shape", #"{"kind":"ellipse","x":5,"y":6}"#), .init("query_shapes", "{}")]),
            Replies.ollama("", calls: [.init("create_shape", #"{"kind":"rectangle","x":1,"y":1}"#)]),
            Replies.ollama("", calls: [.init("create_shape", #"{"kind":"rectangle","x":1,"y":1}"#)]),
        ]])
        let client = try makeClient(server, apiKey: "k")
        let streamed = try await client.stream(Self.request) { _ in }
        #expect(streamed.content == "On it.")
        #expect(streamed.finishReason == .stop)
        #expect(streamed.toolCalls.map(\.name) == ["create_shape", "query_shapes"])
        #expect(try streamed.toolCalls[0].parsedArguments() == ["kind": "ellipse", "x": 5, "y": 6])
        #expect(Set(streamed.toolCalls.map(\.id)).count == 2)
        let first = try await client.complete(Self.request)
        let second = try await client.complete(Self.request)
        let id = try #require(first.toolCalls.first?.id)
        #expect(id.hasPrefix("call_0_"))
        #expect(second.toolCalls.first?.id == id, "the same call gets the same synthesised ID")
        await client.shutdown()
        await server.stop()
    }

    @Test("llama.cpp: CRLF events, comments, calls without IDs, a final chunk without delta")
    func llamaCpp() async throws {
        let server = try await ScriptedModelServer.start(scripts: ["k": [
            Replies.llamaCppStream("Two boxes.", calls: [.init("create_shape", #"{"kind":"rectangle","x":0,"y":0}"#),
                                                         .init("create_shape", #"{"kind":"rectangle","x":200,"y":0}"#)]),
        ]])
        let client = try makeClient(server, apiKey: "k")
        let completion = try await client.stream(Self.request) { _ in }
        #expect(completion.content == "Two boxes.")
        #expect(completion.toolCalls.count == 2)
        #expect(try completion.toolCalls[1].parsedArguments()["x"] == 200)
        #expect(completion.toolCalls.allSatisfy { !$0.id.isEmpty })
        #expect(completion.toolCalls[0].id != completion.toolCalls[1].id)
        #expect(completion.finishReason == .toolCalls)
        await client.shutdown()
        await server.stop()
    }

    @Test("llama.cpp before streamed tool calls: a 500 \"Cannot use tools with stream\" falls back to one plain request")
    func streamingRefused() async throws {
        let refusal: ScriptedModelServer.Reply = .json(
            status: 500, body: #"{"error":{"code":500,"message":"Cannot use tools with stream","type":"server_error"}}"#, headers: [:], delay: .zero)
        let server = try await ScriptedModelServer.start(scripts: ["k": [
            refusal, Replies.openAI("Here.", calls: [.init("query_shapes", "{}")]),
        ]])
        let client = try makeClient(server, apiKey: "k")
        let deltas = Deltas()
        let completion = try await client.stream(Self.request) { deltas.append($0) }
        #expect(deltas.all == ["Here."])
        #expect(completion.toolCalls.map(\.name) == ["query_shapes"])
        #expect(server.received.map { $0.body?["stream"] } == [.bool(true), nil], "no retries of the refusal, then one plain request")
        await client.shutdown()
        await server.stop()
    }

    @Test("vLLM: reasoning deltas ignored, fragments without type; its error body becomes a typed error")
    func vLLM() async throws {
        let server = try await ScriptedModelServer.start(scripts: ["k": [
            Replies.vLLMStream("Done.", calls: [.init("create_shape", #"{"kind":"text","x":3,"y":4,"text":"T"}"#)]),
            Replies.vLLMError(status: 400, message: "max_tokens is too large"),
        ]])
        let client = try makeClient(server, apiKey: "k")
        let completion = try await client.stream(Self.request) { _ in }
        #expect(completion.content == "Done.")
        #expect(completion.toolCalls.first?.type == "function")
        #expect(completion.toolCalls.first?.id == "chatcmpl-tool-0")
        await #expect(throws: ModelError.http(status: 400, message: "max_tokens is too large", attempts: 1)) {
            _ = try await client.complete(Self.request)
        }
        #expect(server.received.count == 2, "a 400 is not retried")
        await client.shutdown()
        await server.stop()
    }

    @Test("429 with retry-after-ms and 5xx are retried, then succeed")
    func retriesTransientFailures() async throws {
        let server = try await ScriptedModelServer.start(scripts: ["k": [
            Replies.openAIError(status: 429, message: "Rate limit reached", headers: ["retry-after-ms": "30"]),
            Replies.openAIError(status: 503, message: "overloaded"),
            Replies.openAI("finally"),
        ]])
        let client = try makeClient(server, apiKey: "k")
        let start = ContinuousClock.now
        let completion = try await client.complete(Self.request)
        #expect(completion.content == "finally")
        #expect(server.received.count == 3)
        #expect(ContinuousClock.now - start >= .milliseconds(30), "Retry-After was honoured")
        await client.shutdown()
        await server.stop()
    }

    @Test("retries give up after the policy's attempts with the last status")
    func retriesGiveUp() async throws {
        let server = try await ScriptedModelServer.start(scripts: ["k": [
            Replies.openAIError(status: 500, message: "boom"), Replies.openAIError(status: 500, message: "boom"),
            Replies.openAIError(status: 500, message: "boom"), Replies.openAI("never"),
        ]])
        let client = try makeClient(server, apiKey: "k")
        await #expect(throws: ModelError.http(status: 500, message: "boom", attempts: 3)) { _ = try await client.complete(Self.request) }
        #expect(server.received.count == 3)
        // A Retry-After beyond the policy's maximum fails at once.
        server.enqueue([Replies.openAIError(status: 429, message: "slow down", headers: ["retry-after": "3600"])], for: "k2")
        let patient = try makeClient(server, apiKey: "k2")
        await #expect(throws: ModelError.http(status: 429, message: "slow down", attempts: 1)) { _ = try await patient.complete(Self.request) }
        await client.shutdown()
        await patient.shutdown()
        await server.stop()
    }

    @Test("connection refused is retried, then reported as unreachable")
    func connectionRefused() async throws {
        let port = try await ScriptedModelServer.unusedPort()
        let client = try ChatCompletionsClient(configuration: ModelConfiguration(
            baseURL: "http://127.0.0.1:\(port)/v1", model: "m", connectTimeout: .seconds(2), retry: testRetryPolicy))
        do {
            _ = try await client.stream(Self.request) { _ in }
            Issue.record("expected a failure")
        } catch {
            guard case .unreachable(let url, let reason, let attempts) = error else {
                Issue.record("expected unreachable, got \(error)")
                return
            }
            #expect(url == "http://127.0.0.1:\(port)/v1/chat/completions")
            #expect(reason == "connection refused")
            #expect(attempts == 3)
            #expect(error.isTransient)
        }
        await client.shutdown()
    }

    @Test("a silent server times out after the idle timeout")
    func idleTimeout() async throws {
        let server = try await ScriptedModelServer.start(scripts: ["k": [.silence(.seconds(5))]])
        let client = try makeClient(server, apiKey: "k", retry: .never, idleTimeout: .milliseconds(200))
        // The error itself proves the idle timeout fired: had the client waited out the
        // server's silence, the request would end differently. No wall-clock bound (tests
        // assert behaviour, not timing; CI machines are shared).
        await #expect(throws: ModelError.timedOut(url: server.baseURL + "/chat/completions", attempts: 1)) {
            _ = try await client.complete(Self.request)
        }
        await client.shutdown()
        await server.stop()
    }

    @Test("a stream that breaks after text is not retried (the text is already shown); one that breaks before is")
    func interruptedStreams() async throws {
        let broken: ScriptedModelServer.Reply = .events([
            .data(#"{"choices":[{"index":0,"delta":{"content":"Half an"}}]}"#), .hangUp,
        ], headers: [:])
        let server = try await ScriptedModelServer.start(scripts: [
            "a": [broken, Replies.openAIStream(["never"])],
            "b": [Replies.llamaCppStreamError("failed to load model"), Replies.openAIStream(["Recovered."])],
        ])
        let a = try makeClient(server, apiKey: "a")
        let deltas = Deltas()
        do {
            _ = try await a.stream(Self.request) { deltas.append($0) }
            Issue.record("expected a failure")
        } catch {
            guard case .streamInterrupted = error else {
                Issue.record("expected streamInterrupted, got \(error)")
                return
            }
        }
        #expect(deltas.all == ["Half an"])
        #expect(server.received(apiKey: "a").count == 1)
        let b = try makeClient(server, apiKey: "b")
        let completion = try await b.stream(Self.request) { _ in }
        #expect(completion.content == "Recovered.")
        #expect(server.received(apiKey: "b").count == 2)
        await a.shutdown()
        await b.shutdown()
        await server.stop()
    }

    @Test("configuration from the environment")
    func environment() throws {
        let local = try ModelConfiguration.fromEnvironment([
            "OPENAI_BASE_URL": "http://127.0.0.1:11434/v1/", "TESSERA_MODEL": "qwen2.5:7b",
        ])
        #expect(local.chatCompletionsURL == "http://127.0.0.1:11434/v1/chat/completions")
        #expect(local.model == "qwen2.5:7b")
        #expect(local.apiKey == nil)
        let openAI = try ModelConfiguration.fromEnvironment(["OPENAI_API_KEY": " sk-test "])
        #expect(openAI.baseURL == ModelConfiguration.openAIBaseURL)
        #expect(openAI.apiKey == "sk-test")
        #expect(openAI.model == ModelConfiguration.defaultModel)
        #expect(throws: ModelError.self) { try ModelConfiguration.fromEnvironment([:]) }
        #expect(throws: ModelError.self) { try ModelConfiguration.fromEnvironment(["OPENAI_BASE_URL": "ftp://x"]) }
    }
}
