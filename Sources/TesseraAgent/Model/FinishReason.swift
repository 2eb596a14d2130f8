/// Why the model stopped generating.
///
/// Servers disagree on the spelling, so decoding normalises: OpenAI and vLLM send
/// `stop`/`length`/`tool_calls`/`content_filter` (and `function_call` from the legacy API);
/// Ollama's OpenAI layer sent `stop` for tool calls until mid-2024 (ollama/ollama#5995), and
/// its native API and proxies over it still may (BerriAI/litellm#37792); gateways in front of
/// other vendors pass Anthropic-style `end_turn`, `max_tokens`, `tool_use` through
/// (BerriAI/litellm#12481). Unknown values are kept as ``other(_:)``.
///
/// Do not rely on it to detect tool calls — a `stop` may carry calls; look at the calls.
public enum FinishReason: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The model finished its turn.
    case stop
    /// The token limit cut the answer off.
    case length
    /// The model called tools.
    case toolCalls
    /// A content filter cut the answer off.
    case contentFilter
    /// A value this client does not know.
    case other(String)

    /// Normalises a wire value.
    public init(wireValue: String) {
        switch wireValue.lowercased() {
        case "stop", "eos", "end_turn", "stop_sequence", "end": self = .stop
        case "length", "max_tokens", "model_length": self = .length
        case "tool_calls", "tool_call", "function_call", "tool_use": self = .toolCalls
        case "content_filter", "safety": self = .contentFilter
        default: self = .other(wireValue)
        }
    }

    /// The canonical (OpenAI) wire value.
    public var wireValue: String {
        switch self {
        case .stop: "stop"
        case .length: "length"
        case .toolCalls: "tool_calls"
        case .contentFilter: "content_filter"
        case .other(let value): value
        }
    }

    /// Decodes any string.
    public init(from decoder: any Decoder) throws {
        self.init(wireValue: try decoder.singleValueContainer().decode(String.self))
    }

    /// Encodes the canonical wire value.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(wireValue)
    }

    /// The wire value.
    public var description: String { wireValue }
}
