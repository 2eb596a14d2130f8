import CPeerbenchSystem

/// zlib sizes, to report `bytes_zlib6` like the reference (`len(zlib.compress(data, 6))`).
public enum Zlib {
    /// The size of `bytes` compressed by zlib's `compress2` at `level` (zlib format, with
    /// header and Adler-32, as Python's `zlib.compress`), or `nil` if zlib fails.
    public static func compressedCount(_ bytes: [UInt8], level: Int32 = 6) -> Int? {
        var destinationCount = compressBound(uLong(bytes.count))
        var destination = [UInt8](repeating: 0, count: Int(destinationCount))
        let status = destination.withUnsafeMutableBufferPointer { out in
            bytes.withUnsafeBufferPointer { input in
                compress2(out.baseAddress, &destinationCount, input.baseAddress, uLong(input.count), level)
            }
        }
        return status == Z_OK ? Int(destinationCount) : nil
    }
}

extension Zlib {
    /// Inflates a gzip file's bytes (RFC 1952, including files of several members, as
    /// `gzip -dc` does).
    ///
    /// - Throws: ``GzipError`` if the data is not gzip or is truncated or corrupt.
    public static func gunzip(_ input: [UInt8]) throws(GzipError) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(input.count * 4)
        var stream = z_stream()
        // 16 + MAX_WBITS: expect a gzip header and trailer.
        guard inflateInit2_(&stream, 16 + MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw GzipError(reason: "zlib could not be initialised")
        }
        defer { inflateEnd(&stream) }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var failure: String?
        input.withUnsafeBufferPointer { source in
            guard let base = source.baseAddress else {
                failure = "empty input"
                return
            }
            stream.next_in = UnsafeMutablePointer(mutating: base)
            stream.avail_in = uInt(source.count)
            while true {
                let status = chunk.withUnsafeMutableBufferPointer { out -> Int32 in
                    stream.next_out = out.baseAddress
                    stream.avail_out = uInt(out.count)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                output.append(contentsOf: chunk[0..<(chunk.count - Int(stream.avail_out))])
                switch status {
                case Z_STREAM_END:
                    // Another member may follow (concatenated gzip files).
                    guard stream.avail_in > 0 else { return }
                    guard inflateReset(&stream) == Z_OK else {
                        failure = "cannot start the next gzip member"
                        return
                    }
                case Z_OK:
                    continue
                case Z_BUF_ERROR where stream.avail_in == 0:
                    failure = "truncated gzip data"
                    return
                default:
                    failure = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
                    return
                }
            }
        }
        if let failure { throw GzipError(reason: failure) }
        return output
    }
}

/// Why gzip data could not be inflated.
public struct GzipError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What zlib reported.
    public var reason: String

    public var description: String { reason }
}
