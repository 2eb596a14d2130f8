import Testing
import TesseraCanvas
import TesseraCore

@Suite("Undo on boards")
struct UndoTests {
    @Test("undo never clobbers someone else's later write")
    func undoLeavesLaterWriteAlone() throws {
        var (ada, grace) = makeReplicas()
        let id = try ada.addShape(.rectangle(x: 0, y: 0, w: 10, h: 10, fill: .white))
        try grace.merge(ada)

        try ada.update(id) { $0.fill = .red }
        try grace.merge(ada)
        try grace.update(id) { $0.fill = .blue }   // after seeing Ada's red
        try ada.merge(grace)

        try ada.undo()
        #expect(ada.shape(id)?.fill == .blue)
        try grace.merge(ada)
        #expect(grace.shape(id)?.fill == .blue)
        #expect(ada.document.materialize() == grace.document.materialize())
    }

    @Test("undo restores the previous value when nobody else wrote it, and redo re-applies")
    func undoRestores() throws {
        var (board, _) = makeReplicas()
        let id = try board.addShape(.rectangle(x: 0, y: 0, w: 10, h: 10, fill: .white))
        try board.update(id) { $0.fill = .red; $0.x = 50 }
        let changes = try #require(try board.undo())
        #expect(changes == [.shapeUpdated(id, properties: [.fill, .x])])
        #expect(board.shape(id)?.fill == .white)
        #expect(board.shape(id)?.x == 0)
        try board.redo()
        #expect(board.shape(id)?.fill == .red)
    }

    @Test("undo of an add removes the shape; redo brings it back")
    func undoAdd() throws {
        var (board, _) = makeReplicas()
        let id = try board.addShape(.sticky("hello", x: 0, y: 0))
        #expect(try board.undo() == [.shapeRemoved(id)])
        #expect(board.shape(id) == nil)
        try board.redo()
        #expect(board.shape(id)?.text == "hello")
        #expect(!board.canRedo)
    }

    @Test("reverting an AI request removes exactly what the agent did")
    func revertAgentRequest() throws {
        var (board, _) = makeReplicas()
        let mine = try board.addShape(.rectangle(x: 0, y: 0, w: 10, h: 10))
        try board.transact(origin: .agent("Tessa", request: "req-1")) { board in
            try board.addShape(.ellipse(x: 20, y: 0, w: 10, h: 10))
            try board.update(mine) { $0.fill = .violet }
        }
        #expect(board.shapeCount == 2)
        try board.revert { $0.request == "req-1" }
        #expect(board.zOrder == [mine])
        #expect(board.shape(mine)?.fill == nil)
    }
}
