/// An append-only byte buffer for the wire format.
///
/// Fixed-width integers are big-endian (network order, unlike the little-endian storage
/// format in TesseraCore, because frames are read by tools such as packet dumps); counts and
/// counters are unsigned LEB128, so small values stay one byte.
struct WireWriter: Sendable {
    private(set) var bytes: [UInt8]

    init(capacity: Int = 64) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    var count: Int { bytes.count }

    mutating func write(_ byte: UInt8) { bytes.append(byte) }

    mutating func write(contentsOf other: some Collection<UInt8>) { bytes.append(contentsOf: other) }

    mutating func writeUInt16(_ value: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value))
    }

    mutating func writeUInt32(_ value: UInt32) {
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    mutating func writeUInt64(_ value: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    mutating func writeVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(truncatingIfNeeded: v))
    }

    mutating func writeCount(_ value: Int) { writeVarint(UInt64(clamping: max(value, 0))) }

    /// A length-prefixed byte string.
    mutating func writeBytes(_ value: some Collection<UInt8>) {
        writeCount(value.count)
        bytes.append(contentsOf: value)
    }

    /// A length-prefixed UTF-8 string.
    mutating func writeString(_ value: String) { writeBytes(Array(value.utf8)) }

    /// The number of bytes `value` takes as a varint.
    static func varintSize(_ value: UInt64) -> Int {
        var v = value
        var size = 1
        while v >= 0x80 {
            v >>= 7
            size += 1
        }
        return size
    }
}
