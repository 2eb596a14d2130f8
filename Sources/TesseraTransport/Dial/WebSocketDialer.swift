import HummingbirdWSClient
import Logging
import Synchronization
import TesseraSync

/// Dials a relay or a listening peer over WebSocket and serves the connection with a
/// ``SyncHost`` until it ends.
///
/// ```swift
/// let dialer = WebSocketDialer(url: try RoomURL("ws://127.0.0.1:8080/v1/rooms/plan"), token: token)
/// let failure = await host.maintainLink { print($0) } dial: { try await dialer.connect(host) }
/// ```
///
/// The token goes in an `Authorization: Bearer` header. A sealed host (its configuration
/// announces ``Capabilities/sealed``) adds `?sealed=1`, which a relay uses to create the room
/// as end-to-end encrypted on first use.
public struct WebSocketDialer: Sendable {
    /// Where to connect.
    public var url: RoomURL
    /// The room's access token, if it has one.
    public var token: AccessToken?
    /// Limits on what the peer may send (none by default: a client trusts its relay).
    public var policy: ConnectionPolicy
    /// Where the WebSocket client logs.
    public var logger: Logger

    /// Creates a dialer.
    public init(url: RoomURL, token: AccessToken? = nil, policy: ConnectionPolicy = .unlimited, logger: Logger = Logger(label: "tessera.dial")) {
        self.url = url
        self.token = token
        self.policy = policy
        self.logger = logger
    }

    /// Connects, serves the connection with `host` until it ends, and returns how it ended.
    ///
    /// - Throws: if the connection or the WebSocket upgrade failed (nothing was served).
    public func connect<Source>(_ host: SyncHost<Source>) async throws -> ConnectionOutcome {
        var configuration = WebSocketClientConfiguration(
            maxFrameSize: WebSocketSyncLimits.webSocketFrameBytes, closeTimeout: .seconds(2))
        if let token { configuration.additionalHeaders[.authorization] = "Bearer \(token.rawValue)" }
        let address = url.syncURL + (host.configuration.isSealed ? "?sealed=1" : "")
        let maxFrameBytes = host.configuration.limits.maxFrameBytes
        let policy = self.policy
        let result = OutcomeBox()
        do {
            try await WebSocketClient.connect(url: address, configuration: configuration, logger: logger) { inbound, outbound, _ in
                let outcome = await host.serve(
                    frames: WebSocketFrames(inbound, maxFrameBytes: maxFrameBytes), sink: WebSocketSink(outbound), policy: policy)
                result.value.withLock { $0 = outcome }
            }
        } catch {
            // A failed closing handshake after a served session is not a failure to connect.
            if let outcome = result.value.withLock({ $0 }) { return outcome }
            throw error
        }
        return result.value.withLock { $0 } ?? ConnectionOutcome(error: nil, peer: nil)
    }
}

/// Carries the outcome out of the WebSocket client's handler.
private final class OutcomeBox: Sendable {
    let value = Mutex<ConnectionOutcome?>(nil)
}
