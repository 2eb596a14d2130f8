import Synchronization
import TesseraCanvas
import TesseraCore
import TesseraSync

/// Runs one AI request on a board: builds the context, talks to the model, executes its
/// tool calls as board commands, and streams its reply into the chat.
///
/// Every edit goes through the shared command vocabulary (``TesseraCanvas/CanvasCommand``,
/// ``TesseraCanvas/LiveBoard/execute(_:origin:)``) with origin
/// `.agent(name@replica, request: R, onBehalfOf: asker)`, so it is an ordinary change that
/// syncs, merges per property, and can be reverted by request. The reply is a chat message
/// created empty first and appended to as text arrives.
///
/// An invalid call — arguments that are not JSON, an unknown tool, a shape ID that does not
/// exist, a value out of range — is answered with a tool result holding the
/// ``TesseraCanvas/CommandError``'s JSON (`{"error": …, "tool": …, "field": …}`), and the
/// model gets another round to correct it, up to ``AgentSettings/maximumRounds``.
///
/// ``AgentParticipant`` uses a runner for each request it wins; use one directly to answer
/// a prompt without elections (a single-user app, a script):
///
/// ```swift
/// let runner = AgentRunner(board: live, model: client, identity: AgentIdentity(name: "Tessa"))
/// let outcome = await runner.run(request, participants: [])
/// ```
public struct AgentRunner: Sendable {
    /// Callbacks from a run to whoever supervises it.
    public struct Hooks: Sendable {
        /// Asked before each model call and each tool call; `false` stops the run (the
        /// request was answered elsewhere, rejected, or taken over).
        public var shouldContinue: @Sendable () async -> Bool
        /// Told about each shape an edit touched (for the presence cursor).
        public var touched: @Sendable (ShapeID) async -> Void

        /// Creates hooks.
        public init(shouldContinue: @escaping @Sendable () async -> Bool = { true }, touched: @escaping @Sendable (ShapeID) async -> Void = { _ in }) {
            self.shouldContinue = shouldContinue
            self.touched = touched
        }
    }

    /// How a run ended.
    public enum Outcome: Hashable, Sendable {
        /// The model finished; `message` is the reply.
        case answered(message: MessageID)
        /// The run failed; the reply (if it was created) says why.
        case failed(message: MessageID?, reason: String, modelUnreachable: Bool)
        /// ``Hooks/shouldContinue`` said stop.
        case stopped(message: MessageID?)
    }

    /// The board edited.
    public let board: LiveBoard
    /// The model.
    public let model: any ChatModel
    /// The agent's name and colour.
    public let identity: AgentIdentity
    /// Rounds, streaming, context limits.
    public let settings: AgentSettings

    /// Creates a runner.
    public init(board: LiveBoard, model: any ChatModel, identity: AgentIdentity = AgentIdentity(), settings: AgentSettings = AgentSettings()) {
        self.board = board
        self.model = model
        self.identity = identity
        self.settings = settings
    }

    /// The replica the runner writes as.
    public var replica: ReplicaID { board.shared.read { $0.replica } }

    /// The origin of the runner's edits for `request`.
    public func origin(for request: AgentRequest) -> Origin {
        .agent(identity.originName(on: replica), request: request.id.rawValue, onBehalfOf: request.author.isEmpty ? nil : request.author)
    }

    /// The tools offered to the model: the board's command vocabulary.
    public static var tools: [ChatCompletionTool] { CanvasCommands.tools.map(ChatCompletionTool.init) }

    // MARK: Running

