import Testing
import TesseraCore
@testable import TesseraSync

@Suite("Sync session")
struct SessionTests {
    static let alice = ReplicaID(rawValue: 0xA11CE)!
    static let bob = ReplicaID(rawValue: 0xB0B)!

    static func documents(aliceEdits: Int, bobEdits: Int) throws -> (Document, Document) {
        var a = Document(replica: alice)
        let list = try a.makeObject(.list, forKey: "items")
        var b = a.fork(replica: bob)
        for k in 0..<aliceEdits { try a.append(.int(Int64(k)), to: list) }
        for k in 0..<bobEdits { try b.set("k\(k % 7)", to: .int(Int64(k)), in: .root) }
        return (a, b)
    }

    static func envelopeCount(_ messages: [Message]) -> Int {
        messages.reduce(0) { if case .changes(let e) = $1 { $0 + e.count } else { $0 } }
    }

    @Test("after the hellos each side sends exactly what the other lacks, and both converge")
    func handshakeSendsWhatIsMissing() throws {
        let (a, b) = try Self.documents(aliceEdits: 5, bobEdits: 3)
        var pair = SessionPair(a: SyncSession.config(Self.alice), sourceA: DocumentSource(a), b: SyncSession.config(Self.bob), sourceB: DocumentSource(b))
        pair.start()
        #expect(pair.sentByA.first.map { if case .hello = $0 { true } else { false } } == true)
        pair.pump()
        #expect(pair.a.state == .established && pair.b.state == .established)
        #expect(Self.envelopeCount(pair.sentByA) == 5)
        #expect(Self.envelopeCount(pair.sentByB) == 3)
        #expect(pair.sourceA.document.materialize() == pair.sourceB.document.materialize())
        // After the ack delay, acks flow and nothing stays in flight.
        pair.advance(to: millis(100))
        #expect(pair.a.bytesInFlight == 0 && pair.b.bytesInFlight == 0)
        #expect(pair.a.acknowledgedVersion == pair.sourceA.document.version)
        // Nothing more is sent when nothing changes.
        let before = Self.envelopeCount(pair.sentByA)
        pair.emitA(pair.a.handle(.localChangesAvailable, now: pair.now, source: &pair.sourceA))
        pair.advance(to: millis(200))
        #expect(Self.envelopeCount(pair.sentByA) == before)
    }

    @Test("local changes are coalesced for the flush interval, or sent at once past the byte threshold")
    func coalescing() throws {
        let (a, b) = try Self.documents(aliceEdits: 0, bobEdits: 0)
        var config = SyncSession.config(Self.alice)
        config.flushInterval = .milliseconds(50)
        config.flushThreshold = 2000
        var pair = SessionPair(a: config, sourceA: DocumentSource(a), b: SyncSession.config(Self.bob), sourceB: DocumentSource(b))
        pair.start()
        pair.pump()
        let framesBefore = pair.sentByA.filter { if case .changes = $0 { true } else { false } }.count
        for k in 0..<5 {
            pair.now = millis(Int64(10 + k))
            try pair.sourceA.document.set("typing", to: .int(Int64(k)), in: .root)
            pair.emitA(pair.a.handle(.localChangesAvailable, now: pair.now, source: &pair.sourceA))
        }
        #expect(pair.wire.isEmpty, "nothing goes out before the interval")
        #expect(pair.a.nextDeadline == millis(60))
        pair.advance(to: millis(60))
        let frames = pair.sentByA.filter { if case .changes = $0 { true } else { false } }
        #expect(frames.count == framesBefore + 1, "one frame for five edits")
        #expect(pair.sourceB.document.materialize() == pair.sourceA.document.materialize())
        // A large edit goes out at once.
        pair.now = millis(100)
        let text = try pair.sourceA.document.makeObject(.text, forKey: "body")
        try pair.sourceA.document.insertText(String(repeating: "x", count: 200), at: 0, in: text)
        pair.emitA(pair.a.handle(.localChangesAvailable, now: pair.now, source: &pair.sourceA))
        #expect(!pair.wire.isEmpty)
    }

