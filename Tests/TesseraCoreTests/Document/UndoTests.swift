import Testing
import TesseraCore

@Suite("Undo, redo and revert")
struct UndoTests {
    let alice = ReplicaID(rawValue: 0xA)!
    let bob = ReplicaID(rawValue: 0xB)!

    @Test("undo and redo a property write, a text edit and a deletion")
    func basic() throws {
        var doc = Document(replica: alice, origin: .human("Alice"))
        let text = try doc.makeObject(.text, forKey: "t")
        try doc.set("fill", to: "red")
        try doc.set("fill", to: "blue")
        try doc.insertText("hello", at: 0, in: text)
        try doc.remove(at: 1, count: 3, in: text)
        #expect(try doc.text(text) == "ho")
        try doc.undo()
        #expect(try doc.text(text) == "hello")
        try doc.undo()
        #expect(try doc.text(text) == "")
        try doc.undo()
        #expect(try doc.get("fill") == "red")
        try doc.redo()
        #expect(try doc.get("fill") == "blue")
        try doc.redo()
        #expect(try doc.text(text) == "hello")
        try doc.undo()
        try doc.undo()
        try doc.undo()
        #expect(try doc.get("fill") == nil)
        #expect(doc.canUndo())
    }

    @Test("undo never clobbers a later write by another replica")
    func noClobber() throws {
        var a = Document(replica: alice, origin: .human("Alice"))
        try a.set("fill", to: "white")
        var b = a.fork(replica: bob)
        b.origin = .human("Bob")
        try a.set("fill", to: "red")
        try a.set("x", to: 10)
        try b.merge(a)
        try b.set("fill", to: "green")
        try a.merge(b)
        try a.undo()  // x
        try a.undo()  // fill: Bob wrote it later, so it stays
        #expect(try a.get("fill") == "green")
        #expect(try a.get("x") == nil)
        try b.merge(a)
        #expect(b.materialize() == a.materialize())
    }

    @Test("undo of a deletion restores the object with concurrent edits inside")
    func undoDelete() throws {
        var a = Document(replica: alice, origin: .human("Alice"))
        let shape = try a.makeObject(.map, forKey: "s")
        try a.set("x", to: 1, in: shape)
        var b = a.fork(replica: bob)
        try a.delete("s")
        try b.set("x", to: 2, in: shape)
        try a.merge(b)
        #expect(try a.get("s") == nil)
        try a.undo()
        #expect(try a.get("s") == .object(shape))
        #expect(try a.get("x", in: shape) == 2)
        try b.merge(a)
        #expect(try b.get("s") == .object(shape))
    }

    @Test("reverting an AI request keeps a human's later edits")
    func revertRequest() throws {
        var doc = Document(replica: alice, origin: .human("Alice"))
        let shape = try doc.makeObject(.map, forKey: "s")
        try doc.set("fill", to: "white", in: shape)
        try doc.set("x", to: 0, in: shape)
        let text = try doc.makeObject(.text, forKey: "notes")
        try doc.insertText("Plan", at: 0, in: text)
        let agent = Origin.agent("Claude", request: "req-1", onBehalfOf: "Alice")
        var ai = doc.fork(replica: bob)
        try ai.transact(origin: agent) { doc in
            try doc.set("fill", to: "purple", in: shape)
            try doc.set("x", to: 100, in: shape)
            try doc.insertText(": draft", at: 4, in: text)
            let made = try doc.makeObject(.map, forKey: "ai-shape")
            try doc.set("kind", to: "sticky", in: made)
        }
        try doc.merge(ai)
        try doc.set("x", to: 55, in: shape)  // the human moves the shape afterwards
        try doc.revert(where: { $0.request == "req-1" })
        #expect(try doc.get("fill", in: shape) == "white")
        #expect(try doc.get("x", in: shape) == 55)
        #expect(try doc.text(text) == "Plan")
        #expect(try doc.get("ai-shape") == nil)
    }

    @Test("grouping joins quick transactions into one step")
    func grouping() throws {
        var doc = Document(replica: alice)
        doc.undoGroupingInterval = 60_000
        try doc.set("a", to: 1)
        try doc.set("b", to: 2)
        doc.stopUndoGrouping()
        try doc.set("c", to: 3)
        try doc.undo()
        #expect(try doc.keys() == ["a", "b"])
        try doc.undo()
        #expect(try doc.keys().isEmpty)
    }

    @Test("grouped keystrokes undo and redo as whole steps")
    func groupedTyping() throws {
        var doc = Document(replica: alice)
        doc.undoGroupingInterval = 60_000
        let text = try doc.makeObject(.text, forKey: "t")
        doc.stopUndoGrouping()
        for (i, c) in "abc".enumerated() { try doc.transact { try $0.insertText(String(c), at: i, in: text) } }
        doc.stopUndoGrouping()
        try doc.insertText("d", at: 3, in: text)
        doc.stopUndoGrouping()
        for (i, c) in "ef".enumerated() { try doc.insertText(String(c), at: 4 + i, in: text) }
        try doc.undo()
        #expect(try doc.text(text) == "abcd")
        try doc.undo()
        #expect(try doc.text(text) == "abc")
        try doc.undo()
        #expect(try doc.text(text) == "")
        try doc.redo()
        #expect(try doc.text(text) == "abc")
        try doc.redo()
        try doc.redo()
        #expect(try doc.text(text) == "abcdef")
        try doc.undo()
        #expect(try doc.text(text) == "abcd")
        try doc.undo()
        try doc.undo()
        try doc.undo()
        #expect(try doc.keys().isEmpty)
        #expect(!doc.canUndo())
    }

    @Test("undo of list insertion and deletion restores order")
    func listUndo() throws {
        var doc = Document(replica: alice)
        let list = try doc.makeObject(.list, forKey: "l")
        try doc.insert(contentsOf: ["a", "b", "c", "d"], at: 0, in: list)
        try doc.remove(at: 1, count: 2, in: list)
        #expect(try doc.list(list) == ["a", "d"])
        try doc.undo()
        #expect(try doc.list(list) == ["a", "b", "c", "d"])
        try doc.redo()
        #expect(try doc.list(list) == ["a", "d"])
    }
}
