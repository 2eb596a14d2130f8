import TesseraCanvas

/// A function call the model asks for: `{"id", "type": "function", "function": {"name", "arguments"}}`.
///
/// `arguments` is kept as the JSON *text* the model wrote, because it may be malformed: the
/// executor parses it and answers a parse error with a tool result the model can act on.
///
/// Decoding tolerates what local servers send:
/// - `arguments` as a JSON object instead of a string: Ollama's native `/api/chat` shape,
///   which proxies in front of it (LiteLLM's `ollama_chat`, BerriAI/litellm#37792) pass on;
///   it is re-serialised.
/// - `arguments` missing (a call without parameters): `{}`.
/// - `id` missing or empty: llama-server's non-streamed tool calls had none in early 2025
///   (ggml-org/llama.cpp#11992), nor do Ollama's native ones. Left empty here;
///   ``Completion`` gives such calls stable synthetic IDs
///   (``ToolCall/synthesizedID(index:name:arguments:)``).
/// - `type` missing (continuation fragments of streamed calls, Ollama's native calls): `"function"`.
/// - `name`/`arguments` at the top level rather than under `function` (the pre-`tools`
///   `function_call` shape some gateways still emit).
public struct ToolCall: Codable, Hashable, Sendable {
    /// The call's ID, echoed in the tool result's `tool_call_id`.
    public var id: String
    /// Always `"function"` today.
    public var type: String
    /// The tool's name.
    public var name: String
    /// The arguments as JSON text (possibly malformed).
    public var arguments: String

    /// Creates a call.
    public init(id: String, type: String = "function", name: String, arguments: String) {
        self.id = id
        self.type = type
        self.name = name
        self.arguments = arguments
    }

    /// The arguments parsed as JSON.
    ///
    /// - Throws: ``CommandError`` naming the tool, with the parse error's position.
    public func parsedArguments() throws(CommandError) -> JSONValue {
        let text = arguments.trimmingWhitespace()
        if text.isEmpty { return .object([:]) }
        do {
            return try JSONValue(parsing: text)
        } catch {
            throw CommandError("the arguments are not valid JSON (\(error.message)); send a JSON object", tool: name)
        }
    }

    /// A stable ID for a call the server sent without one: the same call in the same position
    /// always gets the same ID, so transcripts and retries are reproducible.
    public static func synthesizedID(index: Int, name: String, arguments: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name.utf8 + [0] + arguments.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        let hex = String(hash & 0xFFFF_FFFF, radix: 16)
        return "call_\(index)_" + String(repeating: "0", count: 8 - hex.count) + hex
    }

    enum CodingKeys: String, CodingKey {
        case id, type, function, name, arguments, index
    }

    /// Decodes tolerantly (see the type's documentation).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = (try? container.decodeIfPresent(String.self, forKey: .id)) ?? ""
        type = (try? container.decodeIfPresent(String.self, forKey: .type)) ?? "function"
        let function = try? container.nestedContainer(keyedBy: CodingKeys.self, forKey: .function)
        let source = function ?? container
        name = (try? source.decodeIfPresent(String.self, forKey: .name)) ?? ""
        arguments = ToolCall.argumentsText(in: source) ?? "{}"
    }

    /// Encodes the OpenAI form, `arguments` as a string (what every server accepts back).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(type, forKey: .type)
        var function = container.nestedContainer(keyedBy: CodingKeys.self, forKey: .function)
        try function.encode(name, forKey: .name)
        try function.encode(arguments, forKey: .arguments)
    }

    /// `arguments` as text, whether sent as a string or as a JSON value; `nil` if absent.
    static func argumentsText(in container: KeyedDecodingContainer<CodingKeys>) -> String? {
        if let text = try? container.decodeIfPresent(String.self, forKey: .arguments) { return text }
        if let value = try? container.decodeIfPresent(JSONValue.self, forKey: .arguments), value != .null { return value.serialized }
        return nil
    }
}
