extension VersionVector {
    /// The version vector in a small binary container (for sync handshakes and acks).
    ///
    /// ```swift
    /// let bytes = document.version.encoded()
    /// let version = try VersionVector(decoding: bytes)
    /// ```
    public func encoded() -> [UInt8] {
        let entries = entries
        var payload = ByteWriter(capacity: 1 + 12 * entries.count)
        payload.writeCount(entries.count)
        for entry in entries {
            payload.writeUInt64LE(entry.replica.rawValue)
            payload.writeULEB128(entry.counter)
        }
        return Container.encode(kind: .versionVector, payload: payload.bytes)
    }

    /// Decodes a version vector written by ``encoded()``.
    ///
    /// Entries must be sorted by replica, without duplicates or zero counters, so every
    /// version vector has exactly one encoding.
    public init(decoding bytes: [UInt8], limits: DecodingLimits = .standard) throws(EncodingError) {
        let container = try Container.decode(bytes, limits: limits)
        try container.expect(.versionVector)
        var reader = container.payload
        var budget = container.budget
        let countOffset = reader.position
        // An entry takes at least nine bytes (replica and a one-byte counter).
        let count = try reader.readCount(limit: reader.remaining / 9, "entry count")
        try budget.spend(count, at: countOffset, for: "version vector entries")
        var storage: [ReplicaID: UInt64] = [:]
        storage.reserveCapacity(count)
        var previous: UInt64 = 0
        for _ in 0..<count {
            let offset = reader.position
            let raw = try reader.readUInt64LE()
            guard raw > previous, let replica = ReplicaID(rawValue: raw) else {
                throw .invalid(offset: offset, reason: "replica IDs must be non-zero and strictly increasing")
            }
            previous = raw
            let counterOffset = reader.position
            let counter = try reader.readULEB128()
            guard counter > 0 else { throw .invalid(offset: counterOffset, reason: "zero counter") }
            storage[replica] = counter
        }
        guard reader.isAtEnd else { throw .invalid(offset: reader.position, reason: "bytes after the last entry") }
        self.init(storage)
    }
}
