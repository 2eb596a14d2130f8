/// Why a sealed payload could not be sealed or opened.
public enum SealingError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The payload failed authentication: it was altered, moved under another header, or
    /// sealed with another room key.
    case authenticationFailed
    /// The payload is too short to be a sealed box (nonce and tag alone take 28 bytes).
    case malformed(byteCount: Int)
    /// The cryptographic library refused to seal (never expected with a valid key).
    case sealingFailed(String)

    public var description: String {
        switch self {
        case .authenticationFailed: "authentication failed (tampered, spliced or sealed with another key)"
        case .malformed(let count): "sealed payload of \(count) bytes is too short"
        case .sealingFailed(let reason): "sealing failed: \(reason)"
        }
    }
}
