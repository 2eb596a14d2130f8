import Testing
import TesseraCanvas
import TesseraCore

@Suite("Concurrent shape edits")
struct ShapeMergeTests {
    @Test("one moves a shape while the other recolours it: both edits survive")
    func moveVersusRecolour() throws {
        var (ada, grace) = makeReplicas()
        let id = try ada.addShape(.rectangle(x: 0, y: 0, w: 100, h: 50, fill: .white))
        try grace.merge(ada)

        try ada.update(id) { $0.x = 300; $0.y = 120 }
        try grace.update(id) { $0.fill = .red }
        try sync(&ada, &grace)

        for board in [ada, grace] {
            let shape = try #require(board.shape(id))
            #expect(shape.x == 300 && shape.y == 120)
            #expect(shape.fill == .red)
            #expect(try board.conflicts(.x, of: id).count == 1)
            #expect(try board.conflicts(.fill, of: id).count == 1)
        }
        #expect(ada.document.materialize() == grace.document.materialize())
    }

    @Test("update writes only the properties that changed", arguments: [
        (ShapeProperty.x, 1), (.fill, 1), (.text, 1),
    ])
    func updateWritesOnlyChanges(property: ShapeProperty, expectedWrites: Int) throws {
        var (board, _) = makeReplicas()
        let id = try board.addShape(.rectangle(x: 0, y: 0, w: 10, h: 10, text: "label"))
        let before = board.document.operationCount
        let written = try board.update(id) { shape in
            switch property {
            case .x: shape.x = 5
            case .fill: shape.fill = .blue
            default: shape.text = "label!"
            }
        }
        #expect(written == [property])
        #expect(board.document.operationCount - before == expectedWrites)
        #expect(try board.update(id) { _ in } == [])
    }

    @Test("both move one shape: the same winner on both replicas, and both values stay visible as conflicts",
          arguments: [(UInt64(0xA), UInt64(0xB)), (0xB, 0xA)])
    func concurrentMoveOfOneProperty(adaReplica: UInt64, graceReplica: UInt64) throws {
        var (ada, grace) = makeReplicas(ada: adaReplica, grace: graceReplica)
        let id = try ada.addShape(.ellipse(x: 0, y: 0, w: 40, h: 40))
        try grace.merge(ada)

        // Same Lamport time on both sides, so the higher replica ID wins.
        try ada.update(id) { $0.x = 111 }
        try grace.update(id) { $0.x = 222 }
        try sync(&ada, &grace)

        let expected: Double = adaReplica > graceReplica ? 111 : 222
        for board in [ada, grace] {
            #expect(board.shape(id)?.x == expected)
            let conflicts = try board.conflicts(.x, of: id)
            #expect(conflicts.count == 2)
            #expect(conflicts.first == .some(.double(expected)))
            #expect(Set(conflicts.compactMap { $0?.doubleValue }) == [111, 222])
        }
        #expect(ada.document.materialize() == grace.document.materialize())

        // Writing the property again resolves the conflict for everyone.
        try ada.update(id) { $0.x = 333 }
        try grace.merge(ada)
        #expect(try grace.conflicts(.x, of: id) == [.double(333)])
    }

    @Test("a later Lamport time beats a higher replica ID")
    func lamportBeatsReplica() throws {
        var (ada, grace) = makeReplicas(ada: 0x1, grace: 0xFFFF)
        let id = try ada.addShape(.rectangle(x: 0, y: 0, w: 40, h: 40))
        try grace.merge(ada)
        try grace.update(id) { $0.fill = .red }
        // Ada has seen more operations by the time she writes, so her write is "later".
        try ada.addShape(.rectangle(x: 50, y: 0, w: 10, h: 10))
        try ada.update(id) { $0.fill = .green }
        try sync(&ada, &grace)
        #expect(ada.shape(id)?.fill == .green)
        #expect(grace.shape(id)?.fill == .green)
    }

