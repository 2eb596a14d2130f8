/// One observable change to a document's visible state, local or remote.
///
/// Events describe the difference between the state before and after, so a UI can patch
/// itself without re-reading the document. Indices are valid at the moment the event is
/// reported, in order: apply a batch's events one after another.
public enum DocumentEvent: Hashable, Sendable {
    /// A map key's visible value changed; `value` is `nil` when the key was deleted.
    case mapSet(object: ObjectID, key: String, value: Value?)
    /// Values were inserted into a list at `index`.
    case listInsert(object: ObjectID, index: Int, values: [Value])
    /// `count` list elements were removed starting at `index`.
    case listRemove(object: ObjectID, index: Int, count: Int)
    /// Text was inserted at scalar offset `index`.
    case textInsert(object: ObjectID, index: Int, text: String)
    /// `count` scalars were removed starting at `index`.
    case textRemove(object: ObjectID, index: Int, count: Int)
    /// A counter changed by `delta`.
    case counterIncrement(object: ObjectID, delta: Int64)

    /// The object the event concerns.
    public var object: ObjectID {
        switch self {
        case .mapSet(let o, _, _), .listInsert(let o, _, _), .listRemove(let o, _, _),
            .textInsert(let o, _, _), .textRemove(let o, _, _), .counterIncrement(let o, _):
            return o
        }
    }
}

extension DocumentEvent {
    /// The event for `count` elements removed at `index` from a text (`isText`) or a list.
    static func removal(from object: ObjectID, index: Int, count: Int, isText: Bool) -> DocumentEvent {
        isText ? .textRemove(object: object, index: index, count: count) : .listRemove(object: object, index: index, count: count)
    }
}

/// A batch of events with where they came from.
public struct DocumentEvents: Hashable, Sendable {
    /// Whether the batch came from a local transaction.
    public var isLocal: Bool
    /// The origins of the changes in the batch.
    public var origins: [Origin]
    /// What changed, in order.
    public var events: [DocumentEvent]

    /// Creates a batch.
    public init(isLocal: Bool, origins: [Origin], events: [DocumentEvent]) {
        self.isLocal = isLocal
        self.origins = origins
        self.events = events
    }
}

/// A step on the path from the root to an object.
public enum PathElement: Hashable, Sendable, CustomStringConvertible {
    /// A map key.
    case key(String)
    /// A list position.
    case index(Int)

    public var description: String {
        switch self {
        case .key(let k): k
        case .index(let i): "[\(i)]"
        }
    }
}
