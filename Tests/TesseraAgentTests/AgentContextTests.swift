import Testing
import TesseraAgent
import TesseraCanvas
import TesseraCore
import TesseraSync

@Suite("Agent context")
struct AgentContextTests {
    @Test("a large board is summarised within the budget, mentioned and recently edited shapes first")
    func boundedSummary() throws {
        var board = Board(replica: ReplicaID(rawValue: 0xADA)!, origin: .human("Ada"))
        var ids: [ShapeID] = []
        for i in 0..<600 {
            ids.append(try board.addShape(.sticky("Idea number \(i) with a fairly long description that goes on", x: Double(i % 30) * 220, y: Double(i / 30) * 220)))
        }
        for i in 0..<30 { try board.post("message \(i)") }
        // The chat mentions one shape by ID and one by its text; another was edited last.
        try board.post("Can you look at \(ids[17])?")
        try board.update(ids[42]) { $0.text = "Quarterly roadmap" }
        try board.post("And group it with the quarterly roadmap")
        try board.update(ids[5]) { $0.x = 9_999 }

        let limits = ContextLimits(messageCount: 20, shapeCharacters: 3_000)
        let context = AgentContext(
            board: board, participants: [PresenceRecord(displayName: "Grace", status: .typing), PresenceRecord(displayName: "Tessa", actor: .agent, status: .working(on: "a diagram"))],
            prompt: "Please check \(ids[17])", limits: limits)
        #expect(context.totalShapes == 600)
        #expect(context.messages.count == 20)
        #expect(context.messages.last?.body == "And group it with the quarterly roadmap")
        let shown = context.shapes.map(\.id)
        #expect(shown.count < 600)
        #expect(context.shapes.reduce(0) { $0 + $1.line.count + 3 } <= 3_000)
        #expect(shown.first == ids[17], "mentioned by ID")
        #expect(shown.dropFirst().first == ids[42], "mentioned by text")
        #expect(shown.dropFirst(2).first == ids[5], "edited most recently")
        let rendered = context.rendered
        #expect(rendered.contains("People present: Grace, typing; Tessa (AI), working on a diagram."))
        #expect(rendered.contains("600 in all; \(shown.count) most relevant shown, use query_shapes for the rest"))
        #expect(rendered.contains("- \(ids[42]) sticky at (") && rendered.contains("\"Quarterly roadmap\""))
        #expect(rendered.count < 3_000 + 20 * 80 + 500)
    }

    @Test("an empty board says so")
    func emptyBoard() {
        let context = AgentContext(board: Board(), participants: [])
        #expect(context.rendered.contains("People present: nobody else."))
        #expect(context.rendered.contains("(the canvas is empty)"))
        #expect(context.rendered.contains("(no messages)"))
    }
}
