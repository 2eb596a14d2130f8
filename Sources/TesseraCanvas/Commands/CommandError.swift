/// Why a command was refused: a sentence for a person, and a JSON payload a model can read
/// as a tool result to correct its call.
///
/// A refused command writes nothing.
public struct CommandError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What was wrong, in one sentence.
    public var message: String
    /// The tool that was called, if known.
    public var tool: String?
    /// The argument that was wrong, if one was.
    public var field: String?

    /// Creates an error.
    public init(_ message: String, tool: String? = nil, field: String? = nil) {
        self.message = message
        self.tool = tool
        self.field = field
    }

    /// `{"error": message, "tool": …, "field": …}`: the tool result sent back to a model.
    public var json: JSONValue {
        var members: [String: JSONValue] = ["error": .string(message)]
        if let tool { members["tool"] = .string(tool) }
        if let field { members["field"] = .string(field) }
        return .object(members)
    }

    public var description: String {
        var s = message
        if let field { s = "\(field): " + s }
        if let tool { s = "\(tool): " + s }
        return s
    }
}
