import TesseraCore

/// The command vocabulary: every way a person, a script, a browser or the AI edits a board.
///
/// One schema (``CanvasCommands/tools``), one validator (``init(_:)``), one place that turns
/// a command into operations (``Board/execute(_:origin:)``). Construct a command from a
/// ``CommandRequest``; every argument is checked for type and range before anything runs.
///
/// ```swift
/// let request = try CommandRequest(jsonLine: #"{"tool":"create_shape","args":{"kind":"sticky","x":10,"y":20,"text":"Hi"}}"#)
/// let result = try board.execute(CanvasCommand(request))   // {"id":"12@…"}
/// ```
public enum CanvasCommand: Hashable, Sendable {
    /// Add a shape; the result is its ID.
    case createShape(Shape)
    /// Change some properties of a shape.
    case updateShape(ShapeID, ShapeUpdate)
    /// Delete shapes.
    case deleteShapes([ShapeID])
    /// Change z-order, align or distribute shapes.
    case arrangeShapes(ArrangeAction, [ShapeID])
    /// Find shapes.
    case queryShapes(ShapeQuery)
    /// Post a chat message.
    case postMessage(text: String, replyTo: MessageID?)

    /// The tool name of this command.
    public var tool: String {
        switch self {
        case .createShape: "create_shape"
        case .updateShape: "update_shape"
        case .deleteShapes: "delete_shape"
        case .arrangeShapes: "arrange_shapes"
        case .queryShapes: "query_shapes"
        case .postMessage: "post_message"
        }
    }

    /// Validates `request` and builds the command.
    ///
    /// - Throws: ``CommandError`` naming the tool and the argument at fault (unknown tool,
    ///   unknown or missing argument, wrong type, out-of-range value, malformed colour).
    ///   References to shapes are checked against the board when the command runs.
    public init(_ request: CommandRequest) throws(CommandError) {
        var args = try ArgumentReader(tool: request.tool, request.arguments)
        switch request.tool {
        case "create_shape":
            let kindName = try args.string("kind")
            let kind = ShapeKind(rawValue: kindName)
            var shape = Shape(kind: kind)
            shape.x = try args.number("x")
            shape.y = try args.number("y")
            let connector = kind.isConnector
            let defaultSize: (w: Double, h: Double) =
                kind == .text ? (240, 40) : kind == .sticky ? (200, 200) : connector ? (100, 0) : (120, 80)
            shape.w = try args.optionalNumber("w", nonNegative: !connector) ?? defaultSize.w
            shape.h = try args.optionalNumber("h", nonNegative: !connector) ?? defaultSize.h
            if kind == .sticky { shape.fill = .stickyYellow }
            shape.rotation = try args.optionalNumber("rotation") ?? 0
            if let fill = try args.optionalColor("fill") { shape.fill = fill }
            if let stroke = try args.optionalColor("stroke") { shape.stroke = stroke }
            shape.strokeWidth = try args.optionalNumber("strokeWidth", nonNegative: true) ?? 2
            shape.opacity = try args.optionalNumber("opacity", in: 0...1) ?? 1
            shape.text = try args.optionalString("text") ?? ""
            shape.parent = try args.optionalShapeID("parent")
            shape.from = try args.optionalShapeID("from")
            shape.to = try args.optionalShapeID("to")
            shape.locked = try args.optionalBool("locked") ?? false
            try args.finish()
            do { try shape.validate() } catch { throw CommandError(error.description, tool: request.tool) }
            self = .createShape(shape)
        case "update_shape":
            let id = try args.shapeID("id")
            var update = ShapeUpdate()
            update.x = try args.optionalNumber("x")
            update.y = try args.optionalNumber("y")
            update.w = try args.optionalNumber("w")
            update.h = try args.optionalNumber("h")
            update.rotation = try args.optionalNumber("rotation")
            update.fill = try args.optionalColorOrNull("fill")
            update.stroke = try args.optionalColorOrNull("stroke")
            update.strokeWidth = try args.optionalNumber("strokeWidth", nonNegative: true)
            update.opacity = try args.optionalNumber("opacity", in: 0...1)
            update.text = try args.optionalString("text")
            update.locked = try args.optionalBool("locked")
            update.parent = try args.optionalShapeIDOrNull("parent")
            update.from = try args.optionalShapeIDOrNull("from")
            update.to = try args.optionalShapeIDOrNull("to")
            try args.finish()
            guard !update.isEmpty else {
                throw CommandError("give at least one property to change", tool: request.tool)
            }
            self = .updateShape(id, update)
        case "delete_shape":
            let ids = try args.shapeIDs(single: "id", many: "ids")
            try args.finish()
            self = .deleteShapes(ids)
        case "arrange_shapes":
            let name = try args.string("action")
            guard let action = ArrangeAction(rawValue: name) else {
                throw CommandError("unknown action \"\(name)\"; expected one of \(ArrangeAction.allCases.map(\.rawValue).joined(separator: ", "))",
                                   tool: request.tool, field: "action")
            }
            let ids = try args.shapeIDs(single: "id", many: "ids")
            try args.finish()
            if action.minimumShapes > ids.count {
                throw CommandError("\(name) needs at least \(action.minimumShapes) shapes", tool: request.tool, field: "ids")
            }
            self = .arrangeShapes(action, ids)
        case "query_shapes":
            var query = ShapeQuery()
            if let kind = try args.optionalString("kind") { query.kind = ShapeKind(rawValue: kind) }
            query.textContains = try args.optionalString("text_contains")
            query.ids = try args.optionalShapeIDList("ids")
            if let limit = try args.optionalNumber("limit", in: 1...500) {
                guard limit == limit.rounded() else { throw CommandError("must be a whole number", tool: request.tool, field: "limit") }
                query.limit = Int(limit)
            }
            try args.finish()
            self = .queryShapes(query)
        case "post_message":
            let text = try args.string("text")
            guard !text.isEmpty else { throw CommandError("must not be empty", tool: request.tool, field: "text") }
            let replyTo = try args.optionalString("reply_to").map { MessageID($0) }
            try args.finish()
            self = .postMessage(text: text, replyTo: replyTo)
        default:
            throw CommandError(
                "unknown tool \"\(request.tool)\"; available: \(CanvasCommands.tools.map(\.name).joined(separator: ", "))",
                tool: request.tool)
        }
    }
}

