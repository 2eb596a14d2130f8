/// One call of a tool: its name and JSON arguments, as a model, a script or a browser sends it.
///
/// The JSON-lines form read by `tessera join` is `{"tool": "create_shape", "args": {…}}`.
public struct CommandRequest: Hashable, Sendable {
    /// The tool's name, e.g. `create_shape`.
    public var tool: String
    /// The arguments object.
    public var arguments: JSONValue

    /// Creates a request.
    public init(tool: String, arguments: JSONValue) {
        self.tool = tool
        self.arguments = arguments
    }

    /// Parses one JSON line `{"tool": "…", "args": {…}}` (`arguments` is accepted for `args`).
    public init(jsonLine: String) throws(CommandError) {
        let value = try JSONValue(parsing: jsonLine)
        guard case .object(let members) = value else { throw CommandError("a command must be a JSON object") }
        guard case .string(let tool)? = members["tool"] else {
            throw CommandError("a command needs a \"tool\" string", field: "tool")
        }
        let arguments = members["args"] ?? members["arguments"] ?? .object([:])
        // Some local model servers send arguments as a JSON string rather than an object.
        if case .string(let text) = arguments {
            self.init(tool: tool, arguments: try JSONValue(parsing: text))
        } else {
            self.init(tool: tool, arguments: arguments)
        }
    }
}
