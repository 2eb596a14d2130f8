import Testing
import TesseraTestSupport
@testable import TesseraCore

/// Snapshots that carry their materialised state (FORMAT.md §6.1): opening one must give
/// exactly the document a replay of its history gives, now and after any further edit or
/// merge; the history stays encoded until needed; and hostile state bytes end in an error.
@Suite("Materialised-state snapshots")
struct MaterializedSnapshotTests {
    static let alice = EncodingFixtures.alice
    static let bob = EncodingFixtures.bob
    static let carol = EncodingFixtures.carol
    static let dave = ReplicaID(rawValue: 0x0D0D_0D0D_0D0D_0D0D)!

    /// Everything observable about a document's state: the materialised tree, and for every
    /// reachable map every key's concurrent values in order.
    static func observable(_ doc: Document) throws -> Observed {
        var lines = ["\(doc.version)", "\(doc.frontier)", "\(doc.lamport)"]
        for (object, kind) in reachableObjects(doc) {
            switch kind {
            case .map:
                for key in RandomEdits.keys + ["shapes"] {
                    lines.append("\(object).\(key) = \(try doc.conflicts(key, in: object))")
                }
            case .list, .text:
                lines.append("\(object) count \(try doc.count(of: object))")
            case .counter:
                lines.append("\(object) = \(try doc.counterValue(object))")
            }
        }
        return Observed(value: doc.materialize(), lines: lines)
    }

    struct Observed: Equatable {
        var value: MaterializedValue
        var lines: [String]
    }

    /// The first line where two ``observable(_:)`` descriptions differ.
    static func difference(_ a: Observed, _ b: Observed) -> String {
        for (l, r) in zip(a.lines, b.lines) where l != r { return "\(l)\n  vs\n\(r)" }
        return a.value == b.value ? "line counts \(a.lines.count) vs \(b.lines.count)" : "materialised values differ"
    }

    /// A document written by three replicas with concurrent edits, undo and redo.
    static func randomDocument(seed: UInt64) throws -> Document {
        var rng = SplitMix64(seed: seed)
        var docs = [Document(replica: alice, origin: .human("Ada"))]
        docs.append(docs[0].fork(replica: bob))
        docs.append(docs[0].fork(replica: carol))
        docs[2].origin = .agent("Tessa", request: "r\(seed)", onBehalfOf: "Ada")
        for _ in 0..<6 {
            for i in docs.indices {
                for _ in 0..<(1 + rng.below(4)) {
                    if rng.chance(10) {
                        try docs[i].undo()
                    } else if rng.chance(5) {
                        try docs[i].redo()
                    } else {
                        try docs[i].transact { doc in
                            for _ in 0..<(1 + rng.below(3)) { try RandomEdits.randomEdit(&doc, &rng) }
                        }
                    }
                }
            }
            let a = rng.below(docs.count)
            let b = rng.below(docs.count)
            if a != b { try docs[b].merge(docs[a]) }
        }
        return docs[0]
    }

    @Test("opening from the state equals replaying the history, before and after edits and merges", arguments: 0..<40)
    func sameAsReplay(seed: UInt64) throws {
        var original = try Self.randomDocument(seed: seed)
        let bytes = original.encodeSnapshot()
        #expect(try Container.decode(bytes).flags.contains(.materializedState))
        var fast = try Document(decoding: bytes, replica: Self.dave)
        var replayed = try Document(decoding: bytes, replica: Self.dave, loading: .replayHistory)
        #expect(fast.withState({ $0.deferred }) != nil, "the history stays encoded until needed")
        #expect(replayed.withState({ $0.deferred }) == nil)
        let expected = try Self.observable(original)
        let fastState = try Self.observable(fast)
        #expect(fastState == expected, "seed \(seed): \(Self.difference(fastState, expected))")
        #expect(try Self.observable(replayed) == expected)
        let eager = try Document(decoding: bytes, replica: Self.dave, loading: .materializedState)
        #expect(eager.unopened == nil && fast.unopened != nil, "the default opens lazily")
        #expect(try Self.observable(eager) == expected)
        #expect(fast.changeCount == original.changeCount && fast.operationCount == original.operationCount)
        #expect(fast.encodeSnapshot() == bytes, "an unedited document re-encodes to its bytes")
        #expect(fast.changes() == original.changes())
        #expect(fast.historyError == nil)

        // Concurrent edits from another replica, then the same local edits on both copies.
        var other = original.fork(replica: Self.bob)
        var rng = SplitMix64(seed: seed &+ 1000)
        for _ in 0..<12 { try RandomEdits.randomEdit(&other, &rng) }
        try original.transact { doc in
            for _ in 0..<6 { try RandomEdits.randomEdit(&doc, &rng) }
        }
        let remote = other.changes(since: fast.version)
        try fast.apply(remote)
        try replayed.apply(remote)
        #expect(fast.withState({ $0.deferred }) == nil)
        #expect(try Self.observable(fast) == Self.observable(replayed), "seed \(seed) after a remote delta")
        var rngFast = SplitMix64(seed: seed &+ 2000)
        var rngReplayed = rngFast
        for _ in 0..<10 {
            try RandomEdits.randomEdit(&fast, &rngFast)
            try RandomEdits.randomEdit(&replayed, &rngReplayed)
        }
        _ = try fast.undo(for: fast.origin)
        _ = try replayed.undo(for: replayed.origin)
        #expect(try Self.observable(fast) == Self.observable(replayed), "seed \(seed) after local edits")

        // Everyone converges.
        try original.merge(fast)
        try original.merge(other)
        try fast.merge(original)
        try other.merge(original)
        #expect(try Self.observable(fast) == Self.observable(original))
        #expect(try Self.observable(other) == Self.observable(original))
        #expect(fast.historyError == nil)
    }

