import TesseraCore

/// The identity of a chat message, stored in its `id` field.
///
/// Like ``ShapeID`` it is derived from the ID of the operation that creates the message
/// (`"counter@replica"`), never from a random number two replicas could both draw.
public struct MessageID: Hashable, Comparable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The stored identifier.
    public let rawValue: String

    /// Wraps an existing identifier.
    public init(_ rawValue: String) { self.rawValue = rawValue }

    /// The ID derived from the operation that creates the message.
    public init(_ operation: OpID) { rawValue = operation.description }

    /// Wraps an identifier written as a literal.
    public init(stringLiteral value: String) { rawValue = value }

    /// The creating operation, when the identifier has the `"counter@replica"` form.
    public var operation: OpID? { OpID(canvasKey: rawValue) }

    /// The identifier itself.
    public var description: String { rawValue }

    /// Orders by identifier (not by chat position: that is the list order).
    public static func < (lhs: MessageID, rhs: MessageID) -> Bool { lhs.rawValue < rhs.rawValue }
}
