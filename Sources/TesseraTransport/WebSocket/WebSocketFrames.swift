import HummingbirdWebSocket
import NIOCore
import TesseraSync

/// The sync frames arriving on a WebSocket: one binary message per frame, reassembled from
/// its WebSocket fragments with a size limit.
///
/// The limit is enforced before each fragment is appended, so a peer cannot make the
/// receiver buffer more than the limit plus one WebSocket frame (itself capped by the
/// WebSocket layer, ``WebSocketSyncLimits/webSocketFrameBytes``, before it is read). An
/// oversized message throws `WireError.frameTooLarge`, which ``SyncHost`` answers with an
/// `error` frame (``ErrorCode/frameTooLarge``) before closing; a text message throws
/// `WireError.invalid` (``ErrorCode/malformedFrame``).
public struct WebSocketFrames: AsyncSequence, Sendable {
    /// One sync frame.
    public typealias Element = [UInt8]

    private let inbound: WebSocketInboundStream
    private let maxFrameBytes: Int
    private let gate: FirstFrameGate?

    /// Frames of at most `maxFrameBytes` bytes from `inbound`.
    public init(_ inbound: WebSocketInboundStream, maxFrameBytes: Int) {
        self.init(inbound, maxFrameBytes: maxFrameBytes, gate: nil)
    }

    /// Frames that open `gate` when the first one arrives (server side).
    init(_ inbound: WebSocketInboundStream, maxFrameBytes: Int, gate: FirstFrameGate?) {
        self.inbound = inbound
        self.maxFrameBytes = maxFrameBytes
        self.gate = gate
    }

    /// Reassembles messages.
    public struct AsyncIterator: AsyncIteratorProtocol {
        var fragments: WebSocketInboundStream.AsyncIterator
        let maxFrameBytes: Int
        let gate: FirstFrameGate?

        /// The next whole frame, or `nil` once the peer closed.
        public mutating func next() async throws -> [UInt8]? {
            let first = try await fragments.next()
            gate?.open()
            guard let first else { return nil }
            guard first.opcode == .binary else {
                throw WireError.invalid(offset: 0, reason: "a \(first.opcode) WebSocket message on the binary sync channel")
            }
            var frame: [UInt8] = []
            try append(first, to: &frame)
            var finished = first.fin
            while !finished {
                guard let fragment = try await fragments.next() else { return nil }
                guard fragment.opcode == .continuation else {
                    throw WireError.invalid(offset: frame.count, reason: "a \(fragment.opcode) WebSocket frame inside a message")
                }
                try append(fragment, to: &frame)
                finished = fragment.fin
            }
            return frame
        }

        private func append(_ fragment: WebSocketDataFrame, to frame: inout [UInt8]) throws {
            let size = frame.count + fragment.data.readableBytes
            guard size <= maxFrameBytes else { throw WireError.frameTooLarge(size: size, limit: maxFrameBytes) }
            frame.append(contentsOf: fragment.data.readableBytesView)
        }
    }

    /// Starts reading; a WebSocket's inbound stream can be read once.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(fragments: inbound.makeAsyncIterator(), maxFrameBytes: maxFrameBytes, gate: gate)
    }
}

/// Sizes at the WebSocket layer, below the sync protocol's frame limit.
public enum WebSocketSyncLimits {
    /// The largest single WebSocket frame either side sends or accepts (1 MiB). Larger sync
    /// frames travel as fragmented messages. A peer declaring a larger WebSocket frame is
    /// refused by the WebSocket layer before anything is buffered (close code 1009).
    public static let webSocketFrameBytes = 1 << 20
}
