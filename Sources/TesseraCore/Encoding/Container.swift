/// What an encoded container holds.
public enum ContainerKind: UInt8, Hashable, Sendable, CustomStringConvertible {
    /// A batch of changes (a delta for a peer).
    case changes = 1
    /// A whole document.
    case snapshot = 2
    /// A version vector.
    case versionVector = 3

    public var description: String {
        switch self {
        case .changes: "changes"
        case .snapshot: "snapshot"
        case .versionVector: "version vector"
        }
    }
}

/// Whether an encoder deflates its payload.
public enum PayloadCompression: Hashable, Sendable {
    /// Deflate with zlib when that makes the container smaller (the default).
    case automatic
    /// Never deflate (faster to write; useful when the transport compresses anyway).
    case none
}

/// Header flag bits.
struct ContainerFlags: OptionSet, Sendable {
    let rawValue: UInt8
    /// The payload is raw DEFLATE; the header also carries the inflated length.
    static let deflated = ContainerFlags(rawValue: 1 << 0)
    /// Snapshots only: the payload also carries materialised-state sections (reserved; see
    /// FORMAT.md). Decoders that do not use them skip them and rebuild state from history.
    static let materializedState = ContainerFlags(rawValue: 1 << 1)
    /// Deflated payloads only: the header lists restart points, where the stream can be
    /// inflated from afresh (FORMAT.md §2), so that its parts inflate in parallel.
    static let restartPoints = ContainerFlags(rawValue: 1 << 2)

    static let known: ContainerFlags = [.deflated, .materializedState, .restartPoints]
}

/// The envelope around every encoding: magic, format version, kind, flags, CRC-32, lengths,
/// payload. See FORMAT.md for the byte layout.
struct Container: Sendable {
    static let magic: [UInt8] = [0x89, 0x54, 0x53, 0x52]  // "\x89TSR": non-ASCII first byte, like PNG
    static let version: UInt8 = 1
    /// Bytes before the CRC field, and the CRC field's size.
    static let crcOffset = 7
    /// Payloads smaller than this are never worth a deflate attempt.
    static let minimumDeflateCount = 64

    var kind: ContainerKind
    var flags: ContainerFlags
    /// The (inflated) payload. Offsets in errors are indices into `payload.bytes`.
    var payload: ByteReader
    /// The elements the payload may decode into (see ``DecodingLimits``).
    var budget: ElementBudget

    /// Wraps `payload`, deflating it when `compression` allows and it pays off.
    static func encode(kind: ContainerKind, payload: [UInt8], compression: PayloadCompression = .automatic,
                       flags extraFlags: ContainerFlags = []) -> [UInt8] {
        var flags = extraFlags
        var stored = payload
        var restarts: [Deflate.RestartPoint] = []
        if compression == .automatic, payload.count >= minimumDeflateCount,
           let deflated = Deflate.compress(payload, restartEvery: payload.count > Deflate.restartInterval ? Deflate.restartInterval : nil),
           deflated.bytes.count + 5 + 6 * deflated.restarts.count < payload.count
        {
            stored = deflated.bytes
            restarts = deflated.restarts
            flags.insert(.deflated)
            if !restarts.isEmpty { flags.insert(.restartPoints) }
        }
        var out = ByteWriter(capacity: stored.count + 32)
        out.write(contentsOf: magic)
        out.write(version)
        out.write(kind.rawValue)
        out.write(flags.rawValue)
        out.writeUInt32LE(0)
        out.writeCount(stored.count)
        if flags.contains(.deflated) { out.writeCount(payload.count) }
        if flags.contains(.restartPoints) {
            out.writeCount(restarts.count)
            var previous = Deflate.RestartPoint(compressed: 0, raw: 0)
            for point in restarts {
                out.writeCount(point.compressed - previous.compressed)
                out.writeCount(point.raw - previous.raw)
                previous = point
            }
        }
        out.write(contentsOf: stored)
        out.setUInt32LE(checksum(out.bytes), at: crcOffset)
        return out.bytes
    }

    /// CRC-32 of every byte except the CRC field itself (so the header is covered too).
    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        let head = CRC32.checksum(bytes[0..<min(crcOffset, bytes.count)])
        guard bytes.count > crcOffset + 4 else { return head }
        return CRC32.checksum(bytes[(crcOffset + 4)...], continuing: head)
    }

    /// Parses and checks the envelope, inflating the payload if needed.
    static func decode(_ bytes: [UInt8], limits: DecodingLimits = .standard) throws(EncodingError) -> Container {
        try ContainerEnvelope(bytes, limits: limits).open(bytes)
    }

    /// Throws unless the container is of kind `expected`.
    func expect(_ expected: ContainerKind...) throws(EncodingError) {
        guard expected.contains(kind) else { throw .unexpectedKind(expected: expected[0], found: kind) }
    }
}

