import Testing
import TesseraCore
@testable import TesseraCanvas

@Suite("Command vocabulary")
struct CommandTests {
    func run(_ board: inout Board, _ line: String) throws(CommandError) -> JSONValue {
        try board.execute(CanvasCommand(CommandRequest(jsonLine: line)))
    }

    @Test("JSON parses, serialises deterministically and round-trips")
    func json() throws {
        let value = try JSONValue(parsing: #" {"b":[1,2.5,-3e2,true,null],"a":"x\"\u00e9\ud83d\ude42\n"} "#)
        #expect(value["b"] == [1, 2.5, -300, true, nil])
        #expect(value["a"] == "x\"é🙂\n")
        #expect(value.serialized == ##"{"a":"x\"é🙂\n","b":[1,2.5,-300,true,null]}"##)
        #expect(try JSONValue(parsing: value.serialized) == value)
    }

    @Test("malformed JSON gives a clear error, never a crash", arguments: [
        "", "{", "[1,]", "{\"a\" 1}", "01", "1.", "\"\\x\"", "tru", "{\"a\":1}}", "\"unterminated", "{\"a\":1,\"a\":2}",
        String(repeating: "[", count: 10_000),
    ])
    func malformed(text: String) {
        #expect(throws: CommandError.self) { try JSONValue(parsing: text) }
    }

    @Test("create, update, query, arrange, delete and post through JSON lines")
    func roundTrip() throws {
        var board = Board(replica: ReplicaID(rawValue: 0xAB)!, origin: .human("Ada"))
        let a = try run(&board, ##"{"tool":"create_shape","args":{"kind":"rectangle","x":10,"y":20,"w":100,"h":50,"fill":"#ff0000","text":"Box"}}"##)
        let b = try run(&board, ##"{"tool":"create_shape","args":{"kind":"sticky","x":300,"y":20,"text":"Note"}}"##)
        let aID = try #require(a["id"]?.string)
        let bID = try #require(b["id"]?.string)
        let sticky = try #require(board.shape(ShapeID(bID)))
        #expect(sticky.w == 200 && sticky.fill == .stickyYellow)
        let arrow = try run(&board, ##"{"tool":"create_shape","args":{"kind":"arrow","x":110,"y":45,"w":190,"h":0,"from":"\##(aID)","to":"\##(bID)"}}"##)
        #expect(arrow["id"] != nil)
        let updated = try run(&board, ##"{"tool":"update_shape","args":{"id":"\##(aID)","x":40,"fill":null}}"##)
        #expect(updated["updated"] == ["fill", "x"])
        #expect(board.shape(ShapeID(aID))?.fill == nil)
        _ = try run(&board, ##"{"tool":"arrange_shapes","args":{"action":"align_top","ids":["\##(aID)","\##(bID)"]}}"##)
        _ = try run(&board, ##"{"tool":"arrange_shapes","args":{"action":"send_to_back","id":"\##(bID)"}}"##)
        #expect(board.zOrder.first == ShapeID(bID))
        let query = try run(&board, ##"{"tool":"query_shapes","args":{"text_contains":"box"}}"##)
        #expect(query["total"] == 1)
        #expect(query["shapes"]?.array?.first?["id"] == .string(aID))
        let post = try run(&board, ##"{"tool":"post_message","args":{"text":"Done"}}"##)
        #expect(board.messages.last?.body == "Done")
        #expect(post["id"] != nil)
        _ = try run(&board, ##"{"tool":"delete_shape","args":{"ids":["\##(aID)","\##(bID)"]}}"##)
        #expect(board.shapeCount == 1)
    }

    @Test("invalid calls name the tool and the argument, and write nothing", arguments: [
        (##"{"tool":"create_shap","args":{}}"##, nil as String?),
        (##"{"tool":"create_shape","args":{"kind":"rectangle","y":1}}"##, "x"),
        (##"{"tool":"create_shape","args":{"kind":"rectangle","x":"10","y":1}}"##, "x"),
        (##"{"tool":"create_shape","args":{"kind":"rectangle","x":1,"y":1,"w":-5}}"##, "w"),
        (##"{"tool":"create_shape","args":{"kind":"rectangle","x":1,"y":1,"opacity":2}}"##, "opacity"),
        (##"{"tool":"create_shape","args":{"kind":"rectangle","x":1,"y":1,"fill":"red"}}"##, "fill"),
        (##"{"tool":"create_shape","args":{"kind":"rectangle","x":1,"y":1,"colour":"#fff"}}"##, "colour"),
        (##"{"tool":"update_shape","args":{"id":"99@00000000000000ab","x":1}}"##, "id"),
        (##"{"tool":"update_shape","args":{"id":"x"}}"##, nil),
        (##"{"tool":"arrange_shapes","args":{"action":"spin","id":"x"}}"##, "action"),
        (##"{"tool":"delete_shape","args":{}}"##, "ids"),
        (##"{"tool":"post_message","args":{"text":""}}"##, "text"),
        (##"{"tool":"post_message","args":"{\"text\":5}"}"##, "text"),
        (##"{"args":{}}"##, "tool"),
    ])
    func invalid(line: String, field: String?) throws {
        var board = Board(replica: ReplicaID(rawValue: 0xAB)!)
        let before = board.document.version
        do {
            _ = try run(&board, line)
            Issue.record("expected an error for \(line)")
        } catch {
            #expect(error.field == field)
            #expect(error.json["error"]?.string?.isEmpty == false)
        }
        #expect(board.document.version == before)
    }

    @Test("a command touching a locked shape is refused before anything is written")
    func lockedIsAtomic() throws {
        var board = Board(replica: ReplicaID(rawValue: 0xAB)!)
        let a = try board.addShape(.rectangle(x: 0, y: 0, w: 10, h: 10))
        var locked = Shape.rectangle(x: 50, y: 0, w: 10, h: 10)
        locked.locked = true
        let b = try board.addShape(locked)
        let before = board.document.version
        #expect(throws: CommandError.self) {
            try board.execute(.deleteShapes([a, b]))
        }
        #expect(board.document.version == before)
        #expect(board.contains(a))
        // Unlocking through update_shape is allowed.
        try board.execute(.updateShape(b, { var u = ShapeUpdate(); u.locked = false; return u }()))
        try board.execute(.deleteShapes([a, b]))
        #expect(board.shapeCount == 0)
    }

    @Test("commands carry their origin, so an AI request can be reverted")
    func origins() throws {
        var board = Board(replica: ReplicaID(rawValue: 0xAB)!, origin: .human("Ada"))
        let id = try board.addShape(.rectangle(x: 0, y: 0, w: 10, h: 10))
        let agent = Origin.agent("Claude", request: "r1", onBehalfOf: "Ada")
        var update = ShapeUpdate()
        update.x = 500
        try board.execute(.updateShape(id, update), origin: agent)
        #expect(try board.writer(of: .x, of: id)?.origin == agent)
        try board.revert(where: { $0.request == "r1" })
        #expect(board.shape(id)?.x == 0)
    }

    @Test("every tool has an object schema; the OpenAI form wraps it")
    func schemas() {
        #expect(CanvasCommands.tools.map(\.name) == ["create_shape", "update_shape", "delete_shape", "arrange_shapes", "query_shapes", "post_message"])
        for tool in CanvasCommands.tools {
            #expect(tool.parameters["type"] == "object")
            #expect(tool.openAIFormat["function"]?["name"] == .string(tool.name))
        }
    }
}
