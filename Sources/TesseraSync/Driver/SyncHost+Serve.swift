extension SyncHost {
    /// Serves one connection until it ends: the inbound `frames` go to the room, the room's
    /// frames for this connection go to `sink`.
    ///
    /// Returns when the peer closes, the transport fails, or the room closes the connection
    /// (an error, a timeout, ``closeAll(error:)``); in the last case the inbound side is
    /// cancelled once the closing frames are written.
    ///
    /// - Parameters:
    ///   - frames: the inbound frames. A transport that refuses an oversized frame before
    ///     buffering it throws `WireError.frameTooLarge`; the peer then gets an `error`
    ///     frame with ``ErrorCode/frameTooLarge``.
    ///   - policy: rate limits; a peer over them gets ``ErrorCode/rateLimited`` and is cut off.
    public nonisolated func serve<Frames: AsyncSequence & Sendable>(
        frames: Frames, sink: some FrameSink, policy: ConnectionPolicy = .unlimited
    ) async -> ConnectionOutcome where Frames.Element == [UInt8] {
        let (outbox, continuation) = AsyncStream<Outgoing>.makeStream()
        let id = await open(continuation)
        await withTaskGroup(of: Ending.self) { group in
            group.addTask {
                await Self.write(outbox, to: sink)
                return .written
            }
            group.addTask {
                await self.read(frames, on: id, policy: policy)
            }
            switch await group.next() {
            case .roomClosed?:
                // The room ended the session: its error frame and close are being written;
                // give the writer a bounded time (a peer that does not read cannot hold us).
                group.addTask {
                    try? await Task.sleep(for: Self.closingTimeout)
                    return .timedOut
                }
                _ = await group.next()
            case .peerGone?, .written?, .timedOut?, nil:
                break
            }
            group.cancelAll()
            await group.waitForAll()
        }
        await closed(id)
        return await outcome(id)
    }

    /// How long the writer may take to deliver the closing frames of a session the room ended.
    static var closingTimeout: Duration { .seconds(5) }

    /// Why a connection's task ended.
    private enum Ending: Sendable {
        /// The inbound side ended or failed (the room was told).
        case peerGone
        /// The room closed the session; the writer delivers the closing frames.
        case roomClosed
        /// The writer delivered everything up to the close, or the transport failed.
        case written
        case timedOut
    }

    private nonisolated func read<Frames: AsyncSequence & Sendable>(
        _ frames: Frames, on id: ConnectionID, policy: ConnectionPolicy
    ) async -> Ending where Frames.Element == [UInt8] {
        var limiter = RateLimiter(policy)
        do {
            for try await frame in frames {
                if let violation = limiter.admit(byteCount: frame.count) {
                    await fail(id, violation)
                    return .roomClosed
                }
                guard await receive(frame, on: id) else { return .roomClosed }
            }
        } catch let error as WireError {
            if case .frameTooLarge(let size, let limit) = error {
                await fail(id, .frameTooLarge(size: size, limit: limit))
            } else {
                await fail(id, .malformedFrame(error))
            }
            return .roomClosed
        } catch {
            // The transport failed; the room is told below.
        }
        // The peer is gone, or this task was cancelled because the connection already ended.
        await closed(id)
        return .peerGone
    }

    private static func write(_ outbox: AsyncStream<Outgoing>, to sink: some FrameSink) async {
        for await item in outbox {
            switch item {
            case .frame(let frame):
                do {
                    try await sink.send(frame)
                } catch {
                    await sink.close(error: nil)
                    return
                }
            case .close(let error):
                await sink.close(error: error)
                return
            }
        }
        await sink.close(error: nil)
    }
}
