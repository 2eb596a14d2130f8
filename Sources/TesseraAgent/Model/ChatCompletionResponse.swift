/// A non-streamed Chat Completions response. Everything but `choices` is optional, since
/// local servers omit `id`, `created` or `usage` freely.
public struct ChatCompletionResponse: Codable, Hashable, Sendable {
    /// One alternative answer (the client asks for one).
    public struct Choice: Codable, Hashable, Sendable {
        /// Its position.
        public var index: Int?
        /// The assistant's message.
        public var message: ChatCompletionMessage
        /// Why it stopped.
        public var finishReason: FinishReason?

        /// Creates a choice.
        public init(index: Int? = 0, message: ChatCompletionMessage, finishReason: FinishReason?) {
            self.index = index
            self.message = message
            self.finishReason = finishReason
        }

        enum CodingKeys: String, CodingKey {
            case index, message
            case finishReason = "finish_reason"
        }
    }

    /// The response ID.
    public var id: String?
    /// The model that answered.
    public var model: String?
    /// The answers.
    public var choices: [Choice]
    /// Token counts.
    public var usage: TokenUsage?

    /// Creates a response.
    public init(id: String? = nil, model: String? = nil, choices: [Choice], usage: TokenUsage? = nil) {
        self.id = id
        self.model = model
        self.choices = choices
        self.usage = usage
    }
}

/// Token counts reported by the server.
public struct TokenUsage: Codable, Hashable, Sendable {
    /// Tokens in the prompt.
    public var promptTokens: Int?
    /// Tokens generated.
    public var completionTokens: Int?
    /// Both.
    public var totalTokens: Int?

    /// Creates counts.
    public init(promptTokens: Int? = nil, completionTokens: Int? = nil, totalTokens: Int? = nil) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.totalTokens = totalTokens
    }

    enum CodingKeys: String, CodingKey {
        case promptTokens = "prompt_tokens"
        case completionTokens = "completion_tokens"
        case totalTokens = "total_tokens"
    }
}

/// One server-sent event of a streamed response: `data: {…}` lines until `data: [DONE]`.
public struct ChatCompletionChunk: Codable, Hashable, Sendable {
    /// The change to one choice.
    public struct Choice: Codable, Hashable, Sendable {
        /// Its position.
        public var index: Int?
        /// What to append.
        public var delta: Delta
        /// Set on the last chunk of the choice.
        public var finishReason: FinishReason?

        /// Creates a choice delta.
        public init(index: Int? = 0, delta: Delta, finishReason: FinishReason? = nil) {
            self.index = index
            self.delta = delta
            self.finishReason = finishReason
        }

        enum CodingKeys: String, CodingKey {
            case index, delta
            case finishReason = "finish_reason"
        }

