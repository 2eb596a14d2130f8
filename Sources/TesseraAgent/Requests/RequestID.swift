import TesseraCore

/// The identity of an AI request: its key in the board's `ai` map, and the `request` recorded
/// in the ``TesseraCore/Origin`` of every edit made to answer it.
///
/// Like shape and message IDs it is derived from an operation ID (`"counter@replica"`), so
/// two replicas filing requests at once never pick the same one.
public struct RequestID: Hashable, Comparable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The key in the `ai` map.
    public let rawValue: String

    /// Wraps an existing key.
    public init(_ rawValue: String) { self.rawValue = rawValue }

    /// The ID derived from an operation of the filing replica.
    public init(_ operation: OpID) { rawValue = operation.description }

    /// Wraps a literal key.
    public init(stringLiteral value: String) { rawValue = value }

    /// The key itself.
    public var description: String { rawValue }

    /// Orders by key, so every replica iterates requests in the same order.
    public static func < (lhs: RequestID, rhs: RequestID) -> Bool { lhs.rawValue < rhs.rawValue }
}
