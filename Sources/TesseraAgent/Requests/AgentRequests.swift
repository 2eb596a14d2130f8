import TesseraCanvas
import TesseraCore

/// Filing, reading, rejecting and retrying AI requests: entries of the board's `ai` map
/// (layout in ``AgentRequest``).
///
/// Anyone can file a request — a person's app, `tessera join`'s `ask` command, a script —
/// and any replica running an ``AgentParticipant`` may end up answering it:
///
/// ```swift
/// let live = LiveBoard(board)
/// let request = try AgentRequests.file(prompt: "Group the stickies by theme",
///                                      author: Author(replica: live.board.replica, name: "Ada"), in: live)
/// // … later, if Ada does not like what the AI did:
/// try AgentRequests.reject(request, in: live)
/// ```
public enum AgentRequests {
    // MARK: Filing

    /// Files a request on a shared board and returns its ID.
    ///
    /// With `postsPrompt` (the default) the prompt is first posted to the chat as `author`'s
    /// message, tagged with the request, and the answer will reply to it. The question and
    /// the request are two changes, the request after the question, so any replica that sees
    /// the request already has the question.
    ///
    /// - Parameters:
    ///   - prompt: what to ask; surrounding whitespace is trimmed.
    ///   - author: who asks; their name is recorded as the user the agent acts for.
    ///   - createdAt: the filing time in wall-clock ms (now by default).
    /// - Throws: ``AgentError/emptyPrompt``, or a board error.
    @discardableResult
    public static func file(
        prompt: String, author: Author, in live: LiveBoard, postsPrompt: Bool = true, createdAt: Int64? = nil
    ) throws(AgentError) -> RequestID {
        let prompt = prompt.trimmingWhitespace()
        guard !prompt.isEmpty else { throw .emptyPrompt }
        let createdAt = createdAt ?? SystemAgentClock().now()
        var id = RequestID(live.shared.read { $0.nextOperationID })
        var question: MessageID?
        if postsPrompt {
            do {
                try live.transact { (board: inout Board) throws(CanvasError) in
                    id = RequestID(board.document.nextOperationID)
                    question = try board.post(prompt, author: author, request: id.rawValue, sentAt: createdAt)
                }
            } catch {
                throw .canvas(error)
            }
        }
        let origin = live.shared.read { $0.origin }
        do {
            try live.shared.transact(origin: origin) { (doc: inout Document) throws(DocumentError) in
                if !postsPrompt { id = RequestID(doc.nextOperationID) }
                try writeNewRequest(id, prompt: prompt, author: author, question: question, createdAt: createdAt, in: &doc)
            }
        } catch {
            throw .document(error)
        }
        return id
    }

    /// Files a request on a board value and returns its ID (the shared-board form has the details).
    @discardableResult
    public static func file(
        prompt: String, author: Author, in board: inout Board, postsPrompt: Bool = true, createdAt: Int64? = nil
    ) throws(AgentError) -> RequestID {
        let prompt = prompt.trimmingWhitespace()
        guard !prompt.isEmpty else { throw .emptyPrompt }
        let createdAt = createdAt ?? SystemAgentClock().now()
        let id = RequestID(board.document.nextOperationID)
        var question: MessageID?
        if postsPrompt {
            do {
                question = try board.post(prompt, author: author, request: id.rawValue, sentAt: createdAt)
            } catch {
                throw .canvas(error)
            }
        }
        let origin = board.origin
        let requestID = id
        do {
            try editDocument(of: &board) { (doc: inout Document) throws(DocumentError) in
                try doc.transact(origin: origin) { (doc: inout Document) throws(DocumentError) in
                    try writeNewRequest(requestID, prompt: prompt, author: author, question: question, createdAt: createdAt, in: &doc)
                }
            }
        } catch {
            throw .document(error)
        }
        return requestID
    }

    static func writeNewRequest(
        _ id: RequestID, prompt: String, author: Author, question: MessageID?, createdAt: Int64, in doc: inout Document
    ) throws(DocumentError) {
        let ai = try aiMap(in: doc)
        let request = try doc.makeObject(.map, forKey: id.rawValue, in: ai)
        try doc.set(RequestKey.prompt, to: .string(prompt), in: request)
        try doc.set(RequestKey.author, to: .string(author.name), in: request)
        if let replica = author.replica { try doc.set(RequestKey.authorReplica, to: .string(replica.description), in: request) }
        if let question { try doc.set(RequestKey.message, to: .string(question.rawValue), in: request) }
        try doc.set(RequestKey.createdAt, to: .int(createdAt), in: request)
        try doc.set(RequestKey.status, to: .string(AgentRequest.Status.pending.rawValue), in: request)
        // Created here, once, so answers from different replicas land in one map rather than in
        // two concurrently created maps of which the merge would keep only one.
        try doc.makeObject(.map, forKey: RequestKey.answers, in: request)
    }

    // MARK: Reading

    /// Every request on the board, sorted by ID.
    public static func all(in board: Board) -> [AgentRequest] { all(in: board.document) }

