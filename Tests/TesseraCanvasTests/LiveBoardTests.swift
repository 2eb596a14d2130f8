import Testing
import TesseraCanvas
import TesseraCore

@Suite("LiveBoard")
struct LiveBoardTests {
    @Test("local edits and remote changes arrive as typed batches, in order")
    func changesStream() async throws {
        let (ada, grace) = makeReplicas()
        let live = LiveBoard(ada)
        var iterator = live.changes().makeAsyncIterator()

        let id = try live.addShape(.sticky("hello", x: 0, y: 0))
        try live.update(id) { $0.text = "hello world" }

        var remote = grace
        try remote.merge(live.board)
        let message = try remote.post("from Grace")
        try live.apply(remote.changes(since: live.board.document.version))

        #expect(await iterator.next() == [.shapeAdded(id)])
        #expect(await iterator.next() == [.shapeUpdated(id, properties: [.text])])
        #expect(await iterator.next() == [.messagePosted(message, index: 0)])

        #expect(try live.undo())
        #expect(await iterator.next() == [.shapeUpdated(id, properties: [.text])])
        #expect(live.shape(id)?.text == "hello")
    }

    @Test("a refused edit publishes nothing and throws a typed error")
    func refusedEdit() async throws {
        let live = LiveBoard(makeReplicas().0)
        var iterator = live.changes().makeAsyncIterator()
        #expect(throws: CanvasError.opacityOutOfRange(2)) { try live.addShape(Shape(kind: .rectangle, opacity: 2)) }
        let id = try live.addShape(.rectangle(x: 0, y: 0, w: 1, h: 1))
        #expect(await iterator.next() == [.shapeAdded(id)])
    }

    @Test("concurrent tasks editing one live board all land")
    func concurrentTasks() async throws {
        let live = LiveBoard(makeReplicas().0)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for k in 0..<20 {
                group.addTask {
                    try live.addShape(.rectangle(x: Double(k), y: 0, w: 1, h: 1))
                    try live.post("message \(k)")
                }
            }
            try await group.waitForAll()
        }
        #expect(live.shapes.count == 20)
        #expect(live.messages.count == 20)
    }

    @Test("a shared plain document becomes a board")
    func wrapsSharedDocument() throws {
        let shared = SharedDocument(Document(replica: .fixed(7)))
        let live = try LiveBoard(shared)
        try live.post("hi")
        #expect(shared.document.materialize()["chat"]?.listValue?.count == 1)
    }
}
