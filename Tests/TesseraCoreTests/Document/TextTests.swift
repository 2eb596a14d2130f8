import Testing
import TesseraCore

@Suite("Text and lists")
struct TextTests {
    @Test("replaying the automerge-paper trace reproduces its endContent")
    func automergePaperTrace() throws {
        let trace = try EditingTrace.automergePaper()
        var doc = Document(replica: ReplicaID(rawValue: 0x2F1A_3B4C_5D6E_7F81)!)
        let text = try doc.makeObject(.text, forKey: "text")
        for txn in trace.transactions {
            try doc.transact { doc in
                for patch in txn {
                    if patch.deleted > 0 { try doc.remove(at: patch.position, count: patch.deleted, in: text) }
                    if !patch.inserted.isEmpty { try doc.insertText(patch.inserted, at: patch.position, in: text) }
                }
            }
        }
        let result = try doc.text(text)
        #expect(result.unicodeScalars.count == 104_852)
        #expect(result == trace.endContent)

        // A replica that receives the whole history reaches the same text.
        var remote = Document(replica: ReplicaID(rawValue: 0x5E6D_7C8B_9AA9_B8C7)!)
        try remote.apply(doc.changes())
        #expect(try remote.text(text) == trace.endContent)
    }

    @Test("concurrent typing at one position does not interleave", arguments: [false, true])
    func nonInterleaving(reverseIDs: Bool) throws {
        var a = Document(replica: ReplicaID(rawValue: reverseIDs ? 9 : 1)!)
        let text = try a.makeObject(.text, forKey: "t")
        try a.insertText("[]", at: 0, in: text)
        var b = a.fork(replica: ReplicaID(rawValue: reverseIDs ? 1 : 9)!)
        // Each character is its own transaction, as when typing.
        for (i, c) in "alpha".enumerated() { try a.insertText(String(c), at: 1 + i, in: text) }
        for (i, c) in "BRAVO".enumerated() { try b.insertText(String(c), at: 1 + i, in: text) }
        try a.merge(b)
        try b.merge(a)
        let merged = try a.text(text)
        #expect(merged == (try b.text(text)))
        #expect(merged == "[alphaBRAVO]" || merged == "[BRAVOalpha]")
    }

    @Test("concurrent runs typed backwards (prepending) do not interleave")
    func nonInterleavingPrepend() throws {
        var a = Document(replica: ReplicaID(rawValue: 3)!)
        let text = try a.makeObject(.text, forKey: "t")
        try a.insertText("|", at: 0, in: text)
        var b = a.fork(replica: ReplicaID(rawValue: 4)!)
        for c in "abc".reversed() { try a.insertText(String(c), at: 0, in: text) }
        for c in "XYZ".reversed() { try b.insertText(String(c), at: 0, in: text) }
        try a.merge(b)
        try b.merge(a)
        let merged = try a.text(text)
        #expect(merged == (try b.text(text)))
        #expect(merged == "abcXYZ|" || merged == "XYZabc|")
    }

    @Test("list operations and events")
    func listEvents() throws {
        var a = Document(replica: ReplicaID(rawValue: 5)!)
        let list = try a.makeObject(.list, forKey: "l")
        try a.insert(contentsOf: [1, 2, 3], at: 0, in: list)
        var b = a.fork(replica: ReplicaID(rawValue: 6)!)
        try a.remove(at: 1, in: list)
        let commit = try b.transact { try $0.insert(contentsOf: [10, 11], at: 3, in: list) }
        #expect(commit.events == [.listInsert(object: list, index: 3, values: [10, 11])])
        let events = try b.merge(a)
        #expect(events.events == [.listRemove(object: list, index: 1, count: 1)])
        try a.merge(b)
        #expect(try a.list(list) == [1, 3, 10, 11])
        #expect(try b.list(list) == [1, 3, 10, 11])
        #expect(try a.element(at: 2, in: list) == 10)
    }

    @Test("scalar, UTF-16 and UTF-8 offsets")
    func offsets() throws {
        var doc = Document()
        let text = try doc.makeObject(.text, forKey: "t")
        try doc.insertText("a🙂é", at: 0, in: text)
        #expect(try doc.count(of: text) == 3)
        #expect(try doc.utf16Offset(ofScalarOffset: 2, in: text) == 3)
        #expect(try doc.scalarOffset(ofUTF16Offset: 3, in: text) == 2)
        #expect(try doc.utf8Offset(ofScalarOffset: 3, in: text) == 7)
        #expect(throws: DocumentError.self) { try doc.scalarOffset(ofUTF16Offset: 2, in: text) }
        #expect(throws: DocumentError.indexOutOfBounds(index: 4, count: 3)) { try doc.insertText("x", at: 4, in: text) }
    }

