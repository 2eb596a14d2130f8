import TesseraCanvas

/// Scripted replies in the wire formats of the servers Tessera supports, as each documents
/// and sends them. `ScriptedModelServer` replays them byte for byte.
enum Replies {
    typealias Reply = ScriptedModelServer.Reply

    /// A tool call to script: `arguments` is the JSON text the model "writes" (may be malformed).
    struct Call {
        var id: String?
        var name: String
        var arguments: String

        init(id: String? = nil, _ name: String, _ arguments: String) {
            self.id = id
            self.name = name
            self.arguments = arguments
        }

        init(id: String? = nil, _ name: String, _ arguments: JSONValue) {
            self.init(id: id, name, arguments.serialized)
        }
    }

    // MARK: OpenAI

    /// A non-streamed OpenAI response with text and/or tool calls.
    static func openAI(_ content: String?, calls: [Call] = [], finish: String? = nil) -> Reply {
        let toolCalls: [JSONValue] = calls.enumerated().map { index, call in
            ["id": .string(call.id ?? "call_\(index)"), "type": "function", "function": ["name": .string(call.name), "arguments": .string(call.arguments)]]
        }
        var message: [String: JSONValue] = ["role": "assistant", "content": content.map(JSONValue.string) ?? .null]
        if !toolCalls.isEmpty { message["tool_calls"] = .array(toolCalls) }
        let body: JSONValue = [
            "id": "chatcmpl-1", "object": "chat.completion", "created": 1_700_000_000, "model": "gpt-4o-mini",
            "choices": [["index": 0, "message": .object(message), "logprobs": .null, "finish_reason": .string(finish ?? (calls.isEmpty ? "stop" : "tool_calls"))]],
            "usage": ["prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15],
        ]
        return .json(status: 200, body: body.serialized, headers: [:], delay: .zero)
    }

    /// A streamed OpenAI response: text in `pieces` (with `pause` between them), then tool
    /// calls whose arguments arrive in fragments of `fragment` characters.
    static func openAIStream(_ pieces: [String], calls: [Call] = [], fragment: Int = 7, pause: Duration = .zero) -> Reply {
        var parts: [ScriptedModelServer.EventPart] = []
        func chunk(_ delta: JSONValue, finish: String? = nil) -> ScriptedModelServer.EventPart {
            .data(json([
                "id": "chatcmpl-2", "object": "chat.completion.chunk", "created": 1_700_000_000, "model": "gpt-4o-mini",
                "choices": [["index": 0, "delta": delta, "logprobs": .null, "finish_reason": finish.map(JSONValue.string) ?? .null]],
            ]).serialized)
        }
        parts.append(chunk(["role": "assistant", "content": ""]))
        for piece in pieces {
            if pause > .zero { parts.append(.pause(pause)) }
            parts.append(chunk(["content": .string(piece)]))
        }
        for (index, call) in calls.enumerated() {
            parts.append(chunk(["tool_calls": [[
                "index": .number(Double(index)), "id": .string(call.id ?? "call_\(index)"), "type": "function",
                "function": ["name": .string(call.name), "arguments": ""],
            ]]]))
            var rest = Substring(call.arguments)
            while !rest.isEmpty {
                let piece = rest.prefix(fragment)
                rest = rest.dropFirst(piece.count)
                parts.append(chunk(["tool_calls": [["index": .number(Double(index)), "function": ["arguments": .string(String(piece))]]]]))
            }
        }
        parts.append(chunk([:], finish: calls.isEmpty ? "stop" : "tool_calls"))
        parts.append(.data("[DONE]"))
        return .events(parts, headers: [:])
    }

    /// An OpenAI error response.
    static func openAIError(status: Int, message: String, headers: [String: String] = [:]) -> Reply {
        let body: JSONValue = ["error": ["message": .string(message), "type": "rate_limit_exceeded", "param": .null, "code": .null]]
        return .json(status: status, body: body.serialized, headers: headers, delay: .zero)
    }

    // MARK: Ollama (/v1, OpenAI compatibility layer)

    /// A streamed Ollama-style response: each tool call whole in one chunk, without `index`
    /// (ollama/ollama#7881), `finish_reason` "stop" (ollama/ollama#5995), and arguments as a
    /// JSON object (its native shape, as relayed by proxies).
    static func ollamaStream(_ text: String, calls: [Call]) -> Reply {
        var parts: [ScriptedModelServer.EventPart] = []
        if !text.isEmpty {
            parts.append(.data(json([
                "id": "chatcmpl-42", "object": "chat.completion.chunk", "created": 1_700_000_000, "model": "qwen2.5:7b", "system_fingerprint": "fp_ollama",
                "choices": [["index": 0, "delta": ["role": "assistant", "content": .string(text)], "finish_reason": .null]],
            ]).serialized))
        }
        for (index, call) in calls.enumerated() {
            let arguments = (try? JSONValue(parsing: call.arguments)) ?? .string(call.arguments)
            var toolCall: [String: JSONValue] = ["function": ["name": .string(call.name), "arguments": arguments]]
            toolCall["id"] = .string(call.id ?? "call_ollama\(index)")
            parts.append(.data(json([
                "id": "chatcmpl-42", "object": "chat.completion.chunk", "created": 1_700_000_000, "model": "qwen2.5:7b",
                "choices": [["index": 0, "delta": ["role": "assistant", "content": "", "tool_calls": [.object(toolCall)]], "finish_reason": .null]],
            ]).serialized))
        }
        parts.append(.data(json([
            "id": "chatcmpl-42", "object": "chat.completion.chunk", "created": 1_700_000_000, "model": "qwen2.5:7b",
            "choices": [["index": 0, "delta": ["role": "assistant", "content": ""], "finish_reason": "stop"]],
        ]).serialized))
        parts.append(.data("[DONE]"))
        return .events(parts, headers: [:])
    }

    /// A non-streamed Ollama response with arguments as an object and no call IDs.
    static func ollama(_ text: String, calls: [Call]) -> Reply {
        let toolCalls: [JSONValue] = calls.map { call in
            ["function": ["name": .string(call.name), "arguments": (try? JSONValue(parsing: call.arguments)) ?? .string(call.arguments)]]
        }
        var message: [String: JSONValue] = ["role": "assistant", "content": .string(text)]
        if !toolCalls.isEmpty { message["tool_calls"] = .array(toolCalls) }
        let body: JSONValue = [
            "id": "chatcmpl-7", "object": "chat.completion", "created": 1_700_000_000, "model": "qwen2.5:7b",
            "choices": [["index": 0, "message": .object(message), "finish_reason": "stop"]],
        ]
        return .json(status: 200, body: body.serialized, headers: [:], delay: .zero)
    }

    // MARK: llama.cpp (llama-server)

    /// A streamed llama.cpp-style response: CRLF line endings, a comment line, tool-call
    /// fragments by index without IDs (ggml-org/llama.cpp#11992), and a bare final chunk
    /// without `delta`.
    static func llamaCppStream(_ text: String, calls: [Call]) -> Reply {
        var parts: [ScriptedModelServer.EventPart] = [.raw(": keep-alive\r\n\r\n")]
        func event(_ value: JSONValue) -> ScriptedModelServer.EventPart { .raw("data: \(value.serialized)\r\n\r\n") }
        if !text.isEmpty {
            parts.append(event(["choices": [["index": 0, "delta": ["content": .string(text)], "finish_reason": .null]], "object": "chat.completion.chunk"]))
        }
        for (index, call) in calls.enumerated() {
            parts.append(event(["choices": [["index": 0, "delta": ["tool_calls": [["index": .number(Double(index)), "function": ["name": .string(call.name)]]]], "finish_reason": .null]]]))
            let middle = call.arguments.index(call.arguments.startIndex, offsetBy: call.arguments.count / 2)
            for piece in [String(call.arguments[..<middle]), String(call.arguments[middle...])] {
                parts.append(event(["choices": [["index": 0, "delta": ["tool_calls": [["index": .number(Double(index)), "function": ["arguments": .string(piece)]]]], "finish_reason": .null]]]))
            }
        }
        parts.append(event(["choices": [["index": 0, "finish_reason": calls.isEmpty ? "stop" : "tool_calls"]], "object": "chat.completion.chunk"]))
        parts.append(.raw("data: [DONE]\r\n\r\n"))
        return .events(parts, headers: [:])
    }

    /// A llama.cpp error delivered as an event in a 200 stream.
    static func llamaCppStreamError(_ message: String) -> Reply {
        .events([.data(json(["error": ["code": 500, "message": .string(message), "type": "server_error"]]).serialized)], headers: [:])
    }

    // MARK: vLLM

    /// A vLLM error body.
    static func vLLMError(status: Int, message: String) -> Reply {
        let body: JSONValue = ["object": "error", "message": .string(message), "type": "BadRequestError", "param": .null, "code": .number(Double(status))]
        return .json(status: status, body: body.serialized, headers: [:], delay: .zero)
    }

    /// A streamed vLLM response: `reasoning_content` deltas before the content, and call
    /// fragments without `type`.
    static func vLLMStream(_ text: String, calls: [Call]) -> Reply {
        var parts: [ScriptedModelServer.EventPart] = []
        func chunk(_ delta: JSONValue, finish: String? = nil) -> ScriptedModelServer.EventPart {
            .data(json(["id": "chatcmpl-v", "object": "chat.completion.chunk", "model": "Qwen/Qwen2.5-7B-Instruct",
                             "choices": [["index": 0, "delta": delta, "logprobs": .null, "finish_reason": finish.map(JSONValue.string) ?? .null]]]).serialized)
        }
        parts.append(chunk(["role": "assistant", "content": ""]))
        parts.append(chunk(["reasoning_content": "The user wants a shape."]))
        if !text.isEmpty { parts.append(chunk(["content": .string(text)])) }
        for (index, call) in calls.enumerated() {
            parts.append(chunk(["tool_calls": [["index": .number(Double(index)), "id": .string(call.id ?? "chatcmpl-tool-\(index)"), "function": ["name": .string(call.name)]]]]))
            parts.append(chunk(["tool_calls": [["index": .number(Double(index)), "function": ["arguments": .string(call.arguments)]]]]))
        }
        parts.append(chunk([:], finish: calls.isEmpty ? "stop" : "tool_calls"))
        parts.append(.data("[DONE]"))
        return .events(parts, headers: [:])
    }
}

/// Lets a JSON literal be written inline: `json(["a": 1]).serialized`.
func json(_ value: JSONValue) -> JSONValue { value }