    @Test("at most maxBytesInFlight unacknowledged bytes: the sender waits for acks, then resumes")
    func backpressure() throws {
        let (a, b) = try Self.documents(aliceEdits: 300, bobEdits: 0)
        var config = SyncSession.config(Self.alice)
        config.maxBytesInFlight = 2048
        var pair = SessionPair(a: config, sourceA: DocumentSource(a), b: SyncSession.config(Self.bob), sourceB: DocumentSource(b))
        pair.start()
        // Deliver A's hello to B and B's hello to A, but hold everything else.
        let hellos = pair.wire
        pair.wire = []
        let helloToA = hellos.first { !$0.toB }!.frame
        pair.emitB(pair.b.handle(.frame(hellos.first { $0.toB }!.frame), now: pair.now, source: &pair.sourceB))
        pair.wire = []
        pair.emitA(pair.a.handle(.frame(helloToA), now: pair.now, source: &pair.sourceA))
        let largest = a.changes().map { try! ChangeEnvelope(changes: [$0]).encodedByteCount }.max()!
        #expect(pair.a.isBlocked)
        #expect(pair.a.bytesInFlight <= 2048 + largest + 16)
        let firstBurst = Self.envelopeCount(pair.sentByA)
        #expect(firstBurst > 0 && firstBurst < 301)
        // Time passes without acks: no more is sent.
        pair.emitA(pair.a.handle(.tick, now: millis(1000), source: &pair.sourceA))
        #expect(Self.envelopeCount(pair.sentByA) == firstBurst)
        // Deliver and ack step by step; the window never overflows and everything arrives.
        var maxInFlight = 0
        for step in 1...400 {
            pair.pump(limit: 1)
            maxInFlight = max(maxInFlight, pair.a.bytesInFlight)
            if pair.wire.isEmpty { pair.advance(to: millis(1000 + Int64(step) * 40)) }
            if pair.sourceB.document.version == pair.sourceA.document.version && pair.a.bytesInFlight == 0 { break }
        }
        #expect(maxInFlight <= 2048 + largest + 16)
        #expect(pair.sourceB.document.materialize() == pair.sourceA.document.materialize())
        #expect(pair.a.statistics.resends == 0)
    }

    @Test("a reconnect resends only what the last acknowledgement did not cover")
    func resumeAfterReconnect() throws {
        let (a, b) = try Self.documents(aliceEdits: 20, bobEdits: 0)
        var pair = SessionPair(a: SyncSession.config(Self.alice), sourceA: DocumentSource(a), b: SyncSession.config(Self.bob), sourceB: DocumentSource(b))
        pair.start()
        pair.run(until: millis(200))
        let acknowledged = pair.a.acknowledgedVersion
        #expect(acknowledged == a.version)
        // The connection drops; Alice keeps editing offline.
        _ = pair.a.handle(.disconnected, now: pair.now, source: &pair.sourceA)
        _ = pair.b.handle(.disconnected, now: pair.now, source: &pair.sourceB)
        let list = try #require(try pair.sourceA.document.get("items")?.objectID)
        for k in 0..<7 { try pair.sourceA.document.append(.int(Int64(100 + k)), to: list) }
        var second = SessionPair(a: SyncSession.config(Self.alice), sourceA: pair.sourceA, b: SyncSession.config(Self.bob), sourceB: pair.sourceB)
        second.now = millis(1000)
        second.start()
        second.run(until: millis(1200))
        // Exactly the seven offline changes cross; nothing acknowledged is resent.
        #expect(Self.envelopeCount(second.sentByA) == 7)
        #expect(Self.envelopeCount(second.sentByB) == 0)
        #expect(second.sourceB.document.materialize() == second.sourceA.document.materialize())
        #expect(second.a.acknowledgedVersion == second.sourceA.document.version)
    }