/// A container's checked envelope, before its payload is inflated: what
/// ``Document/init(decoding:replica:origin:limits:loading:)`` verifies when it defers the
/// rest of the work to the document's first use.
struct ContainerEnvelope: Sendable {
    var kind: ContainerKind
    var flags: ContainerFlags
    /// Where the stored (possibly deflated) payload lies in the bytes.
    var stored: Range<Int>
    /// The payload's length once inflated (the stored length if not deflated).
    var rawCount: Int
    /// Where the deflated payload can be inflated from afresh (offsets into it and its output).
    var restarts: [Deflate.RestartPoint]
    /// The elements the payload may decode into (see ``DecodingLimits``).
    var budget: ElementBudget

    /// Parses and checks everything but the payload itself.
    ///
    /// Order of checks: magic, version (so a future layout is reported as such), kind, flags,
    /// lengths against the bytes present, CRC, inflation bounds.
    init(_ bytes: [UInt8], limits: DecodingLimits) throws(EncodingError) {
        var reader = ByteReader(bytes)
        for expected in Container.magic {
            guard !reader.isAtEnd else { throw .truncated(offset: reader.position, needed: Container.magic.count - reader.position) }
            guard try reader.readByte() == expected else { throw .badMagic }
        }
        let version = try reader.readByte()
        guard version == Container.version else { throw .unsupportedVersion(found: version) }
        let kindByte = try reader.readByte()
        guard let kind = ContainerKind(rawValue: kindByte) else { throw .unsupportedKind(found: kindByte) }
        let flags = ContainerFlags(rawValue: try reader.readByte())
        guard ContainerFlags.known.isSuperset(of: flags), kind == .snapshot || !flags.contains(.materializedState),
              flags.contains(.deflated) || !flags.contains(.restartPoints)
        else {
            throw .unsupportedFlags(found: flags.rawValue)
        }
        let storedCRC = try reader.readUInt32LE()
        let storedCount = try reader.readCount(limit: Int.max, "payload length")
        var rawCount = storedCount
        let rawCountOffset = reader.position
        if flags.contains(.deflated) { rawCount = try reader.readCount(limit: Int.max, "inflated length") }
        var restarts: [Deflate.RestartPoint] = []
        if flags.contains(.restartPoints) {
            // Each point takes two bytes at least, and lies strictly inside both the stream and
            // its output, after the one before.
            let count = try reader.readCount(limit: reader.remaining / 2, "restart point count")
            guard count > 0 else { throw .invalid(offset: reader.position, reason: "restart points flagged but none listed") }
            restarts.reserveCapacity(count)
            var point = Deflate.RestartPoint(compressed: 0, raw: 0)
            for _ in 0..<count {
                let offset = reader.position
                let compressed = try reader.readCount(limit: storedCount - 1 - point.compressed, "restart point offset")
                let raw = try reader.readCount(limit: rawCount - 1 - point.raw, "restart point output offset")
                guard compressed > 0, raw > 0 else {
                    throw .invalid(offset: offset, reason: "restart point not after the one before")
                }
                point.compressed += compressed
                point.raw += raw
                restarts.append(point)
            }
        }
        let payloadStart = reader.position
        try reader.require(storedCount)
        guard reader.remaining == storedCount else {
            throw .invalid(offset: payloadStart + storedCount, reason: "\(reader.remaining - storedCount) byte(s) after the payload")
        }
        let actualCRC = Container.checksum(bytes)
        guard actualCRC == storedCRC else { throw .checksumMismatch(expected: storedCRC, found: actualCRC) }
        if flags.contains(.deflated) {
            let maxRaw = limits.maxInflatedCount(storedCount: storedCount)
            guard rawCount <= maxRaw else {
                throw .limitExceeded(offset: rawCountOffset, reason: "declared inflated length \(rawCount) exceeds \(maxRaw) for \(storedCount) compressed bytes")
            }
        } else {
            guard storedCount <= limits.maxPayloadBytes else {
                throw .limitExceeded(offset: payloadStart, reason: "payload of \(storedCount) bytes exceeds \(limits.maxPayloadBytes)")
            }
        }
        self.kind = kind
        self.flags = flags
        self.stored = payloadStart..<bytes.count
        self.rawCount = rawCount
        self.restarts = restarts
        self.budget = ElementBudget(limits.elementBudget(inputCount: bytes.count))
    }

    /// The container, its payload inflated if it was deflated. `bytes` are the ones checked.
    func open(_ bytes: [UInt8]) throws(EncodingError) -> Container {
        guard flags.contains(.deflated) else {
            return Container(kind: kind, flags: flags, payload: ByteReader(bytes, range: stored), budget: budget)
        }
        let inflated = try Deflate.decompress(bytes[stored], expectedCount: rawCount, offset: stored.lowerBound, restarts: restarts)
        return Container(kind: kind, flags: flags, payload: ByteReader(inflated), budget: budget)
    }
}
