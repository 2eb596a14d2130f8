import CZlib

/// Raw DEFLATE (RFC 1951, no zlib or gzip wrapper: the container has its own length and
/// CRC-32) through the system zlib.
enum Deflate {
    /// The compression level used for payloads (zlib's default trade-off).
    static let level: Int32 = 6

    /// `input` compressed, or `nil` if zlib fails or the input is too large for one call.
    static func compress(_ input: [UInt8], level: Int32 = Deflate.level) -> [UInt8]? {
        guard !input.isEmpty, input.count <= Int(UInt32.max) else { return nil }
        var stream = z_stream()
        guard deflateInit2_(&stream, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY, zlibVersion(),
                            Int32(MemoryLayout<z_stream>.size)) == Z_OK
        else { return nil }
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, uLong(input.count)))
        var status = Z_STREAM_ERROR
        let output = [UInt8](unsafeUninitializedCapacity: bound) { buffer, initialized in
            input.withUnsafeBufferPointer { source in
                stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
                stream.avail_in = uInt(source.count)
                stream.next_out = buffer.baseAddress
                stream.avail_out = uInt(bound)
                // deflateBound guarantees a single Z_FINISH call completes.
                status = deflate(&stream, Z_FINISH)
            }
            initialized = status == Z_STREAM_END ? Int(stream.total_out) : 0
        }
        return status == Z_STREAM_END ? output : nil
    }

    /// Inflates `input` (which starts at byte `offset` of the container) into exactly
    /// `expectedCount` bytes.
    ///
    /// The output buffer has room for one byte more than declared, so a stream that inflates
    /// beyond its declared size (a lying header or a bomb) is caught without ever allocating
    /// more than the caller's bounded `expectedCount`.
    static func decompress(_ input: ArraySlice<UInt8>, expectedCount: Int, offset: Int) throws(EncodingError) -> [UInt8] {
        guard input.count <= Int(UInt32.max), expectedCount >= 0, expectedCount < Int(UInt32.max) else {
            throw .limitExceeded(offset: offset, reason: "deflated payload too large for one inflate call")
        }
        var stream = z_stream()
        guard inflateInit2_(&stream, -15, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .decompressionFailed(offset: offset, reason: "zlib could not be initialised")
        }
        defer { inflateEnd(&stream) }
        let capacity = expectedCount + 1
        var status = Z_STREAM_ERROR
        let output = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initialized in
            input.withUnsafeBufferPointer { source in
                stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
                stream.avail_in = uInt(source.count)
                stream.next_out = buffer.baseAddress
                stream.avail_out = uInt(capacity)
                status = inflate(&stream, Z_FINISH)
            }
            initialized = min(Int(stream.total_out), capacity)
        }
        let produced = Int(stream.total_out)
        switch status {
        case Z_STREAM_END:
            guard produced == expectedCount else {
                throw .decompressionFailed(offset: offset, reason: "payload inflates to \(produced) bytes, header declares \(expectedCount)")
            }
            guard stream.avail_in == 0 else {
                throw .decompressionFailed(offset: offset + Int(stream.total_in), reason: "data after the end of the deflate stream")
            }
            return output
        case Z_BUF_ERROR, Z_OK:
            if produced > expectedCount {
                throw .decompressionFailed(offset: offset + Int(stream.total_in), reason: "payload inflates to more than the declared \(expectedCount) bytes")
            }
            throw .decompressionFailed(offset: offset + Int(stream.total_in), reason: "deflate stream ends early")
        default:
            let message = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
            throw .decompressionFailed(offset: offset + Int(stream.total_in), reason: message)
        }
    }
}
