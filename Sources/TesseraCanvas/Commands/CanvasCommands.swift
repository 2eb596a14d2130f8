/// A tool as a model sees it: a name, a description and a JSON Schema for its arguments
/// (the `tools` entry of an OpenAI-compatible Chat Completions request).
public struct ToolDefinition: Hashable, Sendable {
    /// The function name.
    public var name: String
    /// What it does, for the model.
    public var description: String
    /// A JSON Schema object describing the arguments.
    public var parameters: JSONValue

    /// Creates a definition.
    public init(name: String, description: String, parameters: JSONValue) {
        self.name = name
        self.description = description
        self.parameters = parameters
    }

    /// `{"type":"function","function":{name, description, parameters}}`.
    public var openAIFormat: JSONValue {
        ["type": "function", "function": ["name": .string(name), "description": .string(description), "parameters": parameters]]
    }
}

/// The schemas of the command vocabulary, derived from the canvas model.
public enum CanvasCommands {
    private static let number: JSONValue = ["type": "number"]
    private static let color: JSONValue = ["type": "string", "pattern": "^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$", "description": "hex colour, e.g. #ffcc00"]
    private static let shapeID: JSONValue = ["type": "string", "description": "a shape ID as returned by create_shape or query_shapes"]
    private static let kinds: JSONValue = .array(ShapeKind.builtIn.map { .string($0.rawValue) })

    private static func object(_ properties: [String: JSONValue], required: [String]) -> JSONValue {
        ["type": "object", "properties": .object(properties), "required": .array(required.map(JSONValue.string)), "additionalProperties": false]
    }

    private static let shapeProperties: [String: JSONValue] = [
        "x": number, "y": number,
        "w": ["type": "number", "description": "width (for line/arrow: the x extent, may be negative)"],
        "h": ["type": "number", "description": "height (for line/arrow: the y extent, may be negative)"],
        "rotation": ["type": "number", "description": "degrees"],
        "fill": color, "stroke": color,
        "strokeWidth": ["type": "number", "minimum": 0],
        "opacity": ["type": "number", "minimum": 0, "maximum": 1],
        "text": ["type": "string", "description": "label or note text"],
        "parent": shapeID, "from": shapeID, "to": shapeID,
        "locked": ["type": "boolean"],
    ]

    /// Every tool, in a stable order.
    public static let tools: [ToolDefinition] = [
        ToolDefinition(
            name: "create_shape",
            description: "Add a shape to the canvas. Returns its id. Arrows/lines may bind their ends to shapes with from/to.",
            parameters: object(shapeProperties.merging(["kind": ["type": "string", "enum": kinds]]) { a, _ in a },
                               required: ["kind", "x", "y"])),
        ToolDefinition(
            name: "update_shape",
            description: "Change some properties of an existing shape; properties not given stay as they are. null clears fill, stroke, parent, from, to.",
            parameters: object(shapeProperties.merging(["id": shapeID]) { a, _ in a }, required: ["id"])),
        ToolDefinition(
            name: "delete_shape",
            description: "Delete one shape (id) or several (ids).",
            parameters: object(["id": shapeID, "ids": ["type": "array", "items": shapeID, "minItems": 1]], required: [])),
        ToolDefinition(
            name: "arrange_shapes",
            description: "Change z-order (bring_to_front, send_to_back, bring_forward, send_backward), align (align_left/center/right/top/middle/bottom, 2+ shapes) or distribute (distribute_horizontally/vertically, 3+ shapes).",
            parameters: object([
                "action": ["type": "string", "enum": .array(ArrangeAction.allCases.map { .string($0.rawValue) })],
                "id": shapeID, "ids": ["type": "array", "items": shapeID, "minItems": 1],
            ], required: ["action"])),
        ToolDefinition(
            name: "query_shapes",
            description: "List shapes on the canvas (bottom to top), optionally filtered by kind, text or ids.",
            parameters: object([
                "kind": ["type": "string", "enum": kinds],
                "text_contains": ["type": "string"],
                "ids": ["type": "array", "items": shapeID],
                "limit": ["type": "integer", "minimum": 1, "maximum": 500],
            ], required: [])),
        ToolDefinition(
            name: "post_message",
            description: "Post a message to the chat.",
            parameters: object(["text": ["type": "string", "minLength": 1], "reply_to": ["type": "string", "description": "message id"]],
                               required: ["text"])),
    ]
}