/// The properties an `update_shape` command changes (`nil` = leave as is; for optional
/// properties, `.some(nil)` clears them).
public struct ShapeUpdate: Hashable, Sendable {
    public var x, y, w, h, rotation, strokeWidth, opacity: Double?
    public var fill, stroke: Color??
    public var text: String?
    public var locked: Bool?
    public var parent, from, to: ShapeID??

    /// An empty update.
    public init() {}

    /// Whether nothing would change.
    public var isEmpty: Bool { self == ShapeUpdate() }

    /// Applies the update to `shape`.
    public func apply(to shape: inout Shape) {
        if let x { shape.x = x }
        if let y { shape.y = y }
        if let w { shape.w = w }
        if let h { shape.h = h }
        if let rotation { shape.rotation = rotation }
        if let strokeWidth { shape.strokeWidth = strokeWidth }
        if let opacity { shape.opacity = opacity }
        if let fill { shape.fill = fill }
        if let stroke { shape.stroke = stroke }
        if let text { shape.text = text }
        if let locked { shape.locked = locked }
        if let parent { shape.parent = parent }
        if let from { shape.from = from }
        if let to { shape.to = to }
    }
}

/// What `arrange_shapes` does.
public enum ArrangeAction: String, Hashable, Sendable, CaseIterable {
    case bringToFront = "bring_to_front"
    case sendToBack = "send_to_back"
    case bringForward = "bring_forward"
    case sendBackward = "send_backward"
    case alignLeft = "align_left"
    case alignCenter = "align_center"
    case alignRight = "align_right"
    case alignTop = "align_top"
    case alignMiddle = "align_middle"
    case alignBottom = "align_bottom"
    case distributeHorizontally = "distribute_horizontally"
    case distributeVertically = "distribute_vertically"

    /// Whether the action moves shapes (align, distribute), which a lock forbids; z-order
    /// changes are allowed on locked shapes.
    var movesShapes: Bool { minimumShapes > 1 }

    var minimumShapes: Int {
        switch self {
        case .bringToFront, .sendToBack, .bringForward, .sendBackward: 1
        case .distributeHorizontally, .distributeVertically: 3
        default: 2
        }
    }
}

/// A `query_shapes` filter.
public struct ShapeQuery: Hashable, Sendable {
    public var kind: ShapeKind?
    public var textContains: String?
    public var ids: [ShapeID]?
    public var limit = 100

    /// Matches everything (up to 100 shapes).
    public init() {}
}

/// Reads and checks one command's arguments, remembering which were used so unknown
/// arguments are reported instead of silently ignored.
struct ArgumentReader {
    let tool: String
    let members: [String: JSONValue]
    var used: Set<String> = []

