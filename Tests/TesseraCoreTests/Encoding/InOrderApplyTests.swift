import Testing
@testable import TesseraCore
import TesseraTestSupport

/// `apply(encoded:)` applies a payload whose changes come in causal order as it decodes it
/// (``Document/applyInOrder(_:)``); anything else goes down the general path of
/// ``Document/apply(_:)``. The two must be indistinguishable from outside.
@Suite("Applying a payload as it is read")
struct InOrderApplyTests {
    static let reader = ReplicaID(rawValue: 0xB0B)!

    /// A random history written by three replicas that gossip as they go (maps, lists, texts,
    /// counters, nested objects, deletes, undo), merged into one document.
    static func history(seed: UInt64) throws -> Document {
        var rng = SplitMix64(seed: seed)
        var base = Document(replica: ReplicaID(rawValue: 100 + seed)!, origin: .human("base"))
        try base.makeObject(.text, forKey: "t")
        try base.makeObject(.list, forKey: "l")
        var docs = (0..<3).map { i in
            var doc = base.fork(replica: ReplicaID(rawValue: (seed &* 31 &+ UInt64(i) &+ 1) | 1 << 40)!)
            doc.origin = i == 2 ? .agent("model", onBehalfOf: "ada") : .human("r\(i)")
            return doc
        }
        for _ in 0..<(4 + rng.below(6)) {
            for i in docs.indices {
                for _ in 0..<(1 + rng.below(4)) {
                    if rng.chance(8) {
                        try docs[i].undo()
                    } else {
                        let edits = 1 + rng.below(3)
                        try docs[i].transact { doc in
                            for _ in 0..<edits { try RandomEdits.randomEdit(&doc, &rng) }
                        }
                    }
                }
                // Typing: runs of one-character changes, which the encoder codes at the cursor.
                if rng.chance(30), case .object(let text) = try docs[i].get("t") {
                    var at = rng.below(try docs[i].count(of: text) + 1)
                    for _ in 0..<(2 + rng.below(8)) {
                        try docs[i].insertText(["a", "b", "é"][rng.below(3)], at: at, in: text)
                        at += 1
                    }
                }
            }
            let a = rng.below(3)
            let b = rng.below(3)
            if a != b { let source = docs[a]; try docs[b].merge(source) }
        }
        for i in 1..<3 { try docs[0].merge(docs[i]) }
        return docs[0]
    }

    /// `changes` with their timestamps cleared: a local edit's is the wall clock's second,
    /// which may turn between the same edit made on two documents.
    static func untimed(_ changes: [Change]) -> [Change] {
        changes.map { var change = $0; change.timestamp = 0; return change }
    }

