/// Identifies one connection of a ``SyncRoom``; the transport picks the values.
public struct ConnectionID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The raw value.
    public let rawValue: UInt64

    /// Wraps a raw value.
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }

    public static func < (lhs: ConnectionID, rhs: ConnectionID) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { "#\(rawValue)" }
}
