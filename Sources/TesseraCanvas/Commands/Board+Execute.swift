import TesseraCore

extension Board {
    /// Runs a validated command as one transaction with `origin` (default: the board's), and
    /// returns its JSON result.
    ///
    /// This is the one place where a command becomes operations, for people, scripts and the
    /// AI alike. Shape references are checked against the board first; a refused command
    /// writes nothing.
    ///
    /// - Throws: ``CommandError`` (unknown shape, locked shape, invalid reference, …).
    @discardableResult
    public mutating func execute(_ command: CanvasCommand, origin: Origin? = nil) throws(CommandError) -> JSONValue {
        let tool = command.tool
        func fail(_ error: CanvasError) -> CommandError { CommandError(error.description, tool: tool) }
        // Every check runs before the transaction, so a refused command writes nothing.
        func requireUnlocked(_ ids: [ShapeID]) throws(CommandError) {
            for id in ids where shape(id)?.locked == true {
                throw CommandError("shape \"\(id)\" is locked; unlock it first", tool: tool, field: "ids")
            }
        }
        func require(_ ids: [ShapeID], field: String) throws(CommandError) {
            for id in ids where !contains(id) {
                throw CommandError("no shape with id \"\(id)\"; use query_shapes to list the shapes", tool: tool, field: field)
            }
        }
        switch command {
        case .queryShapes(let query):
            return query.run(on: self)
        case .createShape(let shape):
            try require([shape.parent, shape.from, shape.to].compactMap { $0 }, field: "parent/from/to")
        case .updateShape(let id, let update):
            try require([id], field: "id")
            for case let reference?? in [update.parent, update.from, update.to] { try require([reference], field: "parent/from/to") }
            if shape(id)?.locked == true, update.locked != false {
                throw CommandError("shape \"\(id)\" is locked; unlock it first (locked: false)", tool: tool, field: "id")
            }
            var preview = shape(id) ?? Shape(kind: .rectangle)
            update.apply(to: &preview)
            do { try preview.validate() } catch { throw CommandError(error.description, tool: tool) }
        case .deleteShapes(let ids):
            try require(ids, field: "ids")
            try requireUnlocked(ids)
        case .arrangeShapes(let action, let ids):
            try require(ids, field: "ids")
            if action.movesShapes { try requireUnlocked(ids) }
        case .postMessage(_, let replyTo):
            if let replyTo, message(replyTo) == nil {
                throw CommandError("no message with id \"\(replyTo)\"", tool: tool, field: "reply_to")
            }
        }
        let result = run(origin: origin) { (board: inout Board) throws(CanvasError) -> JSONValue in
            switch command {
            case .createShape(let shape):
                return ["id": .string(try board.addShape(shape).rawValue)]
            case .updateShape(let id, let update):
                let changed = try board.update(id) { update.apply(to: &$0) }
                return ["id": .string(id.rawValue), "updated": .array(changed.map(\.rawValue).sorted().map(JSONValue.string))]
            case .deleteShapes(let ids):
                for id in ids { try board.deleteShape(id) }
                return ["deleted": .array(ids.map { .string($0.rawValue) })]
            case .arrangeShapes(let action, let ids):
                try board.arrange(action, ids)
                return ["arranged": .array(ids.map { .string($0.rawValue) }), "action": .string(action.rawValue)]
            case .postMessage(let text, let replyTo):
                return ["id": .string(try board.post(text, replyTo: replyTo).rawValue)]
            case .queryShapes:
                return .null
            }
        }
        switch result {
        case .success(let value): return value
        case .failure(let error): throw fail(error)
        }
    }

    /// Runs `body` as one transaction, capturing a canvas error instead of throwing it so the
    /// caller can map it.
    private mutating func run(origin: Origin?, _ body: (inout Board) throws(CanvasError) -> JSONValue) -> Result<JSONValue, CanvasError> {
        var outcome: Result<JSONValue, CanvasError> = .success(.null)
        do {
            try transact(origin: origin) { (board: inout Board) throws(CanvasError) in
                outcome = .success(try body(&board))
            }
        } catch {
            outcome = .failure(error)
        }
        return outcome
    }

