/// An append-only byte buffer that encoders write into.
///
/// Multi-byte integers are little-endian. Variable-length integers are in `LEB128.swift`.
struct ByteWriter: Sendable {
    /// The bytes written so far.
    private(set) var bytes: [UInt8]

    init(capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// The number of bytes written.
    var count: Int { bytes.count }

    mutating func write(_ byte: UInt8) {
        bytes.append(byte)
    }

    /// Appends `other` in one bulk copy.
    mutating func write(contentsOf other: some Collection<UInt8>) {
        bytes.append(contentsOf: other)
    }

    mutating func writeUInt32LE(_ value: UInt32) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func writeUInt64LE(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// Overwrites four bytes at `offset` (used to patch a checksum in place).
    mutating func setUInt32LE(_ value: UInt32, at offset: Int) {
        for k in 0..<4 { bytes[offset + k] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(k))) }
    }
}
