import TesseraCore

extension Message {
    /// The magic bytes that open a hello ("TSYN"), so a peer speaking something else is
    /// refused at the first frame.
    static let helloMagic: [UInt8] = [0x54, 0x53, 0x59, 0x4E]

    /// The message as one frame (send it as one WebSocket binary message, or with
    /// ``FrameDecoder/lengthPrefixed(_:)`` on a byte stream).
    public func encoded() -> [UInt8] {
        var writer = WireWriter(capacity: 64)
        writer.write(type.rawValue)
        switch self {
        case .hello(let hello):
            writer.write(contentsOf: Self.helloMagic)
            writer.writeUInt16(hello.protocolVersion)
            writer.writeUInt32(hello.capabilities.rawValue)
            writer.writeUInt64(hello.replica.rawValue)
            writer.writeUInt32(hello.maxFrameBytes)
            writer.writeString(hello.documentID)
            writer.writeBytes(hello.version.encoded())
        case .changes(let envelopes):
            writer.writeCount(envelopes.count)
            for envelope in envelopes { envelope.write(to: &writer) }
        case .ack(let version):
            writer.writeBytes(version.encoded())
        case .presence(let update):
            switch update.content {
            case .record(let payload):
                writer.write(0)
                writer.writeUInt64(update.replica.rawValue)
                writer.writeVarint(update.clock)
                writer.writeBytes(payload)
            case .sealedRecord(let payload):
                writer.write(PresenceUpdate.sealedFlag)
                writer.writeUInt64(update.replica.rawValue)
                writer.writeVarint(update.clock)
                writer.writeBytes(payload)
            case .left:
                writer.write(PresenceUpdate.leftFlag)
                writer.writeUInt64(update.replica.rawValue)
                writer.writeVarint(update.clock)
            }
        case .error(let code, let message):
            writer.writeUInt16(code.rawValue)
            // Truncated on a character boundary so the receiver's limit never rejects our own error.
            var text = Substring(message)
            while text.utf8.count > WireLimits.standard.maxErrorMessageBytes { text = text.dropLast() }
            writer.writeString(String(text))
        case .ping(let nonce), .pong(let nonce):
            writer.writeUInt64(nonce)
        }
        return writer.bytes
    }

    /// The size of ``changes(_:)`` frame holding `envelopes`, without encoding it.
    static func changesFrameSize(envelopeBytes: Int, count: Int) -> Int {
        1 + WireWriter.varintSize(UInt64(count)) + envelopeBytes
    }

    /// Decodes one frame.
    ///
    /// Hostile-input safe: any malformed, truncated or oversized frame throws a ``WireError``
    /// naming the offset and the reason; nothing traps, and nothing allocates more than the
    /// frame's size (plus the bounded decoding of version vectors).
    public init(decoding frame: [UInt8], limits: WireLimits = .standard) throws(WireError) {
        guard frame.count <= limits.maxFrameBytes else { throw .frameTooLarge(size: frame.count, limit: limits.maxFrameBytes) }
        var reader = WireReader(frame)
        let typeByte = try reader.readByte()
        guard let type = MessageType(rawValue: typeByte) else { throw .unknownMessageType(offset: 0, type: typeByte) }
        switch type {
        case .hello:
            for expected in Self.helloMagic {
                let offset = reader.position
                guard try reader.readByte() == expected else { throw .invalid(offset: offset, reason: "not a Tessera sync hello (bad magic)") }
            }
            // The version comes first so a future layout is reported as a version mismatch.
            let protocolVersion = try reader.readUInt16()
            let capabilities = Capabilities(rawValue: try reader.readUInt32())
            let replica = try reader.readReplica("hello replica")
            let maxFrameOffset = reader.position
            let maxFrameBytes = try reader.readUInt32()
            guard maxFrameBytes >= 1024 else {
                throw .invalid(offset: maxFrameOffset, reason: "announced frame limit \(maxFrameBytes) is below 1024 bytes")
            }
            let documentID = try reader.readString(limit: limits.maxDocumentIDBytes, "document ID")
            let version = try reader.readVersion(limits: limits, "hello version vector")
            try reader.expectEnd("hello")
            self = .hello(Hello(
                protocolVersion: protocolVersion, documentID: documentID, replica: replica, version: version,
                capabilities: capabilities, maxFrameBytes: maxFrameBytes))
        case .changes:
            // An envelope takes at least 13 bytes (flags, replica, start, count, dependency
            // count, payload length), which bounds the count before anything is reserved.
            let count = try reader.readCount(limit: reader.remaining / 13, "envelope count")
            var envelopes: [ChangeEnvelope] = []
            envelopes.reserveCapacity(count)
            for _ in 0..<count { envelopes.append(try ChangeEnvelope.read(from: &reader)) }
            try reader.expectEnd("changes")
            self = .changes(envelopes)
        case .ack:
            let version = try reader.readVersion(limits: limits, "ack version vector")
            try reader.expectEnd("ack")
            self = .ack(version)
        case .presence:
            let flagsOffset = reader.position
            let flags = try reader.readByte()
            guard flags & ~(PresenceUpdate.sealedFlag | PresenceUpdate.leftFlag) == 0,
                flags != PresenceUpdate.sealedFlag | PresenceUpdate.leftFlag
            else { throw .invalid(offset: flagsOffset, reason: "invalid presence flags 0x\(String(flags, radix: 16))") }
            let replica = try reader.readReplica("presence replica")
            let clock = try reader.readVarint()
            let content: PresenceUpdate.Content
            if flags & PresenceUpdate.leftFlag != 0 {
                content = .left
            } else {
                let payload = try reader.readBytes(limit: min(reader.remaining, limits.maxPresenceBytes), "presence payload")
                content = flags & PresenceUpdate.sealedFlag != 0 ? .sealedRecord(payload) : .record(payload)
            }
            try reader.expectEnd("presence")
            self = .presence(PresenceUpdate(replica: replica, clock: clock, content: content))
        case .error:
            let code = ErrorCode(rawValue: try reader.readUInt16())
            let message = try reader.readString(limit: limits.maxErrorMessageBytes, "error message")
            try reader.expectEnd("error")
            self = .error(code: code, message: message)
        case .ping, .pong:
            let nonce = try reader.readUInt64()
            try reader.expectEnd(type == .ping ? "ping" : "pong")
            self = type == .ping ? .ping(nonce) : .pong(nonce)
        }
    }
}
