/// The reason carried by an `error` message, as a stable 16-bit code.
///
/// Codes are part of the protocol: a receiver that does not know a code still closes the
/// session and can show the accompanying text.
public struct ErrorCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The code as sent on the wire.
    public let rawValue: UInt16

    /// Wraps a raw code (known or not).
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// The peer speaks a protocol version this side does not.
    public static let unsupportedProtocolVersion = ErrorCode(rawValue: 1)
    /// The peer named another document.
    public static let wrongDocument = ErrorCode(rawValue: 2)
    /// A frame could not be decoded.
    public static let malformedFrame = ErrorCode(rawValue: 3)
    /// A frame exceeded the announced size limit.
    public static let frameTooLarge = ErrorCode(rawValue: 4)
    /// A message was not valid in the session's state (e.g. a second hello naming another replica).
    public static let unexpectedMessage = ErrorCode(rawValue: 5)
    /// The peer's changes were refused (they do not decode, or contradict what is here).
    public static let rejectedChanges = ErrorCode(rawValue: 6)
    /// One side seals the room and the other does not, or a frame's sealing does not match the room.
    public static let sealingMismatch = ErrorCode(rawValue: 7)
    /// A sealed payload failed authentication (tampered, spliced under another header, or another key).
    public static let authenticationFailed = ErrorCode(rawValue: 8)
    /// Both sides announced the same replica ID.
    public static let duplicateReplica = ErrorCode(rawValue: 9)
    /// Nothing was received for too long, or the handshake did not finish in time.
    public static let timeout = ErrorCode(rawValue: 10)
    /// The sender is shutting down.
    public static let goingAway = ErrorCode(rawValue: 11)
    /// The sender failed for a reason of its own.
    public static let internalError = ErrorCode(rawValue: 12)
    /// The connection did not present the room's access token (sent by a relay or a
    /// listening peer before closing; retrying with the same credentials is pointless).
    public static let accessDenied = ErrorCode(rawValue: 13)
    /// The peer sent more frames or bytes than the receiver allows per unit of time.
    public static let rateLimited = ErrorCode(rawValue: 14)
    /// The receiver cannot take the connection now: too many rooms, or too many connections
    /// in this room.
    public static let capacityExceeded = ErrorCode(rawValue: 15)

    public var description: String {
        switch self {
        case .unsupportedProtocolVersion: "unsupported protocol version"
        case .wrongDocument: "wrong document"
        case .malformedFrame: "malformed frame"
        case .frameTooLarge: "frame too large"
        case .unexpectedMessage: "unexpected message"
        case .rejectedChanges: "rejected changes"
        case .sealingMismatch: "sealing mismatch"
        case .authenticationFailed: "authentication failed"
        case .duplicateReplica: "duplicate replica"
        case .timeout: "timeout"
        case .goingAway: "going away"
        case .internalError: "internal error"
        case .accessDenied: "access denied"
        case .rateLimited: "rate limited"
        case .capacityExceeded: "capacity exceeded"
        default: "error \(rawValue)"
        }
    }
}
