import Testing
import TesseraAgent
import TesseraCanvas
import TesseraCore

@Suite("Agent requests")
struct AgentRequestsTests {
    @Test("filing writes the documented layout, readable as plain maps, and posts the question")
    func filing() throws {
        var board = Board(replica: ReplicaID(rawValue: 0xADA)!, origin: .human("Ada"))
        let ada = Author(replica: board.replica, name: "Ada")
        let id = try AgentRequests.file(prompt: "  Draw a flowchart \n", author: ada, in: &board, createdAt: 1_234)
        let request = try #require(AgentRequests.request(id, in: board))
        #expect(request.prompt == "Draw a flowchart")
        #expect(request.author == "Ada")
        #expect(request.authorReplica == board.replica)
        #expect(request.createdAt == 1_234)
        #expect(request.status == .pending)
        #expect(request.claim == nil && request.answers.isEmpty)
        let question = try #require(board.messages.last)
        #expect(request.message == question.id)
        #expect(question.body == "Draw a flowchart" && question.request == id.rawValue && question.author == ada)
        // Any replica can read it without this module.
        let plain = try #require(board.document.materialize()["ai"]?[id.rawValue])
        #expect(plain["prompt"] == .scalar("Draw a flowchart"))
        #expect(plain["status"] == .scalar("pending"))
        #expect(plain["answers"] == .map([:]))
        #expect(plain["createdAt"] == .scalar(.int(1_234)))

        let quiet = try AgentRequests.file(prompt: "Tidy", author: ada, in: &board, postsPrompt: false)
        #expect(AgentRequests.request(quiet, in: board)?.message == nil)
        #expect(board.messages.count == 1)
        #expect(AgentRequests.all(in: board).map(\.id) == [id, quiet].sorted())
        #expect(throws: AgentError.emptyPrompt) { try AgentRequests.file(prompt: " \n", author: ada, in: &board) }
    }

    @Test("reject and retry check the request exists and is in a state that allows it")
    func rejectAndRetryValidate() throws {
        let live = LiveBoard(Board(replica: ReplicaID(rawValue: 0xADA)!, origin: .human("Ada")))
        let id = try AgentRequests.file(prompt: "Draw", author: Author(replica: nil, name: "Ada"), in: live)
        #expect(throws: AgentError.unknownRequest("9@0000000000000001")) { try live.rejectRequest("9@0000000000000001") }
        #expect(throws: AgentError.invalidState(id, .pending, operation: "retry")) { try AgentRequests.retry(id, in: live) }
        try live.rejectRequest(id)
        #expect(AgentRequests.request(id, in: live.board)?.status == .rejected)
        var board = live.board
        try board.rejectRequest(id)
        #expect(AgentRequests.request(id, in: board)?.status == .rejected)
    }
}
