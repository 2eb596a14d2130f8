import Testing
import TesseraCore
@testable import TesseraSync

@Suite("Change envelopes and the envelope store")
struct EnvelopeTests {
    static let alice = ReplicaID(rawValue: 0xA11CE)!
    static let bob = ReplicaID(rawValue: 0xB0B)!
    static let key = RoomKey(secret: RoomSecret(bytes: Array(0..<32))!, documentID: "plan")

    /// Alice makes a few changes; Bob builds on them.
    static func history() throws -> (alice: Document, bob: Document) {
        var alice = Document(replica: alice, origin: .human("Alice"))
        try alice.set("title", to: "Quarterly plan", in: .root)
        let shapes = try alice.makeObject(.map, forKey: "shapes")
        try alice.transact { doc in
            let shape = try doc.makeObject(.map, forKey: "7@00000000000a11ce", in: shapes)
            try doc.set("kind", to: "sticky", in: shape)
            try doc.set("label", to: "SECRET-SHAPE-LABEL", in: shape)
        }
        var bob = alice.fork(replica: bob)
        let chat = try bob.makeObject(.list, forKey: "chat")
        let message = try bob.appendObject(.text, to: chat)
        try bob.insertText("SECRET-CHAT-MESSAGE", at: 0, in: message)
        return (alice, bob)
    }

    @Test("an envelope's header describes its change, and the payload opens to exactly that change")
    func roundTrip() throws {
        let (_, bob) = try Self.history()
        for change in bob.changes() {
            for key in [nil, Self.key] {
                let envelope = try ChangeEnvelope(changes: [change], sealedWith: key)
                #expect(envelope.header.replica == change.replica)
                #expect(envelope.header.counters == change.counters)
                #expect(Set(envelope.header.dependencies) == Set(change.dependencies))
                #expect(envelope.header.isSealed == (key != nil))
                #expect(try envelope.open(with: key) == [change])
            }
        }
    }

    @Test("several consecutive changes of one replica fit one envelope; other batches are refused")
    func multiChange() throws {
        let (alice, bob) = try Self.history()
        let mine = alice.changes().filter { $0.replica == Self.alice }
        let envelope = try ChangeEnvelope(changes: mine, sealedWith: Self.key)
        #expect(envelope.header.counters == mine[0].startCounter..<(mine.last!.counters.upperBound))
        #expect(try envelope.open(with: Self.key) == mine)
        #expect(throws: EnvelopeError.self) { _ = try ChangeEnvelope(changes: []) }
        #expect(throws: EnvelopeError.self) { _ = try ChangeEnvelope(changes: bob.changes()) }  // two replicas
        #expect(throws: EnvelopeError.self) { _ = try ChangeEnvelope(changes: [mine[0], mine[2]]) }  // a gap
    }

    @Test("sealed payloads contain none of the plaintext: no shape labels, no chat text")
    func sealedHidesContent() throws {
        let (_, bob) = try Self.history()
        let plain = try bob.changes().map { try ChangeEnvelope(changes: [$0], compression: .none) }
        let sealed = try ChangeEnvelope.envelopes(for: bob.changes(), sealedWith: Self.key)
        func contains(_ haystack: [UInt8], _ needle: String) -> Bool {
            let n = Array(needle.utf8)
            guard haystack.count >= n.count else { return false }
            return (0...(haystack.count - n.count)).contains { Array(haystack[$0..<($0 + n.count)]) == n }
        }
        let plainFrame = Message.changes(plain).encoded()
        let sealedFrame = Message.changes(sealed).encoded()
        // The search can fail: the cleartext frame does show the strings.
        #expect(contains(plainFrame, "SECRET-SHAPE-LABEL"))
        #expect(contains(plainFrame, "SECRET-CHAT-MESSAGE"))
        for needle in ["SECRET-SHAPE-LABEL", "SECRET-CHAT-MESSAGE", "Quarterly plan", "sticky", "Alice"] {
            #expect(!contains(sealedFrame, needle), "sealed frame leaks \(needle)")
        }
    }

    @Test("a tampered sealed payload, or one moved under another header, is refused")
    func tamperAndSplice() throws {
        let (alice, _) = try Self.history()
        let envelopes = try ChangeEnvelope.envelopes(for: alice.changes(), sealedWith: Self.key)
        var tampered = envelopes[1]
        tampered.payload[tampered.payload.count / 2] ^= 0x01
        #expect(throws: EnvelopeError.sealing(.authenticationFailed, header: tampered.header)) { _ = try tampered.open(with: Self.key) }
        // The relay moves payload 1 under header 0, or rewrites the header's dependencies.
        var spliced = envelopes[0]
        spliced.payload = envelopes[1].payload
        #expect(throws: EnvelopeError.sealing(.authenticationFailed, header: spliced.header)) { _ = try spliced.open(with: Self.key) }
        var rewritten = envelopes[1]
        rewritten.header.dependencies = [OpID(replica: Self.bob, counter: 1)]
        #expect(throws: EnvelopeError.self) { _ = try rewritten.open(with: Self.key) }
        // Another room's key, a cleartext envelope in a sealed room, a sealed one without a key.
        let otherKey = RoomKey(secret: RoomSecret(bytes: Array(0..<32))!, documentID: "other-room")
        #expect(throws: EnvelopeError.sealing(.authenticationFailed, header: envelopes[0].header)) { _ = try envelopes[0].open(with: otherKey) }
        let plain = try ChangeEnvelope(changes: [alice.changes()[0]])
        #expect(throws: EnvelopeError.notSealed(plain.header)) { _ = try plain.open(with: Self.key) }
        #expect(throws: EnvelopeError.missingKey(envelopes[0].header)) { _ = try envelopes[0].open() }
        var short = envelopes[0]
        short.payload = [1, 2, 3]
        #expect(throws: EnvelopeError.sealing(.malformed(byteCount: 3), header: short.header)) { _ = try short.open(with: Self.key) }
    }

