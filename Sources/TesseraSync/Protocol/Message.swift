import TesseraCore

/// One protocol message; each travels in one frame (see PROTOCOL.md for the byte layout).
///
/// ```swift
/// let frame = Message.ping(42).encoded()
/// let message = try Message(decoding: frame)   // .ping(42)
/// ```
public enum Message: Hashable, Sendable {
    /// The handshake: each side sends one first.
    case hello(Hello)
    /// A batch of change envelopes the receiver lacks.
    case changes([ChangeEnvelope])
    /// The sender's version vector after applying what it received, so the other side can
    /// forget what it would otherwise resend.
    case ack(VersionVector)
    /// One participant's ephemeral state (cursor, selection, status…), or its departure.
    case presence(PresenceUpdate)
    /// A fatal error; the sender closes the connection after it.
    case error(code: ErrorCode, message: String)
    /// A keep-alive probe; the receiver answers with ``pong(_:)`` carrying the same nonce.
    case ping(UInt64)
    /// The answer to ``ping(_:)``.
    case pong(UInt64)

    /// The message's type byte, the first byte of its frame.
    public var type: MessageType {
        switch self {
        case .hello: .hello
        case .changes: .changes
        case .ack: .ack
        case .presence: .presence
        case .error: .error
        case .ping: .ping
        case .pong: .pong
        }
    }
}

/// The first byte of every frame.
public enum MessageType: UInt8, Hashable, Sendable, CaseIterable {
    /// ``Message/hello(_:)``.
    case hello = 0x01
    /// ``Message/changes(_:)``.
    case changes = 0x02
    /// ``Message/ack(_:)``.
    case ack = 0x03
    /// ``Message/presence(_:)``.
    case presence = 0x04
    /// ``Message/error(code:message:)``.
    case error = 0x05
    /// ``Message/ping(_:)``.
    case ping = 0x06
    /// ``Message/pong(_:)``.
    case pong = 0x07
}
