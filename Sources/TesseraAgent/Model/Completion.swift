/// The model's answer to one request: text, tool calls, or both.
///
/// Both the streamed and the non-streamed path produce one, normalised the same way: every
/// tool call has a non-empty, unique ID (synthesised when the server sent none) and a name.
public struct Completion: Hashable, Sendable {
    /// The assistant message (replay it in the next request of a tool-calling loop).
    public var message: ChatCompletionMessage
    /// Why the model stopped, as the server said.
    public var finishReason: FinishReason?
    /// Token counts, when the server sent them.
    public var usage: TokenUsage?

    /// Creates a completion, normalising its tool calls.
    public init(message: ChatCompletionMessage, finishReason: FinishReason?, usage: TokenUsage? = nil) {
        var message = message
        message.role = .assistant
        message.toolCalls = Completion.normalized(message.toolCalls ?? [])
        if message.toolCalls?.isEmpty == true { message.toolCalls = nil }
        self.message = message
        self.finishReason = finishReason
        self.usage = usage
    }

    /// The first choice of a non-streamed response.
    ///
    /// - Throws: ``ModelError/invalidResponse(_:)`` when the response has no choice.
    public init(_ response: ChatCompletionResponse) throws(ModelError) {
        guard let choice = response.choices.first(where: { ($0.index ?? 0) == 0 }) ?? response.choices.first else {
            throw .invalidResponse("the response has no choices")
        }
        self.init(message: choice.message, finishReason: choice.finishReason, usage: response.usage)
    }

    /// The text (empty when the model only called tools).
    public var content: String { message.content ?? "" }

    /// The tool calls, in order.
    public var toolCalls: [ToolCall] { message.toolCalls ?? [] }

    /// Gives every call a unique non-empty ID; drops calls without a name (nothing could run them).
    static func normalized(_ calls: [ToolCall]) -> [ToolCall] {
        var seen: Set<String> = []
        var result: [ToolCall] = []
        for (index, call) in calls.enumerated() where !call.name.isEmpty {
            var call = call
            if call.id.isEmpty { call.id = ToolCall.synthesizedID(index: index, name: call.name, arguments: call.arguments) }
            // Duplicate IDs (from a server or proxy that numbers calls per chunk) would make
            // tool results ambiguous.
            if !seen.insert(call.id).inserted {
                call.id += "_\(index)"
                seen.insert(call.id)
            }
            if call.type.isEmpty { call.type = "function" }
            result.append(call)
        }
        return result
    }
}

/// Assembles a streamed response chunk by chunk: content deltas are returned as they come
/// (so a reply can be shown while it is generated) and tool-call fragments are joined per
/// call.
///
/// Fragments are matched to calls by `index` (OpenAI, llama.cpp, vLLM). Servers that omit it
/// (Ollama's OpenAI layer, ollama/ollama#7881) send whole calls, matched by `id`, or else
/// continue the last call. A fragment whose `index` names an existing call but which brings a
/// different, non-empty `id` starts a new call: proxies relaying Ollama's native API have sent
/// every call with index 0 (BerriAI/litellm#37792).
///
/// ```swift
/// var accumulator = CompletionAccumulator()
/// for chunk in chunks { print(accumulator.add(chunk), terminator: "") }
/// let completion = accumulator.completion
/// ```
public struct CompletionAccumulator: Sendable {
    private struct PartialCall: Sendable {
        var index: Int?
        var id: String
        var type: String
        var name: String
        var arguments: String
    }

    private var content = ""
    private var sawContent = false
    private var calls: [PartialCall] = []
    private var finishReason: FinishReason?
    private var usage: TokenUsage?

    /// An empty accumulator.
    public init() {}

    /// Adds a chunk and returns the text it appends (empty if none).
    @discardableResult
    public mutating func add(_ chunk: ChatCompletionChunk) -> String {
        if let usage = chunk.usage { self.usage = usage }
        var appended = ""
        for choice in chunk.choices where (choice.index ?? 0) == 0 {
            if let text = choice.delta.content, !text.isEmpty {
                appended += text
                sawContent = true
            }
            for fragment in choice.delta.toolCalls ?? [] { add(fragment) }
            if let reason = choice.finishReason { finishReason = reason }
        }
        content += appended
        return appended
    }

    private mutating func add(_ fragment: ChatCompletionChunk.ToolCallFragment) {
        let position: Int
        if let index = fragment.index, let existing = calls.lastIndex(where: { $0.index == index }),
            fragment.id == nil || calls[existing].id.isEmpty || calls[existing].id == fragment.id
        {
            position = existing
        } else if fragment.index == nil, let id = fragment.id, let existing = calls.firstIndex(where: { $0.id == id }) {
            position = existing
        } else if fragment.index == nil, fragment.id == nil, !calls.isEmpty {
            position = calls.count - 1
        } else {
            calls.append(PartialCall(index: fragment.index, id: "", type: "function", name: "", arguments: ""))
            position = calls.count - 1
        }
        if let id = fragment.id, calls[position].id.isEmpty { calls[position].id = id }
        if let type = fragment.type, !type.isEmpty { calls[position].type = type }
        if let name = fragment.name, calls[position].name.isEmpty { calls[position].name = name }
        if let arguments = fragment.arguments {
            if fragment.argumentsAreWhole {
                calls[position].arguments = arguments
            } else {
                calls[position].arguments += arguments
            }
        }
    }

    /// Whether any text has been appended so far.
    public var hasContent: Bool { sawContent }

    /// Whether anything at all (text or a tool call) has arrived.
    public var hasOutput: Bool { sawContent || !calls.isEmpty }

    /// The completion assembled so far.
    public var completion: Completion {
        let toolCalls = calls.map { ToolCall(id: $0.id, type: $0.type, name: $0.name, arguments: $0.arguments) }
        let message = ChatCompletionMessage.assistant(sawContent ? content : nil, toolCalls: toolCalls)
        return Completion(message: message, finishReason: finishReason, usage: usage)
    }
}
