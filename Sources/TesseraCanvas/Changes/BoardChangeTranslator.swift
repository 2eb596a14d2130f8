import TesseraCore

/// Turns a batch of ``DocumentEvent``s into ``BoardChange``s.
///
/// An event names an object; `Document.path(to:)` says where it sits (`shapes/<id>`,
/// `shapes/<id>/text`, `chat/[i]/body`, `ai/<key>`…). Paths are read from the document *after*
/// the batch, so an edit to a shape that is no longer on the board (a concurrent edit of a
/// deleted shape) yields nothing, as it is invisible.
struct BoardChangeTranslator {
    private let document: Document
    private let shapes: ObjectID?
    private let chat: ObjectID?
    private let ai: ObjectID?

    private var output: [BoardChange] = []
    private var updateIndex: [ShapeID: Int] = [:]
    private var addedShapes: Set<ShapeID> = []
    private var postedMessages: Set<MessageID> = []
    private var editedMessages: Set<MessageID> = []
    private var changedRequests: Set<String> = []
    private var targets: [ObjectID: Target] = [:]

    private enum Target {
        case shape(ShapeID, nested: ShapeProperty?)
        case message(MessageID)
        case aiRequest(String)
        case none
    }

    init(board: Board) {
        document = board.document
        shapes = board.rootObject(.shapes)
        chat = board.rootObject(.chat)
        ai = board.rootObject(.ai)
    }

    static func translate(_ events: [DocumentEvent], in board: Board) -> [BoardChange] {
        var translator = BoardChangeTranslator(board: board)
        for event in events { translator.add(event) }
        return translator.output
    }

    private mutating func add(_ event: DocumentEvent) {
        let object = event.object
        if object == shapes, case .mapSet(_, let key, let value) = event {
            let id = ShapeID(key)
            if value?.objectID != nil {
                addedShapes.insert(id)
                output.append(.shapeAdded(id))
            } else {
                addedShapes.remove(id)
                updateIndex[id] = nil
                output.append(.shapeRemoved(id))
            }
            return
        }
        if object == chat {
            switch event {
            case .listInsert(_, let index, let values):
                for (offset, value) in values.enumerated() {
                    guard let message = value.objectID, let id = messageID(of: message) else { continue }
                    postedMessages.insert(id)
                    output.append(.messagePosted(id, index: index + offset))
                }
            case .listRemove(_, let index, let count):
                output.append(.messagesRemoved(index: index, count: count))
            default:
                break
            }
            return
        }
        if object == ai, case .mapSet(_, let key, _) = event {
            requestChanged(key)
            return
        }
        switch target(of: object) {
        case .shape(let id, let nested):
            let property: ShapeProperty?
            if let nested {
                property = nested
            } else if case .mapSet(_, let key, _) = event {
                property = ShapeProperty(rawValue: key)
            } else {
                property = nil
            }
            if let property { shapeUpdated(id, property) }
        case .message(let id):
            guard !postedMessages.contains(id), editedMessages.insert(id).inserted else { return }
            output.append(.messageEdited(id))
        case .aiRequest(let key):
            requestChanged(key)
        case .none:
            break
        }
    }

    private mutating func shapeUpdated(_ id: ShapeID, _ property: ShapeProperty) {
        guard !addedShapes.contains(id) else { return }
        if let index = updateIndex[id], case .shapeUpdated(_, var properties) = output[index] {
            properties.insert(property)
            output[index] = .shapeUpdated(id, properties: properties)
        } else {
            updateIndex[id] = output.count
            output.append(.shapeUpdated(id, properties: [property]))
        }
    }

    private mutating func requestChanged(_ key: String) {
        guard changedRequests.insert(key).inserted else { return }
        output.append(.aiRequestChanged(key))
    }

    private func messageID(of message: ObjectID) -> MessageID? {
        ((try? document.get(MessageKey.id, in: message)) ?? nil)?.stringValue.map { MessageID($0) }
    }

    private mutating func target(of object: ObjectID) -> Target {
        if let cached = targets[object] { return cached }
        let resolved = resolve(object)
        targets[object] = resolved
        return resolved
    }

    private func resolve(_ object: ObjectID) -> Target {
        guard let path = document.path(to: object), path.count >= 2, case .key(let root) = path[0] else { return .none }
        switch (BoardSchema.Root(rawValue: root), path[1]) {
        case (.shapes?, .key(let key)):
            let nested: ShapeProperty? = if path.count > 2, case .key(let property) = path[2] { ShapeProperty(rawValue: property) } else { nil }
            if path.count > 2 && nested == nil { return .none }
            return .shape(ShapeID(key), nested: nested)
        case (.chat?, .index(let index)):
            guard let chat, case .object(let message)? = try? document.element(at: index, in: chat), let id = messageID(of: message) else {
                return .none
            }
            return .message(id)
        case (.ai?, .key(let key)):
            return .aiRequest(key)
        default:
            return .none
        }
    }
}

extension Board {
    /// The board changes a batch of document events describes, read against the board's
    /// current state (call it right after the events happened).
    ///
    /// ```swift
    /// let events = try board.document.apply(remoteChanges)   // or from SharedDocument.events()
    /// for change in board.changes(for: events.events) { … }
    /// ```
    public func changes(for events: [DocumentEvent]) -> [BoardChange] {
        BoardChangeTranslator.translate(events, in: self)
    }
}
