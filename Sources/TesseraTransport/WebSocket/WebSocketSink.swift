import HummingbirdWebSocket
import NIOCore
import NIOWebSocket
import TesseraSync

/// A ``FrameSink`` writing each sync frame as one binary WebSocket message (fragmented into
/// WebSocket frames of at most ``WebSocketSyncLimits/webSocketFrameBytes``).
public struct WebSocketSink: FrameSink {
    private let outbound: WebSocketOutboundWriter
    private let gate: FirstFrameGate?

    /// Writes to `outbound`.
    public init(_ outbound: WebSocketOutboundWriter) {
        self.init(outbound, gate: nil)
    }

    /// Writes to `outbound` once `gate` opens (server side; see ``FirstFrameGate``).
    init(_ outbound: WebSocketOutboundWriter, gate: FirstFrameGate?) {
        self.outbound = outbound
        self.gate = gate
    }

    /// Sends one frame as a binary message.
    public func send(_ frame: [UInt8]) async throws {
        if let gate, !gate.isOpened { await gate.wait() }
        try await outbound.writeBinaryMessage(ByteBuffer(bytes: frame))
    }

    /// Starts the WebSocket closing handshake with a close code matching `error`.
    public func close(error: SyncError?) async {
        try? await outbound.close(Self.closeCode(for: error), reason: error.map { Self.reason($0) })
    }

    /// The WebSocket close code for a session that ended with `error`. The `error` frame sent
    /// just before says precisely why; the close code lets WebSocket tooling tell the classes
    /// apart.
    static func closeCode(for error: SyncError?) -> WebSocketErrorCode {
        guard let error else { return .normalClosure }
        switch error.code {
        case .goingAway: return .goingAway
        case .frameTooLarge: return .messageTooLarge
        case .accessDenied, .rateLimited, .capacityExceeded: return .policyViolation
        case .internalError: return .unexpectedServerError
        default: return .protocolError
        }
    }

    /// A close reason within the 123 bytes a close frame allows.
    static func reason(_ error: SyncError) -> String {
        var text = error.code.description
        while text.utf8.count > 120 { text.removeLast() }
        return text
    }
}
