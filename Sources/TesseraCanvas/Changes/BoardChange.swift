/// A typed change to a board, derived from the Core's ``TesseraCore/DocumentEvent``s, so a
/// UI can patch itself without re-reading the board.
///
/// Changes in one batch are coalesced: a shape added in the batch is reported once as
/// ``shapeAdded(_:)`` (not also as updates), and several property writes to one shape as one
/// ``shapeUpdated(_:properties:)``.
public enum BoardChange: Hashable, Sendable, CustomStringConvertible {
    /// A shape appeared: added, or brought back by an undo.
    case shapeAdded(ShapeID)
    /// Properties of a shape changed (including `z`: re-sort).
    case shapeUpdated(ShapeID, properties: Set<ShapeProperty>)
    /// A shape was deleted.
    case shapeRemoved(ShapeID)
    /// A message was inserted into the chat at `index`.
    case messagePosted(MessageID, index: Int)
    /// A message's body or fields changed (a streamed reply grows this way).
    case messageEdited(MessageID)
    /// `count` messages were removed from the chat starting at `index` (e.g. an undone post).
    case messagesRemoved(index: Int, count: Int)
    /// An entry of the `ai` request map changed.
    case aiRequestChanged(String)

    /// A compact form for logs, e.g. `shapeUpdated(4@…, fill,x)`.
    public var description: String {
        switch self {
        case .shapeAdded(let id): "shapeAdded(\(id))"
        case .shapeUpdated(let id, let properties): "shapeUpdated(\(id), \(properties.map(\.rawValue).sorted().joined(separator: ",")))"
        case .shapeRemoved(let id): "shapeRemoved(\(id))"
        case .messagePosted(let id, let index): "messagePosted(\(id) at \(index))"
        case .messageEdited(let id): "messageEdited(\(id))"
        case .messagesRemoved(let index, let count): "messagesRemoved(\(count) at \(index))"
        case .aiRequestChanged(let key): "aiRequestChanged(\(key))"
        }
    }
}