    /// A document keeps its event buffer between transactions: each commit must still carry
    /// only its own events, whether the caller kept the last commit or dropped it, after
    /// single-call writes (which record none) and after a transaction of many events.
    @Test("each commit carries only its own events")
    func commitEventsStayTheirOwn() throws {
        var doc = Document(replica: ReplicaID(rawValue: 7)!)
        let text = try doc.makeObject(.text, forKey: "text")
        let first = try doc.transact { try $0.insertText("a", at: 0, in: text) }
        let second = try doc.transact { try $0.insertText("b", at: 1, in: text) }
        #expect(first.events == [.textInsert(object: text, index: 0, text: "a")])
        #expect(second.events == [.textInsert(object: text, index: 1, text: "b")])
        try doc.insertText("c", at: 2, in: text)  // its own transaction, recording nothing
        #expect(try doc.transact { try $0.remove(at: 0, count: 1, in: text) }.events
            == [.textRemove(object: text, index: 0, count: 1)])
        #expect(doc.transact { _ in }.events.isEmpty)
        let many = try doc.transact { doc in
            for i in 0..<100 { try doc.insertText("x", at: i, in: text) }
        }
        #expect(many.events.count == 100)
        #expect(try doc.transact { try $0.set("k", to: 1, in: .root) }.events == [.mapSet(object: .root, key: "k", value: 1)])
        #expect(many.events.count == 100 && second.events.count == 1)
        // A kept commit of a few events shares the buffer the next transactions write into.
        let pair = try doc.transact { doc in
            try doc.insertText("p", at: 0, in: text)
            try doc.insertText("q", at: 0, in: text)
        }
        let single = try doc.transact { try $0.insertText("r", at: 0, in: text) }
        let triple = try doc.transact { doc in for _ in 0..<3 { try doc.insertText("s", at: 0, in: text) } }
        #expect(pair.events == [.textInsert(object: text, index: 0, text: "p"), .textInsert(object: text, index: 0, text: "q")])
        #expect(single.events == [.textInsert(object: text, index: 0, text: "r")])
        #expect(triple.events.count == 3 && triple.events.allSatisfy { $0 == .textInsert(object: text, index: 0, text: "s") })
    }

    /// A keystroke's event is held as plain data until a second event comes; every kind it
    /// covers must come back as it was made, and in order when other events follow it.
    @Test("plain events keep their values and their order among others")
    func plainEventsKeepOrder() throws {
        var doc = Document(replica: ReplicaID(rawValue: 9)!)
        let text = try doc.makeObject(.text, forKey: "text")
        let list = try doc.makeObject(.list, forKey: "list")
        let counter = try doc.makeObject(.counter, forKey: "n")
        try doc.insert(contentsOf: [1, 2, 3], at: 0, in: list)
        #expect(try doc.transact { try $0.insertText("é", at: 0, in: text) }.events == [.textInsert(object: text, index: 0, text: "é")])
        #expect(try doc.transact { try $0.insertText("🦊", at: 1, in: text) }.events == [.textInsert(object: text, index: 1, text: "🦊")])
        #expect(try doc.transact { try $0.remove(at: 1, count: 2, in: list) }.events == [.listRemove(object: list, index: 1, count: 2)])
        #expect(try doc.transact { try $0.increment(counter, by: -4) }.events == [.counterIncrement(object: counter, delta: -4)])
        let mixed = try doc.transact { doc in
            try doc.insertText("a", at: 0, in: text)
            try doc.set("k", to: 1, in: .root)
            try doc.remove(at: 0, count: 1, in: text)
            try doc.insertText("bc", at: 0, in: text)
            try doc.increment(counter)
        }
        #expect(mixed.events == [
            .textInsert(object: text, index: 0, text: "a"), .mapSet(object: .root, key: "k", value: 1),
            .textRemove(object: text, index: 0, count: 1), .textInsert(object: text, index: 0, text: "bc"),
            .counterIncrement(object: counter, delta: 1),
        ])
        let twoKeystrokes = try doc.transact { doc in
            try doc.remove(at: 0, count: 1, in: text)
            try doc.insertText("z", at: 0, in: text)
        }
        #expect(twoKeystrokes.events == [.textRemove(object: text, index: 0, count: 1), .textInsert(object: text, index: 0, text: "z")])
        #expect(try doc.text(text) == "zcé🦊")
    }

    /// Writers remember the object they touched last; the remembered object must still be
    /// checked for the kind each writer needs, and the origin cache must follow a change of
    /// origin.
    @Test("the writers' caches still check kinds and origins")
    func writerCachesCheck() throws {
        var doc = Document(replica: ReplicaID(rawValue: 8)!, origin: .human("Ada"))
        let text = try doc.makeObject(.text, forKey: "text")
        try doc.insertText("hi", at: 0, in: text)
        #expect(throws: DocumentError.wrongKind(text, expected: .map, found: .text)) { try doc.set("k", to: 1, in: text) }
        #expect(throws: DocumentError.wrongKind(text, expected: .counter, found: .text)) { try doc.increment(text) }
        try doc.insertText("!", at: 2, in: text)
        try doc.transact(origin: .agent("helper")) { try $0.insertText("?", at: 3, in: text) }
        try doc.insertText(".", at: 4, in: text)
        #expect(try doc.text(text) == "hi!?.")
        let origins = doc.changes().suffix(3).map(\.origin.name)
        #expect(origins == ["Ada", "helper", "Ada"])
    }
}
