import Testing
import TesseraCore

@Suite("Maps, counters and causality")
struct MapTests {
    let alice = ReplicaID(rawValue: 0xA11CE)!
    let bob = ReplicaID(rawValue: 0xB0B)!

    @Test("concurrent writes: greater (Lamport, replica) wins, both stay inspectable")
    func lwwConflict() throws {
        var a = Document(replica: alice)
        var b = a.fork(replica: bob)
        try a.set("fill", to: "red")
        try b.set("fill", to: "blue")
        try a.merge(b)
        try b.merge(a)
        // Same Lamport time (1): the greater replica ID wins.
        let winner: Value = alice.rawValue > bob.rawValue ? "red" : "blue"
        #expect(try a.get("fill") == winner)
        #expect(try b.get("fill") == winner)
        #expect(try a.conflicts("fill").count == 2)
        // A later write that saw both resolves the conflict.
        try a.set("fill", to: "green")
        try b.merge(a)
        #expect(try b.conflicts("fill") == ["green"])
    }

    @Test("four concurrent writes, then overwrites that saw some of them: every order of merging agrees")
    func manyConcurrentValues() throws {
        let ids = [alice, bob, ReplicaID(rawValue: 0xC0FFEE)!, ReplicaID(rawValue: 0x5EED)!]
        let base = Document(replica: ids[0])
        var replicas = try ids.enumerated().map { i, id in
            var doc = base.fork(replica: id)
            try doc.set("k", to: .int(Int64(i)))
            return doc
        }
        // Replica 1 sees 0 and 2 and overwrites what it saw (three values); replica 3 sees 0 only.
        try replicas[1].merge(replicas[0])
        try replicas[1].merge(replicas[2])
        #expect(try replicas[1].conflicts("k").count == 3)
        try replicas[1].set("k", to: "one")
        try replicas[3].merge(replicas[0])
        try replicas[3].set("k", to: "three")
        // Live: "one" (replaced 0, 1, 2) and "three" (replaced 0, 3).
        var results: [[Value?]] = []
        for order in [[0, 1, 2, 3], [3, 2, 1, 0], [2, 0, 3, 1], [1, 3, 0, 2]] {
            var doc = Document(replica: ReplicaID(rawValue: 0xD0C)!)
            for i in order { try doc.merge(replicas[i]) }
            let conflicts = try doc.conflicts("k")
            #expect(Set(conflicts.compactMap { $0 }) == ["one", "three"])
            results.append(conflicts)
        }
        #expect(Set(results.map { "\($0)" }).count == 1)
        // The winner has the greatest (Lamport, replica): both overwrites have Lamport 2 here.
        let winner: Value = ids[1].rawValue > ids[3].rawValue ? "one" : "three"
        #expect(results[0].first == winner)
    }

    @Test("a write made after seeing another wins even from a smaller replica")
    func causalOverwrite() throws {
        var big = Document(replica: ReplicaID(rawValue: UInt64.max)!)
        try big.set("k", to: 1)
        var small = big.fork(replica: ReplicaID(rawValue: 1)!)
        try small.set("k", to: 2)
        try big.merge(small)
        #expect(try big.get("k") == 2)
        #expect(try big.conflicts("k").count == 1)
    }

    @Test("delete competes like a write; concurrent edit inside a deleted object does not resurrect it")
    func deleteSemantics() throws {
        var a = Document(replica: alice)
        let shape = try a.makeObject(.map, forKey: "s1")
        try a.set("x", to: 1, in: shape)
        var b = a.fork(replica: bob)
        try a.delete("s1")
        try b.set("x", to: 2, in: shape)
        try a.merge(b)
        try b.merge(a)
        #expect(try a.get("s1") == nil)
        #expect(try b.get("s1") == nil)
        #expect(a.materialize() == b.materialize())
        #expect(try a.get("x", in: shape) == 2, "the detached object still holds the edit")
    }

    @Test("counters sum concurrent increments")
    func counters() throws {
        var a = Document(replica: alice)
        let likes = try a.makeObject(.counter, forKey: "likes")
        var b = a.fork(replica: bob)
        try a.increment(likes, by: 3)
        try b.increment(likes, by: -1)
        try b.increment(likes)
        try a.merge(b)
        #expect(try a.counterValue(likes) == 3)
    }