    /// `bytes` applied to `document` by the in-order path (which must take them) and by the
    /// general path, with the same outcome.
    static func expectSameOutcome(_ bytes: [UInt8], on document: Document, _ comment: Comment) throws {
        var fast = document
        let container = try Container.decode(bytes, limits: .standard)
        let events = fast.applyInOrder(container)
        #expect(events != nil, "the in-order path declined: \(comment)")
        var general = document
        let expected = try general.apply(Change.decode(bytes))
        #expect(fast.materialize() == general.materialize(), "\(comment)")
        #expect(fast.version == general.version, "\(comment)")
        #expect(fast.frontier == general.frontier, "\(comment)")
        #expect(fast.lamport == general.lamport, "\(comment)")
        #expect(fast.changes() == general.changes(), "\(comment)")
        #expect(fast.encodeSnapshot() == general.encodeSnapshot(), "\(comment)")
        // Every operation is found in its change (the log's index by replica, which a run of
        // writes fills once for the run).
        for change in general.changes(since: document.version) {
            for counter in change.counters {
                let id = OpID(replica: change.replica, counter: counter)
                #expect(fast.change(containing: id) == change, "\(comment): \(id)")
                #expect(fast.origin(of: id) == change.origin, "\(comment): \(id)")
            }
        }
        if let events {
            #expect(events.origins == expected.origins, "\(comment)")
            // The in-order path may report a typed run in pieces, in another order, where the
            // general path joined it first: the same edits.
            #expect(EventReplay.others(events.events) == EventReplay.others(expected.events), "\(comment)")
            let replayed = EventReplay.sequences(events.events, from: document)
            #expect(replayed == EventReplay.sequences(expected.events, from: document), "\(comment)")
            #expect(replayed == EventReplay.contents(of: Array(replayed.keys), in: fast), "\(comment)")
        }
        // Both go on alike: the next local edit is the same change, but for its timestamp
        // (the wall clock's second, which may turn between the two edits).
        try fast.set("after", to: 1, in: .root)
        try general.set("after", to: 1, in: .root)
        #expect(Self.untimed(fast.changes(since: document.version)) == Self.untimed(general.changes(since: document.version)),
                "\(comment)")
    }

    /// `bytes` declined by the in-order path and rejected by `apply(encoded:)` for naming
    /// `unknown`, `document` (which has no changes) untouched by either.
    static func expectRejected(_ bytes: [UInt8], on document: Document, unknown: OpID) throws {
        var fast = document
        #expect(fast.applyInOrder(try Container.decode(bytes, limits: .standard)) == nil)
        #expect(fast.encodeSnapshot() == document.encodeSnapshot())
        var target = document
        #expect(throws: EncodingError.rejected(.unknownOperation(unknown))) { try target.apply(encoded: bytes) }
        #expect(target.encodeSnapshot() == document.encodeSnapshot())
        #expect(target.changeCount == 0)
    }

    @Test("a whole history read into a fresh document equals the general path's", arguments: 0..<4)
    func wholeHistories(batch: Int) throws {
        for seed in UInt64(batch * 10)..<UInt64(batch * 10 + 10) {
            let source = try Self.history(seed: seed)
            try Self.expectSameOutcome(source.encodeChanges(since: VersionVector()), on: Document(replica: Self.reader),
                                       "seed \(seed)")
        }
    }

    /// A history opened by `Document(decoding:)` (replayed without events, its sequences not
    /// told where edits land) and the same bytes applied with events to a new document: the
    /// same document, which goes on alike under local edits at positions (the sequences'
    /// cached positions must hold after a replay that worked none out) and remote ones.
    static func expectOpenedAlike(_ bytes: [UInt8], _ comment: String, seed: UInt64) throws {
        var opened = try Document(decoding: bytes, replica: reader)
        var applied = Document(replica: reader)
        try applied.apply(encoded: bytes)
        #expect(opened.materialize() == applied.materialize(), "\(comment)")
        #expect(opened.changes() == applied.changes(), "\(comment)")
        #expect(opened.encodeSnapshot() == applied.encodeSnapshot(), "\(comment)")
        // One stream per document, drawing alike while the documents are alike.
        var rngs = [SplitMix64(seed: seed), SplitMix64(seed: seed)]
        var typing = SplitMix64(seed: ~seed)
        for step in 0..<60 {
            try RandomEdits.randomEdit(&opened, &rngs[0])
            try RandomEdits.randomEdit(&applied, &rngs[1])
            let named = try opened.get("t") ?? opened.get("a")
            if step % 7 == 0, case .object(let text)? = named, opened.kind(of: text) == .text {
                // Typing and backspacing at a cursor: the cached leaf and run hints at work.
                var cursor = typing.below(try opened.count(of: text) + 1)
                for _ in 0..<(1 + typing.below(10)) {
                    if cursor > 0 && typing.chance(4) {
                        try opened.remove(at: cursor - 1, in: text)
                        try applied.remove(at: cursor - 1, in: text)
                        cursor -= 1
                    } else {
                        try opened.insertText("k", at: cursor, in: text)
                        try applied.insertText("k", at: cursor, in: text)
                        cursor += 1
                    }
                }
            }
            #expect(opened.materialize() == applied.materialize(), "\(comment), step \(step)")
        }
        // The same history, but for the local edits' timestamps (the wall clock's second).
        #expect(Self.untimed(opened.changes()) == Self.untimed(applied.changes()), "\(comment)")
    }

    @Test("a history opened without events equals one applied with them, and edits alike after", arguments: 0..<2)
    func openedWithoutEvents(batch: Int) throws {
        for seed in UInt64(batch * 10)..<UInt64(batch * 10 + 10) {
            try Self.expectOpenedAlike(Self.history(seed: seed).encodeChanges(since: VersionVector()), "history \(seed)",
                                       seed: seed)
            let (_, session) = try Self.typingSession(seed: seed)
            try Self.expectOpenedAlike(session.encodeChanges(since: VersionVector()), "typing \(seed)", seed: seed)
        }
        // Out of order, so the general path replays it (also without events).
        let changes = try Self.history(seed: 3).changes()
        try Self.expectOpenedAlike(Change.encode([changes[changes.count - 1]] + changes.dropLast()), "shuffled", seed: 3)
    }

    @Test("a delta read into a replica that diverged equals the general path's", arguments: 0..<4)
    func deltas(batch: Int) throws {
        for seed in UInt64(batch * 10)..<UInt64(batch * 10 + 10) {
            var rng = SplitMix64(seed: seed)
            let base = try Self.history(seed: seed)
            var a = base.fork(replica: ReplicaID(rawValue: 0xA11CE)!)
            var b = base.fork(replica: Self.reader)
            let fork = base.version
            // A delta the size of the history or more: smaller ones take the general path (see
            // Document.applyInOrder), and `declines` covers that.
            for _ in 0..<(20 + rng.below(40)) { try RandomEdits.randomEdit(&b, &rng) }
            for _ in 0..<(base.operationCount + rng.below(100)) { try RandomEdits.randomEdit(&a, &rng) }
            try Self.expectSameOutcome(a.encodeChanges(since: fork), on: b, "seed \(seed)")
        }
    }

    @Test("changes out of order, duplicates and invalid operations go down the general path, the document untouched")
    func declines() throws {
        let source = try Self.history(seed: 7)
        let changes = source.changes()
        let fresh = Document(replica: Self.reader)

        // A small delta beside a long history: the general path.
        var long = source
        var writer = source.fork(replica: ReplicaID(rawValue: 0xD0C)!)
        try writer.set("late", to: 1, in: .root)
        #expect(long.applyInOrder(try Container.decode(writer.encodeChanges(since: source.version), limits: .standard)) == nil)
        try long.apply(encoded: writer.encodeChanges(since: source.version))
        #expect(long.materialize() == writer.materialize())

        // Out of order: the last change first.
        let shuffled = Change.encode([changes[changes.count - 1]] + changes.dropLast())
        var document = fresh
        #expect(document.applyInOrder(try Container.decode(shuffled, limits: .standard)) == nil)
        #expect(document.encodeSnapshot() == fresh.encodeSnapshot())
        try document.apply(encoded: shuffled)
        #expect(document.materialize() == source.materialize())
        #expect(document.pendingChangeCount == 0)

        // Duplicates: the whole history again.
        let all = Change.encode(changes)
        let before = document.encodeSnapshot()
        #expect(document.applyInOrder(try Container.decode(all, limits: .standard)) == nil)
        #expect(document.encodeSnapshot() == before)
        try document.apply(encoded: all)
        #expect(document.encodeSnapshot() == before)

        // A change that waits: the general path buffers it.
        var waiting = fresh
        try waiting.apply(encoded: Change.encode(Array(changes.dropFirst())))
        #expect(waiting.pendingChangeCount == changes.count - 1)
        #expect(waiting.materialize() == fresh.materialize())

        // An invalid operation after many valid ones: a write to an object nobody made.
        var hostile = changes.last!
        hostile.startCounter = source.version[hostile.replica] + 1
        hostile.startLamport = source.lamport + 1
        hostile.dependencies = []
        let nowhere = ObjectID(OpID(replica: hostile.replica, counter: 1 << 30))
        hostile.operations = [Operation(object: nowhere, action: .set(key: "x", value: 1, pred: []))]
        var target = fresh
        #expect(throws: EncodingError.self) { try target.apply(encoded: Change.encode(changes + [hostile])) }
        #expect(target.encodeSnapshot() == fresh.encodeSnapshot())
        #expect(target.changeCount == 0)
    }

    @Test("a delta found invalid after many writes leaves the document's own values, and only those")
    func rollbackAfterWrites() throws {
        let base = try Self.history(seed: 5)
        var writer = base.fork(replica: ReplicaID(rawValue: 0xA11CE)!)
        for i in 0..<(base.operationCount + 50) {
            // Strings too long to be stored inline: the pool holds references.
            try writer.set("k\(i % 7)", to: .string("value \(i), long enough to live on the heap"))
        }
        var changes = writer.changes(since: base.version)
        var hostile = changes.last!
        hostile.startCounter = writer.version[hostile.replica] + 1
        hostile.startLamport = writer.lamport + 1
        hostile.dependencies = []
        hostile.operations = [Operation(object: ObjectID(OpID(replica: hostile.replica, counter: 1 << 30)),
                                        action: .set(key: "x", value: 1, pred: []))]
        changes.append(hostile)
        var target = base
        let before = target.encodeSnapshot()
        #expect(target.applyInOrder(try Container.decode(Change.encode(changes), limits: .standard)) == nil)
        #expect(target.core.values.count == base.core.values.count)
        #expect(target.encodeSnapshot() == before)
        #expect(target.materialize() == base.materialize())
        // The valid part still applies, down either path, to the same document.
        try Self.expectSameOutcome(Change.encode(changes.dropLast()), on: target, "after a rollback")
        try target.apply(encoded: Change.encode(changes.dropLast()))
        #expect(target.materialize() == writer.materialize())
    }

    /// Sessions of property edits, one transaction per edit, as the decoder reads in runs:
    /// sets of every value type and deletes on the root and on nested maps, by two replicas
    /// that merge now and then (so some writes depend on the other side and overwrite its
    /// values), broken by the odd nested map made or list edited.
    static func writeSessions(seed: UInt64) throws -> (base: Document, session: Document) {
        var rng = SplitMix64(seed: seed)
        var base = Document(replica: ReplicaID(rawValue: 200 + seed)!, origin: .human("base"))
        let shape = try base.makeObject(.map, forKey: "shape")
        let list = try base.makeObject(.list, forKey: "list")
        var docs = [base.fork(replica: ReplicaID(rawValue: 300 + seed)!), base.fork(replica: ReplicaID(rawValue: 400 + seed)!)]
        docs[1].origin = .agent("model", onBehalfOf: "ada")
        let keys = ["x", "y", "w", "h", "fill", "text"]
        for _ in 0..<(30 + rng.below(30)) {
            let i = rng.below(2)
            for _ in 0..<(1 + rng.below(40)) {
                let object = rng.chance(2) ? shape : .root
                let key = keys[rng.below(keys.count)]
                switch rng.below(12) {
                case 0: try docs[i].delete(key, in: object)
                case 1: try docs[i].set(key, to: .int(Int64(rng.below(1000)) - 500), in: object)
                case 2: try docs[i].set(key, to: .string("value \(rng.below(100)) long enough to live on the heap"), in: object)
                case 3: try docs[i].set(key, to: .bool(rng.chance(2)), in: object)
                case 4: try docs[i].set(key, to: .null, in: object)
                case 5 where rng.chance(4): _ = try docs[i].makeObject(.map, forKey: key, in: .root)
                case 6 where rng.chance(4): try docs[i].insert(.int(1), at: 0, in: list)
                default: try docs[i].set(key, to: .double(Double(rng.below(500_000)) / 100), in: object)
                }
            }
            if rng.chance(3) { let other = docs[1 - i]; try docs[i].merge(other) }
        }
        try docs[0].merge(docs[1])
        return (base, docs[0])
    }

    @Test("runs of one-write changes read into a fresh document or a replica that diverged equal the general path's",
          arguments: 0..<4)
    func writeRuns(batch: Int) throws {
        for seed in UInt64(batch * 10)..<UInt64(batch * 10 + 10) {
            let (base, session) = try Self.writeSessions(seed: seed)
            try Self.expectSameOutcomes(of: session, since: base, "seed \(seed)")
        }
    }

    /// ``expectSameOutcome(_:on:_:)`` for `edited`'s whole history read into a fresh
    /// document, and (unless `delta` is false) for what it wrote since `base` read into a
    /// replica of `base` that wrote something of its own.
    static func expectSameOutcomes(of edited: Document, since base: Document, delta: Bool = true, _ comment: String) throws {
        try expectSameOutcome(edited.encodeChanges(since: VersionVector()), on: Document(replica: reader),
                              "whole history, \(comment)")
        guard delta else { return }
        var other = base.fork(replica: reader)
        try other.set("x", to: "mine", in: .root)
        try expectSameOutcome(edited.encodeChanges(since: base.version), on: other, "delta, \(comment)")
    }

    @Test("a write of a run over a later write of the same run is rejected, the document untouched")
    func writeRunForwardPredecessor() throws {
        var writer = Document(replica: ReplicaID(rawValue: 0xA11CE)!)
        for i in 0..<20 { try writer.set("k\(i % 3)", to: .int(Int64(i))) }
        var changes = writer.changes()
        // Change 10 overwrites what change 12 writes: not made yet when change 10 applies.
        let later = OpID(replica: changes[12].replica, counter: changes[12].startCounter)
        changes[10].operations = [Operation(object: .root, action: .set(key: "k1", value: 99, pred: [later]))]
        let fresh = Document(replica: Self.reader)
        try Self.expectRejected(Change.encode(changes), on: fresh, unknown: later)
        // Over the write just before it, it is fine.
        let earlier = OpID(replica: changes[9].replica, counter: changes[9].startCounter)
        changes[10].operations = [Operation(object: .root, action: .set(key: "k1", value: 99, pred: [earlier]))]
        try Self.expectSameOutcome(Change.encode(changes), on: fresh, "predecessor earlier in the run")
    }

    /// Making room in the log for every change still to come pays where each is a map write
    /// of its own, not where the payload opens by making a text whose typing folds into runs:
    /// that room stayed empty (31 MB on the 260,000 keystrokes of W3).
    @Test("a typing history that opens by making its text leaves no empty room in the log")
    func noRoomForFoldedTyping() throws {
        var writer = Document(replica: ReplicaID(rawValue: 0xA11CE)!)
        let text = try writer.makeObject(.text, forKey: "t")
        for i in 0..<4_000 { try writer.insertText("a", at: i, in: text) }
        var fresh = Document(replica: Self.reader)
        try fresh.apply(encoded: writer.encodeChanges(since: VersionVector()))
        #expect(try fresh.text(text) == String(repeating: "a", count: 4_000))
        #expect(fresh.core.changes.count < 100 && fresh.core.changes.capacity < 1_000)
        #expect(fresh.core.ops.count < 100 && fresh.core.ops.capacity < 1_000)
    }

    @Test("a delta that extends the document's last typing run, then fails, leaves that run as it was")
    func rollbackOfJoinedRun() throws {
        var writer = Document(replica: ReplicaID(rawValue: 0xA11CE)!)
        let text = try writer.makeObject(.text, forKey: "t")
        for i in 0..<10 { try writer.insertText("a", at: i, in: text) }
        let fork = writer.version
        for i in 10..<110 { try writer.insertText("b", at: i, in: text) }
        // One timestamp for all, so that the delta's keystrokes continue the document's run.
        var history = writer.changes()
        for i in history.indices { history[i].timestamp = 1_000 }
        let base = history.filter { $0.startCounter <= fork[$0.replica] }
        var delta = Array(history.dropFirst(base.count))
        var hostile = delta.last!
        hostile.startCounter += 1
        hostile.startLamport += 1
        hostile.operations = [Operation(object: ObjectID(OpID(replica: hostile.replica, counter: 1 << 30)),
                                        action: .set(key: "x", value: 1, pred: []))]
        delta.append(hostile)
        var target = Document(replica: Self.reader)
        try target.apply(encoded: Change.encode(base))
        let records = target.core.changes
        let ops = target.core.ops
        let byReplica = target.core.changesByReplica
        #expect(records.last?.run == 10, "the document's typing is one run")
        let before = target.encodeSnapshot()
        #expect(target.applyInOrder(try Container.decode(Change.encode(delta), limits: .standard)) == nil)
        #expect(target.core.changes.count == records.count && target.core.changes.last?.run == 10)
        #expect(target.core.ops.count == ops.count && target.core.ops.last?.count == ops.last?.count)
        #expect(target.core.changesByReplica == byReplica)
        #expect(target.encodeSnapshot() == before)
        #expect(target.changes() == base)
        // The valid part joins the run down either path.
        try Self.expectSameOutcome(Change.encode(delta.dropLast()), on: target, "after the rollback")
        try target.apply(encoded: Change.encode(delta.dropLast()))
        #expect(target.core.changes.last?.run == 110)
        #expect(target.changes() == Array(history))
    }

    /// A history of `shapes` maps made at the root, then `writes` single-write changes to
    /// properties of shapes picked at random (a session of edits: one run of writes).
    static func scatteredWrites(seed: UInt64, shapes: Int, writes: Int) throws -> (made: Document, edited: Document) {
        var rng = SplitMix64(seed: seed)
        var writer = Document(replica: ReplicaID(rawValue: 0x5CA7 + seed)!)
        var objects: [ObjectID] = []
        for i in 0..<shapes {
            try writer.transact { doc in
                let shape = try doc.makeObject(.map, forKey: "s\(i)")
                for key in ["x", "y", "w", "h"] { try doc.set(key, to: .double(Double(rng.below(10_000)) / 10), in: shape) }
                objects.append(shape)
            }
        }
        let made = writer
        let keys = ["x", "y", "w", "h", "fill"]
        for _ in 0..<writes {
            let shape = objects[rng.below(objects.count)]
            if rng.chance(20) {
                try writer.delete(keys[rng.below(keys.count)], in: shape)
            } else {
                try writer.set(keys[rng.below(keys.count)], to: .double(Double(rng.below(10_000)) / 10), in: shape)
            }
        }
        return (made, writer)
    }

    @Test("writes scattered over many shapes, read a batch ahead, equal the general path's", arguments: [1, 7, 8, 9, 300])
    func scatteredWriteRuns(writes: Int) throws {
        let (made, edited) = try Self.scatteredWrites(seed: UInt64(writes), shapes: 40, writes: writes)
        // A delta takes this path only when it is large next to the document (see `declines`).
        try Self.expectSameOutcomes(of: edited, since: made, delta: writes >= 300, "\(writes) writes")
    }

    @Test("a write run whose values list objects keeps the payload's object list in column order")
    func objectValuesInWriteRun() throws {
        var writer = Document(replica: ReplicaID(rawValue: 0xA11CE)!)
        let a = try writer.makeObject(.map, forKey: "a")
        let b = try writer.makeObject(.map, forKey: "b")
        let c = try writer.makeObject(.map, forKey: "c")
        let base = writer
        // One write per change: a run of writes. The first write's value names `a`, listing it
        // in the delta; the second write's object, `c`, is listed next; the third names `a` by
        // its place in the list. Reading the objects ahead of the values would swap the two.
        try writer.set("link", to: .object(a), in: .root)
        try writer.set("x", to: 1, in: c)
        try writer.set("y", to: 2, in: a)
        for i in 0..<6 { try writer.set("r\(i)", to: .int(Int64(i)), in: .root) }
        try writer.set("z", to: 3, in: c)
        try writer.set("w", to: .object(b), in: a)
        for i in 0..<12 { try writer.set("k\(i % 3)", to: .int(Int64(i)), in: i % 2 == 0 ? b : c) }
        let delta = writer.encodeChanges(since: base.version)
        let reader = base.fork(replica: Self.reader)
        try Self.expectSameOutcome(delta, on: reader, "object values in a run")
        var applied = reader
        try applied.apply(encoded: delta)
        #expect(try applied.get("y", in: a) == .int(2))
        #expect(try applied.get("x", in: c) == .int(1))
        #expect(try applied.get("y", in: c) == nil)
    }

    @Test("an invalid write in the middle of a batch read ahead rejects the whole payload, the document untouched",
          arguments: [0, 5, 8, 13, 29])
    func invalidWriteInBatch(position: Int) throws {
        let (made, edited) = try Self.scatteredWrites(seed: 5, shapes: 40, writes: 30)
        var changes = edited.changes(since: made.version)
        // A delete of a key already deleted makes no change.
        let position = min(position, changes.count - 1)
        #expect(changes.count > 25)
        // Write `position` overwrites an operation nobody made.
        let ghost = OpID(replica: changes[position].replica, counter: 1 << 30)
        guard case .set(let key, let value, _)? = changes[position].operations.first?.action ?? nil else {
            changes[position].operations = [Operation(object: .root, action: .set(key: "k", value: 1, pred: [ghost]))]
            return try Self.expectRejected(Change.encode(made.changes() + changes), on: Document(replica: Self.reader),
                                           unknown: ghost)
        }
        let object = changes[position].operations[0].object
        changes[position].operations = [Operation(object: object, action: .set(key: key, value: value, pred: [ghost]))]
        try Self.expectRejected(Change.encode(made.changes() + changes), on: Document(replica: Self.reader), unknown: ghost)

        // Or writes a shape the document does not have.
        changes = edited.changes(since: made.version)
        let stranger = ObjectID(OpID(replica: changes[position].replica, counter: 1 << 30))
        changes[position].operations = [Operation(object: stranger, action: .set(key: "x", value: 1, pred: []))]
        let bytes = Change.encode(made.changes() + changes)
        var fast = Document(replica: Self.reader)
        #expect(fast.applyInOrder(try Container.decode(bytes, limits: .standard)) == nil)
        #expect(fast.changeCount == 0)
        var target = made.fork(replica: Self.reader)
        let before = target.encodeSnapshot()
        #expect(throws: EncodingError.self) { try target.apply(encoded: Change.encode(changes)) }
        #expect(target.encodeSnapshot() == before)
    }

    @Test("a register write over a predecessor nobody made is rejected, the document untouched", arguments: [false, true])
    func unknownPredecessor(deletes: Bool) throws {
        let source = try Self.history(seed: 3)
        let changes = source.changes()
        var hostile = changes.last!
        hostile.startCounter = source.version[hostile.replica] + 1
        hostile.startLamport = source.lamport + 1
        hostile.dependencies = []
        // Later than the change itself: neither known to the document nor made earlier in the change.
        let ghost = OpID(replica: hostile.replica, counter: 1 << 30)
        let write: Operation.Action = deletes ? .delete(key: "x", pred: [ghost]) : .set(key: "x", value: 1, pred: [ghost])
        hostile.operations = [Operation(object: .root, action: .set(key: "x", value: "ok", pred: [])),
                              Operation(object: .root, action: write)]
        let fresh = Document(replica: Self.reader)
        try Self.expectRejected(Change.encode(changes + [hostile]), on: fresh, unknown: ghost)

        // The same write over the change's own first operation is fine.
        let own = OpID(replica: hostile.replica, counter: hostile.startCounter)
        hostile.operations[1] = Operation(object: .root, action: deletes ? .delete(key: "x", pred: [own]) : .set(key: "x", value: 1, pred: [own]))
        let valid = Change.encode(changes + [hostile])
        try Self.expectSameOutcome(valid, on: fresh, "own predecessor, deletes: \(deletes)")
        var applied = fresh
        try applied.apply(encoded: valid)
        #expect(try applied.get("x") == (deletes ? nil : .int(1)))
    }

    /// An editing session as people type: runs of characters at a cursor that jumps now and
    /// then, backspacing and forward deleting (runs of one-element removes), a selection
    /// replaced, characters outside ASCII, in two texts and a list, one transaction per
    /// keystroke, by two replicas that merge now and then.
    static func typingSession(seed: UInt64) throws -> (base: Document, session: Document) {
        var rng = SplitMix64(seed: seed)
        var base = Document(replica: ReplicaID(rawValue: 500 + seed)!, origin: .human("base"))
        let texts = [try base.makeObject(.text, forKey: "a"), try base.makeObject(.text, forKey: "b")]
        let list = try base.makeObject(.list, forKey: "l")
        try base.insertText("seed text", at: 0, in: texts[0])
        var docs = [base.fork(replica: ReplicaID(rawValue: 600 + seed)!), base.fork(replica: ReplicaID(rawValue: 700 + seed)!)]
        for _ in 0..<(10 + rng.below(10)) {
            let i = rng.below(2)
            let text = texts[rng.below(4) == 0 ? 1 : 0]
            var cursor = rng.below(try docs[i].count(of: text) + 1)
            for _ in 0..<(1 + rng.below(6)) {
                switch rng.below(6) {
                case 0, 1, 2:
                    for _ in 0..<(1 + rng.below(30)) {
                        try docs[i].insertText(["a", "b", " ", "é", "🙂"][rng.below(5)], at: cursor, in: text)
                        cursor += 1
                    }
                case 3:
                    for _ in 0..<rng.below(12) where cursor > 0 {
                        try docs[i].remove(at: cursor - 1, in: text)
                        cursor -= 1
                    }
                case 4:
                    for _ in 0..<rng.below(12) where cursor < (try docs[i].count(of: text)) {
                        try docs[i].remove(at: cursor, in: text)
                    }
                default:
                    let count = try docs[i].count(of: text)
                    let selected = min(rng.below(5), count - cursor)
                    if selected > 0 { try docs[i].remove(at: cursor, count: selected, in: text) }
                    try docs[i].insertText("pasted", at: cursor, in: text)
                    cursor += 6
                    if rng.chance(3) { try docs[i].insert(.int(Int64(cursor)), at: 0, in: list) }
                }
                cursor = min(cursor, try docs[i].count(of: text))
                if rng.chance(4) { cursor = rng.below(try docs[i].count(of: text) + 1) }
            }
            if rng.chance(3) { let other = docs[1 - i]; try docs[i].merge(other) }
        }
        try docs[0].merge(docs[1])
        return (base, docs[0])
    }

    @Test("typing, backspacing and forward deleting read into a fresh document or a replica that diverged equal the general path's",
          arguments: 0..<4)
    func typingSessions(batch: Int) throws {
        for seed in UInt64(batch * 10)..<UInt64(batch * 10 + 10) {
            let (base, session) = try Self.typingSession(seed: seed)
            try Self.expectSameOutcomes(of: session, since: base, "seed \(seed)")
        }
    }

    /// A text edit naming an element of another text, or one nobody made: the in-order path
    /// finds it not in the text it edits (each a lookup integration makes anyway).
    @Test("a text edit naming an element of another text, or none, is rejected, the document untouched",
          arguments: ["remove", "remove run", "after", "before"])
    func foreignElement(edit: String) throws {
        var writer = Document(replica: ReplicaID(rawValue: 0xA11CE)!)
        let a = try writer.makeObject(.text, forKey: "a")
        let b = try writer.makeObject(.text, forKey: "b")
        try writer.insertText("hello", at: 0, in: a)
        try writer.insertText("world", at: 0, in: b)
        var changes = writer.changes()
        let inB = OpID(replica: writer.replica, counter: changes.last!.startCounter + 1)
        var hostile = changes.last!
        hostile.startCounter += 5
        hostile.startLamport += 5
        hostile.dependencies = [changes.last!.lastID]
        let inA = OpID(replica: writer.replica, counter: changes[changes.count - 2].startCounter)
        switch edit {
        case "remove": hostile.operations = [Operation(object: a, action: .remove(first: inB, count: 1))]
        case "remove run": hostile.operations = [Operation(object: a, action: .remove(first: OpID(replica: inA.replica, counter: inA.counter + 3), count: 3))]
        case "after": hostile.operations = [Operation(object: a, action: .insertText(after: inB, before: nil, text: "x"))]
        default: hostile.operations = [Operation(object: a, action: .insertText(after: inA, before: inB, text: "x"))]
        }
        changes.append(hostile)
        let unknown = switch edit {
        case "remove run": OpID(replica: inA.replica, counter: inA.counter + 5)
        default: inB
        }
        try Self.expectRejected(Change.encode(changes), on: Document(replica: Self.reader), unknown: unknown)
        // The same edits inside their own text are fine.
        switch edit {
        case "remove": changes[changes.count - 1].operations = [Operation(object: b, action: .remove(first: inB, count: 1))]
        case "remove run": changes[changes.count - 1].operations = [Operation(object: a, action: .remove(first: OpID(replica: inA.replica, counter: inA.counter + 2), count: 3))]
        case "after": changes[changes.count - 1].operations = [Operation(object: b, action: .insertText(after: inB, before: nil, text: "x"))]
        default: changes[changes.count - 1].operations = [Operation(object: a, action: .insertText(after: inA, before: OpID(replica: inA.replica, counter: inA.counter + 1), text: "x"))]
        }
        try Self.expectSameOutcome(Change.encode(changes), on: Document(replica: Self.reader), "own text, \(edit)")
    }
}

