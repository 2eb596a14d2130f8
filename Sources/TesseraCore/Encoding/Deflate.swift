import CZlib
import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Raw DEFLATE (RFC 1951, no zlib or gzip wrapper: the container has its own length and
/// CRC-32) through the system zlib.
enum Deflate {
    /// The compression level used for payloads. Not zlib's default 6: level 4 searches
    /// shorter match chains and deflated the benchmark payloads (columns of IDs, deltas and
    /// text) in half to three quarters of the time, for 0.4 to 3.6 % more bytes (FORMAT.md §2).
    static let level: Int32 = 4

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
        compress(input, level: level, restartEvery: nil)?.bytes
    }

    /// Where inflating may start afresh: `compressed` bytes into the stream, `raw` bytes into
    /// its output (FORMAT.md §2).
    struct RestartPoint: Hashable, Sendable {
        var compressed: Int
        var raw: Int
    }

    /// How much input lies between restart points: inflating a 240 KB typing history takes
    /// 0.6 ms, and with a restart point half of it can be inflated on a second core.
    static let restartInterval = 1 << 17

    /// ``compress(_:level:)``, with a restart point every `interval` bytes of input (a
    /// multiple of ``chunkSize``) if one is given: the stream is brought to a full flush
    /// there, which byte-aligns it and makes the compressor forget what it has seen, so that
    /// an inflater can start at that byte knowing nothing of what came before.
    ///
    /// Since nothing after a restart point refers to anything before it, the segments between
    /// them are compressed independently, in parallel (each by its own compressor, as the
    /// one stream would be after its flush), and joined: deflating a 2.5 MB snapshot of
    /// shapes took 150 ms on one core.
    static func compress(
        _ input: [UInt8], level: Int32 = Deflate.level, restartEvery interval: Int?
    ) -> (bytes: [UInt8], restarts: [RestartPoint])? {
        precondition(interval.map { $0 > 0 && $0 % chunkSize == 0 } ?? true, "restart interval must be a multiple of the chunk size")
        guard !input.isEmpty, input.count <= Int(UInt32.max) else { return nil }
        guard let interval, input.count > interval else {
            return input.withUnsafeBufferPointer { source in
                compressSegment(source, level: level, isLast: true).map { ($0, []) }
            }
        }
        let segments = (input.count + interval - 1) / interval
        let parts = input.withUnsafeBufferPointer { source in
            withUnsafeTemporaryAllocation(of: [UInt8]?.self, capacity: segments) { slots -> [[UInt8]?] in
                slots.initialize(repeating: nil)
                let job = CompressionJob(source: source, slots: slots, interval: interval, level: level)
                DispatchQueue.concurrentPerform(iterations: segments) { job.compress($0) }
                defer { slots.deinitialize() }
                return Array(slots)
            }
        }
        var output: [UInt8] = []
        output.reserveCapacity(parts.reduce(0) { $0 + ($1?.count ?? 0) })
        var restarts: [RestartPoint] = []
        for (k, part) in parts.enumerated() {
            guard let part else { return nil }
            if k > 0 { restarts.append(RestartPoint(compressed: output.count, raw: k * interval)) }
            output.append(contentsOf: part)
        }
        return (output, restarts)
    }

    /// The segments of one input, compressed each into its own slot: unchecked Sendable
    /// because no two segments write the same slot, and `concurrentPerform` returns only
    /// when all are done.
    private struct CompressionJob: @unchecked Sendable {
        let source: UnsafeBufferPointer<UInt8>
        let slots: UnsafeMutableBufferPointer<[UInt8]?>
        let interval: Int
        let level: Int32

        func compress(_ k: Int) {
            let end = min(source.count, (k + 1) * interval)
            slots[k] = Deflate.compressSegment(UnsafeBufferPointer(rebasing: source[(k * interval)..<end]), level: level,
                                              isLast: end == source.count)
        }
    }

    /// `source` as a segment of a raw DEFLATE stream, by a compressor of its own: near-random
    /// chunks stored (see ``compress(_:level:)``); ending in the final block if `isLast`, else
    /// byte-aligned after a full flush (or a stored block), ready for the next segment.
    fileprivate static func compressSegment(_ source: UnsafeBufferPointer<UInt8>, level: Int32, isLast: Bool) -> [UInt8]? {
        var stream = z_stream()
        guard start(&stream, level: level) else { return nil }
        defer { deflateEnd(&stream) }
        var output: [UInt8] = []
        output.reserveCapacity(Int(deflateBound(&stream, uLong(source.count))))
        // Room for one call's output, and for a whole chunk's trial (deflateBound of a chunk
        // is a little over the chunk).
        let scratch = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 2 * chunkSize)
        defer { scratch.deallocate() }
        var trial: z_stream?
        defer { if trial != nil { deflateEnd(&trial!) } }
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
            guard let store = barelyCompresses(bytes) else { return nil }
            guard store else { continue }
            if pending < chunk { guard feed(pending..<chunk, Z_FULL_FLUSH) else { return nil } }
            appendStored(bytes, to: &output)
            pending = end
        }
        if isLast { return feed(pending..<source.count, Z_FINISH) ? output : nil }
        // With nothing pending the segment ends byte-aligned already: right after a stored
        // block and the flush before it (or empty).
        if pending < source.count { guard feed(pending..<source.count, Z_FULL_FLUSH) else { return nil } }
        return output
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
    /// `expectedCount` bytes; with `restarts` (which must be increasing and inside `input` and
    /// the output), as that many more independent segments, inflated in parallel.
    ///
    /// A segment before a restart point must end exactly there: at a block boundary, byte
    /// aligned, not in the final block, having produced exactly its share of the output; and
    /// a segment refers to nothing before its own start (an inflater started there knows
    /// nothing earlier). Inflated one after the other, the stream then gives the same bytes.
    ///
    /// The output buffer has room for one byte more than declared, so a stream that inflates
    /// beyond its declared size (a lying header or a bomb) is caught without ever allocating
    /// more than the caller's bounded `expectedCount`.
    static func decompress(
        _ input: ArraySlice<UInt8>, expectedCount: Int, offset: Int, restarts: [RestartPoint] = []
    ) throws(EncodingError) -> [UInt8] {
        guard input.count <= Int(UInt32.max), expectedCount >= 0, expectedCount < Int(UInt32.max) else {
            throw .limitExceeded(offset: offset, reason: "deflated payload too large for one inflate call")
        }
        var previous = RestartPoint(compressed: 0, raw: 0)
        for point in restarts {
            guard point.compressed > previous.compressed, point.raw > previous.raw,
                  point.compressed < input.count, point.raw < expectedCount
            else { throw .decompressionFailed(offset: offset, reason: "restart points out of order or out of range") }
            previous = point
        }
        let segments = restarts.count + 1
        var failure: EncodingError?
        let output = [UInt8](unsafeUninitializedCapacity: expectedCount + 1) { buffer, initialized in
            input.withUnsafeBufferPointer { source in
                withUnsafeTemporaryAllocation(of: EncodingError?.self, capacity: segments) { errors in
                    errors.initialize(repeating: nil)
                    let job = Segments(source: source, output: buffer, errors: errors, restarts: restarts,
                                       expectedCount: expectedCount, offset: offset)
                    if segments == 1 {
                        job.inflate(0)
                    } else {
                        DispatchQueue.concurrentPerform(iterations: segments) { job.inflate($0) }
                    }
                    failure = errors.lazy.compactMap { $0 }.first
                    errors.deinitialize()
                }
            }
            // Bytes are plain data: on failure the array is discarded whatever it holds.
            initialized = failure == nil ? expectedCount : 0
        }
        if let failure { throw failure }
        return output
    }

    /// The segments of one stream, inflated into one buffer, each into its own part of it and
    /// reporting into its own slot of `errors`: unchecked Sendable because no two segments
    /// touch the same memory, and `concurrentPerform` returns only when all are done.
    private struct Segments: @unchecked Sendable {
        let source: UnsafeBufferPointer<UInt8>
        let output: UnsafeMutableBufferPointer<UInt8>
        let errors: UnsafeMutableBufferPointer<EncodingError?>
        let restarts: [RestartPoint]
        let expectedCount: Int
        let offset: Int

        /// Inflates segment `k`: from restart point `k - 1` (the start for 0) to restart point `k`
        /// (the end for the last).
        func inflate(_ k: Int) {
            let isLast = k == restarts.count
            let inStart = k == 0 ? 0 : restarts[k - 1].compressed
            let inEnd = isLast ? source.count : restarts[k].compressed
            let outStart = k == 0 ? 0 : restarts[k - 1].raw
            let outEnd = isLast ? expectedCount : restarts[k].raw
            // The last segment has the byte past the declared end, to catch a stream that goes on.
            errors[k] = Deflate.inflate(
                UnsafeBufferPointer(rebasing: source[inStart..<inEnd]),
                into: UnsafeMutableBufferPointer(rebasing: output[outStart..<(isLast ? outEnd + 1 : outEnd)]),
                expectedCount: outEnd - outStart, isLast: isLast, offset: offset + inStart)
        }
    }

    /// Inflates one segment of a stream (see ``decompress(_:expectedCount:offset:restarts:)``)
    /// into `output`, which has room for `expectedCount` bytes, and one more for the last
    /// segment; returns what is wrong with it, if anything.
    fileprivate static func inflate(
        _ input: UnsafeBufferPointer<UInt8>, into output: UnsafeMutableBufferPointer<UInt8>, expectedCount: Int, isLast: Bool,
        offset: Int
    ) -> EncodingError? {
        var stream = z_stream()
        guard inflateInit2_(&stream, -15, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            return .decompressionFailed(offset: offset, reason: "zlib could not be initialised")
        }
        defer { inflateEnd(&stream) }
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
        stream.avail_in = uInt(input.count)
        stream.next_out = output.baseAddress
        stream.avail_out = uInt(output.count)
        var status: Int32
        if isLast {
            status = CZlib.inflate(&stream, Z_FINISH)
        } else {
            // Block by block (``Z_BLOCK`` stops after each), so that inflate stops between
            // blocks when the input runs out there, and says so, rather than reading on.
            repeat {
                status = CZlib.inflate(&stream, Z_BLOCK)
            } while status == Z_OK && stream.avail_in > 0
        }
        let produced = Int(stream.total_out)
        let consumed = offset + Int(stream.total_in)
        switch status {
        case Z_STREAM_END where isLast:
            guard produced == expectedCount else {
                return .decompressionFailed(offset: offset, reason: "payload inflates to \(produced) bytes, header declares \(expectedCount)")
            }
            guard stream.avail_in == 0 else { return .decompressionFailed(offset: consumed, reason: "data after the end of the deflate stream") }
            return nil
        case Z_STREAM_END:
            return .decompressionFailed(offset: consumed, reason: "deflate stream ends before a restart point")
        case Z_BUF_ERROR, Z_OK:
            if produced > expectedCount {
                return .decompressionFailed(offset: consumed, reason: "payload inflates to more than the declared \(expectedCount) bytes")
            }
            guard !isLast else { return .decompressionFailed(offset: consumed, reason: "deflate stream ends early") }
            // At the restart point: every byte read, every byte written, between blocks
            // (128), no bits left over, not in the final block (64).
            let boundary = stream.data_type & (128 | 64 | 7) == 128
            guard stream.avail_in == 0, produced == expectedCount, boundary else {
                return .decompressionFailed(offset: consumed, reason: "deflate segment does not end at its restart point")
            }
            return nil
        default:
            let message = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
            return .decompressionFailed(offset: consumed, reason: message)
        }
    }
}
