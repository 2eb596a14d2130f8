import TesseraCanvas
import TesseraCore
import TesseraSync

/// How much of the board an agent shows the model.
public struct ContextLimits: Hashable, Sendable {
    /// Chat messages included, most recent last.
    public var messageCount: Int
    /// The longest message body included; longer ones are cut with "…".
    public var messageCharacters: Int
    /// The budget for the shape summary, in characters (≈ 4 per token for English and JSON).
    public var shapeCharacters: Int
    /// The longest text excerpt per shape.
    public var shapeTextCharacters: Int

    /// Creates limits; the defaults keep the whole context near 3,000 tokens.
    public init(messageCount: Int = 20, messageCharacters: Int = 500, shapeCharacters: Int = 8_000, shapeTextCharacters: Int = 60) {
        self.messageCount = max(0, messageCount)
        self.messageCharacters = max(20, messageCharacters)
        self.shapeCharacters = max(0, shapeCharacters)
        self.shapeTextCharacters = max(0, shapeTextCharacters)
    }
}

/// What the model is told about the board: who is present, the recent chat, and a compact,
/// bounded summary of the shapes.
///
/// On a large board the shape summary is cut to ``ContextLimits/shapeCharacters``, keeping
/// first the shapes the recent chat and the prompt mention (by ID, or by their text), then
/// the most recently edited (by the Lamport time of their latest property write), so the
/// model sees what the conversation is about; it is told how many shapes it does not see and
/// that `query_shapes` finds them.
///
/// ```swift
/// let context = AgentContext(board: live.board, participants: presence, prompt: "Tidy the backlog")
/// print(context.rendered)
/// ```
public struct AgentContext: Hashable, Sendable {
    /// A person or agent present.
    public struct Participant: Hashable, Sendable {
        /// Display name.
        public var name: String
        /// Human or agent.
        public var actor: Origin.Actor
        /// What they are doing, if anything ("typing", "working on …").
        public var activity: String?
    }

    /// One shape, summarised.
    public struct ShapeLine: Hashable, Sendable {
        /// The shape's ID.
        public var id: ShapeID
        /// The summary line, e.g. `12@… sticky at (40, 40) size 200×200 fill #fff3bf "Ship v1"`.
        public var line: String
    }

    /// Who is present (the agent itself excluded).
    public var participants: [Participant]
    /// The recent chat, oldest first.
    public var messages: [ChatMessage]
    /// The shapes shown, most relevant first.
    public var shapes: [ShapeLine]
    /// The number of shapes on the board.
    public var totalShapes: Int

    /// Gathers the context from `board` and the presence records of the others present.
    public init(board: Board, participants records: [PresenceRecord], prompt: String = "", limits: ContextLimits = ContextLimits()) {
        participants = records.map { record in
            let activity: String?
            switch record.status {
            case .idle: activity = nil
            case .typing: activity = "typing"
            case .away: activity = "away"
            case .working(let task): activity = "working on \(task)"
            }
            return Participant(name: record.displayName, actor: record.actor, activity: activity)
        }
        .sorted { ($0.name, $0.actor.rawValue) < ($1.name, $1.actor.rawValue) }
        messages = board.lastMessages(limits.messageCount)
        let all = board.shapes
        totalShapes = all.count
        shapes = AgentContext.selectShapes(all, board: board, mentions: messages.map(\.body) + [prompt], limits: limits)
    }

    /// The context as the text block given to the model.
    public var rendered: String {
        var out = "People present: "
        if participants.isEmpty {
            out += "nobody else.\n"
        } else {
            out += participants.map { p in
                var s = p.name + (p.actor == .agent ? " (AI)" : "")
                if let activity = p.activity { s += ", \(activity)" }
                return s
            }.joined(separator: "; ") + ".\n"
        }
        out += "\nRecent chat (oldest first):\n"
        if messages.isEmpty { out += "(no messages)\n" }
        for message in messages {
            let who = message.author.name.isEmpty ? "someone" : message.author.name + (message.author.isAgent ? " (AI)" : "")
            out += "[\(message.id)] \(who): \(AgentContext.excerpt(message.body, limit: 500))\n"
        }
        out += "\nShapes on the canvas (\(totalShapes) in all"
        if shapes.count < totalShapes { out += "; \(shapes.count) most relevant shown, use query_shapes for the rest" }
        out += "):\n"
        if shapes.isEmpty && totalShapes == 0 { out += "(the canvas is empty)\n" }
        for shape in shapes { out += "- \(shape.line)\n" }
        return out
    }

