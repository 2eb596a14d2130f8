import TesseraTestSupport
import Testing
@testable import TesseraCore

@Suite("Encoding round trips")
struct EncodingRoundTripTests {
    @Test("arbitrary changes decode to exactly what was encoded", arguments: 0..<60)
    func arbitraryChanges(seed: UInt64) throws {
        let changes = EncodingFixtures.arbitraryChanges(seed: seed)
        for compression in [PayloadCompression.automatic, .none] {
            let bytes = Change.encode(changes, compression: compression)
            let decoded = try Change.decode(bytes)
            #expect(decoded == changes, "seed \(seed)")
            #expect(Change.encode(decoded, compression: compression) == bytes, "seed \(seed): re-encoding differs")
        }
    }

    /// The decoder lists the objects that operations make without indexing them until a
    /// listing might repeat one (an explicit reference, or a replica's counters going back):
    /// each listing must land where the encoder's did, repeats on the entry they repeat.
    @Test("objects made, named explicitly, made again and made by counters going back keep the encoder's list positions")
    func objectListRepeats() throws {
        let (alice, bob, carol) = (EncodingFixtures.alice, EncodingFixtures.bob, EncodingFixtures.carol)
        func change(_ replica: ReplicaID, _ start: UInt64, _ operations: [Operation]) -> Change {
            Change(replica: replica, startCounter: start, startLamport: start, dependencies: [], origin: .human("Ada"),
                   timestamp: 0, operations: operations)
        }
        func make(_ key: String) -> Operation { Operation(object: .root, action: .make(key: key, kind: .map, pred: [])) }
        func set(_ object: OpID, _ value: Int64) -> Operation {
            Operation(object: ObjectID(object), action: .set(key: "x", value: .int(value), pred: []))
        }
        let changes = [
            change(alice, 10, [make("a10"), set(OpID(replica: alice, counter: 10), 1)]),
            change(carol, 50, [make("c50")]),
            // The same ID made again before anything is named explicitly: the entry it has.
            change(carol, 50, [make("c50 again"), set(OpID(replica: carol, counter: 50), 0)]),
            // Counters going back: a new object, listed after an index is built.
            change(carol, 40, [make("c40"), set(OpID(replica: carol, counter: 50), 2), set(OpID(replica: carol, counter: 40), 3)]),
            // Named explicitly before any operation makes it ...
            change(bob, 5, [set(OpID(replica: alice, counter: 3), 4), set(OpID(replica: alice, counter: 10), 5)]),
            // ... then made: the entry it already has.
            change(alice, 3, [make("a3"), set(OpID(replica: alice, counter: 3), 6)]),
            // Made again by the same ID: still that entry.
            change(alice, 3, [make("a3 again"), set(OpID(replica: alice, counter: 3), 7)]),
            change(alice, 20, [make("a20"), set(OpID(replica: alice, counter: 20), 8)]),
            change(bob, 7, [set(OpID(replica: alice, counter: 20), 9), set(OpID(replica: carol, counter: 40), 10),
                            set(OpID(replica: alice, counter: 10), 11), set(OpID(replica: alice, counter: 3), 12)]),
        ]
        // And the fast path alone: made objects only, each replica's counters growing.
        let made = [
            change(alice, 1, [make("a1"), set(OpID(replica: alice, counter: 1), 1)]),
            change(bob, 1, [make("b1"), make("b2"), set(OpID(replica: alice, counter: 1), 2), set(OpID(replica: bob, counter: 2), 3)]),
            change(alice, 4, [make("a4"), set(OpID(replica: bob, counter: 1), 4), set(OpID(replica: alice, counter: 4), 5)]),
        ]
        for batch in [changes, made] {
            for compression in [PayloadCompression.automatic, .none] {
                let bytes = Change.encode(batch, compression: compression)
                let decoded = try Change.decode(bytes)
                #expect(decoded == batch)
                #expect(Change.encode(decoded, compression: compression) == bytes)
            }
        }
    }

    @Test("an empty batch round-trips")
    func emptyBatch() throws {
        #expect(try Change.decode(Change.encode([])) == [])
    }

    @Test("a snapshot reloads the same state, version and history", arguments: 0..<12)
    func snapshot(seed: UInt64) throws {
        let original = try EncodingFixtures.randomDocument(seed: seed)
        let bytes = original.encodeSnapshot()
        let copy = try Document(decoding: bytes)
        #expect(copy.materialize() == original.materialize(), "seed \(seed)")
        #expect(copy.version == original.version)
        #expect(copy.changes() == original.changes())
        #expect(copy.replica != original.replica)
        #expect(copy.encodeSnapshot() == bytes)
    }

    @Test("a reopened document keeps writing as its own replica after its last operation")
    func reopen() throws {
        var original = try EncodingFixtures.sample().document
        let reopened = try Document(decoding: original.encodeSnapshot(), replica: original.replica, origin: original.origin)
        #expect(reopened.replica == original.replica)
        #expect(reopened.nextOperationID == original.nextOperationID)
        var edited = reopened
        try edited.set("after", to: 1)
        try original.set("after", to: 1)
        #expect(edited.version == original.version)
    }

