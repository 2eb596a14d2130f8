import Testing
import TesseraCanvas
import TesseraCore

@Suite("Chat")
struct ChatTests {
    @Test("concurrent posts: each side keeps its order, both see the same list")
    func concurrentPosts() throws {
        var (ada, grace) = makeReplicas()
        let welcome = try ada.post("Welcome!", sentAt: 1)
        try grace.merge(ada)

        let a = try ["a1", "a2", "a3"].map { try ada.post($0, sentAt: 10) }
        let g = try ["g1", "g2"].map { try grace.post($0, replyTo: welcome, sentAt: 5) }
        try sync(&ada, &grace)

        let ids = ada.messages.map(\.id)
        #expect(ids == grace.messages.map(\.id))
        #expect(ids.count == 6 && ids.first == welcome)
        #expect(ids.filter(a.contains) == a)
        #expect(ids.filter(g.contains) == g)
        // Runs from one replica are not interleaved with the other's.
        let bodies = ada.messages.dropFirst().map(\.body).joined(separator: " ")
        #expect(bodies == "a1 a2 a3 g1 g2" || bodies == "g1 g2 a1 a2 a3")
        #expect(ada.message(g[0])?.replyTo == welcome)
        #expect(ada.message(g[0])?.author == Author(replica: grace.replica, name: "Grace", actor: .human))
    }

    @Test("a streamed reply grows in place and reaches the other replica")
    func streamingAppend() throws {
        var (ada, grace) = makeReplicas()
        let question = try ada.post("Summarise the board?")
        try grace.merge(ada)
        let agent = Author(replica: grace.replica, name: "Tessa", actor: .agent)
        let reply = try grace.post("", author: agent, replyTo: question, request: "req-9")
        var collected: [BoardChange] = []
        for token in ["Three ", "shapes, ", "one ", "note."] {
            try grace.appendToMessage(reply, text: token)
            collected += try ada.merge(grace)
        }
        #expect(ada.message(reply)?.body == "Three shapes, one note.")
        #expect(ada.message(reply)?.author.isAgent == true)
        #expect(ada.message(reply)?.request == "req-9")
        #expect(collected.first == .messagePosted(reply, index: 1))
        #expect(collected.dropFirst().allSatisfy { $0 == .messageEdited(reply) })
        #expect(collected.count == 4, "the first merge carries the post and the first token together")
    }

    @Test("editing a message body writes only the changed middle, so concurrent edits merge")
    func editMessage() throws {
        var (ada, grace) = makeReplicas()
        let id = try ada.post("Meet at 3")
        try grace.merge(ada)
        try ada.editMessage(id, body: "Meet at 3pm")
        try grace.editMessage(id, body: "Let's meet at 3")
        try sync(&ada, &grace)
        #expect(ada.message(id)?.body == "Let's meet at 3pm")
        #expect(grace.message(id)?.body == "Let's meet at 3pm")
    }

    @Test("undo and redo of a post remove and restore the message, on both replicas")
    func undoPost() throws {
        var (ada, grace) = makeReplicas()
        let first = try ada.post("first", sentAt: 1)
        let second = try ada.post("second", sentAt: 2)
        try grace.merge(ada)
        #expect(try ada.undo() == [.messagesRemoved(index: 1, count: 1)])
        #expect(ada.messages.map(\.id) == [first])
        let redone = try #require(try ada.redo())
        #expect(redone == [.messagePosted(second, index: 1)])
        try grace.appendToMessage(second, text: "!")
        try sync(&ada, &grace)
        #expect(ada.messages.map(\.body) == ["first", "second!"])
        #expect(grace.messages == ada.messages)
    }

    @Test("lastMessages returns the tail in order")
    func lastMessages() throws {
        var (board, _) = makeReplicas()
        for k in 0..<30 { try board.post("m\(k)", sentAt: Int64(k)) }
        #expect(board.lastMessages(3).map(\.body) == ["m27", "m28", "m29"])
        #expect(board.lastMessages(100).count == 30)
        #expect(board.lastMessages(0).isEmpty)
        #expect(board.messageCount == 30)
    }

    @Test("unknown messages are typed errors and write nothing")
    func unknownMessage() throws {
        var (board, _) = makeReplicas()
        let before = board.document.changeCount
        #expect(throws: CanvasError.unknownMessage("1@0000000000000001")) {
            try board.post("hi", replyTo: "1@0000000000000001")
        }
        #expect(throws: CanvasError.unknownMessage("x")) { try board.appendToMessage("x", text: "more") }
        #expect(throws: CanvasError.unknownMessage("x")) { try board.editMessage("x", body: "more") }
        #expect(board.document.changeCount == before)
    }
}