    // MARK: Selection

    static func selectShapes(_ shapes: [Shape], board: Board, mentions: [String], limits: ContextLimits) -> [ShapeLine] {
        guard !shapes.isEmpty, limits.shapeCharacters > 0 else { return [] }
        let corpus = mentions.joined(separator: "\n")
        let lowered = corpus.lowercased()
        struct Candidate {
            var shape: Shape
            var id: ShapeID
            var priority: Int
            var recency: UInt64
        }
        var candidates: [Candidate] = []
        candidates.reserveCapacity(shapes.count)
        for shape in shapes {
            guard let id = shape.id else { continue }
            var priority = 0
            if corpus.contains(id.rawValue) {
                priority = 2
            } else {
                let label = shape.text.trimmingWhitespace().lowercased()
                if label.count >= 3, lowered.contains(label.count > 40 ? String(label.prefix(40)) : label) { priority = 1 }
            }
            candidates.append(Candidate(shape: shape, id: id, priority: priority, recency: lastEdit(of: id, in: board)))
        }
        candidates.sort { a, b in
            if a.priority != b.priority { return a.priority > b.priority }
            if a.recency != b.recency { return a.recency > b.recency }
            return a.id < b.id
        }
        var budget = limits.shapeCharacters
        var lines: [ShapeLine] = []
        for candidate in candidates {
            let line = summary(of: candidate.shape, id: candidate.id, textLimit: limits.shapeTextCharacters)
            let cost = line.count + 3
            guard cost <= budget else { break }
            budget -= cost
            lines.append(ShapeLine(id: candidate.id, line: line))
        }
        return lines
    }

    /// The Lamport time of the latest write to any of the shape's properties (0 if unknown).
    static func lastEdit(of id: ShapeID, in board: Board) -> UInt64 {
        var latest: UInt64 = 0
        for property in ShapeProperty.allCases {
            guard let writer = try? board.writer(of: property, of: id), let lamport = board.document.lamport(of: writer.operation) else { continue }
            latest = max(latest, lamport)
        }
        if let object = board.shapeObject(id), case .object(let text)? = (try? board.document.get(ShapeProperty.text.key, in: object)) ?? nil,
            let count = try? board.document.count(of: text), count > 0,
            let last = try? board.document.elementID(at: count - 1, in: text), let lamport = board.document.lamport(of: last)
        {
            latest = max(latest, lamport)
        }
        return latest
    }

    /// One line per shape: ID, kind, position, size, colours, and a text excerpt.
    static func summary(of shape: Shape, id: ShapeID, textLimit: Int) -> String {
        var line = "\(id) \(shape.kind) at (\(number(shape.x)), \(number(shape.y)))"
        if shape.kind.isConnector {
            line += " to (\(number(shape.x + shape.w)), \(number(shape.y + shape.h)))"
            if let from = shape.from { line += " from \(from)" }
            if let to = shape.to { line += " to \(to)" }
        } else {
            line += " size \(number(shape.w))×\(number(shape.h))"
        }
        if let fill = shape.fill { line += " fill \(fill.hex)" }
        if let parent = shape.parent { line += " in \(parent)" }
        if shape.locked { line += " locked" }
        let text = shape.text.trimmingWhitespace()
        if !text.isEmpty, textLimit > 0 { line += " \"\(excerpt(text, limit: textLimit))\"" }
        return line
    }

    static func excerpt(_ text: String, limit: Int) -> String {
        let flat = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return flat.count > limit ? String(flat.prefix(limit)) + "…" : flat
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String((value * 10).rounded() / 10)
    }
}
