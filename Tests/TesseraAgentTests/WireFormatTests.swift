import TesseraTestSupport
import Foundation
import Testing
import TesseraAgent
import TesseraCanvas

/// The pieces of the client that need no server: SSE parsing, chunk assembly, tolerant
/// decoding, retry delays.
@Suite("Wire formats")
struct WireFormatTests {
    @Test("SSE: LF, CRLF and CR line endings, comments, multi-line data, split feeds, an unterminated last event")
    func serverSentEvents() throws {
        var parser = ServerSentEventParser()
        let text = ": ping\r\n\r\ndata: {\"a\":1}\r\n\r\nevent: error\ndata: line1\ndata: line2\n\ndata:x\r\rdata: tail"
        var events: [ServerSentEvent] = []
        // Byte by byte: every split point must work.
        for byte in text.utf8 { events += try parser.feed([byte]) }
        events += parser.finish()
        #expect(events == [
            ServerSentEvent(data: "{\"a\":1}"), ServerSentEvent(event: "error", data: "line1\nline2"),
            ServerSentEvent(data: "x"), ServerSentEvent(data: "tail"),
        ])
        var bounded = ServerSentEventParser(maximumLineBytes: 8)
        #expect(throws: ModelError.self) { _ = try bounded.feed(Array("data: 0123456789".utf8)) }
    }

    @Test("chunks: fragments by index, whole calls by id, index reused with a new id, usage-only chunks")
    func accumulator() throws {
        func chunk(_ json: String) throws -> ChatCompletionChunk {
            try JSONDecoder().decode(ChatCompletionChunk.self, from: Data(json.utf8))
        }
        var accumulator = CompletionAccumulator()
        #expect(accumulator.add(try chunk(#"{"choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"}}]}"#)) == "Hi")
        accumulator.add(try chunk(#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"a","type":"function","function":{"name":"create_shape","arguments":"{\"ki"}}]}}]}"#))
        accumulator.add(try chunk(#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"nd\":\"text\"}"}}]}}]}"#))
        // Ollama style: same index 0, new id, arguments as an object.
        accumulator.add(try chunk(#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"b","function":{"name":"query_shapes","arguments":{"limit":3}}}]}}]}"#))
        // Text after the calls, and a legacy finish reason.
        accumulator.add(try chunk(#"{"choices":[{"delta":{"content":"!"},"finish_reason":"function_call"}]}"#))
        accumulator.add(try chunk(#"{"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}"#))
        let completion = accumulator.completion
        #expect(completion.content == "Hi!")
        #expect(completion.toolCalls == [
            ToolCall(id: "a", name: "create_shape", arguments: #"{"kind":"text"}"#),
            ToolCall(id: "b", name: "query_shapes", arguments: #"{"limit":3}"#),
        ])
        #expect(completion.finishReason == .toolCalls)
        #expect(completion.usage?.totalTokens == 3)

        // Neither index nor id: the fragment continues the last call.
        var bare = CompletionAccumulator()
        bare.add(try chunk(#"{"choices":[{"delta":{"tool_calls":[{"id":"x","function":{"name":"delete_shape","arguments":"{\"id\":"}}]}}]}"#))
        bare.add(try chunk(#"{"choices":[{"delta":{"tool_calls":[{"function":{"arguments":"\"1@a\"}"}}]}}]}"#))
        #expect(bare.completion.toolCalls == [ToolCall(id: "x", name: "delete_shape", arguments: #"{"id":"1@a"}"#)])
    }

    @Test("messages decode tolerantly: content parts, null content, missing id and type, flattened calls")
    func tolerantDecoding() throws {
        let json = #"""
            {"choices":[{"message":{"role":"assistant","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}],
              "reasoning_content":"hmm",
              "tool_calls":[{"function":{"name":"delete_shape","arguments":{"id":"1@a"}}},{"name":"query_shapes"},{"id":"","function":{"name":""}}]},
              "finish_reason":"eos"}]}
            """#
        let response = try JSONDecoder().decode(ChatCompletionResponse.self, from: Data(json.utf8))
        let completion = try Completion(response)
        #expect(completion.content == "ab")
        #expect(completion.finishReason == .stop)
        #expect(completion.toolCalls.count == 2, "a call without a name is dropped")
        #expect(completion.toolCalls[0].arguments == #"{"id":"1@a"}"#)
        #expect(completion.toolCalls[1].arguments == "{}")
        #expect(completion.toolCalls.allSatisfy { $0.id.hasPrefix("call_") && $0.type == "function" })
        #expect(throws: ModelError.self) { try Completion(ChatCompletionResponse(choices: [])) }
        for (wire, reason) in [("length", FinishReason.length), ("max_tokens", .length), ("tool_use", .toolCalls), ("content_filter", .contentFilter), ("weird", .other("weird"))] {
            #expect(FinishReason(wireValue: wire) == reason)
        }
    }

    @Test("malformed arguments parse into a CommandError naming the tool")
    func malformedArguments() {
        let call = ToolCall(id: "c", name: "create_shape", arguments: #"{"kind": "rectangle", "x": 10,"#)
        #expect(throws: CommandError.self) { try call.parsedArguments() }
        do {
            _ = try call.parsedArguments()
        } catch {
            #expect(error.tool == "create_shape")
            #expect(error.json["error"]?.string?.contains("not valid JSON") == true)
        }
    }

    @Test("retry delays: exponential with equal jitter, capped, Retry-After honoured or refused")
    func retryDelays() {
        var rng = SplitMix64(seed: 7)
        let policy = RetryPolicy(maximumAttempts: 6, initialDelay: .milliseconds(100), multiplier: 2, maximumDelay: .milliseconds(500), maximumRetryAfter: .seconds(10))
        for (retry, full) in [(1, 100), (2, 200), (3, 400), (4, 500), (5, 500)] {
            let delay = policy.delay(beforeRetry: retry, retryAfter: nil, using: &rng)
            let range = Duration.milliseconds(full / 2)...Duration.milliseconds(full)
            #expect(delay.map(range.contains) == true, "retry \(retry): \(String(describing: delay))")
        }
        #expect(policy.delay(beforeRetry: 6, retryAfter: nil, using: &rng) == nil, "no attempts left")
        let honoured = policy.delay(beforeRetry: 1, retryAfter: .seconds(2), using: &rng)
        #expect(honoured.map { $0 >= .seconds(2) && $0 <= .milliseconds(2200) } == true)
        #expect(policy.delay(beforeRetry: 1, retryAfter: .seconds(11), using: &rng) == nil)
        #expect(RetryPolicy.never.delay(beforeRetry: 1, retryAfter: nil, using: &rng) == nil)
    }
}

