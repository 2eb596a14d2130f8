import TesseraCanvas

/// One message of a Chat Completions conversation, as sent and as received.
///
/// ```swift
/// let messages: [ChatCompletionMessage] = [
///     .system("You edit a shared canvas."),
///     .user("Add a yellow sticky that says Hello"),
/// ]
/// ```
///
/// Decoding is tolerant: `content` may be a string, `null`, or an array of `{"type":"text",
/// "text":…}` parts (OpenAI's multi-part form, which vLLM also echoes); unknown fields such as
/// `reasoning_content` (vLLM, llama.cpp with reasoning models) or `refusal` are ignored.
public struct ChatCompletionMessage: Codable, Hashable, Sendable {
    /// Who speaks.
    public struct Role: RawRepresentable, Codable, Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
        /// The wire name.
        public var rawValue: String
        /// Wraps a wire name (unknown names are kept, not rejected).
        public init(rawValue: String) { self.rawValue = rawValue }
        /// Wraps a literal wire name.
        public init(stringLiteral value: String) { rawValue = value }
        /// Instructions.
        public static let system: Role = "system"
        /// A person.
        public static let user: Role = "user"
        /// The model.
        public static let assistant: Role = "assistant"
        /// A tool's result.
        public static let tool: Role = "tool"
        /// The wire name.
        public var description: String { rawValue }
    }

    /// Who speaks.
    public var role: Role
    /// The text; `nil` for an assistant turn that only calls tools.
    public var content: String?
    /// The tools an assistant turn calls.
    public var toolCalls: [ToolCall]?
    /// For a tool result: the ID of the call it answers.
    public var toolCallID: String?
    /// For a tool result: the tool's name (sent too, since servers whose chat templates key tool
    /// results by name rather than by call ID need it).
    public var name: String?

    /// Creates a message.
    public init(role: Role, content: String?, toolCalls: [ToolCall]? = nil, toolCallID: String? = nil, name: String? = nil) {
        self.role = role
        self.content = content
        self.toolCalls = toolCalls
        self.toolCallID = toolCallID
        self.name = name
    }

    /// A system message.
    public static func system(_ text: String) -> ChatCompletionMessage { ChatCompletionMessage(role: .system, content: text) }
    /// A user message.
    public static func user(_ text: String) -> ChatCompletionMessage { ChatCompletionMessage(role: .user, content: text) }
    /// An assistant turn (to replay the model's earlier turns).
    public static func assistant(_ text: String?, toolCalls: [ToolCall]? = nil) -> ChatCompletionMessage {
        ChatCompletionMessage(role: .assistant, content: text, toolCalls: toolCalls?.isEmpty == true ? nil : toolCalls)
    }
    /// The result of tool call `call`.
    public static func toolResult(for call: ToolCall, content: String) -> ChatCompletionMessage {
        ChatCompletionMessage(role: .tool, content: content, toolCallID: call.id, name: call.name)
    }

    enum CodingKeys: String, CodingKey {
        case role, content, name
        case toolCalls = "tool_calls"
        case toolCallID = "tool_call_id"
    }

    /// Decodes tolerantly (see the type's documentation).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        role = (try? container.decodeIfPresent(Role.self, forKey: .role)) ?? .assistant
        if let text = try? container.decodeIfPresent(String.self, forKey: .content) {
            content = text
        } else if let parts = try? container.decodeIfPresent([JSONValue].self, forKey: .content) {
            content = parts.compactMap { $0["text"]?.string ?? $0.string }.joined()
        } else {
            content = nil
        }
        let calls = try container.decodeIfPresent([ToolCall].self, forKey: .toolCalls)
        toolCalls = calls?.isEmpty == true ? nil : calls
        toolCallID = try? container.decodeIfPresent(String.self, forKey: .toolCallID)
        name = try? container.decodeIfPresent(String.self, forKey: .name)
    }

    /// Encodes the wire form. An assistant turn with tool calls and no text sends
    /// `"content": null`, which every server accepts, rather than omitting it, which
    /// some older OpenAI-compatible servers reject.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(role, forKey: .role)
        if let content {
            try container.encode(content, forKey: .content)
        } else {
            try container.encodeNil(forKey: .content)
        }
        try container.encodeIfPresent(toolCalls, forKey: .toolCalls)
        try container.encodeIfPresent(toolCallID, forKey: .toolCallID)
        try container.encodeIfPresent(name, forKey: .name)
    }
}

extension ChatCompletionMessage.Role {
    /// Decodes any string.
    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    /// Encodes the wire name.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
