import TesseraCore

extension Board {
    // MARK: Reading the chat

    /// Every message, in chat order. Complexity: O(total size of the messages).
    public var messages: [ChatMessage] {
        guard let chat = rootObject(.chat), let values = try? document.list(chat) else { return [] }
        return values.compactMap { value in value.objectID.flatMap { ChatMessage(reading: $0, in: document) } }
    }

    /// The last `count` messages, in chat order (what an agent puts in its context).
    ///
    /// Complexity: O(`count` · log n), not a scan of the whole chat.
    public func lastMessages(_ count: Int) -> [ChatMessage] {
        guard count > 0, let chat = rootObject(.chat), let total = try? document.count(of: chat) else { return [] }
        return (max(0, total - count)..<total).compactMap { index in
            (try? document.element(at: index, in: chat))?.objectID.flatMap { ChatMessage(reading: $0, in: document) }
        }
    }

    /// The number of messages.
    public var messageCount: Int {
        guard let chat = rootObject(.chat) else { return 0 }
        return (try? document.count(of: chat)) ?? 0
    }

    /// The message with ID `id`, if it is in the chat.
    public func message(_ id: MessageID) -> ChatMessage? {
        messageObject(id).flatMap { ChatMessage(reading: $0, in: document) }
    }

    /// The map object that stores message `id`.
    ///
    /// Searches from the newest message, since streaming replies and reactions target recent
    /// ones. Complexity: O(distance from the end · log n).
    public func messageObject(_ id: MessageID) -> ObjectID? {
        guard let chat = rootObject(.chat), let total = try? document.count(of: chat) else { return nil }
        for index in stride(from: total - 1, through: 0, by: -1) {
            guard case .object(let object)? = try? document.element(at: index, in: chat) else { continue }
            if (try? document.get(MessageKey.id, in: object))??.stringValue == id.rawValue { return object }
        }
        return nil
    }

    // MARK: Posting

    /// Appends a message to the chat and returns its ID.
    ///
    /// ```swift
    /// let question = try board.post("Can someone tidy the backlog?")
    /// let reply = try board.post("", author: Author(replica: board.replica, name: "Tessa", actor: .agent),
    ///                            replyTo: question, request: "req-1")
    /// try board.appendToMessage(reply, text: "On it")   // streamed in as tokens arrive
    /// ```
    ///
    /// - Parameters:
    ///   - text: the body; may be empty (a reply that will be streamed in).
    ///   - author: who wrote it; by default this replica and the board's ``origin``.
    ///   - replyTo: the message it answers, which must be in the chat.
    ///   - request: the AI request it belongs to.
    ///   - sentAt: the display time in milliseconds since 1970; now by default.
    /// - Throws: ``CanvasError/unknownMessage(_:)`` for a missing `replyTo`. Nothing is
    ///   written when it throws.
    @discardableResult
    public mutating func post(
        _ text: String, author: Author? = nil, replyTo: MessageID? = nil, request: String? = nil, sentAt: Int64? = nil
    ) throws(CanvasError) -> MessageID {
        if let replyTo, messageObject(replyTo) == nil { throw .unknownMessage(replyTo) }
        let author = author ?? Author(replica: replica, origin: origin)
        let sentAt = sentAt ?? wallClockMilliseconds()
        return try edit { (board: inout Board) throws(CanvasError) -> MessageID in
            let chat = try board.requireRoot(.chat)
            let id = MessageID(board.document.nextOperationID)
            try documentCall { () throws(DocumentError) in
                let message = try board.document.appendObject(.map, to: chat)
                try board.document.set(MessageKey.id, to: .string(id.rawValue), in: message)
                let authorMap = try board.document.makeObject(.map, forKey: MessageKey.author, in: message)
                if let replica = author.replica {
                    try board.document.set(MessageKey.replica, to: .string(replica.description), in: authorMap)
                }
                try board.document.set(MessageKey.name, to: .string(author.name), in: authorMap)
                try board.document.set(MessageKey.actor, to: .string(Author.name(of: author.actor)), in: authorMap)
                let body = try board.document.makeObject(.text, forKey: MessageKey.body, in: message)
                try board.document.insertText(text, at: 0, in: body)
                try board.document.set(MessageKey.sentAt, to: .int(sentAt), in: message)
                if let replyTo { try board.document.set(MessageKey.replyTo, to: .string(replyTo.rawValue), in: message) }
                if let request { try board.document.set(MessageKey.request, to: .string(request), in: message) }
            }
            return id
        }.result
    }

    /// Appends `text` to the body of message `id`: how a streamed AI reply grows.
    ///
    /// - Throws: ``CanvasError/unknownMessage(_:)``.
    public mutating func appendToMessage(_ id: MessageID, text: String) throws(CanvasError) {
        guard !text.isEmpty else { return }
        let body = try messageBody(id)
        try edit { (board: inout Board) throws(CanvasError) in
            try documentCall { () throws(DocumentError) in
                try board.document.insertText(text, at: try board.document.count(of: body), in: body)
            }
        }
    }

    /// Replaces the body of message `id` with `body`, writing only the changed middle.
    ///
    /// - Throws: ``CanvasError/unknownMessage(_:)``.
    public mutating func editMessage(_ id: MessageID, body: String) throws(CanvasError) {
        let object = try messageBody(id)
        let old = (try? document.text(object)) ?? ""
        guard old != body else { return }
        try edit { (board: inout Board) throws(CanvasError) in
            try documentCall { () throws(DocumentError) in try board.document.replaceText(object, from: old, to: body) }
        }
    }

    private func messageBody(_ id: MessageID) throws(CanvasError) -> ObjectID {
        guard let message = messageObject(id) else { throw .unknownMessage(id) }
        guard case .object(let body)? = try? document.get(MessageKey.body, in: message), document.kind(of: body) == .text else {
            throw .notABoard(reason: "message \(id) has no text body")
        }
        return body
    }
}
