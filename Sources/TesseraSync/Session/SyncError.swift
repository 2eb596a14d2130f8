import TesseraCore

/// Why a session ended with an error.
public enum SyncError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The peer sent a frame that does not decode.
    case malformedFrame(WireError)
    /// The peer sent a frame larger than this side accepts.
    case frameTooLarge(size: Int, limit: Int)
    /// The peer speaks another protocol version.
    case unsupportedProtocolVersion(local: UInt16, remote: UInt16)
    /// The peer named another document.
    case wrongDocument(expected: String, found: String)
    /// One side seals the room and the other does not.
    case sealingMismatch(local: Bool, remote: Bool)
    /// The peer announced this side's own replica ID.
    case duplicateReplica(ReplicaID)
    /// The peer sent a message that is invalid in the session's state.
    case unexpectedMessage(String)
    /// Received envelopes could not be opened or were refused.
    case envelope(EnvelopeError)
    /// A received presence update could not be opened.
    case presence(PresenceError)
    /// An envelope is too large for the frame limit of the peer.
    case envelopeTooLarge(ChangeEnvelope.Header, size: Int, limit: Int)
    /// This side's source failed to produce envelopes.
    case source(EnvelopeError)
    /// The handshake or the connection timed out.
    case timedOut(String)
    /// The peer reported an error and closed.
    case remote(code: ErrorCode, message: String)
    /// This side's transport refused the peer by policy — no access token, too many frames
    /// per second, no room for another connection — with one of ``ErrorCode/accessDenied``,
    /// ``ErrorCode/rateLimited``, ``ErrorCode/capacityExceeded`` or ``ErrorCode/goingAway``.
    case refused(code: ErrorCode, reason: String)

    /// The code sent to the peer in the `error` message.
    public var code: ErrorCode {
        switch self {
        case .malformedFrame: .malformedFrame
        case .frameTooLarge: .frameTooLarge
        case .unsupportedProtocolVersion: .unsupportedProtocolVersion
        case .wrongDocument: .wrongDocument
        case .sealingMismatch: .sealingMismatch
        case .duplicateReplica: .duplicateReplica
        case .unexpectedMessage: .unexpectedMessage
        case .envelope(.sealing), .presence(.sealing): .authenticationFailed
        case .envelope(.notSealed), .envelope(.missingKey), .presence(.notSealed), .presence(.missingKey): .sealingMismatch
        case .envelope(.storageFailed): .internalError
        case .envelope, .presence: .rejectedChanges
        case .envelopeTooLarge, .source: .internalError
        case .timedOut: .timeout
        case .remote(let code, _): code
        case .refused(let code, _): code
        }
    }

    public var description: String {
        switch self {
        case .malformedFrame(let error): "\(error)"
        case .frameTooLarge(let size, let limit): "frame of \(size) bytes exceeds the limit of \(limit)"
        case .unsupportedProtocolVersion(let local, let remote): "protocol version \(remote) is not supported (this side speaks \(local))"
        case .wrongDocument(let expected, let found): "wrong document: expected \"\(expected)\", peer named \"\(found)\""
        case .sealingMismatch(let local, let remote):
            "sealing mismatch: this side is \(local ? "sealed" : "not sealed"), the peer is \(remote ? "sealed" : "not sealed")"
        case .duplicateReplica(let replica): "the peer uses this side's replica ID \(replica)"
        case .unexpectedMessage(let what): "unexpected message: \(what)"
        case .envelope(let error): "\(error)"
        case .presence(let error): "\(error)"
        case .envelopeTooLarge(let header, let size, let limit): "envelope \(header) of \(size) bytes exceeds the peer's frame limit of \(limit)"
        case .source(let error): "source failed: \(error)"
        case .timedOut(let what): "timed out: \(what)"
        case .remote(let code, let message): "peer error (\(code)): \(message)"
        case .refused(let code, let reason): "\(code): \(reason)"
        }
    }
}
