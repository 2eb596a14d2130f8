import Testing
import TesseraAgent
import TesseraCanvas
import TesseraCore

@Suite("AI-request commands of the JSON-lines vocabulary")
struct AgentCommandTests {
    func parse(_ line: String) throws -> AgentCommand? {
        try AgentCommand(CommandRequest(jsonLine: line))
    }

    func failure(_ line: String) -> CommandError? {
        do {
            _ = try parse(line)
            return nil
        } catch let error as CommandError {
            return error
        } catch {
            return nil
        }
    }

    @Test("reads ask, requests, reject_request and retry_request; leaves canvas tools alone")
    func parsing() throws {
        #expect(try parse(#"{"tool":"ask","args":{"prompt":"  Draw a sun \n"}}"#) == .ask(prompt: "Draw a sun", wait: nil))
        #expect(try parse(#"{"tool":"ask","args":{"prompt":"x","wait":1.5}}"#) == .ask(prompt: "x", wait: .milliseconds(1500)))
        #expect(try parse(#"{"tool":"ask","args":{"prompt":"x","wait":0}}"#) == .ask(prompt: "x", wait: nil))
        #expect(try parse(#"{"tool":"requests"}"#) == .requests)
        #expect(try parse(#"{"tool":"reject_request","args":{"request":"3@00000000000000aa"}}"#) == .reject("3@00000000000000aa"))
        #expect(try parse(#"{"tool":"retry_request","args":{"request":"3@00000000000000aa"}}"#) == .retry("3@00000000000000aa"))
        #expect(try parse(#"{"tool":"create_shape","args":{"kind":"rect"}}"#) == nil)
    }

    @Test("bad arguments name the field and the tool")
    func refusals() {
        #expect(failure(#"{"tool":"ask","args":{}}"#)?.field == "prompt")
        #expect(failure(#"{"tool":"ask","args":{"prompt":" "}}"#)?.field == "prompt")
        #expect(failure(#"{"tool":"ask","args":{"prompt":7}}"#)?.field == "prompt")
        #expect(failure(#"{"tool":"ask","args":{"prompt":"x","wait":-1}}"#)?.field == "wait")
        #expect(failure(#"{"tool":"ask","args":{"prompt":"x","wait":1e9}}"#)?.field == "wait")
        #expect(failure(#"{"tool":"ask","args":{"prompt":"x","colour":"red"}}"#)?.field == "colour")
        #expect(failure(#"{"tool":"requests","args":{"all":true}}"#)?.field == "all")
        #expect(failure(#"{"tool":"reject_request","args":{}}"#)?.field == "request")
        #expect(failure(#"{"tool":"ask","args":[1]}"#)?.tool == "ask")
    }

    @Test("ask files a request with the question in the chat; reject and retry check the request's state")
    func execution() async throws {
        let live = LiveBoard(Board(replica: ReplicaID(rawValue: 0xADA)!, origin: .human("Ada")))
        let author = Author(replica: live.board.replica, name: "Ada")
        var saves = 0
        let asked = try await AgentCommand.ask(prompt: "Draw a sun", wait: nil).execute(on: live, as: author) { saves += 1 }
        #expect(saves == 1, "the edits are handed over before any waiting")
        #expect(asked["status"] == "pending")
        #expect(asked["prompt"] == "Draw a sun")
        let id = try #require(asked["request"]?.string)
        #expect(live.messages.map(\.body) == ["Draw a sun"])
        #expect(live.messages.first?.request == id)

        let listed = try await AgentCommand.requests.execute(on: live, as: author)
        #expect(listed.array?.count == 1)

        await #expect(throws: CommandError.self) {
            try await AgentCommand.retry(RequestID(id)).execute(on: live, as: author)
        }
        await #expect(throws: CommandError.self) {
            try await AgentCommand.reject("9@0000000000000bad").execute(on: live, as: author)
        }
        let rejected = try await AgentCommand.reject(RequestID(id)).execute(on: live, as: author)
        #expect(rejected["status"] == "rejected")
    }
}
