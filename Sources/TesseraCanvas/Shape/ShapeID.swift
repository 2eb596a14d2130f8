import TesseraCore

/// The identity of a shape: the key of its entry in the board's `shapes` map.
///
/// A board derives it from the ID of the operation that creates the shape
/// (`"counter@replica"`, e.g. `"12@2f1a3b4c5d6e7f81"`), so two replicas can never pick the
/// same ID and no random number is involved. Keys written by other tools are accepted as is.
///
/// ```swift
/// let id = try board.addShape(.rectangle(x: 0, y: 0, w: 100, h: 60))
/// print(id)                 // "7@2f1a3b4c5d6e7f81"
/// print(id.operation?.replica == board.replica)  // true
/// ```
public struct ShapeID: Hashable, Comparable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The key in the `shapes` map.
    public let rawValue: String

    /// Wraps an existing key.
    public init(_ rawValue: String) { self.rawValue = rawValue }

    /// The ID derived from the operation that creates the shape.
    public init(_ operation: OpID) { rawValue = operation.description }

    /// Wraps a key written as a literal (handy in tests and fixtures).
    public init(stringLiteral value: String) { rawValue = value }

    /// The creating operation, when the key has the `"counter@replica"` form.
    public var operation: OpID? { OpID(canvasKey: rawValue) }

    /// The key itself.
    public var description: String { rawValue }

    /// Orders by key, so sorts are deterministic on every replica.
    public static func < (lhs: ShapeID, rhs: ShapeID) -> Bool { lhs.rawValue < rhs.rawValue }
}

extension OpID {
    /// Parses `"counter@replica"`, the form `OpID.description` prints.
    init?(canvasKey key: String) {
        let parts = key.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, let counter = UInt64(parts[0]), counter > 0, let replica = ReplicaID(hex: parts[1]) else { return nil }
        self.init(replica: replica, counter: counter)
    }
}
