import TesseraStore
import TesseraSync

/// How a relay server listens, where it keeps its rooms, and what it admits.
///
/// ```swift
/// var configuration = RelayConfiguration(host: "0.0.0.0", port: 8080, storePath: "data/relay.sqlite")
/// configuration.serverToken = AccessToken("team-secret")   // only holders create rooms
/// configuration.limits.maxRooms = 100
/// ```
public struct RelayConfiguration: Sendable {
    /// The address to bind.
    public var host: String
    /// The port; 0 picks a free one (reported by ``RelayServer``'s `onListening`).
    public var port: Int
    /// The server token, if any: required to create rooms, and accepted by every room.
    /// See ``RoomAccess``.
    public var serverToken: AccessToken?
    /// Limits on frames, rooms, connections and rates.
    public var limits: RelayLimits

    /// Creates a configuration.
    public init(host: String = "127.0.0.1", port: Int = 8080, serverToken: AccessToken? = nil, limits: RelayLimits = RelayLimits()) {
        self.host = host
        self.port = port
        self.serverToken = serverToken
        self.limits = limits
    }
}

/// A relay's limits; a client over one gets an `error` frame naming it, then a close.
public struct RelayLimits: Hashable, Sendable {
    /// The largest sync frame accepted (announced in the relay's hello, so well-behaved
    /// clients never exceed it). 4 MiB: a client's coalesced batch is far smaller.
    public var maxFrameBytes: Int
    /// The most rooms the relay creates (``ErrorCode/capacityExceeded`` beyond).
    public var maxRooms: Int
    /// The most simultaneous connections per room (``ErrorCode/capacityExceeded`` beyond).
    public var maxConnectionsPerRoom: Int
    /// Per-connection frame and byte rates (``ErrorCode/rateLimited`` beyond).
    public var connection: ConnectionPolicy

    /// Creates limits.
    public init(maxFrameBytes: Int = 4 << 20, maxRooms: Int = 10_000, maxConnectionsPerRoom: Int = 512, connection: ConnectionPolicy = .relay) {
        self.maxFrameBytes = max(1024, maxFrameBytes)
        self.maxRooms = maxRooms
        self.maxConnectionsPerRoom = maxConnectionsPerRoom
        self.connection = connection
    }
}
