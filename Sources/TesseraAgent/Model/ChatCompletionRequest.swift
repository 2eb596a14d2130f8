import TesseraCanvas

/// The body of `POST {base}/chat/completions`.
///
/// ```swift
/// let request = ChatCompletionRequest(
///     messages: [.system("You edit a canvas."), .user("Draw a box")],
///     tools: CanvasCommands.tools.map(ChatCompletionTool.init))
/// let completion = try await client.complete(request)
/// ```
///
/// Only fields every supported server understands are sent; `nil` fields are omitted (the
/// model name is filled in by the client from its configuration when empty). `stream` is
/// set by the client.
public struct ChatCompletionRequest: Codable, Hashable, Sendable {
    /// The model; empty means "the client's configured model".
    public var model: String
    /// The conversation so far.
    public var messages: [ChatCompletionMessage]
    /// The functions the model may call.
    public var tools: [ChatCompletionTool]?
    /// `auto` (default when tools are given), `none` or `required`.
    public var toolChoice: String?
    /// Sampling temperature.
    public var temperature: Double?
    /// The most tokens to generate. Sent as `max_tokens`, which OpenAI still accepts for chat
    /// models and which Ollama, llama.cpp and vLLM read (`max_completion_tokens` is newer and
    /// not understood by all of them).
    public var maxTokens: Int?
    /// Whether to stream server-sent events; set by the client.
    public var stream: Bool?

    /// Creates a request.
    public init(
        model: String = "", messages: [ChatCompletionMessage], tools: [ChatCompletionTool]? = nil, toolChoice: String? = nil,
        temperature: Double? = nil, maxTokens: Int? = nil, stream: Bool? = nil
    ) {
        self.model = model
        self.messages = messages
        self.tools = tools
        self.toolChoice = toolChoice
        self.temperature = temperature
        self.maxTokens = maxTokens
        self.stream = stream
    }

    enum CodingKeys: String, CodingKey {
        case model, messages, tools, temperature, stream
        case toolChoice = "tool_choice"
        case maxTokens = "max_tokens"
    }
}

/// A tool offered to the model: `{"type": "function", "function": {name, description, parameters}}`.
public struct ChatCompletionTool: Codable, Hashable, Sendable {
    /// The function's name.
    public var name: String
    /// What it does.
    public var description: String
    /// The JSON Schema of its arguments.
    public var parameters: JSONValue

    /// Creates a tool.
    public init(name: String, description: String, parameters: JSONValue) {
        self.name = name
        self.description = description
        self.parameters = parameters
    }

    /// The wire form of one command of the shared vocabulary.
    public init(_ definition: ToolDefinition) {
        self.init(name: definition.name, description: definition.description, parameters: definition.parameters)
    }

    enum CodingKeys: String, CodingKey { case type, function }
    enum FunctionKeys: String, CodingKey { case name, description, parameters }

    /// Decodes the wire form.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let function = try container.nestedContainer(keyedBy: FunctionKeys.self, forKey: .function)
        name = try function.decode(String.self, forKey: .name)
        description = try function.decodeIfPresent(String.self, forKey: .description) ?? ""
        parameters = try function.decodeIfPresent(JSONValue.self, forKey: .parameters) ?? ["type": "object"]
    }

    /// Encodes the wire form.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode("function", forKey: .type)
        var function = container.nestedContainer(keyedBy: FunctionKeys.self, forKey: .function)
        try function.encode(name, forKey: .name)
        try function.encode(description, forKey: .description)
        try function.encode(parameters, forKey: .parameters)
    }
}
