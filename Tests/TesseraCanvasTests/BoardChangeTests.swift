import Testing
import TesseraCanvas
import TesseraCore

@Suite("Typed board changes")
struct BoardChangeTests {
    @Test("a transaction reports added shapes once, and coalesces updates per shape")
    func localTransaction() throws {
        var (board, _) = makeReplicas()
        let existing = try board.addShape(.rectangle(x: 0, y: 0, w: 10, h: 10))
        var added: ShapeID?
        let changes = try board.transact { board in
            added = try board.addShape(.ellipse(x: 0, y: 0, w: 10, h: 10, text: "hi"))
            try board.update(existing) { $0.x = 5 }
            try board.update(existing) { $0.fill = .red; $0.text = "label" }
            try board.bringToFront(existing)
        }
        let id = try #require(added)
        #expect(changes == [.shapeAdded(id), .shapeUpdated(existing, properties: [.x, .fill, .text, .z])])
    }

    @Test("remote changes are translated too; edits to a deleted shape are invisible")
    func remoteChanges() throws {
        var (ada, grace) = makeReplicas()
        let id = try ada.addShape(.rectangle(x: 0, y: 0, w: 10, h: 10))
        #expect(try grace.merge(ada) == [.shapeAdded(id)])

        try ada.update(id) { $0.text = "typed" }
        #expect(try grace.merge(ada) == [.shapeUpdated(id, properties: [.text])])

        try grace.deleteShape(id)
        try ada.update(id) { $0.y = 99 }
        #expect(try ada.merge(grace) == [.shapeRemoved(id)])
        #expect(try grace.merge(ada) == [])

        let message = try ada.post("hi")
        #expect(try grace.merge(ada) == [.messagePosted(message, index: 0)])
        try ada.undo()
        #expect(try grace.merge(ada) == [.messagesRemoved(index: 0, count: 1)])
    }

    @Test("ai requests report their key")
    func aiRequests() throws {
        var (board, _) = makeReplicas()
        var document = board.document
        let ai = try #require(try document.get("ai")?.objectID)
        let commit = try document.transact { doc in
            let request = try doc.makeObject(.map, forKey: "req-1", in: ai)
            try doc.set("prompt", to: "tidy up", in: request)
        }
        board = try Board(document: document)
        #expect(board.changes(for: commit.events) == [.aiRequestChanged("req-1")])
    }
}
