import CZlib

/// CRC-32 (the ISO-HDLC / zlib / PNG polynomial 0xEDB88320, reflected, initial and final
/// XOR 0xFFFFFFFF), computed by zlib's table-driven `crc32`.
enum CRC32 {
    /// The checksum of `bytes`, continuing from `crc` (0 to start).
    static func checksum(_ bytes: ArraySlice<UInt8>, continuing crc: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBufferPointer { buffer in
            var value = uLong(crc)
            var base = buffer.baseAddress
            var left = buffer.count
            // zlib's length parameter is 32-bit: feed inputs beyond 4 GiB in pieces.
            while left > 0, let pointer = base {
                let chunk = min(left, 1 << 30)
                value = crc32(value, pointer, uInt(chunk))
                base = pointer + chunk
                left -= chunk
            }
            return UInt32(truncatingIfNeeded: value)
        }
    }
}