        /// Decodes tolerantly: a missing `delta` (a bare final chunk carrying only
        /// `finish_reason`) is empty, and a `message` in its place (the shape of a non-streamed
        /// choice, which some servers reuse for the last chunk) is read as the delta.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: AnyKey.self)
            index = try? container.decodeIfPresent(Int.self, forKey: AnyKey("index"))
            delta = (try? container.decodeIfPresent(Delta.self, forKey: AnyKey("delta")))
                ?? (try? container.decodeIfPresent(Delta.self, forKey: AnyKey("message"))) ?? Delta()
            finishReason = try? container.decodeIfPresent(FinishReason.self, forKey: AnyKey("finish_reason"))
        }
    }

    /// A fragment of the assistant's message.
    public struct Delta: Codable, Hashable, Sendable {
        /// Set on the first delta.
        public var role: String?
        /// Text to append.
        public var content: String?
        /// Fragments of tool calls, joined per `index`.
        public var toolCalls: [ToolCallFragment]?

        /// Creates a delta.
        public init(role: String? = nil, content: String? = nil, toolCalls: [ToolCallFragment]? = nil) {
            self.role = role
            self.content = content
            self.toolCalls = toolCalls
        }

        enum CodingKeys: String, CodingKey {
            case role, content
            case toolCalls = "tool_calls"
        }
    }

    /// A piece of a tool call. OpenAI sends `id`, `type` and `name` on a call's first fragment
    /// only, then `arguments` text in pieces, all with the same `index` (vLLM and llama.cpp
    /// do the same); Ollama sends each call whole in one fragment. `arguments` may arrive as a
    /// JSON object (Ollama's native shape, relayed by proxies) — then it is the whole value.
    public struct ToolCallFragment: Codable, Hashable, Sendable {
        /// Which call the piece belongs to; missing from some servers (see ``CompletionAccumulator``).
        public var index: Int?
        /// The call's ID, on its first piece.
        public var id: String?
        /// `"function"`, on its first piece.
        public var type: String?
        /// The function name, on its first piece.
        public var name: String?
        /// Arguments text to append.
        public var arguments: String?
        /// Whether `arguments` was sent as a whole JSON value rather than a text piece.
        public var argumentsAreWhole: Bool

        /// Creates a fragment.
        public init(index: Int?, id: String? = nil, type: String? = nil, name: String? = nil, arguments: String? = nil, argumentsAreWhole: Bool = false) {
            self.index = index
            self.id = id
            self.type = type
            self.name = name
            self.arguments = arguments
            self.argumentsAreWhole = argumentsAreWhole
        }

        /// Decodes tolerantly, as ``ToolCall`` does.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: ToolCall.CodingKeys.self)
            index = try? container.decodeIfPresent(Int.self, forKey: .index)
            id = try? container.decodeIfPresent(String.self, forKey: .id)
            if id?.isEmpty == true { id = nil }
            type = try? container.decodeIfPresent(String.self, forKey: .type)
            let function = try? container.nestedContainer(keyedBy: ToolCall.CodingKeys.self, forKey: .function)
            let source = function ?? container
            name = try? source.decodeIfPresent(String.self, forKey: .name)
            if name?.isEmpty == true { name = nil }
            if let text = try? source.decodeIfPresent(String.self, forKey: .arguments) {
                arguments = text
                argumentsAreWhole = false
            } else {
                arguments = ToolCall.argumentsText(in: source)
                argumentsAreWhole = arguments != nil
            }
        }

        /// Encodes the OpenAI fragment form.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: AnyKey.self)
            try container.encodeIfPresent(index, forKey: AnyKey("index"))
            try container.encodeIfPresent(id, forKey: AnyKey("id"))
            try container.encodeIfPresent(type, forKey: AnyKey("type"))
            var function = container.nestedContainer(keyedBy: AnyKey.self, forKey: AnyKey("function"))
            try function.encodeIfPresent(name, forKey: AnyKey("name"))
            try function.encodeIfPresent(arguments, forKey: AnyKey("arguments"))
        }
    }

    /// The response ID.
    public var id: String?
    /// The choices' deltas (empty on a usage-only final chunk).
    public var choices: [Choice]
    /// Token counts, on the last chunk when the server sends them.
    public var usage: TokenUsage?

    /// Creates a chunk.
    public init(id: String? = nil, choices: [Choice], usage: TokenUsage? = nil) {
        self.id = id
        self.choices = choices
        self.usage = usage
    }

    /// Decodes tolerantly: `choices` may be missing (usage-only and keep-alive chunks).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        id = try? container.decodeIfPresent(String.self, forKey: AnyKey("id"))
        choices = (try container.decodeIfPresent([Choice].self, forKey: AnyKey("choices"))) ?? []
        usage = try? container.decodeIfPresent(TokenUsage.self, forKey: AnyKey("usage"))
    }

    /// Encodes the wire form.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: AnyKey.self)
        try container.encodeIfPresent(id, forKey: AnyKey("id"))
        try container.encode(choices, forKey: AnyKey("choices"))
        try container.encodeIfPresent(usage, forKey: AnyKey("usage"))
    }
}

/// A coding key made from any string, for tolerant decoding of loosely specified JSON.
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { return nil }
}