    @Test("a reloaded snapshot of a reloaded document is the same document")
    func reloadTwice() throws {
        var original = try Self.randomDocument(seed: 7)
        var first = try Document(decoding: original.encodeSnapshot(), replica: Self.dave)
        try first.set("after", to: 1)
        try original.merge(first)
        let second = try Document(decoding: first.encodeSnapshot(), replica: Self.dave)
        #expect(try Self.observable(second) == Self.observable(original))
        #expect(second.changes() == first.changes())
        #expect(second.nextOperationID == first.nextOperationID, "reopened under its own ID, it continues its counters")
    }

    @Test("a typing trace reloads with its text, and typing goes on where it left off")
    func typing() throws {
        var doc = Document(replica: Self.alice)
        let text = try doc.makeObject(.text, forKey: "text")
        var rng = SplitMix64(seed: 3)
        var cursor = 0
        for _ in 0..<3_000 {
            let count = try doc.count(of: text)
            if rng.chance(10) { cursor = rng.below(count + 1) }
            if count > 0, cursor > 0, rng.chance(20) {
                try doc.remove(at: cursor - 1, count: 1, in: text)
                cursor -= 1
            } else {
                try doc.insertText(["a", "b", "é", "🙂"][rng.below(4)], at: cursor, in: text)
                cursor += 1
            }
        }
        var copy = try Document(decoding: doc.encodeSnapshot(), replica: Self.bob)
        #expect(try copy.text(text) == doc.text(text))
        try copy.insertText("!", at: 5, in: text)
        try doc.insertText("?", at: 5, in: text)
        try doc.merge(copy)
        try copy.merge(doc)
        #expect(try copy.text(text) == doc.text(text))
    }

    @Test("readers of an unedited copy decode the history once and share it")
    func sharedHistory() throws {
        let original = try Self.randomDocument(seed: 11)
        let fast = try Document(decoding: original.encodeSnapshot())
        let copy = fast
        #expect(copy.changes() == original.changes())
        #expect(fast.history == original.history)
        #expect(fast.withState({ $0.deferred }) != nil, "reading does not edit the document")
        for change in original.history.prefix(20) {
            let id = OpID(replica: change.replica, counter: change.startCounter)
            #expect(fast.origin(of: id) == change.origin)
            #expect(fast.lamport(of: id) == change.startLamport)
        }
        var fork = fast.fork(replica: Self.dave)
        try fork.set("forked", to: true)
        #expect(fork.changes().count == original.changes().count + 1)
    }

