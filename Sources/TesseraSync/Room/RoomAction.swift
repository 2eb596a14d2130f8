/// What a ``SyncRoom`` asks its transport to do on one connection.
public struct RoomAction: Hashable, Sendable, CustomStringConvertible {
    /// The connection.
    public var connection: ConnectionID
    /// What to do on it.
    public var kind: Kind

    /// What to do on a connection.
    public enum Kind: Hashable, Sendable {
        /// Send this frame (one WebSocket binary message, or length-prefixed on a stream).
        case send([UInt8])
        /// Close the connection (after sending what precedes); `nil` for a normal close.
        case close(SyncError?)
    }

    /// Creates an action.
    public init(connection: ConnectionID, kind: Kind) {
        self.connection = connection
        self.kind = kind
    }

    public var description: String {
        switch kind {
        case .send(let frame): "\(connection): send \(frame.count) bytes"
        case .close(let error): "\(connection): close\(error.map { " (\($0))" } ?? "")"
        }
    }
}
