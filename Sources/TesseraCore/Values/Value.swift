/// A value stored in a map register or a list element.
///
/// Scalars are stored by value; ``object(_:)`` refers to a nested object (map, list, text
/// or counter) that lives in the same document.
public enum Value: Hashable, Sendable, CustomStringConvertible {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case bytes([UInt8])
    /// A nested object; read it with the document's accessors for its kind.
    case object(ObjectID)

    /// The nested object's ID, if this is one.
    public var objectID: ObjectID? {
        if case .object(let id) = self { return id }
        return nil
    }

    /// The string payload, if this is one.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// A number as `Double` (ints convert), else `nil`.
    public var doubleValue: Double? {
        switch self {
        case .double(let d): return d
        case .int(let i): return Double(i)
        default: return nil
        }
    }

    /// An integer payload (doubles with no fractional part convert), else `nil`.
    public var intValue: Int64? {
        switch self {
        case .int(let i): return i
        case .double(let d) where d.rounded() == d && abs(d) < 9.2e18: return Int64(d)
        default: return nil
        }
    }

    /// The boolean payload, if this is one.
    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    public var description: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return String(b)
        case .int(let i): return String(i)
        case .double(let d): return String(d)
        case .string(let s): return "\"\(s)\""
        case .bytes(let b): return "<\(b.count) bytes>"
        case .object(let id): return "object(\(id))"
        }
    }
}

extension Value: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(nilLiteral: ()) { self = .null }
}

/// The kinds of objects a document holds.
public enum ObjectKind: UInt8, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// String keys, each a last-writer-wins register.
    case map = 0
    /// An ordered sequence of values (non-interleaving).
    case list = 1
    /// A sequence of Unicode scalars.
    case text = 2
    /// A sum of increments.
    case counter = 3

    public var description: String {
        switch self {
        case .map: "map"
        case .list: "list"
        case .text: "text"
        case .counter: "counter"
        }
    }
}