    mutating func arrange(_ action: ArrangeAction, _ ids: [ShapeID]) throws(CanvasError) {
        switch action {
        case .bringToFront: for id in ids { try bringToFront(id) }
        case .sendToBack: for id in ids.reversed() { try sendToBack(id) }
        case .bringForward: for id in ids { try bringForward(id) }
        case .sendBackward: for id in ids { try sendBackward(id) }
        case .alignLeft, .alignCenter, .alignRight, .alignTop, .alignMiddle, .alignBottom:
            let shapes = ids.compactMap { shape($0) }
            let target: Double
            switch action {
            case .alignLeft: target = shapes.map(\.x).min() ?? 0
            case .alignRight: target = shapes.map { $0.x + $0.w }.max() ?? 0
            case .alignCenter: target = ((shapes.map(\.x).min() ?? 0) + (shapes.map { $0.x + $0.w }.max() ?? 0)) / 2
            case .alignTop: target = shapes.map(\.y).min() ?? 0
            case .alignBottom: target = shapes.map { $0.y + $0.h }.max() ?? 0
            default: target = ((shapes.map(\.y).min() ?? 0) + (shapes.map { $0.y + $0.h }.max() ?? 0)) / 2
            }
            for shape in shapes {
                guard let id = shape.id else { continue }
                try update(id) { s in
                    switch action {
                    case .alignLeft: s.x = target
                    case .alignRight: s.x = target - s.w
                    case .alignCenter: s.x = target - s.w / 2
                    case .alignTop: s.y = target
                    case .alignBottom: s.y = target - s.h
                    default: s.y = target - s.h / 2
                    }
                }
            }
        case .distributeHorizontally, .distributeVertically:
            let horizontal = action == .distributeHorizontally
            let shapes = ids.compactMap { shape($0) }.sorted { horizontal ? $0.center.x < $1.center.x : $0.center.y < $1.center.y }
            guard let first = shapes.first, let last = shapes.last, shapes.count > 2 else { return }
            let start = horizontal ? first.center.x : first.center.y
            let step = ((horizontal ? last.center.x : last.center.y) - start) / Double(shapes.count - 1)
            for (i, shape) in shapes.enumerated().dropFirst().dropLast() {
                guard let id = shape.id else { continue }
                let center = start + step * Double(i)
                try update(id) { s in
                    if horizontal { s.x = center - s.w / 2 } else { s.y = center - s.h / 2 }
                }
            }
        }
    }
}

extension ShapeQuery {
    func run(on board: Board) -> JSONValue {
        let wanted = ids.map(Set.init)
        let needle = textContains?.lowercased()
        var matches: [JSONValue] = []
        var total = 0
        for shape in board.shapes {
            guard let id = shape.id else { continue }
            if let wanted, !wanted.contains(id) { continue }
            if let kind, shape.kind != kind { continue }
            if let needle, !shape.text.lowercased().contains(needle) { continue }
            total += 1
            if matches.count < limit { matches.append(shape.summary) }
        }
        return ["shapes": .array(matches), "total": .number(Double(total))]
    }
}

extension Shape {
    /// A compact JSON description (what query results and AI context show).
    public var summary: JSONValue {
        var members: [String: JSONValue] = [
            "kind": .string(kind.rawValue), "x": .number(x), "y": .number(y), "w": .number(w), "h": .number(h),
        ]
        if let id { members["id"] = .string(id.rawValue) }
        if !text.isEmpty { members["text"] = .string(text.count > 200 ? String(text.prefix(200)) + "…" : text) }
        if let fill { members["fill"] = .string(fill.hex) }
        if let stroke, stroke != .ink { members["stroke"] = .string(stroke.hex) }
        if rotation != 0 { members["rotation"] = .number(rotation) }
        if opacity != 1 { members["opacity"] = .number(opacity) }
        if let parent { members["parent"] = .string(parent.rawValue) }
        if let from { members["from"] = .string(from.rawValue) }
        if let to { members["to"] = .string(to.rawValue) }
        if locked { members["locked"] = .bool(true) }
        return .object(members)
    }
}

extension LiveBoard {
    /// Runs a command on the shared board (see ``Board/execute(_:origin:)``).
    @discardableResult
    public func execute(_ command: CanvasCommand, origin: Origin? = nil) throws(CommandError) -> JSONValue {
        var result: Result<JSONValue, CommandError> = .success(.null)
        transact(origin: origin) { (board: inout Board) in
            do throws(CommandError) { result = .success(try board.execute(command, origin: origin)) } catch { result = .failure(error) }
        }
        return try result.get()
    }
}