    @Test("a cleartext payload that does not match its header is refused")
    func headerMismatch() throws {
        let (alice, bob) = try Self.history()
        let bobs = bob.changes().filter { $0.replica == Self.bob }
        var lying = try ChangeEnvelope(changes: [alice.changes()[0]])
        lying.payload = Change.encode(bobs)  // another replica's changes under Alice's header
        #expect(throws: EnvelopeError.self) { _ = try lying.open() }
        var garbage = lying
        garbage.payload = [0x89, 0x54, 0x53, 0x52, 1, 1, 0]
        do {
            _ = try garbage.open()
            Issue.record("garbage opened")
        } catch {
            guard case .decoding = error else { Issue.record("unexpected \(error)"); return }
        }
    }

    @Test("the store deduplicates by header and refuses overlapping or contradicting ranges atomically")
    func storeInsert() throws {
        let (alice, bob) = try Self.history()
        let envelopes = try ChangeEnvelope.envelopes(for: bob.changes(), sealedWith: Self.key)
        var store = EnvelopeStore()
        #expect(try store.insert(contentsOf: envelopes) == envelopes.count)
        #expect(store.version == bob.version)
        // Resealed duplicates have other payload bytes (fresh nonces) but the same header.
        let resealed = try ChangeEnvelope.envelopes(for: bob.changes(), sealedWith: Self.key)
        #expect(resealed[0].payload != envelopes[0].payload)
        #expect(try store.insert(contentsOf: resealed) == 0)
        #expect(store.count == envelopes.count)
        // Alice's changes 1..<3 as one envelope overlaps the stored per-change envelopes.
        let first = alice.changes().filter { $0.replica == Self.alice }
        let merged = try ChangeEnvelope(changes: Array(first.prefix(2)))
        let before = store.count
        #expect(throws: EnvelopeError.self) { try store.insert(contentsOf: [merged]) }
        // Same range, other dependencies: a contradiction.
        var forged = envelopes.last!
        forged.header.dependencies = [OpID(replica: Self.alice, counter: 1)]
        #expect(throws: EnvelopeError.conflictingHeader(existing: envelopes.last!.header, received: forged.header)) {
            try store.insert(forged)
        }
        // A batch with one bad envelope stores nothing.
        var fresh = Document(replica: ReplicaID(rawValue: 77)!)
        try fresh.set("k", to: 1, in: .root)
        let good = try ChangeEnvelope(changes: fresh.changes())
        #expect(throws: EnvelopeError.self) { try store.insert(contentsOf: [good, merged]) }
        #expect(store.count == before)
        #expect(store.version[ReplicaID(rawValue: 77)!] == 0)
    }

    @Test("the store selects what a version vector lacks by header, stops at gaps, and respects a byte limit")
    func storeSelection() throws {
        var doc = Document(replica: Self.alice)
        for k in 0..<10 { try doc.set("k\(k)", to: .int(Int64(k)), in: .root) }
        let envelopes = try ChangeEnvelope.envelopes(for: doc.changes(), sealedWith: Self.key)
        var store = EnvelopeStore()
        // Arrivals with a gap at counter 5.
        try store.insert(contentsOf: Array(envelopes[0..<4]) + Array(envelopes[5...]))
        #expect(store.version[Self.alice] == 4)
        #expect(store.envelopes(missingFrom: VersionVector()).map(\.header.startCounter) == [1, 2, 3, 4])
        #expect(store.envelopes(missingFrom: VersionVector([Self.alice: 2])).map(\.header.startCounter) == [3, 4])
        try store.insert(envelopes[4])
        #expect(store.version[Self.alice] == 10)
        #expect(store.envelopes(missingFrom: VersionVector([Self.alice: 7])).map(\.header.startCounter) == [8, 9, 10])
        #expect(store.envelopes(missingFrom: doc.version).isEmpty)
        let limited = store.envelopes(missingFrom: VersionVector(), byteLimit: 1)
        #expect(limited.count == 1)
        let size = envelopes[0..<3].reduce(0) { $0 + $1.encodedByteCount }
        #expect(store.envelopes(missingFrom: VersionVector(), byteLimit: size).count == 3)
        #expect(store.envelopes(missingFrom: VersionVector(), byteLimit: size - 1).count == 2)
        #expect(store.byteCount(missingFrom: VersionVector()) == envelopes.reduce(0) { $0 + $1.encodedByteCount })
        // What the store returns rebuilds the document (the relay never opened anything).
        var rebuilt = DocumentSource(Document(), roomKey: Self.key)
        try rebuilt.integrate(store.envelopes(missingFrom: VersionVector()))
        #expect(rebuilt.document.materialize() == doc.materialize())
        // Round trip through persistence.
        let reloaded = try EnvelopeStore(store.allEnvelopes)
        #expect(reloaded.version == store.version)
        #expect(reloaded.count == store.count)
    }

    @Test("the store holds back envelopes whose dependencies neither side has")
    func storeDependencies() throws {
        let (_, bob) = try Self.history()
        let bobs = bob.changes().filter { $0.replica == Self.bob }
        var store = EnvelopeStore()
        try store.insert(contentsOf: ChangeEnvelope.envelopes(for: bobs))
        // Bob's changes depend on Alice's, which the store lacks: nothing for an empty peer…
        #expect(store.envelopes(missingFrom: VersionVector()).isEmpty)
        // …but everything for a peer that has Alice's.
        #expect(store.envelopes(missingFrom: VersionVector([Self.alice: 100])).count == bobs.count)
    }
}
