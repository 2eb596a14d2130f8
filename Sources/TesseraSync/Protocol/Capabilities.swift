/// What a participant announces about itself in ``Hello``: a 32-bit set of flags.
///
/// Unknown bits are kept (not rejected), so a newer peer can announce capabilities an
/// older one ignores.
public struct Capabilities: OptionSet, Hashable, Sendable, CustomStringConvertible {
    /// The raw bits, as sent on the wire.
    public let rawValue: UInt32

    /// Creates a set from raw bits.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// The room is end-to-end encrypted: every change payload and presence payload is sealed.
    /// Both sides of a session must agree on it.
    public static let sealed = Capabilities(rawValue: 1 << 0)
    /// The participant is an AI agent (an ordinary replica whose edits have agent origins).
    public static let agent = Capabilities(rawValue: 1 << 1)
    /// The participant is a relay: it stores and forwards envelopes without reading them.
    public static let relay = Capabilities(rawValue: 1 << 2)
    /// The participant sends and receives presence.
    public static let presence = Capabilities(rawValue: 1 << 3)

    public var description: String {
        var names: [String] = []
        if contains(.sealed) { names.append("sealed") }
        if contains(.agent) { names.append("agent") }
        if contains(.relay) { names.append("relay") }
        if contains(.presence) { names.append("presence") }
        let unknown = rawValue & ~Capabilities([.sealed, .agent, .relay, .presence]).rawValue
        if unknown != 0 { names.append("0x\(String(unknown, radix: 16))") }
        return "[" + names.joined(separator: ", ") + "]"
    }
}
