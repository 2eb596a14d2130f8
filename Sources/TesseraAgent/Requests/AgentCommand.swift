import TesseraCanvas
import TesseraCore

/// The AI-request commands of the JSON-lines vocabulary, next to the canvas tools: how a
/// script or `tessera join` asks the AI, follows a request, rejects or retries it.
///
/// ```text
/// {"tool":"ask","args":{"prompt":"Group the stickies by theme","wait":60}}
/// {"tool":"requests"}
/// {"tool":"reject_request","args":{"request":"12@00000000000ada01"}}
/// {"tool":"retry_request","args":{"request":"12@00000000000ada01"}}
/// ```
///
/// `ask` files a request (see ``AgentRequests/file(prompt:author:in:postsPrompt:createdAt:)``)
/// and, with `wait` (seconds), waits until it is answered, fails or is rejected; any replica
/// running an ``AgentParticipant`` in the room may answer it. These commands are not model
/// tools: the model never files or rejects requests.
public enum AgentCommand: Hashable, Sendable {
    /// Files a request; waits up to `wait` for its outcome when given.
    case ask(prompt: String, wait: Duration?)
    /// Lists every request with its status and answer.
    case requests
    /// Rejects a request: its edits are reverted, its reply leaves the chat.
    case reject(RequestID)
    /// Puts a failed request back to pending.
    case retry(RequestID)

    /// The tool names this type handles.
    public static let toolNames: Set<String> = ["ask", "requests", "reject_request", "retry_request"]

    /// The longest `wait` accepted, in seconds.
    public static let maximumWaitSeconds: Double = 3600

    /// Reads a command; `nil` when `request` names a tool this type does not handle.
    ///
    /// - Throws: ``TesseraCanvas/CommandError`` naming the bad field.
    public init?(_ request: CommandRequest) throws(CommandError) {
        guard Self.toolNames.contains(request.tool) else { return nil }
        let tool = request.tool
        let members: [String: JSONValue]
        switch request.arguments {
        case .object(let object): members = object
        case .null: members = [:]
        default: throw CommandError("arguments must be a JSON object", tool: tool)
        }
        func string(_ field: String) throws(CommandError) -> String {
            guard let value = members[field], value != .null else { throw CommandError("is required", tool: tool, field: field) }
            guard case .string(let string) = value else { throw CommandError("must be a string", tool: tool, field: field) }
            return string
        }
        func only(_ allowed: Set<String>) throws(CommandError) {
            if let unknown = members.keys.sorted().first(where: { !allowed.contains($0) }) {
                throw CommandError("unknown argument", tool: tool, field: unknown)
            }
        }
        switch tool {
        case "ask":
            try only(["prompt", "wait"])
            let prompt = try string("prompt").trimmingWhitespace()
            guard !prompt.isEmpty else { throw CommandError("must not be empty", tool: tool, field: "prompt") }
            guard prompt.utf8.count <= 20_000 else { throw CommandError("is too long (at most 20000 bytes)", tool: tool, field: "prompt") }
            var wait: Duration?
            switch members["wait"] {
            case nil, .null?: break
            case .number(let seconds)?:
                guard seconds.isFinite, seconds >= 0, seconds <= Self.maximumWaitSeconds else {
                    throw CommandError("must be 0…\(Int(Self.maximumWaitSeconds)) seconds", tool: tool, field: "wait")
                }
                wait = seconds > 0 ? .milliseconds(Int64((seconds * 1000).rounded())) : nil
            default:
                throw CommandError("must be a number of seconds", tool: tool, field: "wait")
            }
            self = .ask(prompt: prompt, wait: wait)
        case "requests":
            try only([])
            self = .requests
        default:
            try only(["request"])
            let id = RequestID(try string("request"))
            self = tool == "reject_request" ? .reject(id) : .retry(id)
        }
    }

    /// Runs the command on `live` as `author` and returns its result.
    ///
    /// `ask` with a `wait` returns when the request is answered, failed or rejected, or when
    /// the wait is over (then with its status so far); the board must be synced meanwhile by
    /// whoever owns it.
    ///
    /// - Parameter written: called once the command's edits are on the board, before any
    ///   waiting: the place to save them and hand them to sync. Its error is reported as the
    ///   command's (the edits stay on the board).
    /// - Throws: ``TesseraCanvas/CommandError`` saying why nothing was done.
    public func execute(
        on live: LiveBoard, as author: Author, written: () async throws -> Void = {}
    ) async throws(CommandError) -> JSONValue {
        func commit(_ tool: String) async throws(CommandError) {
            do {
                try await written()
            } catch {
                throw CommandError("the edit was made but could not be saved: \(error)", tool: tool)
            }
        }
        switch self {
        case .ask(let prompt, let wait):
            let id: RequestID
            do {
                id = try AgentRequests.file(prompt: prompt, author: author, in: live)
            } catch {
                throw CommandError(error.description, tool: "ask")
            }
            try await commit("ask")
            if let wait { await Self.waitForOutcome(of: id, in: live, timeout: wait) }
            let board = live.board
            guard let request = AgentRequests.request(id, in: board) else { return ["request": .string(id.rawValue)] }
            return Self.summary(request, in: board)
        case .requests:
            let board = live.board
            return .array(AgentRequests.all(in: board).map { Self.summary($0, in: board) })
        case .reject(let id):
            do {
                try AgentRequests.reject(id, in: live, as: live.shared.read { $0.origin })
            } catch {
                throw CommandError(error.description, tool: "reject_request", field: "request")
            }
            try await commit("reject_request")
            return AgentRequests.request(id, in: live.board).map { Self.summary($0, in: live.board) } ?? .null
        case .retry(let id):
            do {
                try AgentRequests.retry(id, in: live)
            } catch {
                throw CommandError(error.description, tool: "retry_request", field: "request")
            }
            try await commit("retry_request")
            return AgentRequests.request(id, in: live.board).map { Self.summary($0, in: live.board) } ?? .null
        }
    }

    /// Waits until request `id` is answered, failed or rejected on `live`, or `timeout` passes.
    public static func waitForOutcome(of id: RequestID, in live: LiveBoard, timeout: Duration) async {
        let changes = live.shared.events(bufferLimit: 16)
        let deadline = ContinuousClock.now + timeout
        func settled() -> Bool {
            guard let status = AgentRequests.request(id, in: live.board)?.status else { return false }
            return status == .answered || status == .failed || status == .rejected
        }
        guard !settled() else { return }
        // Wake on every change, and at least every half second (a stream with no traffic).
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await _ in changes where settled() { return }
            }
            group.addTask {
                while ContinuousClock.now < deadline, !settled() {
                    try? await Task.sleep(for: min(.milliseconds(500), deadline - ContinuousClock.now))
                    if Task.isCancelled { return }
                }
            }
            _ = await group.next()
            group.cancelAll()
        }
    }

    /// A request as JSON: ID, prompt, author, status, the answer's text, the error.
    public static func summary(_ request: AgentRequest, in board: Board) -> JSONValue {
        var object: [String: JSONValue] = [
            "request": .string(request.id.rawValue),
            "prompt": .string(request.prompt),
            "author": .string(request.author),
            "status": .string(request.status.rawValue),
        ]
        if let message = request.answerMessage.flatMap(board.message) {
            object["answer"] = .string(message.body)
            object["answeredBy"] = .string(message.author.name)
        }
        if let claim = request.claim { object["claimedBy"] = .string(claim.origin) }
        if let error = request.error { object["error"] = .string(error) }
        return .object(object)
    }
}
