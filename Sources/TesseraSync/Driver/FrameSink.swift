/// Where a ``SyncHost`` writes one connection's frames: the write half of a transport.
///
/// A WebSocket sink sends each frame as one binary message; a byte-stream sink prefixes it
/// with its length (``FrameDecoder/lengthPrefixed(_:)``). The host calls ``send(_:)`` from
/// one task per connection, in order, and ``close(error:)`` once, last.
///
/// ```swift
/// struct StreamSink: FrameSink {
///     let continuation: AsyncStream<[UInt8]>.Continuation
///     func send(_ frame: [UInt8]) async throws { continuation.yield(frame) }
///     func close(error: SyncError?) async { continuation.finish() }
/// }
/// ```
public protocol FrameSink: Sendable {
    /// Sends one frame; throws if the connection is gone.
    func send(_ frame: [UInt8]) async throws
    /// Closes the connection after the frames already sent. `error` is why the session ended
    /// (`nil` for a normal close); its `error` frame, if any, was sent just before.
    func close(error: SyncError?) async
}

/// What a host queues for a connection's writer task.
enum Outgoing: Sendable {
    case frame([UInt8])
    case close(SyncError?)
}
