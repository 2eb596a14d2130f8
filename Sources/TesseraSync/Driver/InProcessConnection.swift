/// One end of a connection inside a process: an inbound frame stream and a ``FrameSink``
/// to the other end.
///
/// Lets an in-process participant — a server-hosted agent, a bridge for a browser's JSON
/// channel, a test — join a ``SyncHost`` exactly as a remote peer would, through the same
/// sessions and the same protocol:
///
/// ```swift
/// let (agentEnd, roomEnd) = InProcessConnection.pair()
/// async let relaySide = roomHost.serve(frames: roomEnd.frames, sink: roomEnd.sink)
/// async let agentSide = agentHost.serve(frames: agentEnd.frames, sink: agentEnd.sink)
/// ```
public struct InProcessConnection: Sendable {
    /// Frames from the other end.
    public let frames: AsyncStream<[UInt8]>
    /// Writes frames to the other end.
    public let sink: Sink

    /// The writing half of an ``InProcessConnection``.
    public struct Sink: FrameSink {
        let continuation: AsyncStream<[UInt8]>.Continuation

        /// Delivers `frame` to the other end.
        public func send(_ frame: [UInt8]) async throws {
            if case .terminated = continuation.yield(frame) { throw CancellationError() }
        }

        /// Ends the other end's inbound stream.
        public func close(error: SyncError?) async {
            continuation.finish()
        }
    }

    /// Two connected ends.
    public static func pair() -> (InProcessConnection, InProcessConnection) {
        let (toA, toAContinuation) = AsyncStream<[UInt8]>.makeStream()
        let (toB, toBContinuation) = AsyncStream<[UInt8]>.makeStream()
        return (
            InProcessConnection(frames: toA, sink: Sink(continuation: toBContinuation)),
            InProcessConnection(frames: toB, sink: Sink(continuation: toAContinuation))
        )
    }
}