    @Test("a lost changes frame is resent after the resend timeout, from the acknowledged version")
    func resendAfterLoss() throws {
        let (a, b) = try Self.documents(aliceEdits: 0, bobEdits: 0)
        var pair = SessionPair(a: SyncSession.config(Self.alice), sourceA: DocumentSource(a), b: SyncSession.config(Self.bob), sourceB: DocumentSource(b))
        pair.start()
        pair.run(until: millis(100))
        pair.dropChangesFromA = [pair.changesFramesFromA]
        try pair.sourceA.document.set("x", to: 1, in: .root)
        pair.emitA(pair.a.handle(.localChangesAvailable, now: pair.now, source: &pair.sourceA))
        pair.run(until: millis(1000))
        #expect(pair.sourceB.document.version != pair.sourceA.document.version)
        #expect(pair.a.bytesInFlight > 0)
        pair.run(until: millis(7000))
        #expect(pair.a.statistics.resends == 1)
        #expect(pair.sourceB.document.materialize() == pair.sourceA.document.materialize())
        #expect(pair.a.bytesInFlight == 0)
    }

    @Test("a silent connection is pinged, and closed with a timeout when nothing comes back")
    func keepAlive() throws {
        let (a, b) = try Self.documents(aliceEdits: 0, bobEdits: 0)
        var pair = SessionPair(a: SyncSession.config(Self.alice), sourceA: DocumentSource(a), b: SyncSession.config(Self.bob), sourceB: DocumentSource(b))
        pair.start()
        pair.run(until: millis(25_000))
        #expect(pair.sentByA.contains { if case .ping = $0 { true } else { false } })
        #expect(pair.sentByB.contains { if case .pong = $0 { true } else { false } })
        #expect(pair.a.state == .established)
        // B goes silent: A gives up after the idle timeout.
        var actions: [SyncAction] = []
        var t: Int64 = 25_000
        while pair.a.state != .closed, t < 100_000 {
            t += 1000
            actions += pair.a.handle(.tick, now: millis(t), source: &pair.sourceA)
        }
        #expect(pair.a.state == .closed)
        #expect(actions.contains(.send(.error(code: .timeout, message: "timed out: nothing received for 30.0 seconds"))))
        #expect(actions.last.map { if case .close(.timedOut?) = $0 { true } else { false } } == true)
        #expect(t <= 25_000 + 31_000)
    }

    @Test("a peer that never says hello is dropped after the handshake timeout")
    func handshakeTimeout() {
        var session = SyncSession(configuration: SyncSession.config(Self.alice))
        let source = DocumentSource(Document(replica: Self.alice))
        _ = session.start(now: .zero, source: source)
        #expect(session.nextDeadline == millis(10_000))
        #expect(session.tick(now: millis(9_999), source: source).isEmpty)
        let actions = session.tick(now: millis(10_000), source: source)
        #expect(session.state == .closed)
        #expect(actions.first.map { if case .send(.error(code: .timeout, _)) = $0 { true } else { false } } == true)
    }

    /// Feeds one hello to a fresh session and returns what it did.
    static func answer(_ hello: Hello, sealed: Bool = false) -> (SyncSession, [SyncAction]) {
        var session = SyncSession(configuration: SyncSession.config(Self.alice, sealed: sealed))
        let source = DocumentSource(Document(replica: Self.alice))
        var actions = session.start(now: .zero, source: source)
        actions += session.receive(frame: Message.hello(hello).encoded(), now: .zero, source: source)
        return (session, actions)
    }

    static func errorCode(_ actions: [SyncAction]) -> ErrorCode? {
        for case .send(.error(let code, _)) in actions { return code }
        return nil
    }

    @Test("hellos with another protocol version, document, sealing or our replica ID end the session")
    func handshakeRefusals() {
        let cases: [(Hello, Bool, ErrorCode)] = [
            (Hello(protocolVersion: 2, documentID: "doc", replica: Self.bob, version: VersionVector()), false, .unsupportedProtocolVersion),
            (Hello(documentID: "other", replica: Self.bob, version: VersionVector()), false, .wrongDocument),
            (Hello(documentID: "doc", replica: Self.alice, version: VersionVector()), false, .duplicateReplica),
            (Hello(documentID: "doc", replica: Self.bob, version: VersionVector(), capabilities: [.sealed]), false, .sealingMismatch),
            (Hello(documentID: "doc", replica: Self.bob, version: VersionVector()), true, .sealingMismatch),
        ]
        for (hello, sealed, code) in cases {
            let (session, actions) = Self.answer(hello, sealed: sealed)
            #expect(session.state == .closed)
            #expect(Self.errorCode(actions) == code)
            #expect(actions.last.map { if case .close(.some) = $0 { true } else { false } } == true)
        }
        let (ok, _) = Self.answer(Hello(documentID: "doc", replica: Self.bob, version: VersionVector(), capabilities: [.agent, .relay]))
        #expect(ok.state == .established)
        #expect(ok.peer?.capabilities.contains(.agent) == true)
    }