    /// Answers `request`.
    ///
    /// - Parameters:
    ///   - participants: the presence records of the others present (for the context).
    ///   - hooks: supervision callbacks.
    public func run(_ request: AgentRequest, participants: [PresenceRecord], hooks: Hooks = Hooks()) async -> Outcome {
        let origin = origin(for: request)
        guard await hooks.shouldContinue() else { return .stopped(message: nil) }
        let reply: MessageID
        do {
            reply = try postReply(to: request, origin: origin)
        } catch {
            return .failed(message: nil, reason: "could not post the reply: \(error)", modelUnreachable: false)
        }
        let sink = ReplySink(board: board, message: reply, origin: origin)
        let context = AgentContext(board: board.board, participants: participants, prompt: request.prompt, limits: settings.context)
        var transcript: [ChatCompletionMessage] = [
            .system(systemPrompt(for: request) + "\n\n" + context.rendered),
            .user(request.author.isEmpty ? request.prompt : "\(request.author) asks: \(request.prompt)"),
        ]
        var actions: [String] = []
        for round in 1...settings.maximumRounds {
            guard await hooks.shouldContinue() else { return .stopped(message: reply) }
            let body = ChatCompletionRequest(
                messages: transcript, tools: AgentRunner.tools, toolChoice: "auto", temperature: settings.temperature)
            sink.beginRound()
            let completion: Completion
            do {
                if settings.streaming {
                    completion = try await model.stream(body) { delta in sink.append(delta) }
                } else {
                    completion = try await model.complete(body)
                    sink.append(completion.content)
                }
            } catch {
                if error == .cancelled || Task.isCancelled { return .stopped(message: reply) }
                sink.appendNote("I could not answer: \(error.description). You can retry the request.")
                let unreachable: Bool
                switch error {
                case .unreachable, .timedOut: unreachable = true
                default: unreachable = false
                }
                return .failed(message: reply, reason: error.description, modelUnreachable: unreachable)
            }
            transcript.append(completion.message)
            guard !completion.toolCalls.isEmpty else { break }
            for call in completion.toolCalls {
                guard await hooks.shouldContinue() else { return .stopped(message: reply) }
                let result = execute(call, request: request, origin: origin)
                if let touched = result.touched { await hooks.touched(touched) }
                if let action = result.action { actions.append(action) }
                transcript.append(.toolResult(for: call, content: result.json.serialized))
            }
            if round == settings.maximumRounds {
                let reason = "stopped after \(settings.maximumRounds) rounds of tool calls without finishing"
                sink.appendNote("I \(reason). You can retry the request or reject what I changed.")
                return .failed(message: reply, reason: reason, modelUnreachable: false)
            }
        }
        if !sink.wroteText {
            sink.append(actions.isEmpty ? "Done." : "Done: " + actions.joined(separator: "; ") + ".")
        }
        return .answered(message: reply)
    }

    /// The system prompt: the rules of the canvas and the tools.
    func systemPrompt(for request: AgentRequest) -> String {
        var prompt = """
            You are \(identity.name), an AI participant on a shared, real-time canvas. People and you edit the same board; \
            everything you do is seen by everyone at once and can be undone.
            - Change the canvas only by calling the tools. Use shape IDs exactly as listed (they look like "12@3f2a9c0d11223344"); \
            call query_shapes to find shapes you cannot see.
            - Coordinates are canvas units: x grows to the right, y grows downwards, (x, y) is a shape's top-left corner.
            - If a tool result contains "error", read it, correct the call and try again.
            - Your text reply is streamed into the chat as you write it: keep it short and say what you changed.
            """
        if !request.author.isEmpty { prompt += "\nYou are answering \(request.author)." }
        if let instructions = settings.instructions, !instructions.isEmpty { prompt += "\n" + instructions }
        return prompt
    }

    // MARK: Edits

    /// Creates the (empty) reply, answering the question when this replica has it.
    private func postReply(to request: AgentRequest, origin: Origin) throws(CanvasError) -> MessageID {
        let author = Author(replica: replica, name: identity.name, actor: .agent)
        var id: MessageID?
        let question = request.message.flatMap { board.board.message($0) == nil ? nil : $0 }
        try board.transact(origin: origin) { (board: inout Board) throws(CanvasError) in
            id = try board.post("", author: author, replyTo: question, request: request.id.rawValue)
        }
        guard let id else { throw .document(.invalidOperation("the reply was not posted")) }
        return id
    }

    /// The outcome of one tool call.
    struct ToolResult {
        var json: JSONValue
        var touched: ShapeID?
        var action: String?
    }