    /// Every request in a board's document, sorted by ID.
    public static func all(in document: Document) -> [AgentRequest] {
        guard let ai = try? aiMap(in: document), let entries = try? document.entries(in: ai) else { return [] }
        return entries.compactMap { entry in
            guard case .object(let object) = entry.value, document.kind(of: object) == .map else { return nil }
            return AgentRequest(reading: object, id: RequestID(entry.key), in: document)
        }
    }

    /// The request with ID `id`, if there is one.
    public static func request(_ id: RequestID, in board: Board) -> AgentRequest? { request(id, in: board.document) }

    /// The request with ID `id` in a board's document, if there is one.
    public static func request(_ id: RequestID, in document: Document) -> AgentRequest? {
        guard let object = requestObject(id, in: document) else { return nil }
        return AgentRequest(reading: object, id: id, in: document)
    }

    // MARK: Rejecting and retrying

    /// Rejects request `id`: reverts every edit made to answer it, on any replica, in one
    /// change, and marks it ``AgentRequest/Status/rejected`` so no agent runs it again.
    ///
    /// Like undo, the revert leaves alone any property someone else wrote after the AI
    /// (a person's later edit survives); shapes the AI created disappear, shapes it deleted
    /// come back, and its reply leaves the chat. Edits of the request that arrive later
    /// (from a replica that was offline) are reverted by the next agent that sees them.
    ///
    /// - Parameter origin: who rejects (recorded on the revert); the board's origin by default.
    /// - Throws: ``AgentError/unknownRequest(_:)``.
    public static func reject(_ id: RequestID, in live: LiveBoard, as origin: Origin? = nil) throws(AgentError) {
        let outcome: Result<Void, AgentError> = live.shared.mutate { doc in
            do throws(AgentError) {
                let events = try reject(id, document: &doc, as: origin)
                return (.success(()), events)
            } catch {
                return (.failure(error), nil)
            }
        }
        try outcome.get()
    }

    /// Rejects request `id` on a board value (the shared-board form has the details).
    public static func reject(_ id: RequestID, in board: inout Board, as origin: Origin? = nil) throws(AgentError) {
        try editDocument(of: &board) { (doc: inout Document) throws(AgentError) in
            _ = try reject(id, document: &doc, as: origin)
        }
    }

    static func reject(_ id: RequestID, document doc: inout Document, as origin: Origin?) throws(AgentError) -> DocumentEvents {
        guard let object = requestObject(id, in: doc) else { throw .unknownRequest(id) }
        let origin = origin ?? doc.origin
        do {
            let revert = try doc.revert(where: { $0.request == id.rawValue }, as: origin)
            let status = try doc.transact(origin: origin) { (doc: inout Document) throws(DocumentError) in
                try doc.set(RequestKey.status, to: .string(AgentRequest.Status.rejected.rawValue), in: object)
                try doc.set(RequestKey.rejectedBy, to: .string(origin.name), in: object)
            }
            return DocumentEvents(isLocal: true, origins: [origin], events: revert.events + status.events)
        } catch {
            throw .document(error)
        }
    }

    /// Puts a failed request back to ``AgentRequest/Status/pending`` so the elected replica
    /// runs it again (from a clean slate: the new claimant first reverts what earlier attempts did).
    ///
    /// - Throws: ``AgentError/unknownRequest(_:)``; ``AgentError/invalidState(_:_:operation:)``
    ///   unless the request failed.
    public static func retry(_ id: RequestID, in live: LiveBoard, at time: Int64? = nil) throws(AgentError) {
        let now = time ?? SystemAgentClock().now()
        let origin = live.shared.read { $0.origin }
        var failure: AgentError?
        do {
            try live.shared.transact(origin: origin) { (doc: inout Document) throws(DocumentError) in
                guard let object = requestObject(id, in: doc), let request = AgentRequest(reading: object, id: id, in: doc) else {
                    failure = .unknownRequest(id)
                    return
                }
                guard request.status == .failed else {
                    failure = .invalidState(id, request.status, operation: "retry")
                    return
                }
                try doc.set(RequestKey.status, to: .string(AgentRequest.Status.pending.rawValue), in: object)
                try doc.set(RequestKey.retriedAt, to: .int(now), in: object)
            }
        } catch {
            throw .document(error)
        }
        if let failure { throw failure }
    }

    // MARK: Document access

    static func aiMap(in document: Document) throws(DocumentError) -> ObjectID {
        guard case .object(let ai)? = try document.get("ai"), document.kind(of: ai) == .map else {
            throw .invalidOperation("the document has no \"ai\" map; is it a board?")
        }
        return ai
    }

    static func requestObject(_ id: RequestID, in document: Document) -> ObjectID? {
        guard let ai = try? aiMap(in: document), case .object(let object)? = try? document.get(id.rawValue, in: ai),
            document.kind(of: object) == .map
        else { return nil }
        return object
    }

    /// Runs `body` on the document of a board value without copying it: the board lets go of
    /// its reference first, so the document stays uniquely referenced (no copy-on-write copy).
    static func editDocument<E: Error>(of board: inout Board, _ body: (inout Document) throws(E) -> Void) throws(E) {
        var document = board.document
        board = Board(replica: document.replica, origin: document.origin)
        defer {
            // The document came from a board, so it has the board's roots and this cannot fail.
            if let restored = try? Board(document: document) { board = restored }
        }
        try body(&document)
    }
}
