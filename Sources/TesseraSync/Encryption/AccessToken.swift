import Crypto

/// A credential a peer presents to join a room on a relay or a listening peer (as
/// `Authorization: Bearer <token>` or `?token=<token>`).
///
/// Whoever admits connections keeps only the token's SHA-256 ``digest`` and compares
/// digests in constant time. In an end-to-end encrypted room the natural token is
/// ``RoomKey/accessToken``: derived from the room secret, it proves membership without
/// revealing anything that opens or forges payloads.
///
/// ```swift
/// let token = AccessToken(roomKey: key)                  // a sealed room's members
/// let stored = token.digest                             // what a relay keeps
/// AccessToken("guess").matches(digest: stored)          // false
/// ```
///
/// The description is redacted, so a token does not end up in logs by accident.
public struct AccessToken: Hashable, Sendable, CustomStringConvertible {
    /// The token as presented.
    public let rawValue: String

    /// Wraps a token.
    public init(_ rawValue: String) {
        self.rawValue = rawValue
    }

    /// The access token derived from a sealed room's key.
    public init(roomKey: RoomKey) {
        rawValue = roomKey.accessToken
    }

    /// SHA-256 of the token's UTF-8 bytes.
    public var digest: [UInt8] { Array(SHA256.hash(data: Array(rawValue.utf8))) }

    /// Whether this token's digest is `digest`, compared in constant time.
    public func matches(digest expected: [UInt8]) -> Bool {
        let actual = digest
        guard actual.count == expected.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(actual, expected) { difference |= a ^ b }
        return difference == 0
    }

    /// Whether two tokens are equal, compared in constant time (through their digests).
    public func matches(_ other: AccessToken) -> Bool { matches(digest: other.digest) }

    public var description: String { "AccessToken(redacted)" }
}
