import TesseraCanvas
import TesseraCore

/// The human-readable account of a demo merge: what each side did, how every conflict was
/// resolved and why, and whether the replicas converged.
struct MergeReport {
    let outcome: DemoScenario.Outcome
    let seed: UInt64

    private var lines: [String] = []

    init(outcome: DemoScenario.Outcome, seed: UInt64) {
        self.outcome = outcome
        self.seed = seed
    }

    /// Whether both replicas ended in the same state.
    var converged: Bool {
        outcome.ada.document.materialize() == outcome.grace.document.materialize() && outcome.ada.zOrder == outcome.grace.zOrder
    }

    func render() -> String {
        var report = self
        report.build()
        return report.lines.joined(separator: "\n")
    }

    // MARK: Sections

    private mutating func build() {
        let ada = outcome.ada
        line("Tessera demo: two replicas of one board diverge offline, then merge")
        line("seed \(seed): Ada is replica \(ada.replica), Grace is replica \(outcome.grace.replica)")
        line("(run again with --seed \(seed) for the same IDs and the same report)")

        section("1. Shared base (written by Ada, forked to Grace)")
        line("   \(outcome.base.shapeCount) shapes: " + outcome.base.zOrder.map(name).joined(separator: ", "))
        for message in outcome.base.messages { line("   chat: \(message.author.name): \"\(message.body)\"") }

        section("2. Offline, neither side sees the other")
        for (who, log, board) in [("Ada", outcome.adaLog, outcome.adaBefore), ("Grace", outcome.graceLog, outcome.graceBefore)] {
            let changes = board.document.changeCount - outcome.base.document.changeCount
            line("   \(who) (\(changes) changes):")
            for entry in log { line("     - \(entry)") }
        }

        section("3. Merge both ways")
        line("   Ada   <- Grace: " + summary(of: outcome.adaReceived))
        line("   Grace <- Ada:   " + summary(of: outcome.graceReceived))

        conflicts()
        bothKept()
        deletedVersusEdited()
        stickyText()
        zOrder()

        section("9. Chat, final order (the list's order, identical on both replicas)")
        for (index, message) in ada.messages.enumerated() {
            line("   \(index + 1). \(message.author.name): \(message.body)")
        }
        let sameChat = ada.messages == outcome.grace.messages
        line("   same on both: \(sameChat ? "yes" : "NO"); each side's messages keep their order and are not interleaved")

        section("10. Convergence")
        line("   materialize() equal on Ada and Grace: \(converged ? "yes ✓" : "NO ✗")")
        line("   \(ada.shapeCount) shapes, \(ada.messageCount) messages, \(ada.document.changeCount) changes on each replica")
    }

    /// Every property that two replicas wrote concurrently, with both values and the rule
    /// that picked the winner.
    private mutating func conflicts() {
        section("4. Conflicts: one property written on both sides (last writer wins)")
        line("   Rule: the higher Lamport timestamp wins; on equal timestamps, the higher replica ID.")
        var found = 0
        for id in outcome.ada.zOrder {
            for property in ShapeProperty.allCases {
                guard let values = try? outcome.ada.conflicts(property, of: id), values.count > 1 else { continue }
                found += 1
                guard let mine = write(property, of: id, in: outcome.adaBefore, by: "Ada"),
                    let theirs = write(property, of: id, in: outcome.graceBefore, by: "Grace")
                else { continue }
                let winner = beats(mine, theirs) ? mine : theirs
                let loser = winner.who == mine.who ? theirs : mine
                let reason = winner.lamport != loser.lamport
                    ? "later Lamport time (\(winner.lamport) > \(loser.lamport))"
                    : "equal Lamport time \(winner.lamport), higher replica ID (\(winner.replica) > \(loser.replica))"
                let shown = outcome.ada.shape(id).map { display(property, of: $0) } ?? "?"
                line("   \(name(id)) .\(property): Ada \(mine.value) [Lamport \(mine.lamport)] vs Grace \(theirs.value) [Lamport \(theirs.lamport)]")
                let agrees = shown == winner.value && outcome.grace.shape(id).map { display(property, of: $0) } == shown
                line("     -> \(winner.who)'s \(winner.value) wins: \(reason); both replicas show \(shown)\(agrees ? "" : "  (MISMATCH with the rule!)")")
                line("        conflicts(.\(property)) still lists both: [\(values.map { $0.map(format) ?? "deleted" }.joined(separator: ", "))]")
            }
        }
        if found == 0 { line("   (none)") }
    }

    private mutating func bothKept() {
        section("5. Different properties of one shape: both edits kept")
        let id = outcome.cast.backlog
        guard let merged = outcome.ada.shape(id), let base = outcome.base.shape(id) else { return }
        line("   \(name(id)): Ada moved it (\(number(base.x)), \(number(base.y))) -> (\(number(merged.x)), \(number(merged.y))); Grace recoloured it \(base.fill.map(\.hex) ?? "none") -> \(merged.fill.map(\.hex) ?? "none")")
        line("   merged on both: position (\(number(merged.x)), \(number(merged.y))) from Ada, fill \(merged.fill.map(\.hex) ?? "none") from Grace (each property is its own register)")
    }

