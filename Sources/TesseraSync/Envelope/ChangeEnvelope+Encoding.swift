import TesseraCore

extension ChangeEnvelope.Header {
    /// Flag bits of the header's first byte.
    static let sealedFlag: UInt8 = 1 << 0

    /// The header's canonical bytes: the same bytes travel in a `changes` frame and are bound
    /// to a sealed payload as associated data.
    public func encoded() -> [UInt8] {
        var writer = WireWriter(capacity: 24 + 12 * dependencies.count)
        write(to: &writer)
        return writer.bytes
    }

    func write(to writer: inout WireWriter) {
        writer.write(isSealed ? Self.sealedFlag : 0)
        writer.writeUInt64(replica.rawValue)
        writer.writeVarint(counters.lowerBound)
        writer.writeVarint(UInt64(counters.count))
        writer.writeCount(dependencies.count)
        for dependency in dependencies {
            writer.writeUInt64(dependency.replica.rawValue)
            writer.writeVarint(dependency.counter)
        }
    }

    var encodedByteCount: Int {
        var size = 1 + 8 + WireWriter.varintSize(counters.lowerBound) + WireWriter.varintSize(UInt64(counters.count))
        size += WireWriter.varintSize(UInt64(dependencies.count))
        for dependency in dependencies { size += 8 + WireWriter.varintSize(dependency.counter) }
        return size
    }

    static func read(from reader: inout WireReader) throws(WireError) -> ChangeEnvelope.Header {
        let flagsOffset = reader.position
        let flags = try reader.readByte()
        guard flags & ~sealedFlag == 0 else {
            throw .invalid(offset: flagsOffset, reason: "unknown envelope flags 0x\(String(flags, radix: 16))")
        }
        let replica = try reader.readReplica("envelope replica")
        let rangeOffset = reader.position
        let start = try reader.readVarint()
        let count = try reader.readVarint()
        // Counters start at 1 and a range is never empty; the end must not overflow.
        guard start >= 1, count >= 1, start <= UInt64.max - count else {
            throw .invalid(offset: rangeOffset, reason: "invalid counter range start \(start) count \(count)")
        }
        // A dependency takes at least nine bytes (replica and a one-byte counter).
        let dependencyCount = try reader.readCount(limit: reader.remaining / 9, "dependency count")
        var dependencies: [OpID] = []
        dependencies.reserveCapacity(dependencyCount)
        for _ in 0..<dependencyCount {
            let offset = reader.position
            let dependency = OpID(replica: try reader.readReplica("dependency replica"), counter: try reader.readVarint())
            guard dependency.counter >= 1 else { throw .invalid(offset: offset, reason: "dependency counter is zero") }
            if let last = dependencies.last, !OpID.headerOrder(last, dependency) {
                throw .invalid(offset: offset, reason: "dependencies are not sorted by replica and counter")
            }
            dependencies.append(dependency)
        }
        return ChangeEnvelope.Header(
            replica: replica, counters: start..<(start + count), dependencies: dependencies, isSealed: flags & sealedFlag != 0)
    }
}

extension ChangeEnvelope {
    /// The number of bytes the envelope takes in a `changes` frame.
    public var encodedByteCount: Int {
        header.encodedByteCount + WireWriter.varintSize(UInt64(payload.count)) + payload.count
    }

    func write(to writer: inout WireWriter) {
        header.write(to: &writer)
        writer.writeBytes(payload)
    }

    static func read(from reader: inout WireReader) throws(WireError) -> ChangeEnvelope {
        let header = try Header.read(from: &reader)
        let payload = try reader.readBytes(limit: reader.remaining, "envelope payload")
        return ChangeEnvelope(header: header, payload: payload)
    }
}

extension ChangeEnvelope {
    /// The envelope on its own, exactly as it travels inside a `changes` frame (header, then
    /// the length-prefixed payload): the form a store keeps.
    ///
    /// ```swift
    /// let bytes = envelope.encoded()
    /// let copy = try ChangeEnvelope(decoding: bytes)   // == envelope
    /// ```
    public func encoded() -> [UInt8] {
        var writer = WireWriter(capacity: encodedByteCount)
        write(to: &writer)
        return writer.bytes
    }

    /// Decodes one envelope made by ``encoded()``, with the checks a `changes` frame gets;
    /// trailing bytes are an error.
    public init(decoding bytes: [UInt8]) throws(WireError) {
        var reader = WireReader(bytes)
        self = try Self.read(from: &reader)
        try reader.expectEnd("envelope")
    }
}
