import TesseraTestSupport
import Testing
import TesseraCanvas
import TesseraCore

@Suite("Convergence")
struct ConvergenceTests {
    /// One random board edit; invalid picks (a deleted shape, a locked one) are simply refused.
    private func randomEdit(_ board: inout Board, using generator: inout SplitMix64) {
        let shapes = board.zOrder
        let pick = { (g: inout SplitMix64) -> ShapeID? in shapes.isEmpty ? nil : shapes[Int.random(in: 0..<shapes.count, using: &g)] }
        let colors: [Color] = [.red, .green, .blue, .stickyYellow]
        switch Int.random(in: 0..<10, using: &generator) {
        case 0, 1:
            _ = try? board.addShape(.rectangle(x: Double(Int.random(in: 0...500, using: &generator)), y: 0, w: 50, h: 50, text: "s"))
        case 2:
            if let id = pick(&generator) { let x = Double(Int.random(in: 0...500, using: &generator)); _ = try? board.update(id) { $0.x = x } }
        case 3:
            if let id = pick(&generator) { let c = colors[Int.random(in: 0..<colors.count, using: &generator)]; _ = try? board.update(id) { $0.fill = c } }
        case 4:
            if let id = pick(&generator) { let word = ["a", "bc", "def"][Int.random(in: 0..<3, using: &generator)]; _ = try? board.update(id) { $0.text += word } }
        case 5:
            if let id = pick(&generator) { try? board.deleteShape(id) }
        case 6:
            if let id = pick(&generator) { try? board.bringToFront(id) }
        case 7:
            if let id = pick(&generator), let other = pick(&generator), id != other { try? board.move(id, below: other) }
        case 8:
            _ = try? board.post("m\(Int.random(in: 0...99, using: &generator))", sentAt: 0)
        default:
            if let last = board.lastMessages(1).first { try? board.appendToMessage(last.id, text: "+") }
            else { _ = try? board.undo() }
        }
    }

    @Test("three replicas editing at random converge, whatever order changes are delivered in",
          arguments: [1, 2, 3, 5, 8, 13, 21, 34] as [UInt64])
    func randomEditsConverge(seed: UInt64) throws {
        var generator = SplitMix64(seed: seed)
        let base = Board(replica: .fixed(0x100), origin: .human("A"))
        var boards = [base, base.fork(replica: .fixed(0x200), origin: .human("B")), base.fork(replica: .fixed(0x300), origin: .human("C"))]
        for _ in 0..<12 {
            for i in boards.indices {
                for _ in 0..<Int.random(in: 1...4, using: &generator) { randomEdit(&boards[i], using: &generator) }
            }
            // Deliver a random subset of one replica's changes to another, shuffled.
            let from = Int.random(in: 0..<3, using: &generator)
            let to = (from + Int.random(in: 1...2, using: &generator)) % 3
            var delta = boards[from].changes(since: boards[to].document.version)
            delta.shuffle(using: &generator)
            try boards[to].apply(Array(delta.prefix(Int.random(in: 0...delta.count, using: &generator))))
        }
        // Everyone gets everything, in shuffled order.
        for to in boards.indices {
            for from in boards.indices where from != to {
                var delta = boards[from].changes(since: boards[to].document.version)
                delta.shuffle(using: &generator)
                try boards[to].apply(delta)
            }
        }
        // The run did real work, so agreement is not vacuous.
        #expect(boards[0].document.changeCount > 40, "seed \(seed)")
        #expect(boards[0].shapeCount + boards[0].messageCount > 3, "seed \(seed)")
        for board in boards.dropFirst() {
            #expect(board.document.pendingChangeCount == 0, "seed \(seed)")
            #expect(board.document.materialize() == boards[0].document.materialize(), "seed \(seed)")
            #expect(board.zOrder == boards[0].zOrder, "seed \(seed)")
            #expect(board.messages == boards[0].messages, "seed \(seed)")
            #expect(board.shapes == boards[0].shapes, "seed \(seed)")
        }
    }

    @Test("merging is idempotent and commutative")
    func idempotentCommutative() throws {
        var (ada, grace) = makeReplicas()
        let id = try ada.addShape(.sticky("x", x: 0, y: 0))
        try grace.merge(ada)
        try ada.update(id) { $0.text = "ada" }
        try grace.update(id) { $0.text = "grace" }
        var ag = ada, ga = grace
        try ag.merge(grace)
        try ga.merge(ada)
        #expect(ag.document.materialize() == ga.document.materialize())
        #expect(try ag.merge(grace) == [])
        #expect(try ag.merge(ag) == [])
    }

    @Test("the DocC first example works as written")
    func doccExample() throws {
        var ada = Board(origin: .human("Ada"))
        let backlog = try ada.addShape(.rectangle(x: 40, y: 40, w: 180, h: 90, fill: .white, text: "Backlog"))
        let note = try ada.addShape(.sticky("Ship v1 by Friday", x: 300, y: 40))
        try ada.connect(backlog, to: note)
        try ada.post("Welcome to the board!")
        var grace = ada.fork(origin: .human("Grace"))
        try grace.update(backlog) { $0.fill = .stickyBlue }
        try ada.update(backlog) { $0.y = 200 }
        try ada.merge(grace)
        try grace.merge(ada)
        #expect(ada.shape(backlog)?.fill == .stickyBlue && ada.shape(backlog)?.y == 200)
        #expect(ada.document.materialize() == grace.document.materialize())
        #expect(SVGRenderer().render(ada).hasPrefix("<?xml"))
    }
}
