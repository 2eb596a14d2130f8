/// The identity of one replica: one open document instance on one device, server or agent.
///
/// A replica ID is a random non-zero 64-bit integer, shown as 16 lowercase hex digits.
/// Two processes must never write under the same ID; a document reopened from a store
/// reuses its own ID, a copy opened elsewhere gets a fresh one (``Document/fork()``).
///
/// ```swift
/// let me = ReplicaID.random()
/// print(me)            // e.g. "2f1a3b4c5d6e7f81"
/// ```
public struct ReplicaID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The raw 64-bit value; never zero for a real replica.
    public let rawValue: UInt64

    /// Creates a replica ID from its raw value, or `nil` for zero (reserved for the document root).
    public init?(rawValue: UInt64) {
        guard rawValue != 0 else { return nil }
        self.rawValue = rawValue
    }

    /// Internal initialiser that also admits the reserved zero value.
    init(unchecked rawValue: UInt64) {
        self.rawValue = rawValue
    }

    /// Parses 1–16 hex digits, as printed by ``description``.
    public init?(hex: some StringProtocol) {
        guard !hex.isEmpty, hex.count <= 16, let value = UInt64(hex, radix: 16) else { return nil }
        self.init(rawValue: value)
    }

    /// A fresh random replica ID from the system's secure generator.
    public static func random() -> ReplicaID {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }

    /// A random replica ID drawn from `generator` (use a seeded generator for reproducible tests).
    public static func random<G: RandomNumberGenerator>(using generator: inout G) -> ReplicaID {
        while true {
            let value = generator.next()
            if value != 0 { return ReplicaID(unchecked: value) }
        }
    }

    /// 16 lowercase hex digits.
    public var description: String {
        let hex = String(rawValue, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    public static func < (lhs: ReplicaID, rhs: ReplicaID) -> Bool { lhs.rawValue < rhs.rawValue }
}