    init(tool: String, _ arguments: JSONValue) throws(CommandError) {
        self.tool = tool
        switch arguments {
        case .object(let members): self.members = members
        case .null: self.members = [:]
        default: throw CommandError("arguments must be a JSON object", tool: tool)
        }
    }

    func error(_ field: String, _ message: String) -> CommandError { CommandError(message, tool: tool, field: field) }

    mutating func take(_ field: String) -> JSONValue? {
        used.insert(field)
        guard let value = members[field], value != .null else { return nil }
        return value
    }

    mutating func string(_ field: String) throws(CommandError) -> String {
        guard let value = take(field) else { throw error(field, "is required") }
        guard case .string(let s) = value else { throw error(field, "must be a string") }
        guard s.utf8.count <= 100_000 else { throw error(field, "is too long (at most 100000 bytes)") }
        return s
    }

    mutating func optionalString(_ field: String) throws(CommandError) -> String? {
        members[field] == nil || members[field] == .null ? { used.insert(field); return nil }() : try string(field)
    }

    mutating func number(_ field: String) throws(CommandError) -> Double {
        guard let value = take(field) else { throw error(field, "is required") }
        guard case .number(let n) = value else { throw error(field, "must be a number") }
        guard n.isFinite, abs(n) <= 1e9 else { throw error(field, "must be a finite number within ±1e9") }
        return n
    }

    mutating func optionalNumber(_ field: String, nonNegative: Bool = false, in range: ClosedRange<Double>? = nil) throws(CommandError) -> Double? {
        guard members[field] != nil, members[field] != .null else { used.insert(field); return nil }
        let n = try number(field)
        if nonNegative, n < 0 { throw error(field, "must not be negative") }
        if let range, !range.contains(n) { throw error(field, "must be between \(JSONValue.format(range.lowerBound)) and \(JSONValue.format(range.upperBound))") }
        return n
    }

    mutating func optionalBool(_ field: String) throws(CommandError) -> Bool? {
        guard let value = take(field) else { return nil }
        guard case .bool(let b) = value else { throw error(field, "must be true or false") }
        return b
    }

    mutating func optionalColor(_ field: String) throws(CommandError) -> Color? {
        guard let s = try optionalString(field) else { return nil }
        do { return try Color(hex: s) } catch { throw self.error(field, "must be a colour like \"#ffcc00\"") }
    }

    /// A colour, or JSON `null` to clear it.
    mutating func optionalColorOrNull(_ field: String) throws(CommandError) -> Color?? {
        guard let value = members[field] else { used.insert(field); return nil }
        if value == .null { used.insert(field); return .some(nil) }
        return .some(try optionalColor(field))
    }

    mutating func shapeID(_ field: String) throws(CommandError) -> ShapeID {
        let s = try string(field)
        guard !s.isEmpty else { throw error(field, "must not be empty") }
        return ShapeID(s)
    }

    mutating func optionalShapeID(_ field: String) throws(CommandError) -> ShapeID? {
        try optionalString(field).map { ShapeID($0) }
    }

    mutating func optionalShapeIDOrNull(_ field: String) throws(CommandError) -> ShapeID?? {
        guard let value = members[field] else { used.insert(field); return nil }
        if value == .null { used.insert(field); return .some(nil) }
        return .some(try optionalShapeID(field))
    }

    mutating func optionalShapeIDList(_ field: String) throws(CommandError) -> [ShapeID]? {
        guard let value = take(field) else { return nil }
        guard case .array(let elements) = value else { throw error(field, "must be an array of shape IDs") }
        guard elements.count <= 1_000 else { throw error(field, "has more than 1000 entries") }
        return try elements.map { (element: JSONValue) throws(CommandError) -> ShapeID in
            guard case .string(let s) = element, !s.isEmpty else { throw error(field, "must contain only shape ID strings") }
            return ShapeID(s)
        }
    }

    /// Either `single` (one ID) or `many` (a non-empty array), not both.
    mutating func shapeIDs(single: String, many: String) throws(CommandError) -> [ShapeID] {
        let one = try optionalShapeID(single)
        let list = try optionalShapeIDList(many)
        switch (one, list) {
        case (let id?, nil): return [id]
        case (nil, let ids?) where !ids.isEmpty: return ids
        case (nil, _): throw error(many, "give \"\(single)\" or a non-empty \"\(many)\"")
        default: throw error(many, "give either \"\(single)\" or \"\(many)\", not both")
        }
    }

    func finish() throws(CommandError) {
        let unknown = Set(members.keys).subtracting(used).sorted()
        if let first = unknown.first {
            throw error(first, "unknown argument; expected \(used.sorted().joined(separator: ", "))")
        }
    }
}
