import TesseraCore

/// How a ``SyncSession`` behaves: who it is, which document, and its limits and timers.
///
/// ```swift
/// var configuration = SyncConfiguration(documentID: "plan", replica: doc.replica)
/// configuration.capabilities.insert(.sealed)        // an end-to-end encrypted room
/// configuration.maxBytesInFlight = 256 << 10        // a phone on a slow link
/// ```
public struct SyncConfiguration: Hashable, Sendable {
    /// The document (room) both sides must name.
    public var documentID: String
    /// This side's replica ID (a relay uses an ID of its own).
    public var replica: ReplicaID
    /// What this side announces; ``Capabilities/sealed`` must match the peer's.
    public var capabilities: Capabilities
    /// Frame and field limits for what this side accepts.
    public var limits: WireLimits
    /// How long local changes may wait to be sent together (coalescing).
    public var flushInterval: Duration
    /// How many pending bytes make the session send before ``flushInterval`` ends.
    public var flushThreshold: Int
    /// How long an acknowledgement may wait after changes arrive (acks are coalesced too).
    public var ackDelay: Duration
    /// The most change bytes sent but not acknowledged; beyond it the session waits for an ack.
    public var maxBytesInFlight: Int
    /// How long unacknowledged changes may go without any ack progress before they are
    /// sent again (only an unreliable transport loses frames without closing).
    public var resendTimeout: Duration
    /// How long the session may send nothing before it sends a ping.
    public var pingInterval: Duration
    /// How long the session may receive nothing before it gives up on the peer.
    public var idleTimeout: Duration
    /// How long the peer's hello may take.
    public var handshakeTimeout: Duration

    /// Creates a configuration with defaults suited to an interactive client.
    public init(
        documentID: String, replica: ReplicaID, capabilities: Capabilities = [.presence], limits: WireLimits = .standard,
        flushInterval: Duration = .milliseconds(30), flushThreshold: Int = 32 << 10, ackDelay: Duration = .milliseconds(30),
        maxBytesInFlight: Int = 1 << 20, resendTimeout: Duration = .seconds(5), pingInterval: Duration = .seconds(10),
        idleTimeout: Duration = .seconds(30), handshakeTimeout: Duration = .seconds(10)
    ) {
        self.documentID = documentID
        self.replica = replica
        self.capabilities = capabilities
        self.limits = limits
        self.flushInterval = flushInterval
        self.flushThreshold = flushThreshold
        self.ackDelay = ackDelay
        self.maxBytesInFlight = maxBytesInFlight
        self.resendTimeout = resendTimeout
        self.pingInterval = pingInterval
        self.idleTimeout = idleTimeout
        self.handshakeTimeout = handshakeTimeout
    }

    /// Whether this side syncs a sealed (end-to-end encrypted) room.
    public var isSealed: Bool { capabilities.contains(.sealed) }
}