    private mutating func deletedVersusEdited() {
        section("6. Deleted on one side, edited on the other")
        let id = outcome.cast.decision
        let edited = outcome.graceBefore.shape(id)
        line("   \(name(id)): Ada deleted it; Grace concurrently set fill \(edited?.fill.map(\.hex) ?? "none") and text \"\(edited?.text ?? "")\"")
        let gone = outcome.ada.shape(id) == nil && outcome.grace.shape(id) == nil
        line("   merged: \(gone ? "deleted on both replicas" : "STILL PRESENT") (a concurrent edit does not resurrect a deleted shape)")
        var undone = outcome.ada
        if (try? undone.undo()) != nil, let restored = undone.shape(id) {
            line("   Ada's undo of the delete brings it back with Grace's edit: fill \(restored.fill.map(\.hex) ?? "none"), text \"\(restored.text)\"")
        }
    }

    private mutating func stickyText() {
        section("7. Concurrent typing in the sticky note (text merges character by character)")
        let id = outcome.cast.sticky
        line("   Ada   typed: \"\(outcome.adaBefore.shape(id)?.text ?? "")\"")
        line("   Grace typed: \"\(outcome.graceBefore.shape(id)?.text ?? "")\"")
        line("   merged     : \"\(outcome.ada.shape(id)?.text ?? "")\"")
    }

    private mutating func zOrder() {
        section("8. Z-order after the merge, bottom to top (z, then the replica that wrote z)")
        let shapes = outcome.ada.shapes
        for (index, shape) in shapes.enumerated() {
            guard let id = shape.id else { continue }
            let writer = (try? outcome.ada.writer(of: .z, of: id))?.map(\.origin.name) ?? "?"
            line("   \(index + 1). z=\(shape.z?.rawValue ?? "-")  \(name(id))  (z by \(writer))")
        }
        var ties = 0
        for (lower, upper) in zip(shapes, shapes.dropFirst()) where lower.z != nil && lower.z == upper.z {
            guard let a = lower.id, let b = upper.id else { continue }
            let writers = [a, b].map { (try? outcome.ada.writer(of: .z, of: $0))??.operation.replica.description ?? "?" }
            line("   tie at z=\(lower.z?.rawValue ?? ""): \(name(a)) and \(name(b)) got the same key concurrently;")
            line("     \(name(b)) is on top on both replicas because its z writer's replica ID is higher (\(writers[1]) > \(writers[0]))")
            ties += 1
        }
        if ties == 0 { line("   (no ties)") }
    }

    // MARK: Helpers

    private struct Write {
        var who: String
        var value: String
        var lamport: UInt64
        var replica: ReplicaID
    }

    /// The write of `property` a side made before the merge, with its Lamport time.
    private func write(_ property: ShapeProperty, of id: ShapeID, in board: Board, by who: String) -> Write? {
        guard let (operation, _) = (try? board.writer(of: property, of: id)) ?? nil,
            let change = board.document.change(containing: operation), let shape = board.shape(id)
        else { return nil }
        let lamport = change.startLamport + (operation.counter - change.startCounter)
        return Write(who: who, value: display(property, of: shape), lamport: lamport, replica: operation.replica)
    }

    private func beats(_ a: Write, _ b: Write) -> Bool {
        a.lamport != b.lamport ? a.lamport > b.lamport : a.replica > b.replica
    }

    private func display(_ property: ShapeProperty, of shape: Shape) -> String {
        switch property {
        case .x: number(shape.x)
        case .y: number(shape.y)
        case .w: number(shape.w)
        case .h: number(shape.h)
        case .rotation: number(shape.rotation)
        case .fill: shape.fill?.hex ?? "none"
        case .stroke: shape.stroke?.hex ?? "none"
        case .opacity: number(shape.opacity)
        case .text: "\"\(shape.text)\""
        default: "\(shape)"
        }
    }

    private func format(_ value: Value) -> String {
        switch value {
        case .double(let d): number(d)
        case .string(let s): s
        default: value.description
        }
    }

    private func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    private func name(_ id: ShapeID) -> String { outcome.names[id] ?? id.rawValue }

    private func summary(of changes: [BoardChange]) -> String {
        var added = 0, updated = 0, removed = 0, posted = 0, edited = 0
        for change in changes {
            switch change {
            case .shapeAdded: added += 1
            case .shapeUpdated: updated += 1
            case .shapeRemoved: removed += 1
            case .messagePosted: posted += 1
            case .messageEdited: edited += 1
            case .messagesRemoved, .aiRequestChanged: break
            }
        }
        func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
        return "\(count(added, "shape")) added, \(updated) updated, \(removed) removed; \(count(posted, "message")) posted"
            + (edited > 0 ? ", \(edited) edited" : "")
    }

    private mutating func section(_ title: String) {
        lines.append("")
        lines.append(title)
    }

    private mutating func line(_ text: String) { lines.append(text) }
}
