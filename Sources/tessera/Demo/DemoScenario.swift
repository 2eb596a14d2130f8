import TesseraCanvas
import TesseraCore

/// The scripted story `tessera demo` tells: Ada and Grace share a board, edit it offline in
/// ways that collide, and merge.
struct DemoScenario {
    var ada: ReplicaID
    var grace: ReplicaID
    /// Display times for chat messages (2026-01-01T09:00Z, one minute apart), fixed so the
    /// output is reproducible; order comes from the chat list, never from these.
    var clock: Int64 = 1_767_258_000_000

    /// The shapes of the story, by role.
    struct Cast {
        var title, backlog, idea, sticky, decision, arrow: ShapeID
        var risks: ShapeID?
        var notes: ShapeID?
    }

    /// Everything the report needs.
    struct Outcome {
        var base: Board
        /// Each side just before the merge.
        var adaBefore: Board
        var graceBefore: Board
        /// Each side after merging the other.
        var ada: Board
        var grace: Board
        var adaLog: [String] = []
        var graceLog: [String] = []
        /// What each side's merge changed, as typed board changes.
        var adaReceived: [BoardChange] = []
        var graceReceived: [BoardChange] = []
        var cast: Cast
        /// Display names for shapes, from their base (or creation) state.
        var names: [ShapeID: String] = [:]

        /// The merged replicas, for whatever persists them (see `DemoCommand`).
        var replicas: [(name: String, board: Board)] { [("ada", ada), ("grace", grace)] }
    }

    mutating func run() throws(CanvasError) -> Outcome {
        // The shared base, written by Ada.
        var base = Board(replica: ada, origin: .human("Ada"))
        let title = try base.addShape(.text("Sprint 12 planning", x: 40, y: 10, w: 420, h: 40))
        let backlog = try base.addShape(.rectangle(x: 40, y: 100, w: 180, h: 90, fill: .white, text: "Backlog"))
        let idea = try base.addShape(.ellipse(x: 290, y: 95, w: 180, h: 110, fill: .stickyGreen, text: "Idea: offline mode"))
        let sticky = try base.addShape(.sticky("Ship v1 by Friday", x: 540, y: 80))
        let decision = try base.addShape(.diamond(x: 300, y: 260, w: 160, h: 130, fill: .white, text: "Go / no-go?"))
        let arrow = try base.connect(backlog, to: decision, label: "review")
        try base.post("Welcome to the sprint board! Add ideas, move things around.", sentAt: tick())

        var cast = Cast(title: title, backlog: backlog, idea: idea, sticky: sticky, decision: decision, arrow: arrow)
        var adaBoard = base
        var graceBoard = base.fork(replica: grace, origin: .human("Grace"))
        var adaLog: [String] = []
        var graceLog: [String] = []

        // Offline, interleaved in time but never exchanged. Both first moves happen at the
        // same Lamport time, so the replica ID decides; Ada's late recolour has the later
        // Lamport time, so it beats Grace's earlier one whatever the replica IDs.
        try adaBoard.update(sticky) { $0.x = 560; $0.y = 300 }
        adaLog.append("moved the sticky note to (560, 300)")
        try graceBoard.update(sticky) { $0.x = 120; $0.y = 430 }
        graceLog.append("moved the sticky note to (120, 430)")

        try graceBoard.update(sticky) { $0.fill = .stickyPink }
        graceLog.append("recoloured the sticky note pink (\(Color.stickyPink))")

        try adaBoard.update(backlog) { $0.x = 40; $0.y = 300 }
        adaLog.append("moved \"Backlog\" down to (40, 300)")
        try graceBoard.update(backlog) { $0.fill = .stickyBlue }
        graceLog.append("recoloured \"Backlog\" blue (\(Color.stickyBlue))")

        try adaBoard.bringToFront(idea)
        adaLog.append("brought \"Idea: offline mode\" to the front")
        try graceBoard.bringToFront(backlog)
        graceLog.append("brought \"Backlog\" to the front")

        try graceBoard.update(decision) { $0.fill = .orange; $0.text = "Go / no-go? (ask Ada)" }
        graceLog.append("recoloured the \"Go / no-go?\" diamond orange and retitled it \"Go / no-go? (ask Ada)\"")

        try adaBoard.update(sticky) { $0.text += " (Ada: +1)" }
        adaLog.append("appended \" (Ada: +1)\" to the sticky note")
        try graceBoard.update(sticky) { $0.text = "[urgent] " + $0.text }
        graceLog.append("prefixed the sticky note with \"[urgent] \"")

        cast.risks = try adaBoard.addShape(.ellipse(x: 760, y: 300, w: 170, h: 100, fill: .stickyPink, text: "Risks: sync bugs"))
        adaLog.append("added an ellipse \"Risks: sync bugs\"")
        cast.notes = try graceBoard.addShape(.text("Grace: demo on Thursday", x: 40, y: 470, w: 360, h: 40, color: .violet))
        graceLog.append("added a text \"Grace: demo on Thursday\"")

        try adaBoard.post("Moved the backlog down; the go/no-go diamond can go: we decided, it's a go.", sentAt: tick())
        try adaBoard.post("Also added a Risks bubble.", sentAt: tick())
        adaLog.append("posted 2 chat messages")
        try graceBoard.post("Made the backlog blue so it stands out.", sentAt: tick())
        try graceBoard.post("Flagged the sticky as urgent.", sentAt: tick())
        graceLog.append("posted 2 chat messages")

        try adaBoard.update(sticky) { $0.fill = .stickyGreen }
        adaLog.append("recoloured the sticky note green (\(Color.stickyGreen)), after all of the above")

        // Last, so that one undo on Ada's side shows what undoing a delete does.
        try adaBoard.deleteShape(decision)
        adaLog.append("deleted the \"Go / no-go?\" diamond")

        var outcome = Outcome(base: base, adaBefore: adaBoard, graceBefore: graceBoard, ada: adaBoard, grace: graceBoard,
                              adaLog: adaLog, graceLog: graceLog, cast: cast)
        // Merge both ways.
        outcome.adaReceived = try outcome.ada.merge(graceBoard)
        outcome.graceReceived = try outcome.grace.merge(adaBoard)

        for shape in base.shapes { if let id = shape.id { outcome.names[id] = DemoScenario.name(of: shape) } }
        for id in [cast.risks, cast.notes].compactMap({ $0 }) {
            if let shape = outcome.ada.shape(id) { outcome.names[id] = DemoScenario.name(of: shape) }
        }
        return outcome
    }

    private mutating func tick() -> Int64 {
        clock += 60_000
        return clock
    }

    static func name(of shape: Shape) -> String {
        let text = shape.text.count > 28 ? String(shape.text.prefix(27)) + "…" : shape.text
        return text.isEmpty ? shape.kind.rawValue : "\(shape.kind) \"\(text)\""
    }
}
