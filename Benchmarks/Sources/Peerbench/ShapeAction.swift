/// A scalar in an op stream: a string, an IEEE-754 double or an integer (WORKLOADS.md §2).
public enum ShapeValue: Hashable, Sendable, CustomStringConvertible {
    case string(String)
    case double(Double)
    case int(Int64)

    /// Equality as the spec compares state: numbers compare by value (`5 == 5.0`).
    public func matches(_ other: ShapeValue) -> Bool {
        switch (self, other) {
        case (.string(let a), .string(let b)): return a == b
        case (.double(let a), .double(let b)): return a == b
        case (.int(let a), .int(let b)): return a == b
        case (.int(let a), .double(let b)), (.double(let b), .int(let a)): return Double(a) == b
        default: return false
        }
    }

    public var description: String { CanonicalJSON.value(self) }
}

/// One logical user action of a peerbench op stream.
///
/// The canonical JSON form of each case is specified in WORKLOADS.md §6 and produced by
/// ``CanonicalJSON/line(_:)``.
public enum ShapeAction: Hashable, Sendable {
    /// Insert a new map at `shapes[id]` and set `fields` in order, in one transaction.
    case create(id: String, fields: [ShapeField])
    /// Last-writer-wins overwrite of `shapes[id][key]`.
    case set(id: String, key: String, value: ShapeValue)
    /// Append `value` to the end of the root list `list`.
    case append(list: String, value: ShapeValue)
}

/// One `(key, value)` field of a shape creation.
public struct ShapeField: Hashable, Sendable {
    /// The property name (`type`, `x`, …).
    public var key: String
    /// The property's initial value.
    public var value: ShapeValue

    /// Creates a field.
    public init(_ key: String, _ value: ShapeValue) {
        self.key = key
        self.value = value
    }
}

extension ShapeAction {
    /// How many primitive CRDT operations the action takes (1 map insertion + 1 write per
    /// field for a create; 1 otherwise), the numerator of every "ops/s" figure.
    public var primitiveOperationCount: Int {
        switch self {
        case .create(_, let fields): 1 + fields.count
        case .set, .append: 1
        }
    }
}
