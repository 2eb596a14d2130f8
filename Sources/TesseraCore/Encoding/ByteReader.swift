/// A bounds-checked cursor over a range of a byte array.
///
/// Every read checks the bytes that remain and throws ``EncodingError/truncated(offset:needed:)``
/// rather than trapping. Sub-readers (``subReader(count:)``) share the array, so splitting a
/// payload into columns copies nothing.
struct ByteReader: Sendable {
    let bytes: [UInt8]
    /// The index of the next byte to read (an index into ``bytes``, used as the error offset).
    private(set) var position: Int
    /// One past the last readable index.
    let end: Int

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        position = 0
        end = bytes.count
    }

    init(_ bytes: [UInt8], range: Range<Int>) {
        self.bytes = bytes
        position = range.lowerBound
        end = range.upperBound
    }

    /// Moves back to `position`, a position this reader was at (to undo a read ahead).
    @inline(__always)
    mutating func rewind(to position: Int) {
        precondition(position <= self.position, "rewind past the read position")
        self.position = position
    }

    /// The number of bytes left.
    var remaining: Int { end - position }

    var isAtEnd: Bool { position >= end }

    /// Throws unless `count` more bytes are available. `count` must be non-negative.
    @inline(__always)
    func require(_ count: Int) throws(EncodingError) {
        if count > end - position { throw .truncated(offset: position, needed: count - (end - position)) }
    }

    @inline(__always)
    mutating func readByte() throws(EncodingError) -> UInt8 {
        guard position < end else { throw .truncated(offset: position, needed: 1) }
        let byte = bytes[position]
        position += 1
        return byte
    }

    /// The next LEB128 value if it takes at most three bytes (or one, within three bytes of
    /// the end), consumed; otherwise nil, nothing consumed. Such values (kinds, indices,
    /// deltas, a coordinate's mantissa) are nearly all a column holds: read without the
    /// general loop's per-byte checks (see ``readULEB128()``).
    @inline(__always)
    mutating func readShortULEB128() -> UInt64? {
        let start = position
        guard start < end else { return nil }
        guard end - start >= 3 else {
            let byte = bytes[start]
            guard byte < 0x80 else { return nil }
            position = start + 1
            return UInt64(byte)
        }
        let (value, length) = bytes.withUnsafeBufferPointer { buffer -> (UInt64, Int) in
            let b0 = buffer[start]
            if b0 < 0x80 { return (UInt64(b0), 1) }
            let b1 = buffer[start + 1]
            let low = UInt64(b0 & 0x7F) | UInt64(b1 & 0x7F) << 7
            if b1 < 0x80 { return (low, 2) }
            let b2 = buffer[start + 2]
            if b2 < 0x80 { return (low | UInt64(b2) << 14, 3) }
            return (0, 0)
        }
        guard length > 0 else { return nil }
        position = start + length
        return value
    }

    mutating func readUInt32LE() throws(EncodingError) -> UInt32 {
        try require(4)
        var value: UInt32 = 0
        for k in 0..<4 { value |= UInt32(bytes[position + k]) << (8 * UInt32(k)) }
        position += 4
        return value
    }

    mutating func readUInt64LE() throws(EncodingError) -> UInt64 {
        try require(8)
        var value: UInt64 = 0
        for k in 0..<8 { value |= UInt64(bytes[position + k]) << (8 * UInt64(k)) }
        position += 8
        return value
    }

    /// The index range of the next `count` bytes, consumed.
    mutating func readRange(_ count: Int) throws(EncodingError) -> Range<Int> {
        guard count >= 0 else { throw .invalid(offset: position, reason: "negative length") }
        try require(count)
        let range = position..<(position + count)
        position += count
        return range
    }

    /// Copies the next `count` bytes into a new array (one bulk copy).
    mutating func readBytes(_ count: Int) throws(EncodingError) -> [UInt8] {
        Array(bytes[try readRange(count)])
    }

    /// Decodes the next `count` bytes as UTF-8, rejecting ill-formed sequences.
    mutating func readString(_ count: Int) throws(EncodingError) -> String {
        let start = position
        let range = try readRange(count)
        // Validated over a contiguous buffer: the generic slice path is several times slower,
        // and a history holds one short string per typed run.
        // ASCII (a typed character, a key) is valid UTF-8 as it stands: decoding it skips the
        // generic validator, whose type lookups cost more than the bytes.
        let decoded = bytes.withUnsafeBufferPointer { buffer -> String? in
            let slice = UnsafeBufferPointer(rebasing: buffer[range])
            if slice.allSatisfy({ $0 < 0x80 }) { return String(decoding: slice, as: UTF8.self) }
            return String(validating: slice, as: UTF8.self)
        }
        guard let string = decoded else {
            throw .invalid(offset: start, reason: "ill-formed UTF-8")
        }
        return string
    }

    /// How many of the next bytes, up to `limit`, are ASCII.
    func asciiPrefix(upTo limit: Int) -> Int {
        let end = limit >= remaining ? self.end : position + limit
        guard position < end else { return 0 }
        // Eight bytes at a time (a typed run is tens of bytes): the byte loop, bounds-checked,
        // was a third of reading a keystroke run.
        return bytes.withUnsafeBufferPointer { buffer in
            let base = UnsafeRawPointer(buffer.baseAddress!)
            var i = position
            while i &+ 8 <= end {
                let word = base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                if word & 0x8080_8080_8080_8080 != 0 { break }
                i &+= 8
            }
            while i < end, buffer[i] < 0x80 { i &+= 1 }
            return i &- position
        }
    }

    /// A reader over the next `count` bytes, which this reader skips.
    mutating func subReader(count: Int) throws(EncodingError) -> ByteReader {
        ByteReader(bytes, range: try readRange(count))
    }
}
