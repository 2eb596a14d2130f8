/// One operation inside a ``Change``: a write to one object.
///
/// Every operation takes one counter, except list and text inserts, which take one counter
/// per inserted element (each element's ID is `first + k`).
public struct Operation: Hashable, Sendable {
    /// The object the operation writes to.
    public var object: ObjectID
    /// What it does.
    public var action: Action {
        didSet { width = Self.width(of: action) }
    }

    /// How many counters the operation takes (counted once: a text's scalar count is O(n)).
    public private(set) var width: Int

    /// Creates an operation.
    public init(object: ObjectID, action: Action) {
        self.object = object
        self.action = action
        width = Self.width(of: action)
    }

    private static func width(of action: Action) -> Int {
        switch action {
        case .insert(_, _, let values): values.count
        case .insertText(_, _, let text): text.scalarCount
        default: 1
        }
    }

    /// The kinds of writes.
    public enum Action: Hashable, Sendable {
        /// Map: set `key` to `value`, overwriting the operations in `pred` (the values this
        /// replica saw for the key). `value` may be `.object(id)` to re-attach an existing
        /// object (used by undo).
        case set(key: String, value: Value, pred: [OpID])
        /// Map: create a nested object of `kind` under `key`; its ID is this operation's ID.
        case make(key: String, kind: ObjectKind, pred: [OpID])
        /// Map: delete `key` (a write of "absent").
        case delete(key: String, pred: [OpID])
        /// List: insert `values` between the elements `after` and `before` (the neighbours
        /// at the time of the edit, `nil` for the ends). Element `k` gets ID `first + k`.
        case insert(after: OpID?, before: OpID?, values: [Value])
        /// List: insert one nested object of `kind`; its ID is this operation's ID.
        case insertObject(after: OpID?, before: OpID?, kind: ObjectKind)
        /// Text: insert `text` (one element per Unicode scalar) between `after` and `before`.
        case insertText(after: OpID?, before: OpID?, text: String)
        /// List or text: delete the elements `first ..< first + count` (IDs of one replica).
        case remove(first: OpID, count: Int)
        /// Counter: add `delta`.
        case increment(delta: Int64)
    }

}

extension Operation: CustomStringConvertible {
    public var description: String {
        switch action {
        case .set(let key, let value, _): "\(object).\(key) = \(value)"
        case .make(let key, let kind, _): "\(object).\(key) = new \(kind)"
        case .delete(let key, _): "delete \(object).\(key)"
        case .insert(_, _, let values): "insert \(values) into \(object)"
        case .insertObject(_, _, let kind): "insert new \(kind) into \(object)"
        case .insertText(_, _, let text): "insert \"\(text)\" into \(object)"
        case .remove(let first, let count): "remove \(count) from \(first) in \(object)"
        case .increment(let delta): "\(object) += \(delta)"
        }
    }
}
