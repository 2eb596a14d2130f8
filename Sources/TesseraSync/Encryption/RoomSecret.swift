/// The secret of an end-to-end encrypted room: 32 random bytes that only members hold.
///
/// It travels out of band, typically in a link's fragment (`…/rooms/plan#k=<base64url>`),
/// which browsers never send to a server. The relay never sees it; members derive the
/// room's ``RoomKey`` from it.
///
/// ```swift
/// let secret = RoomSecret()                           // a new room
/// let link = "https://example.com/rooms/plan#k=\(secret.base64URL)"
/// let same = RoomSecret(base64URL: secret.base64URL)  // another member
/// ```
///
/// The description is redacted, so a secret does not end up in logs by accident.
public struct RoomSecret: Sendable, CustomStringConvertible {
    /// The number of bytes in a secret.
    public static let byteCount = 32

    let bytes: [UInt8]

    /// A fresh secret from the system's secure random generator.
    public init() {
        var generator = SystemRandomNumberGenerator()
        self.init(using: &generator)
    }

    /// A secret drawn from `generator`. Only for reproducible tests: a room secret must come
    /// from a cryptographically secure generator.
    public init<G: RandomNumberGenerator>(using generator: inout G) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.byteCount)
        for _ in 0..<(Self.byteCount / 8) {
            let word = generator.next()
            for k in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: word >> UInt64(8 * k))) }
        }
        self.bytes = bytes
    }

    /// A secret from its 32 raw bytes, or `nil` for any other length.
    public init?(bytes: [UInt8]) {
        guard bytes.count == Self.byteCount else { return nil }
        self.bytes = bytes
    }

    /// Parses the unpadded base64url form (43 characters), or `nil` if it is not one.
    public init?(base64URL: some StringProtocol) {
        guard let bytes = Base64URL.decode(base64URL) else { return nil }
        self.init(bytes: bytes)
    }

    /// The unpadded base64url form, for a URL fragment.
    public var base64URL: String { Base64URL.encode(bytes) }

    /// Whether two secrets are equal, compared in constant time.
    public func isEqual(to other: RoomSecret) -> Bool {
        guard bytes.count == other.bytes.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(bytes, other.bytes) { difference |= a ^ b }
        return difference == 0
    }

    public var description: String { "RoomSecret(redacted)" }
}