    /// Validates and executes one call; every failure becomes a result the model can read.
    func execute(_ call: ToolCall, request: AgentRequest, origin: Origin) -> ToolResult {
        do {
            let arguments = try call.parsedArguments()
            let command = try CanvasCommand(CommandRequest(tool: call.name, arguments: arguments))
            if case .postMessage(let text, let replyTo) = command {
                return try post(text, replyTo: replyTo, request: request, origin: origin)
            }
            let result = try board.execute(command, origin: origin)
            return ToolResult(json: result, touched: AgentRunner.touchedShape(by: command, result: result), action: AgentRunner.action(command, result: result))
        } catch {
            return ToolResult(json: error.json, touched: nil, action: nil)
        }
    }

    /// `post_message` from the agent: posted with the agent as author and tagged with the
    /// request, so it is attributed like the reply and reverted with the request's edits.
    private func post(_ text: String, replyTo: MessageID?, request: AgentRequest, origin: Origin) throws(CommandError) -> ToolResult {
        let author = Author(replica: replica, name: identity.name, actor: .agent)
        if let replyTo, board.board.message(replyTo) == nil {
            throw CommandError("no message with id \"\(replyTo)\"", tool: "post_message", field: "reply_to")
        }
        var id: MessageID?
        do {
            try board.transact(origin: origin) { (board: inout Board) throws(CanvasError) in
                id = try board.post(text, author: author, replyTo: replyTo, request: request.id.rawValue)
            }
        } catch {
            throw CommandError(error.description, tool: "post_message")
        }
        return ToolResult(json: ["id": .string(id?.rawValue ?? "")], touched: nil, action: "posted a message")
    }

    static func touchedShape(by command: CanvasCommand, result: JSONValue) -> ShapeID? {
        switch command {
        case .createShape: result["id"]?.string.map { ShapeID($0) }
        case .updateShape(let id, _): id
        case .arrangeShapes(_, let ids): ids.last
        case .deleteShapes, .queryShapes, .postMessage: nil
        }
    }

    static func action(_ command: CanvasCommand, result: JSONValue) -> String? {
        switch command {
        case .createShape(let shape): "added a \(shape.kind)" + (shape.text.isEmpty ? "" : " \"\(AgentContext.excerpt(shape.text, limit: 30))\"")
        case .updateShape(let id, _): "updated \(id)"
        case .deleteShapes(let ids): ids.count == 1 ? "deleted \(ids[0])" : "deleted \(ids.count) shapes"
        case .arrangeShapes(let action, let ids): "\(action.rawValue.replacingUnderscores()) \(ids.count) shape\(ids.count == 1 ? "" : "s")"
        case .queryShapes, .postMessage: nil
        }
    }
}

extension String {
    func replacingUnderscores() -> String { String(map { $0 == "_" ? " " : $0 }) }
}

/// Appends a streamed reply to its chat message, one transaction per delta, separating the
/// text of successive rounds with a blank line.
final class ReplySink: Sendable {
    private struct State {
        var wroteText = false
        var roundStarted = false
    }

    let board: LiveBoard
    let message: MessageID
    let origin: Origin
    private let state = Mutex(State())

    init(board: LiveBoard, message: MessageID, origin: Origin) {
        self.board = board
        self.message = message
        self.origin = origin
    }

    /// Whether any text reached the message.
    var wroteText: Bool { state.withLock { $0.wroteText } }

    /// The next text starts a new paragraph if the message already has text.
    func beginRound() { state.withLock { $0.roundStarted = true } }

    /// Appends `text` (nothing if empty).
    func append(_ text: String) {
        guard !text.isEmpty else { return }
        let prefix = state.withLock { state -> String in
            defer {
                state.wroteText = true
                state.roundStarted = false
            }
            return state.wroteText && state.roundStarted ? "\n\n" : ""
        }
        write(prefix + text)
    }

    /// Appends a note (a failure) as its own paragraph.
    func appendNote(_ text: String) {
        let prefix = state.withLock { state -> String in
            defer { state.wroteText = true }
            return state.wroteText ? "\n\n" : ""
        }
        write(prefix + text)
    }

    private func write(_ text: String) {
        let message = message
        // A failed append (the message was removed by a concurrent reject) loses only display
        // text; the run notices the rejection at its next checkpoint.
        try? board.transact(origin: origin) { (board: inout Board) throws(CanvasError) in
            try board.appendToMessage(message, text: text)
        }
    }
}
