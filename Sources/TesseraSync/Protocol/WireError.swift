/// Why bytes received from a peer are not a valid frame.
///
/// Decoders never trap on bad input: truncation, lying length prefixes, oversized counts,
/// unknown message types and ill-formed fields all end in one of these cases, each naming
/// the byte offset (from the start of the frame) where the problem was found.
public enum WireError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The frame ends at `offset` although at least `needed` more bytes are required there.
    case truncated(offset: Int, needed: Int)
    /// The bytes at `offset` are structurally invalid.
    case invalid(offset: Int, reason: String)
    /// A count or length at `offset` exceeds what the frame can hold or a ``WireLimits`` bound.
    case limitExceeded(offset: Int, reason: String)
    /// The message type byte at `offset` names no message this version knows.
    case unknownMessageType(offset: Int, type: UInt8)
    /// The frame is larger than the receiver accepts (checked before it is buffered or decoded).
    case frameTooLarge(size: Int, limit: Int)

    /// The offset the error refers to (0 for ``frameTooLarge(size:limit:)``).
    public var offset: Int {
        switch self {
        case .truncated(let offset, _), .invalid(let offset, _), .limitExceeded(let offset, _),
            .unknownMessageType(let offset, _):
            offset
        case .frameTooLarge: 0
        }
    }

    public var description: String {
        switch self {
        case .truncated(let offset, let needed): "truncated frame: \(needed) more byte(s) needed at offset \(offset)"
        case .invalid(let offset, let reason): "invalid frame at offset \(offset): \(reason)"
        case .limitExceeded(let offset, let reason): "limit exceeded at offset \(offset): \(reason)"
        case .unknownMessageType(let offset, let type): "unknown message type 0x\(String(type, radix: 16)) at offset \(offset)"
        case .frameTooLarge(let size, let limit): "frame of \(size) bytes exceeds the limit of \(limit)"
        }
    }
}