    @Test("a delta brings a peer up to date", arguments: 0..<8)
    func delta(seed: UInt64) throws {
        var a = try EncodingFixtures.randomDocument(seed: seed)
        var b = try Document(decoding: a.encodeSnapshot(), replica: EncodingFixtures.carol)
        try a.set("only-a", to: "a")
        try b.set("only-b", to: "b")
        let toB = a.encodeChanges(since: b.version)
        let toA = b.encodeChanges(since: a.version)
        #expect(try Change.decode(toB) == a.changes(since: b.version))
        try b.apply(encoded: toB)
        try a.apply(encoded: toA)
        #expect(a.materialize() == b.materialize(), "seed \(seed)")
        #expect(a.version == b.version)
        // Applying a delta twice is a no-op.
        let before = b.materialize()
        try b.apply(encoded: toB)
        #expect(b.materialize() == before)
    }

    @Test("a delta whose dependencies are missing waits in the pending buffer")
    func pendingDelta() throws {
        var a = Document(replica: EncodingFixtures.alice)
        try a.set("x", to: 1)
        let first = a.version
        try a.set("y", to: 2)
        var b = Document(replica: EncodingFixtures.bob)
        try b.apply(encoded: a.encodeChanges(since: first))
        #expect(b.pendingChangeCount == 1)
        try b.apply(encoded: a.encodeChanges(since: VersionVector()))
        #expect(b.pendingChangeCount == 0)
        #expect(b.materialize() == a.materialize())
    }

    @Test("doubles keep their exact bit patterns")
    func doubles() throws {
        let values: [Double] = [0, -0.0, 1, -1, 0.1, 0.1 + 0.2, 3922.91, -4999.99, 1e15, 1e16, 123456789.123, .pi,
                                .infinity, -.infinity, .nan, -.nan, .signalingNaN, .leastNonzeroMagnitude,
                                .greatestFiniteMagnitude, 9_007_199_254_740_994, 90_071_992_547_409.94]
        let change = Change(
            replica: EncodingFixtures.alice, startCounter: 1, startLamport: 1, dependencies: [], origin: .anonymous,
            timestamp: 0, operations: [Operation(object: .root, action: .insert(after: nil, before: nil, values: values.map(Value.double)))])
        let decoded = try Change.decode(Change.encode([change]))
        guard case .insert(_, _, let out) = decoded.first?.operations.first?.action else {
            Issue.record("not an insert")
            return
        }
        #expect(out.count == values.count)
        for (value, decodedValue) in zip(values, out) {
            guard case .double(let d) = decodedValue else {
                Issue.record("\(decodedValue) is not a double")
                continue
            }
            #expect(d.bitPattern == value.bitPattern, "\(value)")
        }
    }

    @Test("strings keep their exact UTF-8 bytes, even canonically equivalent ones")
    func canonicalEquivalence() throws {
        let composed = "\u{E9}"
        let decomposed = "e\u{301}"
        let change = Change(
            replica: EncodingFixtures.alice, startCounter: 1, startLamport: 1, dependencies: [], origin: .human(decomposed),
            timestamp: 0, operations: [
                Operation(object: .root, action: .set(key: composed, value: .string(decomposed), pred: [])),
                Operation(object: .root, action: .set(key: decomposed, value: .string(composed), pred: [])),
            ])
        let decoded = try Change.decode(Change.encode([change]))
        guard decoded.count == 1, case .set(let k0, .string(let v0), _) = decoded[0].operations[0].action,
            case .set(let k1, .string(let v1), _) = decoded[0].operations[1].action
        else {
            Issue.record("unexpected shape \(decoded)")
            return
        }
        #expect(Array(k0.utf8) == Array(composed.utf8))
        #expect(Array(v0.utf8) == Array(decomposed.utf8))
        #expect(Array(k1.utf8) == Array(decomposed.utf8))
        #expect(Array(v1.utf8) == Array(composed.utf8))
        #expect(Array(decoded[0].origin.name.utf8) == Array(decomposed.utf8))
    }

    @Test("version vectors round-trip", arguments: 0..<20)
    func versionVector(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        var vv = VersionVector()
        for _ in 0..<rng.below(50) {
            vv[ReplicaID.random(using: &rng)] = rng.chance(50) ? UInt64(rng.below(1000)) : rng.next()
        }
        let bytes = vv.encoded()
        #expect(try VersionVector(decoding: bytes) == vv)
        #expect(try Container.decode(bytes).kind == .versionVector)
    }

    @Test("the wrong kind of container is refused")
    func wrongKind() throws {
        let vv = VersionVector([EncodingFixtures.alice: 3]).encoded()
        #expect(throws: EncodingError.unexpectedKind(expected: .changes, found: .versionVector)) { try Change.decode(vv) }
        let snapshot = try EncodingFixtures.sample().document.encodeSnapshot()
        #expect(throws: EncodingError.unexpectedKind(expected: .versionVector, found: .snapshot)) {
            try VersionVector(decoding: snapshot)
        }
    }

    @Test("automatic compression deflates large payloads and never grows them")
    func compression() throws {
        let document = try EncodingFixtures.randomDocument(seed: 99, rounds: 30)
        let plain = document.encodeSnapshot(compression: .none)
        let automatic = document.encodeSnapshot()
        #expect(automatic.count <= plain.count)
        #expect(try Container.decode(automatic).flags.contains(.deflated) == (automatic.count < plain.count))
        #expect(try Change.decode(automatic) == Change.decode(plain))
        let tiny = Change.encode([])
        #expect(try !Container.decode(tiny).flags.contains(.deflated))
    }
}