/// What events say a payload did, in a form two paths must agree on.
enum EventReplay {
    /// The map and counter events, in order.
    static func others(_ events: [DocumentEvent]) -> [DocumentEvent] {
        events.filter {
            switch $0 {
            case .mapSet, .counterIncrement: true
            default: false
            }
        }
    }

    /// The contents of every list and text the events touch, as a mirror that starts from
    /// `document`'s and applies them one after the other ends up holding (each element
    /// described: a text's scalars, a list's values).
    static func sequences(_ events: [DocumentEvent], from document: Document) -> [ObjectID: [String]] {
        var mirrors: [ObjectID: [String]] = [:]
        func mirror(_ object: ObjectID) -> [String] {
            mirrors[object] ?? contents(of: [object], in: document)[object] ?? []
        }
        // An event that does not fit its mirror spoils it, instead of trapping.
        let spoiled = ["<event out of range>"]
        for event in events {
            switch event {
            case .textInsert(let object, let index, _) where !(0...mirror(object).count).contains(index),
                 .listInsert(let object, let index, _) where !(0...mirror(object).count).contains(index):
                mirrors[object] = spoiled
            case .textRemove(let object, let index, let count) where index < 0 || count < 0 || index + count > mirror(object).count,
                 .listRemove(let object, let index, let count) where index < 0 || count < 0 || index + count > mirror(object).count:
                mirrors[object] = spoiled
            case .textInsert(let object, let index, let text):
                var m = mirror(object)
                m.insert(contentsOf: text.unicodeScalars.map { String($0) }, at: index)
                mirrors[object] = m
            case .listInsert(let object, let index, let values):
                var m = mirror(object)
                m.insert(contentsOf: values.map { "\($0)" }, at: index)
                mirrors[object] = m
            case .textRemove(let object, let index, let count), .listRemove(let object, let index, let count):
                var m = mirror(object)
                m.removeSubrange(index..<(index + count))
                mirrors[object] = m
            case .mapSet, .counterIncrement:
                break
            }
        }
        return mirrors
    }

    /// What `document` holds of each of `objects` (nothing for one it does not hold).
    static func contents(of objects: [ObjectID], in document: Document) -> [ObjectID: [String]] {
        var result: [ObjectID: [String]] = [:]
        for object in objects {
            if let text = try? document.text(object) {
                result[object] = text.unicodeScalars.map { String($0) }
            } else if let values = try? document.list(object) {
                result[object] = values.map { "\($0)" }
            }
        }
        return result
    }
}
