/// LEB128 variable-length integers and zigzag mapping, the building blocks of every column.
///
/// Unsigned LEB128 stores 7 bits per byte, least significant group first; the high bit of a
/// byte says another byte follows. A 64-bit value takes at most 10 bytes. Signed values are
/// first zigzag-mapped (0, −1, 1, −2, … → 0, 1, 2, 3, …) so small magnitudes stay short.
enum ZigZag {
    @inline(__always)
    static func encode(_ value: Int64) -> UInt64 {
        UInt64(bitPattern: (value << 1) ^ (value >> 63))
    }

    @inline(__always)
    static func decode(_ value: UInt64) -> Int64 {
        Int64(bitPattern: (value >> 1) ^ (0 &- (value & 1)))
    }
}

extension ByteWriter {
    /// Appends `value` as unsigned LEB128 (1–10 bytes).
    @inline(__always)
    mutating func writeULEB128(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            write(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        write(UInt8(truncatingIfNeeded: v))
    }

    /// Appends `value` zigzag-mapped, as unsigned LEB128.
    @inline(__always)
    mutating func writeSLEB128(_ value: Int64) {
        writeULEB128(ZigZag.encode(value))
    }

    /// Appends a non-negative count or length.
    @inline(__always)
    mutating func writeCount(_ value: Int) {
        writeULEB128(UInt64(truncatingIfNeeded: value))
    }
}

extension ByteReader {
    /// Reads an unsigned LEB128 value. Rejects encodings that overflow 64 bits; accepts
    /// (harmless) redundant trailing zero groups.
    @inline(__always)
    mutating func readULEB128() throws(EncodingError) -> UInt64 {
        if let value = readShortULEB128() { return value }
        return try readLongULEB128()
    }

    /// ``readULEB128()`` past its short cases.
    @inline(never)
    private mutating func readLongULEB128() throws(EncodingError) -> UInt64 {
        let start = position
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try readByte()
            if shift == 63 && byte > 1 {
                throw .invalid(offset: start, reason: "varint overflows 64 bits")
            }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    /// Reads a zigzag-mapped LEB128 value.
    @inline(__always)
    mutating func readSLEB128() throws(EncodingError) -> Int64 {
        ZigZag.decode(try readULEB128())
    }

    /// Reads a count or length and checks it against `limit` (typically what the remaining
    /// bytes could possibly hold), so the caller can allocate for it safely.
    mutating func readCount(limit: Int, _ what: String) throws(EncodingError) -> Int {
        let start = position
        let value = try readULEB128()
        guard let count = Int(exactly: value), count <= limit else {
            throw .invalid(offset: start, reason: "\(what) \(value) exceeds what the input can hold (\(limit))")
        }
        return count
    }
}