    @Test("changes that arrive early wait for their dependencies; duplicates are ignored")
    func pendingBuffer() throws {
        var a = Document(replica: alice)
        for i in 0..<5 { try a.set("k\(i)", to: .int(Int64(i))) }
        let changes = a.changes()
        var b = Document(replica: bob)
        try b.apply(Array(changes[2...]))
        #expect(b.pendingChangeCount == 3)
        #expect(try b.keys().isEmpty)
        try b.apply([changes[1], changes[1]])
        #expect(b.pendingChangeCount == 4, "a duplicate is buffered once")
        try b.apply([changes[0]])
        #expect(b.pendingChangeCount == 0)
        #expect(b.materialize() == a.materialize())
        try b.apply(changes)
        #expect(b.materialize() == a.materialize())
        #expect(b.version == a.version)
    }

    @Test("an invalid change is rejected and nothing of its batch is applied")
    func atomicApply() throws {
        var a = Document(replica: alice)
        try a.set("ok", to: true)
        var good = a.changes()
        let bogus = Change(
            replica: alice, startCounter: 2, startLamport: 2, dependencies: [], origin: .anonymous, timestamp: 0,
            operations: [Operation(object: ObjectID(OpID(replica: bob, counter: 99)), action: .set(key: "x", value: 1, pred: []))])
        good.append(bogus)
        var b = Document(replica: bob)
        #expect(throws: DocumentError.self) { try b.apply(good) }
        #expect(b.version.isEmpty)
        #expect(try b.keys().isEmpty)
        // Wrong kind: a text insert into a map.
        let wrongKind = Change(
            replica: alice, startCounter: 2, startLamport: 2, dependencies: [], origin: .anonymous, timestamp: 0,
            operations: [Operation(object: .root, action: .insertText(after: nil, before: nil, text: "x"))])
        #expect(throws: DocumentError.wrongKind(.root, expected: .text, found: .map)) { try b.apply(a.changes() + [wrongKind]) }
        #expect(b.version.isEmpty)
        // A hostile remove count must not spin.
        var c = Document(replica: alice)
        let t = try c.makeObject(.text, forKey: "t")
        try c.insertText("hi", at: 0, in: t)
        let hostile = Change(
            replica: alice, startCounter: 4, startLamport: 4, dependencies: [], origin: .anonymous, timestamp: 0,
            operations: [Operation(object: t, action: .remove(first: OpID(replica: alice, counter: 2), count: Int.max))])
        var d = Document(replica: bob)
        #expect(throws: DocumentError.self) { try d.apply(c.changes() + [hostile]) }
        #expect(d.version.isEmpty)
    }

    @Test("origins attribute every change")
    func attribution() throws {
        var a = Document(replica: alice, origin: .human("Alice"))
        try a.set("title", to: "Plan")
        try a.transact(origin: .agent("Claude", request: "r1", onBehalfOf: "Alice")) { doc in
            try doc.set("title", to: "Better plan")
        }
        let writer = try #require(try a.writer(of: "title"))
        #expect(writer.origin == .agent("Claude", request: "r1", onBehalfOf: "Alice"))
        #expect(a.history.map(\.origin.name) == ["Alice", "Claude"])
    }

    @Test("nested objects and paths")
    func nesting() throws {
        var doc = Document()
        let shapes = try doc.makeObject(.map, forKey: "shapes")
        let shape = try doc.makeObject(.map, forKey: "s1", in: shapes)
        let chat = try doc.makeObject(.list, forKey: "chat")
        let message = try doc.appendObject(.map, to: chat)
        let body = try doc.makeObject(.text, forKey: "body", in: message)
        #expect(doc.path(to: shape) == [.key("shapes"), .key("s1")])
        #expect(doc.path(to: body) == [.key("chat"), .index(0), .key("body")])
        try doc.delete("s1", in: shapes)
        #expect(doc.path(to: shape) == nil)
        #expect(throws: DocumentError.wrongKind(shapes, expected: .list, found: .map)) { try doc.append(1, to: shapes) }
        #expect(throws: DocumentError.invalidOperation("the root map cannot be nested")) { try doc.set("x", to: .object(.root)) }
    }

