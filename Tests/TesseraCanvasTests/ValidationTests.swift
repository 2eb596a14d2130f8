import Testing
import TesseraCanvas
import TesseraCore

@Suite("Validation")
struct ValidationTests {
    static let invalidShapes: [(String, Shape, CanvasError)] = [
        ("NaN x", Shape(kind: .rectangle, x: .nan), .invalidNumber(.x, .nan)),
        ("infinite y", Shape(kind: .rectangle, y: .infinity), .invalidNumber(.y, .infinity)),
        ("negative width", Shape(kind: .rectangle, w: -1), .negativeSize(.w, -1)),
        ("negative height", Shape(kind: .ellipse, h: -5), .negativeSize(.h, -5)),
        ("negative stroke", Shape(kind: .rectangle, strokeWidth: -2), .negativeSize(.strokeWidth, -2)),
        ("opacity above 1", Shape(kind: .rectangle, opacity: 1.5), .opacityOutOfRange(1.5)),
        ("opacity below 0", Shape(kind: .rectangle, opacity: -0.1), .opacityOutOfRange(-0.1)),
        ("empty custom kind", Shape(kind: .custom("")), .invalidKind("")),
    ]

    @Test("invalid shapes are refused with a typed error and write nothing", arguments: invalidShapes)
    func invalidAdd(name: String, shape: Shape, expected: CanvasError) throws {
        var (board, _) = makeReplicas()
        let snapshot = board.document.materialize()
        let changes = board.document.changeCount
        do throws(CanvasError) {
            try board.addShape(shape)
            Issue.record("\(name) was accepted")
        } catch {
            // NaN != NaN, so compare descriptions for the number cases.
            #expect(error.description == expected.description, "\(name)")
        }
        #expect(board.document.changeCount == changes)
        #expect(board.document.materialize() == snapshot)
    }

    @Test("invalid updates are refused and leave the shape unchanged", arguments: invalidShapes)
    func invalidUpdate(name: String, shape invalid: Shape, expected: CanvasError) throws {
        var (board, _) = makeReplicas()
        let id = try board.addShape(.rectangle(x: 0, y: 0, w: 10, h: 10, text: "keep"))
        let snapshot = board.document.materialize()
        let operations = board.document.operationCount
        do throws(CanvasError) {
            try board.update(id) { shape in
                // Every property of the invalid shape, plus a valid text edit that must not land either.
                shape = invalid
                shape.text = "changed"
            }
            Issue.record("\(name) was accepted")
        } catch {
            #expect(error.description == expected.description, "\(name)")
        }
        #expect(board.document.operationCount == operations)
        #expect(board.document.materialize() == snapshot)
        #expect(board.shape(id)?.text == "keep")
    }

    @Test("connectors may have a negative extent")
    func connectorsMayPointBackwards() throws {
        var (board, _) = makeReplicas()
        let id = try board.addShape(.line(from: Point(x: 100, y: 100), to: Point(x: 0, y: 20)))
        #expect(board.shape(id)?.w == -100)
    }

    @Test("colours are validated and normalised")
    func colours() throws {
        #expect(try Color(hex: "#FFF").hex == "#ffffff")
        #expect(try Color(hex: "#12ab34").hex == "#12ab34")
        #expect(try Color(hex: "#12AB3480").hex == "#12ab3480")
        for bad in ["", "fff", "#ffff", "#gggggg", "red", "#12345", "#1234567", "javascript:"] {
            #expect(throws: CanvasError.invalidColor(bad)) { try Color(hex: bad) }
        }
    }

    @Test("unknown, self and cyclic references are refused")
    func references() throws {
        var (board, _) = makeReplicas()
        let frame = try board.addShape(.frame("Sprint", x: 0, y: 0, w: 400, h: 300))
        let inner = try board.addShape(Shape(kind: .rectangle, parent: frame))
        let before = board.document.operationCount
        #expect(throws: CanvasError.unknownShape("9@00000000000000ff")) {
            try board.addShape(.arrow(from: Point(x: 0, y: 0), to: Point(x: 1, y: 1), startShape: "9@00000000000000ff"))
        }
        #expect(throws: CanvasError.invalidReference(.parent, inner)) { try board.update(inner) { $0.parent = inner } }
        #expect(throws: CanvasError.invalidReference(.parent, inner)) { try board.update(frame) { $0.parent = inner } }
        #expect(board.document.operationCount == before)
    }

    @Test("locked shapes refuse edits and deletion until unlocked")
    func locked() throws {
        var (board, _) = makeReplicas()
        let id = try board.addShape(Shape(kind: .rectangle, locked: true))
        let before = board.document.operationCount
        #expect(throws: CanvasError.shapeLocked(id)) { try board.update(id) { $0.x = 5 } }
        #expect(throws: CanvasError.shapeLocked(id)) { try board.deleteShape(id) }
        #expect(board.document.operationCount == before)
        try board.update(id) { $0.locked = false; $0.x = 5 }
        #expect(board.shape(id)?.x == 5)
        try board.deleteShape(id)
        #expect(board.shapeCount == 0)
    }

    @Test("unknown shapes are typed errors")
    func unknownShape() throws {
        var (board, _) = makeReplicas()
        #expect(throws: CanvasError.unknownShape("nope")) { try board.update("nope") { $0.x = 1 } }
        #expect(throws: CanvasError.unknownShape("nope")) { try board.deleteShape("nope") }
        #expect(throws: CanvasError.unknownShape("nope")) { try board.conflicts(.x, of: "nope") }
        #expect(board.shape("nope") == nil)
    }

    @Test("a document whose roots have the wrong kind is not a board")
    func notABoard() throws {
        var document = Document(replica: .fixed(1))
        try document.set("shapes", to: "oops")
        #expect(throws: CanvasError.self) { try Board(document: document) }
        // An empty document becomes a board by receiving the genesis change.
        let board = try Board(document: Document(replica: .fixed(2)))
        #expect(board.document.materialize()["shapes"] == .map([:]))
    }
}
