import Peerbench
import TesseraCore

/// A Tessera document holding the peerbench shape document (`shapes` map, root lists),
/// driven through the public API with one `transact` per batch of actions.
///
/// Like the peers' adapters it caches what a real app would (the object IDs of the roots and
/// of each shape's map); the cache is filled as shapes are created, or by ``attach()``
/// (untimed) after an import.
struct ShapeReplica {
    var document: Document
    var shapes: ObjectID?
    var lists: [String: ObjectID] = [:]
    var handles: [String: ObjectID] = [:]

    /// An empty document whose root gets a `shapes` map and the given lists, in one
    /// untimed transaction.
    init(replica: ReplicaID, lists listNames: [String]) throws(DocumentError) {
        document = Document(replica: replica)
        var shapes: ObjectID?
        var lists: [String: ObjectID] = [:]
        try document.transact { (doc: inout Document) throws(DocumentError) in
            shapes = try doc.makeObject(.map, forKey: "shapes")
            for name in listNames { lists[name] = try doc.makeObject(.list, forKey: name) }
        }
        self.shapes = shapes
        self.lists = lists
    }

    /// Wraps an imported document; call ``attach()`` before applying actions.
    init(document: Document) { self.document = document }

    /// Resolves the roots and every shape's map (untimed set-up after an import).
    mutating func attach() throws {
        handles.removeAll()
        lists.removeAll()
        shapes = nil
        for (key, value) in try document.entries() {
            guard case .object(let object) = value else { continue }
            switch document.kind(of: object) {
            case .map? where key == "shapes": shapes = object
            case .list?: lists[key] = object
            default: break
            }
        }
        guard let shapes else { return }
        try document.forEachEntry(in: shapes) { id, value in
            if case .object(let object) = value { handles[id] = object }
        }
    }

    /// Applies `actions`, `batch` consecutive actions per transaction.
    mutating func apply(_ actions: [ShapeAction], batch: Int) throws(ReplayFailure) {
        // Moved out (not copied) so the transaction closure can fill it while `document` is
        // being mutated.
        var handles = self.handles
        self.handles = [:]
        defer { self.handles = handles }
        let shapes = self.shapes
        let lists = self.lists
        var start = 0
        while start < actions.count {
            let end = min(actions.count, start + max(1, batch))
            let chunk = actions[start..<end]
            var failure: ReplayFailure?
            do {
                try document.transact { (doc: inout Document) throws(DocumentError) in
                    for (offset, action) in zip(chunk.indices, chunk) {
                        switch action {
                        case .create(let id, let fields):
                            guard let shapes else { failure = .missingRoot("shapes", action: offset); return }
                            let shape = try doc.makeObject(.map, forKey: id, in: shapes)
                            for field in fields { try doc.set(field.key, to: field.value.tessera, in: shape) }
                            handles[id] = shape
                        case .set(let id, let key, let value):
                            guard let shape = handles[id] else { failure = .unknownShape(id, action: offset); return }
                            try doc.set(key, to: value.tessera, in: shape)
                        case .append(let name, let value):
                            guard let list = lists[name] else { failure = .missingRoot(name, action: offset); return }
                            try doc.append(value.tessera, to: list)
                        }
                    }
                }
            } catch {
                throw .document(error, action: start)
            }
            if let failure { throw failure }
            start = end
        }
    }

    /// The full state as plain values (the untimed conversion after a timed read).
    static func state(of value: MaterializedValue) -> (shapes: [String: [String: ShapeValue]], lists: [String: [ShapeValue]]) {
        var shapes: [String: [String: ShapeValue]] = [:]
        var lists: [String: [ShapeValue]] = [:]
        for (key, entry) in value.mapValue ?? [:] {
            if key == "shapes", let map = entry.mapValue {
                for (id, shape) in map {
                    var fields: [String: ShapeValue] = [:]
                    for (field, v) in shape.mapValue ?? [:] {
                        if let scalar = ShapeValue(v) { fields[field] = scalar }
                    }
                    shapes[id] = fields
                }
            } else if let list = entry.listValue {
                lists[key] = list.compactMap(ShapeValue.init)
            }
        }
        return (shapes, lists)
    }
}

/// Why an op stream could not be applied to a replica.
enum ReplayFailure: Error, CustomStringConvertible {
    case document(DocumentError, action: Int)
    case unknownShape(String, action: Int)
    case missingRoot(String, action: Int)

    var description: String {
        switch self {
        case .document(let error, let action): "the document refused a transaction starting at action \(action): \(error)"
        case .unknownShape(let id, let action): "action \(action) updates shape \(id), which does not exist"
        case .missingRoot(let name, let action): "action \(action) needs the root \(name), which the document lacks"
        }
    }
}

extension ShapeValue {
    /// The Tessera value (`z` stays an integer, as in Loro and Automerge).
    var tessera: Value {
        switch self {
        case .string(let s): .string(s)
        case .double(let d): .double(d)
        case .int(let i): .int(i)
        }
    }

    /// The op-stream value of a materialised scalar, if it is one of the three kinds.
    init?(_ value: MaterializedValue) {
        switch value {
        case .scalar(.string(let s)): self = .string(s)
        case .scalar(.double(let d)): self = .double(d)
        case .scalar(.int(let i)): self = .int(i)
        case .text(let s): self = .string(s)
        default: return nil
        }
    }
}
