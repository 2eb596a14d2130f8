import TesseraTestSupport
import Testing
import TesseraCanvas
import TesseraCore

@Suite("Z-order")
struct ZOrderTests {
    /// A board with shapes a, b, c added in that order (so bottom to top).
    private func threeShapes() throws -> (Board, ShapeID, ShapeID, ShapeID) {
        var (board, _) = makeReplicas()
        let a = try board.addShape(.rectangle(x: 0, y: 0, w: 10, h: 10, text: "a"))
        let b = try board.addShape(.rectangle(x: 0, y: 0, w: 10, h: 10, text: "b"))
        let c = try board.addShape(.rectangle(x: 0, y: 0, w: 10, h: 10, text: "c"))
        return (board, a, b, c)
    }

    @Test("new shapes go on top")
    func newShapesOnTop() throws {
        let (board, a, b, c) = try threeShapes()
        #expect(board.zOrder == [a, b, c])
        #expect(board.shapes.map(\.text) == ["a", "b", "c"])
    }

    @Test("new shapes go on top after merges, undo and moves too")
    func newShapesOnTopAfterRemoteChanges() throws {
        var (ada, grace) = makeReplicas()
        let a = try ada.addShape(.rectangle(x: 0, y: 0, w: 1, h: 1))
        try grace.merge(ada)
        for _ in 0..<3 { try grace.addShape(.rectangle(x: 0, y: 0, w: 1, h: 1)) }
        try ada.merge(grace)
        let b = try ada.addShape(.rectangle(x: 0, y: 0, w: 1, h: 1))
        #expect(ada.zOrder.last == b)
        try ada.sendToBack(b)
        try ada.bringToFront(a)
        let c = try ada.addShape(.rectangle(x: 0, y: 0, w: 1, h: 1))
        #expect(ada.zOrder.last == c)
        try ada.undo()
        try ada.undo()   // a goes back down
        let d = try ada.addShape(.rectangle(x: 0, y: 0, w: 1, h: 1))
        #expect(ada.zOrder.last == d)
        let keys = ada.shapes.compactMap(\.z)
        #expect(keys.count == ada.shapeCount)
        #expect(zip(keys, keys.dropFirst()).allSatisfy { $0 < $1 })
    }

    @Test("bring to front, send to back, forward, backward")
    func basicMoves() throws {
        var (board, a, b, c) = try threeShapes()
        try board.bringToFront(a)
        #expect(board.zOrder == [b, c, a])
        try board.sendToBack(c)
        #expect(board.zOrder == [c, b, a])
        try board.bringForward(c)
        #expect(board.zOrder == [b, c, a])
        try board.sendBackward(a)
        #expect(board.zOrder == [b, a, c])
        let before = board.document.operationCount
        try board.bringToFront(c)
        try board.sendToBack(b)
        #expect(board.document.operationCount == before, "moving a shape to where it already is writes nothing")
    }

    @Test("move above, below, between")
    func relativeMoves() throws {
        var (board, a, b, c) = try threeShapes()
        try board.move(c, below: a)
        #expect(board.zOrder == [c, a, b])
        try board.move(c, above: a)
        #expect(board.zOrder == [a, c, b])
        try board.move(a, between: c, and: b)
        #expect(board.zOrder == [c, a, b])
        #expect(throws: CanvasError.invalidZOrderRange(lower: b, upper: c)) { try board.move(a, between: b, and: c) }
        #expect(throws: CanvasError.unknownShape("nope")) { try board.move(a, above: "nope") }
        #expect(throws: CanvasError.unknownShape("nope")) { try board.bringToFront("nope") }
    }

    @Test("concurrent bring-to-front on two replicas: equal keys, one order everywhere, higher replica on top",
          arguments: [(UInt64(0xA), UInt64(0xB)), (0xB, 0xA)])
    func concurrentTies(adaReplica: UInt64, graceReplica: UInt64) throws {
        var (ada, grace) = makeReplicas(ada: adaReplica, grace: graceReplica)
        let x = try ada.addShape(.rectangle(x: 0, y: 0, w: 10, h: 10))
        let y = try ada.addShape(.ellipse(x: 0, y: 0, w: 10, h: 10))
        let z = try ada.addShape(.diamond(x: 0, y: 0, w: 10, h: 10))
        try grace.merge(ada)

        try ada.bringToFront(x)
        try grace.bringToFront(y)
        try sync(&ada, &grace)

        #expect(ada.shape(x)?.z == grace.shape(y)?.z, "both computed the same key above z")
        #expect(ada.zOrder == grace.zOrder)
        let top = adaReplica > graceReplica ? x : y
        #expect(ada.zOrder.last == top)
        #expect(ada.zOrder.first == z)
    }

    @Test("a shape can be placed between two tied shapes: the tie is re-indexed, order kept")
    func placeBetweenTies() throws {
        var (ada, grace) = makeReplicas()
        let x = try ada.addShape(.rectangle(x: 0, y: 0, w: 10, h: 10))
        let y = try ada.addShape(.rectangle(x: 0, y: 0, w: 10, h: 10))
        let n = try ada.addShape(.rectangle(x: 0, y: 0, w: 10, h: 10))
        try grace.merge(ada)
        try ada.bringToFront(x)
        try grace.bringToFront(y)
        try sync(&ada, &grace)
        let tied = ada.zOrder.suffix(2)
        let (lower, upper) = (tied.first ?? x, tied.last ?? y)

        try ada.move(n, between: lower, and: upper)
        #expect(ada.zOrder.suffix(3) == [lower, n, upper])
        try grace.merge(ada)
        #expect(grace.zOrder == ada.zOrder)
        let keys = ada.shapes.compactMap(\.z)
        for (a, b) in zip(keys, keys.dropFirst()) { #expect(a < b) }
    }

    @Test("z written by another tool that is not a fractional index sorts at the bottom and is repaired on move")
    func foreignZ() throws {
        var (board, a, b, _) = try threeShapes()
        var document = board.document
        let object = try #require(board.shapeObject(b))
        try document.set("z", to: "not a key!", in: object)
        board = try Board(document: document)
        #expect(board.zOrder.first == b)
        #expect(board.shape(b)?.z == nil)
        try board.move(b, above: a)
        #expect(board.zOrder[1] == b)
        #expect(board.shape(b)?.z != nil)
    }

    @Test("random z moves on two replicas converge to one strictly ordered stack", arguments: [7, 99, 1234] as [UInt64])
    func randomMovesConverge(seed: UInt64) throws {
        var generator = SplitMix64(seed: seed)
        var (ada, grace) = makeReplicas()
        var ids: [ShapeID] = []
        for k in 0..<8 { ids.append(try ada.addShape(.rectangle(x: Double(k), y: 0, w: 5, h: 5))) }
        try grace.merge(ada)
        for round in 0..<20 {
            for board in [0, 1] {
                let id = ids[Int.random(in: 0..<ids.count, using: &generator)]
                let other = ids[Int.random(in: 0..<ids.count, using: &generator)]
                func move(_ b: inout Board) throws {
                    switch Int.random(in: 0..<4, using: &generator) {
                    case 0: try b.bringToFront(id)
                    case 1: try b.sendToBack(id)
                    case 2: if id != other { try b.move(id, above: other) }
                    default: if id != other { try b.move(id, below: other) }
                    }
                }
                if board == 0 { try move(&ada) } else { try move(&grace) }
            }
            if round % 3 == 2 { try sync(&ada, &grace) }
        }
        try sync(&ada, &grace)
        #expect(ada.zOrder == grace.zOrder, "seed \(seed)")
        #expect(Set(ada.zOrder) == Set(ids))
    }
}
