import TesseraCore

/// A message in a board's chat.
///
/// Messages are maps in the `chat` list; their order is the list's order (concurrent posts
/// from two replicas each keep their own order and never interleave within a run), never
/// `sentAt`, which is the poster's wall clock and only for display.
public struct ChatMessage: Hashable, Sendable, Identifiable {
    /// The message's ID.
    public var id: MessageID
    /// Who wrote it.
    public var author: Author
    /// The text. Stored as a Text object, so a streamed AI reply can grow in place
    /// (``Board/appendToMessage(_:text:)``) and edits merge character by character.
    public var body: String
    /// When it was posted: milliseconds since 1970 on the poster's clock. Display only.
    public var sentAt: Int64
    /// The message this one answers.
    public var replyTo: MessageID?
    /// The AI request this message belongs to (see DESIGN.md §6).
    public var request: String?

    /// Creates a message value.
    public init(id: MessageID, author: Author, body: String, sentAt: Int64, replyTo: MessageID? = nil, request: String? = nil) {
        self.id = id
        self.author = author
        self.body = body
        self.sentAt = sentAt
        self.replyTo = replyTo
        self.request = request
    }
}

/// Keys of a message map.
enum MessageKey {
    static let id = "id"
    static let author = "author"
    static let body = "body"
    static let sentAt = "sentAt"
    static let replyTo = "replyTo"
    static let request = "request"
    static let replica = "replica"
    static let name = "name"
    static let actor = "actor"
}

extension ChatMessage {
    /// Reads the message in map `object`, or `nil` if it has no `id`.
    init?(reading object: ObjectID, in document: Document) {
        func value(_ key: String, in map: ObjectID = object) -> Value? { (try? document.get(key, in: map)) ?? nil }
        guard let id = value(MessageKey.id)?.stringValue else { return nil }
        var author = Author(replica: nil, name: "")
        if case .object(let map)? = value(MessageKey.author) {
            author.replica = value(MessageKey.replica, in: map)?.stringValue.flatMap { ReplicaID(hex: $0) }
            author.name = value(MessageKey.name, in: map)?.stringValue ?? ""
            author.actor = Author.actor(named: value(MessageKey.actor, in: map)?.stringValue)
        }
        let body: String
        switch value(MessageKey.body) {
        case .object(let text)?: body = (try? document.text(text)) ?? ""
        case .string(let string)?: body = string
        default: body = ""
        }
        self.init(
            id: MessageID(id), author: author, body: body, sentAt: value(MessageKey.sentAt)?.intValue ?? 0,
            replyTo: value(MessageKey.replyTo)?.stringValue.map { MessageID($0) }, request: value(MessageKey.request)?.stringValue)
    }
}