    @Test("oversized and malformed frames, and cleartext in a sealed room, end the session with an error")
    func hostileFrames() throws {
        var config = SyncSession.config(Self.alice)
        config.limits.maxFrameBytes = 4096
        let source = DocumentSource(Document(replica: Self.alice))
        var session = SyncSession(configuration: config)
        _ = session.start(now: .zero, source: source)
        let actions = session.receive(frame: [UInt8](repeating: 2, count: 5000), now: .zero, source: source)
        #expect(Self.errorCode(actions) == .frameTooLarge)
        #expect(session.state == .closed)
        // Events after the close do nothing.
        #expect(session.receive(frame: Message.ping(1).encoded(), now: .zero, source: source).isEmpty)

        var garbage = SyncSession(configuration: config)
        _ = garbage.start(now: .zero, source: source)
        #expect(Self.errorCode(garbage.receive(frame: [0x42, 0, 1], now: .zero, source: source)) == .malformedFrame)

        var (sealed, _) = Self.answer(Hello(documentID: "doc", replica: Self.bob, version: VersionVector(), capabilities: [.sealed]), sealed: true)
        var doc = Document(replica: Self.bob)
        try doc.set("x", to: 1, in: .root)
        let plain = try ChangeEnvelope.envelopes(for: doc.changes())
        let refused = sealed.receive(.changes(plain), now: .zero, source: source)
        #expect(Self.errorCode(refused) == .sealingMismatch)
        #expect(!refused.contains { if case .apply = $0 { true } else { false } })
    }

    @Test("changes the document refuses end the session and leave the document unchanged")
    func rejectedChanges() throws {
        let (session, _) = Self.answer(Hello(documentID: "doc", replica: Self.bob, version: VersionVector()))
        var s = session
        var source = DocumentSource(Document(replica: Self.alice))
        var doc = Document(replica: Self.bob)
        try doc.set("x", to: 1, in: .root)
        var envelope = try ChangeEnvelope(changes: doc.changes())
        envelope.payload = Change.encode([Change(replica: Self.bob, startCounter: 1, startLamport: 1, dependencies: [], origin: .anonymous, timestamp: 0,
                                                 operations: [Operation(object: ObjectID(OpID(replica: Self.bob, counter: 99)), action: .set(key: "k", value: 1, pred: []))])])
        let actions = s.handle(.message(.changes([envelope])), now: .zero, source: &source)
        #expect(Self.errorCode(actions) == .rejectedChanges)
        #expect(s.state == .closed)
        #expect(source.document.version.isEmpty)
    }

    @Test("presence goes out after the handshake, is not echoed to its owner, and is dropped on disconnect")
    func presenceFlow() throws {
        let (a, b) = try Self.documents(aliceEdits: 0, bobEdits: 0)
        var pair = SessionPair(a: SyncSession.config(Self.alice), sourceA: DocumentSource(a), b: SyncSession.config(Self.bob), sourceB: DocumentSource(b))
        var alicePresence = LocalPresence(replica: Self.alice, record: PresenceRecord(displayName: "Alice"))
        // Published before the session starts: kept, sent after the hellos.
        pair.emitA(pair.a.handle(.publishPresence(try alicePresence.refresh()), now: .zero, source: &pair.sourceA))
        pair.start()
        pair.pump()
        let received = pair.actionsB.compactMap { if case .updatePresence(let u) = $0 { u } else { nil } }
        #expect(received.map(\.replica) == [Self.alice])
        // B's presence about A is never sent back to A.
        pair.emitB(pair.b.handle(.publishPresence(received[0]), now: .zero, source: &pair.sourceB))
        #expect(pair.wire.isEmpty)
        let removal = pair.b.handle(.disconnected, now: .zero, source: &pair.sourceB)
        #expect(removal == [.removePresence([Self.alice])])
    }
}
