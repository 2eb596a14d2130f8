import TesseraTestSupport
import Testing
import TesseraCore
@testable import TesseraSync

@Suite("Wire protocol")
struct ProtocolTests {
    static let alice = ReplicaID(rawValue: 0xA11CE)!
    static let bob = ReplicaID(rawValue: 0xB0B)!

    static func sampleEnvelopes() throws -> [ChangeEnvelope] {
        var doc = Document(replica: alice, origin: .human("Alice"))
        try doc.set("title", to: "Plan", in: .root)
        let text = try doc.makeObject(.text, forKey: "notes")
        try doc.insertText("hello", at: 0, in: text)
        return try ChangeEnvelope.envelopes(for: doc.changes())
    }

    static func sampleMessages() throws -> [Message] {
        let version = VersionVector([alice: 12, bob: 3])
        let record = PresenceRecord(
            displayName: "Ada", color: PresenceColor(hex: "#3366ff"), actor: .agent, cursor: .text(object: ObjectID(OpID(replica: alice, counter: 2)), offset: 4),
            selection: .shapes(["7@00000000000a11ce", "9@0000000000000b0b"]), status: .working(on: "drawing the diagram"))
        return [
            .hello(Hello(documentID: "plan", replica: alice, version: version, capabilities: [.sealed, .agent, .presence], maxFrameBytes: 1 << 20)),
            .hello(Hello(documentID: "", replica: bob, version: VersionVector())),
            .changes(try sampleEnvelopes()),
            .changes([]),
            .ack(version),
            .ack(VersionVector()),
            .presence(try PresenceUpdate(replica: alice, clock: 7, record: record)),
            .presence(PresenceUpdate(replica: bob, clock: 9, content: .sealedRecord([1, 2, 3]))),
            .presence(.left(bob, clock: 10)),
            .error(code: .wrongDocument, message: "wrong document: expected \"plan\" 🙂"),
            .error(code: ErrorCode(rawValue: 999), message: ""),
            .ping(0),
            .pong(.max),
        ]
    }

    @Test("every message survives an encode/decode round trip")
    func roundTrip() throws {
        for message in try Self.sampleMessages() {
            let frame = message.encoded()
            #expect(frame.first == message.type.rawValue)
            let decoded = try Message(decoding: frame)
            #expect(decoded == message)
        }
    }

    @Test("every proper prefix of a frame is refused with a typed error, never a crash")
    func truncation() throws {
        for message in try Self.sampleMessages() {
            let frame = message.encoded()
            for length in 0..<frame.count {
                #expect(throws: WireError.self) { _ = try Message(decoding: Array(frame.prefix(length))) }
            }
        }
    }

    @Test("trailing bytes are refused, so each message has exactly one encoding")
    func trailingBytes() throws {
        for message in try Self.sampleMessages() {
            #expect(throws: WireError.self) { _ = try Message(decoding: message.encoded() + [0]) }
        }
    }

    @Test("random bytes and corrupted frames never crash the decoder", arguments: 0..<4)
    func fuzz(batch: Int) throws {
        var rng = SplitMix64(seed: UInt64(batch) &* 7919 &+ 1)
        let frames = try Self.sampleMessages().map { $0.encoded() }
        var decoded = 0
        for _ in 0..<5000 {
            var frame: [UInt8]
            if rng.chance(30) {
                frame = (0..<rng.below(64)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                if !frame.isEmpty { frame[0] = UInt8(1 + rng.below(7)) }  // a valid type, garbage body
            } else {
                frame = frames[rng.below(frames.count)]
                for _ in 0..<(1 + rng.below(4)) where !frame.isEmpty {
                    let index = rng.below(frame.count)
                    switch rng.below(3) {
                    case 0: frame[index] ^= UInt8(1 << rng.below(8))
                    case 1: frame[index] = 0xFF
                    default: frame.insert(UInt8(truncatingIfNeeded: rng.next()), at: index)
                    }
                }
            }
            do {
                let message = try Message(decoding: frame)
                // Whatever decodes re-encodes to a frame that decodes to the same message.
                #expect(try Message(decoding: message.encoded()) == message)
                decoded += 1
            } catch {
                #expect(error.offset >= 0 && error.offset <= frame.count)
            }
        }
        #expect(decoded < 5000)
    }

    @Test("lying lengths are refused before anything is allocated")
    func hugeLengths() throws {
        // A changes frame claiming 2^62 envelopes.
        var frame: [UInt8] = [MessageType.changes.rawValue]
        var writer = WireWriter()
        writer.writeVarint(1 << 62)
        frame += writer.bytes
        #expect(throws: WireError.self) { _ = try Message(decoding: frame) }
        // An envelope whose payload claims 4 GiB.
        let envelope = try Self.sampleEnvelopes()[0]
        var body = WireWriter()
        body.write(MessageType.changes.rawValue)
        body.writeVarint(1)
        envelope.header.write(to: &body)
        body.writeVarint(UInt64(UInt32.max))
        body.write(contentsOf: [1, 2, 3])
        do {
            _ = try Message(decoding: body.bytes)
            Issue.record("a 4 GiB payload claim decoded")
        } catch {
            guard case .limitExceeded = error else { Issue.record("unexpected \(error)"); return }
        }
        // A hello whose document ID claims to be 1 MB.
        var hello = WireWriter()
        hello.write(MessageType.hello.rawValue)
        hello.write(contentsOf: Message.helloMagic)
        hello.writeUInt16(1)
        hello.writeUInt32(0)
        hello.writeUInt64(1)
        hello.writeUInt32(1 << 20)
        hello.writeVarint(1 << 20)
        #expect(throws: WireError.limitExceeded(offset: 23, reason: "document ID length 1048576 exceeds 512")) {
            _ = try Message(decoding: hello.bytes)
        }
    }

