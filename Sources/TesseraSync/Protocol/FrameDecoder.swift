/// Splits a byte stream (TCP, a pipe) into frames, each prefixed with its length as a
/// 32-bit big-endian integer.
///
/// WebSocket transports do not need it: one binary WebSocket message is one frame.
///
/// ```swift
/// var decoder = FrameDecoder(maxFrameBytes: 16 << 20)
/// decoder.append(bytesFromSocket)
/// while let frame = try decoder.nextFrame() {
///     actions += session.receive(frame: frame, now: now, source: source)
/// }
/// ```
///
/// A length above the limit is refused as soon as its four bytes arrive, before anything
/// is buffered for it, so a hostile peer cannot make the decoder allocate.
public struct FrameDecoder: Sendable {
    /// The largest frame accepted.
    public let maxFrameBytes: Int
    private var buffer: [UInt8] = []
    private var start = 0

    /// A decoder refusing frames longer than `maxFrameBytes`.
    public init(maxFrameBytes: Int = WireLimits.standard.maxFrameBytes) {
        self.maxFrameBytes = maxFrameBytes
    }

    /// The number of bytes buffered but not yet returned as frames.
    public var bufferedByteCount: Int { buffer.count - start }

    /// Buffers bytes read from the stream.
    public mutating func append(_ bytes: some Collection<UInt8>) {
        // Compact before growing, so the buffer holds at most one partial frame plus the input.
        if start > 0, start >= buffer.count / 2 {
            buffer.removeFirst(start)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete frame, or `nil` until more bytes arrive.
    ///
    /// - Throws: ``WireError/frameTooLarge(size:limit:)`` for a length prefix above the limit;
    ///   the stream cannot be resynchronised after that, so close the connection.
    public mutating func nextFrame() throws(WireError) -> [UInt8]? {
        guard buffer.count - start >= 4 else { return nil }
        var length = 0
        for k in 0..<4 { length = length << 8 | Int(buffer[start + k]) }
        guard length <= maxFrameBytes else { throw .frameTooLarge(size: length, limit: maxFrameBytes) }
        guard buffer.count - start - 4 >= length else { return nil }
        let frame = Array(buffer[(start + 4)..<(start + 4 + length)])
        start += 4 + length
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        }
        return frame
    }

    /// `frame` with its 32-bit big-endian length prefix, for a byte stream.
    public static func lengthPrefixed(_ frame: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(frame.count + 4)
        let length = UInt32(clamping: frame.count)
        for shift in stride(from: 24, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: length >> UInt32(shift))) }
        out.append(contentsOf: frame)
        return out
    }
}