    @Test("a transaction yields one change with its events; reads see its own writes")
    func transactions() throws {
        var doc = Document(replica: alice)
        let commit = try doc.transact { doc in
            let s = try doc.makeObject(.map, forKey: "s")
            try doc.set("x", to: 1, in: s)
            #expect(try doc.get("x", in: s) == 1)
        }
        #expect(doc.changeCount == 1)
        #expect(commit.events.count == 2)
        #expect(commit.operations == OpID(replica: alice, counter: 1)...OpID(replica: alice, counter: 2))
        let empty = doc.transact { _ in }
        #expect(empty.isEmpty)
        #expect(doc.changeCount == 1)
    }

    @Test("keys are their UTF-8 bytes: canonically equivalent spellings are two keys, in a small map and a large one, on every replica",
          arguments: [0, 40])
    func keysAreBytes(otherKeys: Int) throws {
        // "é" precomposed and "e" + combining acute: equal as Swift strings, different bytes
        // (as they are different keys to Yjs and Automerge, whose keys are code units).
        let composed = "\u{E9}", decomposed = "e\u{301}"
        #expect(composed == decomposed)
        var a = Document(replica: alice)
        for k in 0..<otherKeys { try a.set("k\(k)", to: .int(Int64(k))) }
        var b = a.fork(replica: bob)
        try a.set(composed, to: "precomposed")
        try b.set(decomposed, to: "decomposed")
        // Interned locally (a's table is scanned below 24 keys, hashed above) and from a peer.
        try a.set(decomposed, to: "decomposed")
        try b.merge(a)
        try a.merge(b)
        for doc in [a, b] {
            #expect(try doc.get(composed) == "precomposed")
            #expect(try doc.get(decomposed) == "decomposed")
            #expect(try doc.keys().count == otherKeys + 2)
            #expect(try doc.conflicts(composed).count == 1)
        }
        // And a document opened from bytes keeps them apart too.
        let reopened = try Document(decoding: a.encodeSnapshot(), replica: ReplicaID(rawValue: 0xC0FFEE)!)
        #expect(try reopened.get(composed) == "precomposed")
        #expect(try reopened.get(decomposed) == "decomposed")
    }

    @Test("materialize keeps keys that differ only in normal form apart, in the same order on every replica")
    func materializeKeepsKeysApart() throws {
        let composed = "\u{E9}", decomposed = "e\u{301}"
        var a = Document(replica: alice)
        try a.set("plain", to: 1)
        try a.set(composed, to: "precomposed")
        try a.set(decomposed, to: "decomposed")
        // The same keys written in the other order, on another replica.
        var b = Document(replica: bob)
        try b.set(decomposed, to: "decomposed")
        try b.set(composed, to: "precomposed")
        try b.set("plain", to: 1)
        for doc in [a, b] {
            let map = try #require(doc.materialize().mapValue)
            #expect(map.count == 3)
            #expect(map[composed] == .scalar("precomposed"))
            #expect(map[decomposed] == .scalar("decomposed"))
            #expect(map["plain"] == .scalar(1))
            #expect(map["missing"] == nil)
            // Sorted by bytes: "e" + U+0301 (0x65 ...) < "plain" (0x70 ...) < "é" (0xC3 0xA9).
            #expect(map.keys.map { Array($0.utf8) } == [Array(decomposed.utf8), Array("plain".utf8), Array(composed.utf8)])
        }
        #expect(a.materialize() == b.materialize())
        // One key in either form, the same value: different documents, different materialisations.
        var c = Document(replica: alice)
        try c.set(composed, to: 1)
        var d = Document(replica: alice)
        try d.set(decomposed, to: 1)
        #expect(c.materialize() != d.materialize())
        #expect(MaterializedMap([(composed, .scalar(1)), (composed, .scalar(2))])[composed] == .scalar(2), "the later duplicate wins")
    }
}