    @Test("delete versus concurrent edit: stays deleted on both; undoing the delete restores it with the edit")
    func deleteVersusEdit() throws {
        var (ada, grace) = makeReplicas()
        let id = try ada.addShape(.diamond(x: 0, y: 0, w: 80, h: 80, fill: .white, text: "Decide"))
        let keep = try ada.addShape(.rectangle(x: 100, y: 0, w: 10, h: 10))
        try grace.merge(ada)

        try ada.deleteShape(id)
        try grace.update(id) { $0.fill = .orange; $0.text = "Decide now" }
        try sync(&ada, &grace)

        for board in [ada, grace] {
            #expect(board.shape(id) == nil)
            #expect(board.zOrder == [keep])
        }
        #expect(ada.document.materialize() == grace.document.materialize())

        let changes = try #require(try ada.undo())
        #expect(changes == [.shapeAdded(id)])
        let restored = try #require(ada.shape(id))
        #expect(restored.fill == .orange)
        #expect(restored.text == "Decide now")
        try grace.merge(ada)
        #expect(grace.shape(id)?.fill == .orange)
        #expect(ada.document.materialize() == grace.document.materialize())
    }

    @Test("concurrent typing in one sticky note merges character by character")
    func concurrentTextEdits() throws {
        var (ada, grace) = makeReplicas()
        let id = try ada.addShape(.sticky("Ship v1", x: 0, y: 0))
        try grace.merge(ada)
        try ada.update(id) { $0.text += " by Friday" }
        try grace.update(id) { $0.text = "[urgent] " + $0.text }
        try sync(&ada, &grace)
        #expect(ada.shape(id)?.text == "[urgent] Ship v1 by Friday")
        #expect(grace.shape(id)?.text == ada.shape(id)?.text)
    }

    @Test("boards created independently merge, because every board starts from the same genesis change")
    func independentBoardsMerge() throws {
        var a = Board(replica: .fixed(1), origin: .human("A"))
        var b = Board(replica: .fixed(2), origin: .human("B"))
        let x = try a.addShape(.rectangle(x: 0, y: 0, w: 1, h: 1))
        let y = try b.addShape(.ellipse(x: 0, y: 0, w: 1, h: 1))
        try a.post("from a", sentAt: 1)
        try b.post("from b", sentAt: 2)
        try sync(&a, &b)
        #expect(Set(a.zOrder) == [x, y])
        #expect(a.messages.count == 2)
        #expect(a.document.materialize() == b.document.materialize())
    }

    @Test("shape IDs come from operation IDs, never collide across replicas")
    func shapeIDsFromOperationIDs() throws {
        var (ada, grace) = makeReplicas()
        let a = try ada.addShape(.rectangle(x: 0, y: 0, w: 1, h: 1))
        let g = try grace.addShape(.rectangle(x: 0, y: 0, w: 1, h: 1))
        #expect(a != g)
        #expect(a.operation?.replica == ada.replica)
        #expect(g.operation?.replica == grace.replica)
        #expect(a.operation.map(ObjectID.init) == ada.shapeObject(a))
    }

    @Test("a plain Document reader sees the DESIGN §3 layout")
    func storedLayout() throws {
        var (board, _) = makeReplicas()
        let id = try board.addShape(.rectangle(x: 1, y: 2, w: 3, h: 4, fill: .red, text: "hi"))
        let shape = try #require(board.document.materialize()["shapes"]?[id.rawValue])
        #expect(shape["kind"] == .scalar("rectangle"))
        #expect(shape["x"] == .scalar(.double(1)))
        #expect(shape["fill"] == .scalar("#e03131"))
        #expect(shape["text"] == .text("hi"))
        #expect(shape["z"] == .scalar("a0"))
        #expect(shape["locked"] == .scalar(false))
        #expect(board.document.materialize()["chat"] == .list([]))
        #expect(board.document.materialize()["ai"] == .map([:]))
    }
}