    @Test("structural errors name the offset and the reason")
    func typedErrors() throws {
        #expect(throws: WireError.unknownMessageType(offset: 0, type: 0x7F)) { _ = try Message(decoding: [0x7F]) }
        #expect(throws: WireError.truncated(offset: 0, needed: 1)) { _ = try Message(decoding: []) }
        #expect(throws: WireError.truncated(offset: 1, needed: 8)) { _ = try Message(decoding: [MessageType.ping.rawValue]) }
        var notHello = Message.hello(Hello(documentID: "x", replica: Self.alice, version: VersionVector())).encoded()
        notHello[1] = 0x00
        #expect(throws: WireError.invalid(offset: 1, reason: "not a Tessera sync hello (bad magic)")) { _ = try Message(decoding: notHello) }
        // A zero replica in a ping-sized slot of a presence frame.
        var presence = Message.presence(.left(Self.bob, clock: 1)).encoded()
        for k in 2..<10 { presence[k] = 0 }
        #expect(throws: WireError.invalid(offset: 2, reason: "presence replica is zero")) { _ = try Message(decoding: presence) }
        var limits = WireLimits.standard
        limits.maxFrameBytes = 1024
        #expect(throws: WireError.frameTooLarge(size: 2000, limit: 1024)) {
            _ = try Message(decoding: [UInt8](repeating: 6, count: 2000), limits: limits)
        }
    }

    @Test("unsorted or zero dependencies and empty ranges in headers are refused")
    func invalidHeaders() throws {
        func frame(_ header: (inout WireWriter) -> Void) -> [UInt8] {
            var w = WireWriter()
            w.write(MessageType.changes.rawValue)
            w.writeVarint(1)
            header(&w)
            w.writeBytes([1, 2, 3, 4])
            return w.bytes
        }
        let emptyRange = frame { w in
            w.write(0); w.writeUInt64(1); w.writeVarint(5); w.writeVarint(0); w.writeVarint(0)
        }
        #expect(throws: WireError.self) { _ = try Message(decoding: emptyRange) }
        let zeroStart = frame { w in
            w.write(0); w.writeUInt64(1); w.writeVarint(0); w.writeVarint(1); w.writeVarint(0)
        }
        #expect(throws: WireError.self) { _ = try Message(decoding: zeroStart) }
        let overflow = frame { w in
            w.write(0); w.writeUInt64(1); w.writeVarint(.max); w.writeVarint(2); w.writeVarint(0)
        }
        #expect(throws: WireError.self) { _ = try Message(decoding: overflow) }
        let unsorted = frame { w in
            w.write(0); w.writeUInt64(1); w.writeVarint(1); w.writeVarint(1); w.writeVarint(2)
            w.writeUInt64(9); w.writeVarint(1); w.writeUInt64(3); w.writeVarint(1)
        }
        #expect(throws: WireError.invalid(offset: 23, reason: "dependencies are not sorted by replica and counter")) {
            _ = try Message(decoding: unsorted)
        }
        let unknownFlags = frame { w in
            w.write(0x80); w.writeUInt64(1); w.writeVarint(1); w.writeVarint(1); w.writeVarint(0)
        }
        #expect(throws: WireError.self) { _ = try Message(decoding: unknownFlags) }
    }

    @Test("a byte stream splits into frames, whatever the chunking, and refuses huge lengths early")
    func streamFraming() throws {
        let frames = try Self.sampleMessages().map { $0.encoded() }
        let stream = frames.flatMap(FrameDecoder.lengthPrefixed)
        var rng = SplitMix64(seed: 5)
        for _ in 0..<50 {
            var decoder = FrameDecoder()
            var out: [[UInt8]] = []
            var index = 0
            while index < stream.count {
                let n = min(stream.count - index, 1 + rng.below(40))
                decoder.append(stream[index..<(index + n)])
                index += n
                while let frame = try decoder.nextFrame() { out.append(frame) }
            }
            #expect(out == frames)
            #expect(decoder.bufferedByteCount == 0)
        }
        var decoder = FrameDecoder(maxFrameBytes: 1 << 20)
        decoder.append([0xFF, 0xFF, 0xFF, 0xFF])
        #expect(throws: WireError.frameTooLarge(size: 0xFFFF_FFFF, limit: 1 << 20)) { _ = try decoder.nextFrame() }
    }
}
