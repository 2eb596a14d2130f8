import CZlib
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Raw DEFLATE (RFC 1951, no zlib or gzip wrapper: the container has its own length and
/// CRC-32) through the system zlib.
enum Deflate {
    /// The compression level used for payloads (zlib's default trade-off).
    static let level: Int32 = 6

    /// The span judged at a time for storing rather than compressing: deflate's window.
    static let chunkSize = 1 << 15

    /// Chunks shorter than this (a payload's tail) are always compressed with their neighbours.
    static let minimumStoredCount = 1 << 12

    /// `input` compressed, or `nil` if zlib fails or the input is too large for one call.
    ///
    /// One raw DEFLATE stream, in which a near-random stretch is a stored block. Inflating a
    /// Huffman-coded literal costs several times what copying a byte does, and a column of
    /// random references or decimals (most of a history of shapes) deflates by barely a
    /// tenth: inflating it was most of the inflate time for that tenth. So each 32 KiB chunk
    /// whose bytes carry at least 7 bits of order-0 entropy each (where Huffman coding alone
    /// could save at most an eighth) is deflated on its own as a trial, and if that saved less
    /// than an eighth the chunk is written as a stored block instead. The stream is first
    /// brought to a full flush, which byte-aligns it and makes the compressor forget what it
    /// has seen: the compressor never sees the stored bytes, so nothing after them may refer
    /// back past them. Any inflater reads the result: no format change. Every other chunk,
    /// including a near-random one the trial found worth compressing, goes through the one
    /// stream without flushes, so compressible data loses no matches.
    static func compress(_ input: [UInt8], level: Int32 = Deflate.level) -> [UInt8]? {
        guard !input.isEmpty, input.count <= Int(UInt32.max) else { return nil }
        var stream = z_stream()
        guard start(&stream, level: level) else { return nil }
        defer { deflateEnd(&stream) }
        var output: [UInt8] = []
        output.reserveCapacity(Int(deflateBound(&stream, uLong(input.count))))
        // Room for one call's output, and for a whole chunk's trial (deflateBound of a chunk
        // is a little over the chunk).
        let scratch = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 2 * chunkSize)
        defer { scratch.deallocate() }
        var trial: z_stream?
        defer { if trial != nil { deflateEnd(&trial!) } }
        let completed = input.withUnsafeBufferPointer { source -> Bool in
            // Gives `range` of the input to the stream with `flush`, appending what it writes.
            func feed(_ range: Range<Int>, _ flush: Int32) -> Bool {
                stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress! + range.lowerBound)
                stream.avail_in = uInt(range.count)
                repeat {
                    stream.next_out = scratch.baseAddress
                    stream.avail_out = uInt(scratch.count)
                    let status = deflate(&stream, flush)
                    // Z_BUF_ERROR: nothing left to do after a call that filled the buffer exactly.
                    guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else { return false }
                    output.append(contentsOf: UnsafeBufferPointer(rebasing: scratch[..<(scratch.count - Int(stream.avail_out))]))
                } while stream.avail_out == 0
                return stream.avail_in == 0
            }
            // Whether deflating `chunk` on its own saves less than an eighth of it.
            func barelyCompresses(_ chunk: UnsafeBufferPointer<UInt8>) -> Bool? {
                if trial == nil {
                    trial = z_stream()
                    guard start(&trial!, level: level) else { trial = nil; return nil }
                } else {
                    guard deflateReset(&trial!) == Z_OK else { return nil }
                }
                trial!.next_in = UnsafeMutablePointer(mutating: chunk.baseAddress)
                trial!.avail_in = uInt(chunk.count)
                trial!.next_out = scratch.baseAddress
                trial!.avail_out = uInt(scratch.count)
                guard deflate(&trial!, Z_FINISH) == Z_STREAM_END else { return nil }
                return Int(trial!.total_out) * 8 > chunk.count * 7
            }
            // The input not yet given to the stream starts at `pending`. A stored block needs
            // no flush when nothing is pending: the stream is then at its start, or right
            // after an earlier stored block and the flush before it.
            var pending = 0
            var chunk = 0
            while chunk < source.count {
                let end = min(chunk + chunkSize, source.count)
                defer { chunk = end }
                let bytes = UnsafeBufferPointer(rebasing: source[chunk..<end])
                guard bytes.count >= minimumStoredCount, isNearRandom(bytes) else { continue }
                guard let store = barelyCompresses(bytes) else { return false }
                guard store else { continue }
                if pending < chunk { guard feed(pending..<chunk, Z_FULL_FLUSH) else { return false } }
                appendStored(bytes, to: &output)
                pending = end
            }
            return feed(pending..<source.count, Z_FINISH)
        }
        return completed ? output : nil
    }

    /// Sets `stream` up to write raw DEFLATE at `level`; false if zlib refuses.
    private static func start(_ stream: inout z_stream, level: Int32) -> Bool {
        deflateInit2_(&stream, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY, zlibVersion(),
                      Int32(MemoryLayout<z_stream>.size)) == Z_OK
    }

    /// Whether `bytes` carry at least 7 bits of order-0 entropy per byte.
    static func isNearRandom(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !bytes.isEmpty else { return false }
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: 256) { counts in
            counts.initialize(repeating: 0)
            for byte in bytes { counts[Int(byte)] &+= 1 }
            // H0 = log2(n) - (1/n) * sum(c * log2(c)).
            var sum = 0.0
            for count in counts where count > 1 { sum += Double(count) * log2(Double(count)) }
            let n = Double(bytes.count)
            return log2(n) - sum / n >= 7
        }
    }

    /// Appends `bytes` as stored DEFLATE blocks (RFC 1951 §3.2.4), at a byte boundary.
    private static func appendStored(_ bytes: UnsafeBufferPointer<UInt8>, to output: inout [UInt8]) {
        var start = 0
        repeat {
            let count = min(Int(UInt16.max), bytes.count - start)
            // BFINAL 0, BTYPE 00, padded to the byte; then LEN and its complement, little-endian.
            output.append(contentsOf: [0, UInt8(count & 0xFF), UInt8(count >> 8), UInt8(~count & 0xFF), UInt8((~count >> 8) & 0xFF)])
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<(start + count)]))
            start += count
        } while start < bytes.count
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