    /// A snapshot of `history` carrying the state of `state` instead of its own.
    static func splice(history: Document, state: Document) throws -> [UInt8] {
        var payload = try EditablePayload(container: history.encodeSnapshot(compression: .none))
        let other = try EditablePayload(container: state.encodeSnapshot(compression: .none))
        payload.sections.removeAll { $0.id == StateSection.id }
        payload.sections.append(try #require(other.sections.first { $0.id == StateSection.id }))
        return Container.encode(kind: .snapshot, payload: payload.payload(), compression: .none, flags: .materializedState)
    }

    @Test("a state that its history does not produce is reported when the history is needed")
    func disagreeingState() throws {
        var a = Document(replica: Self.alice)
        let text = try a.makeObject(.text, forKey: "text")
        var b = a
        try a.insertText("hello", at: 0, in: text)
        try b.insertText("jello", at: 0, in: text)
        var loaded = try Document(decoding: Self.splice(history: a, state: b), replica: Self.dave)
        #expect(try loaded.text(text) == "jello", "the state is what was loaded")
        _ = loaded.changes()
        let error = try #require(loaded.historyError == nil ? nil : loaded.historyError)
        #expect("\(error)".contains("does not produce its materialised state"))
        // The document keeps working on its state.
        try loaded.insertText("!", at: 5, in: text)
        #expect(try loaded.text(text) == "jello!")
        #expect(loaded.historyError != nil)
        // Replaying instead gives the history's state.
        let replayed = try Document(decoding: Self.splice(history: a, state: b), loading: .replayHistory)
        #expect(try replayed.text(text) == "hello")
    }

    @Test("a state whose run names an origin of another sequence is rejected", arguments: [false, true])
    func foreignOrigin(right: Bool) throws {
        var doc = Document(replica: Self.alice)
        let first = try doc.makeObject(.text, forKey: "first")
        let second = try doc.makeObject(.text, forKey: "second")
        try doc.insertText("hello", at: 0, in: first)
        try doc.insertText("jo", at: 0, in: second)
        try doc.insertText("X", at: 1, in: second)
        // The state of `doc`, its "X" run's origin pointed at an item of the other text.
        var core = doc.withState { $0 }
        let foreign = try #require(core.sequences.first { $0.kind == .text && $0.tree.visibleCount == 5 }).tree.runs[0].first
        let s = try #require(core.sequences.firstIndex { $0.kind == .text && $0.tree.visibleCount == 3 })
        let x = try #require(core.sequences[s].tree.runs.firstIndex { $0.count == 1 && $0.originLeft != 0 && $0.originRight != 0 })
        if right { core.sequences[s].tree.runs[x].originRight = foreign } else { core.sequences[s].tree.runs[x].originLeft = foreign }
        var payload = try EditablePayload(container: doc.encodeSnapshot(compression: .none))
        payload.sections.removeAll { $0.id == StateSection.id }
        payload.sections.append((StateSection.id, StateEncoder.encode(core)))
        let container = Container.encode(kind: .snapshot, payload: payload.payload(), compression: .none, flags: .materializedState)
        #expect {
            _ = try Document(decoding: container, replica: Self.dave, loading: .materializedState)
        } throws: { "\($0)".contains("is not in its sequence") }
        // Opened lazily, the history stands in for the state.
        let lazy = try Document(decoding: container, replica: Self.dave)
        #expect(try lazy.text(second) == "jXo" && lazy.loadError == nil)
    }

    @Test("corrupted state bytes are rejected with an error or give a working document; opened lazily, the history stands in", arguments: 0..<6)
    func hostileState(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        let original = try Self.randomDocument(seed: seed)
        let plain = try EditablePayload(container: original.encodeSnapshot(compression: .none))
        let state = try #require(plain.sections.first { $0.id == StateSection.id }?.bytes)
        let delta = original.encodeChanges(since: VersionVector())
        var rejected = 0
        var loaded = 0
        for _ in 0..<150 {
            var bytes = state
            switch rng.below(4) {
            case 0:
                bytes = Array(bytes.prefix(rng.below(bytes.count)))
            case 1:
                for _ in 0..<(1 + rng.below(3)) { bytes[rng.below(bytes.count)] = UInt8(truncatingIfNeeded: rng.next()) }
            case 2:
                let i = rng.below(bytes.count)
                bytes[i] = bytes[i] &+ (rng.chance(50) ? 1 : 0xFF)
            default:
                bytes.insert(UInt8(truncatingIfNeeded: rng.next()), at: rng.below(bytes.count))
            }
            var payload = plain
            payload.sections.removeAll { $0.id == StateSection.id }
            payload.sections.append((StateSection.id, bytes))
            let container = Container.encode(kind: .snapshot, payload: payload.payload(), compression: .none, flags: .materializedState)
            // Opened lazily, the CRC passes, and first use decodes the state or, failing that,
            // replays the history, which is intact here.
            let lazy = try Document(decoding: container, replica: Self.dave)
            #expect(lazy.unopened != nil)
            let document: Document
            do {
                document = try Document(decoding: container, replica: Self.dave, loading: .materializedState)
            } catch {
                rejected += 1
                #expect(lazy.materialize() == original.materialize() && lazy.loadError == nil, "the history replaced a state that does not decode")
                continue
            }
            #expect(lazy.materialize() == document.materialize())
            // Loaded: everything must work without trapping.
            loaded += 1
            try exercise(document, delta: delta, rng: &rng)
        }
        #expect(rejected > 0 && loaded > 0, "\(rejected) rejected, \(loaded) loaded")
    }

    private func exercise(_ loaded: Document, delta: [UInt8], rng: inout SplitMix64) throws {
        var document = loaded
        _ = document.materialize()
        for (object, kind) in reachableObjects(document) {
            switch kind {
            case .map: _ = try document.entries(in: object)
            case .list: _ = try document.list(object)
            case .text: _ = try document.text(object)
            case .counter: _ = try document.counterValue(object)
            }
        }
        _ = document.changes()
        for _ in 0..<5 { try? RandomEdits.randomEdit(&document, &rng) }
        _ = try? document.undo()
        _ = try? document.apply(encoded: delta)
        let reloaded = try Document(decoding: document.encodeSnapshot())
        _ = reloaded.materialize()
    }
}
