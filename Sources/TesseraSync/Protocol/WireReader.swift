import TesseraCore

/// A bounds-checked cursor over a frame.
///
/// Every read checks the bytes that remain and throws rather than trapping; every count is
/// checked against what the remaining bytes could possibly hold *before* anything is
/// allocated for it, so a lying length prefix costs nothing.
struct WireReader: Sendable {
    let bytes: [UInt8]
    /// The index of the next byte (used as the error offset).
    var position: Int
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

    var remaining: Int { end - position }
    var isAtEnd: Bool { position >= end }

    func require(_ count: Int) throws(WireError) {
        if count > end - position { throw .truncated(offset: position, needed: count - (end - position)) }
    }

    mutating func readByte() throws(WireError) -> UInt8 {
        guard position < end else { throw .truncated(offset: position, needed: 1) }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func readUInt16() throws(WireError) -> UInt16 {
        try require(2)
        defer { position += 2 }
        return UInt16(bytes[position]) << 8 | UInt16(bytes[position + 1])
    }

    mutating func readUInt32() throws(WireError) -> UInt32 {
        try require(4)
        var value: UInt32 = 0
        for k in 0..<4 { value = value << 8 | UInt32(bytes[position + k]) }
        position += 4
        return value
    }

    mutating func readUInt64() throws(WireError) -> UInt64 {
        try require(8)
        var value: UInt64 = 0
        for k in 0..<8 { value = value << 8 | UInt64(bytes[position + k]) }
        position += 8
        return value
    }

    /// Unsigned LEB128; at most ten bytes, rejecting values that overflow 64 bits.
    mutating func readVarint() throws(WireError) -> UInt64 {
        let start = position
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try readByte()
            if shift == 63 && byte > 1 { throw .invalid(offset: start, reason: "varint overflows 64 bits") }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    /// A count, checked against `limit` (what the remaining bytes can hold, or a policy bound).
    mutating func readCount(limit: Int, _ what: String) throws(WireError) -> Int {
        let start = position
        let value = try readVarint()
        guard let count = Int(exactly: value), count <= limit else {
            throw .limitExceeded(offset: start, reason: "\(what) \(value) exceeds \(limit)")
        }
        return count
    }

    /// A length-prefixed byte string of at most `limit` bytes, copied out.
    mutating func readBytes(limit: Int, _ what: String) throws(WireError) -> [UInt8] {
        let count = try readCount(limit: limit, "\(what) length")
        try require(count)
        defer { position += count }
        return Array(bytes[position..<(position + count)])
    }

    /// A length-prefixed UTF-8 string of at most `limit` bytes.
    mutating func readString(limit: Int, _ what: String) throws(WireError) -> String {
        let start = position
        let count = try readCount(limit: limit, "\(what) length")
        try require(count)
        let range = position..<(position + count)
        guard let string = String(validating: bytes[range], as: UTF8.self) else {
            throw .invalid(offset: start, reason: "\(what) is not valid UTF-8")
        }
        position += count
        return string
    }

    /// A non-zero replica ID.
    mutating func readReplica(_ what: String) throws(WireError) -> ReplicaID {
        let start = position
        guard let replica = ReplicaID(rawValue: try readUInt64()) else {
            throw .invalid(offset: start, reason: "\(what) is zero")
        }
        return replica
    }

    /// A length-prefixed version vector in TesseraCore's canonical binary encoding.
    mutating func readVersion(limits: WireLimits, _ what: String) throws(WireError) -> VersionVector {
        let start = position
        let blob = try readBytes(limit: min(remaining, limits.maxVersionVectorBytes), what)
        do {
            return try VersionVector(decoding: blob, limits: limits.decoding)
        } catch {
            throw .invalid(offset: start, reason: "\(what): \(error)")
        }
    }

    /// Throws unless every byte was consumed (so each frame has exactly one encoding).
    func expectEnd(_ what: String) throws(WireError) {
        guard isAtEnd else { throw .invalid(offset: position, reason: "\(remaining) unexpected byte(s) after the \(what)") }
    }
}
