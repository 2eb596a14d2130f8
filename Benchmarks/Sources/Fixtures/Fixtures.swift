import Peerbench
import TesseraCore

/// Deterministic documents for the package-benchmark suites, built from the peerbench
/// generators (SplitMix64, shape vocabulary) so every run measures the same data.
public enum Fixtures {
    /// The replica that builds fixtures (Loro's peer A of WORKLOADS.md §7).
    public static let replicaA = replica(0x2F1A_3B4C_5D6E_7F81)
    /// A second writer (Loro's peer B).
    public static let replicaB = replica(0x5E6D_7C8B_9AA9_B8C7)

    /// A random-looking, reproducible replica ID for writer `index`.
    public static func replica(index: Int) -> ReplicaID {
        var rng = SplitMix64(seed: 0x7E55_E7A0 &+ UInt64(index))
        return ReplicaID.random(using: &rng)
    }

    /// Opens `snapshot` as `replica` with its state and history decoded, so that a timed
    /// write or merge measures only itself (a snapshot opens lazily, and its history is
    /// decoded by the first write).
    public static func openForWriting(_ snapshot: [UInt8], replica: ReplicaID) throws -> Document {
        var document = try Document(decoding: snapshot, replica: replica)
        try document.apply([Change]())
        return document
    }

    static func replica(_ raw: UInt64) -> ReplicaID {
        guard let id = ReplicaID(rawValue: raw) else { preconditionFailure("fixture replica IDs are non-zero") }
        return id
    }

    // MARK: Shapes

    /// A document with a root `shapes` map of `count` shapes (8 fields each, one
    /// transaction per shape, as W1 creates them).
    public static func shapeDocument(shapes count: Int, replica: ReplicaID = replicaA, seed: UInt64 = 42) -> ShapeDocument {
        var document = Document(replica: replica)
        var rng = SplitMix64(seed: seed)
        do {
            let shapes = try document.makeObject(.map, forKey: "shapes")
            var handles: [ObjectID] = []
            handles.reserveCapacity(count)
            for index in 0..<count {
                guard case .create(let id, let fields) = ShapeVocabulary.create(&rng, index: index) else { continue }
                try document.transact { (doc: inout Document) throws(DocumentError) in
                    let shape = try doc.makeObject(.map, forKey: id, in: shapes)
                    for field in fields { try doc.set(field.key, to: field.value.value, in: shape) }
                    handles.append(shape)
                }
            }
            return ShapeDocument(document: document, shapes: shapes, handles: handles)
        } catch {
            preconditionFailure("building a fixture failed: \(error)")
        }
    }

    /// `count` W1-style property updates of `shapeCount` shapes, resolved to handles.
    public static func updates(_ count: Int, shapeCount: Int, seed: UInt64) -> [PropertyWrite] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in
            guard case .set(let id, let key, let value) = ShapeVocabulary.update(&rng, shapeCount: shapeCount),
                let index = Int(id.dropFirst())
            else { preconditionFailure("updates are sets") }
            return PropertyWrite(shape: index, key: key, value: value.value)
        }
    }

    /// Applies `writes` to `fixture`, one single-operation transaction each.
    public static func apply(_ writes: [PropertyWrite], to fixture: inout ShapeDocument) {
        do {
            for write in writes { try fixture.document.set(write.key, to: write.value, in: fixture.handles[write.shape]) }
        } catch {
            preconditionFailure("applying fixture writes failed: \(error)")
        }
    }

    /// `replicas` forks of a `baseShapes`-shape document, each after `operations` updates of
    /// its own (one transaction each), for merge benchmarks. Replica 0 is the base's writer.
    public static func divergentShapeReplicas(_ replicas: Int, operations: Int, baseShapes: Int = 1_000) -> [Document] {
        let base = shapeDocument(shapes: baseShapes)
        return (0..<replicas).map { r in
            var fork = base
            if r > 0 { fork.document = base.document.fork(replica: replica(index: r)) }
            apply(updates(operations, shapeCount: baseShapes, seed: 1_000 &+ UInt64(r)), to: &fork)
            return fork.document
        }
    }

    // MARK: Sequences

    /// A document with a root `list` of `count` short strings, appended in transactions of 1,000.
    public static func listDocument(count: Int, replica: ReplicaID = replicaA) -> SequenceDocument {
        var document = Document(replica: replica)
        do {
            let list = try document.makeObject(.list, forKey: "list")
            var added = 0
            while added < count {
                let chunk = min(1_000, count - added)
                try document.insert(contentsOf: (added..<(added + chunk)).map { .string("item \($0)") }, at: added, in: list)
                added += chunk
            }
            return SequenceDocument(document: document, object: list)
        } catch {
            preconditionFailure("building a fixture failed: \(error)")
        }
    }

    /// A document with a root `text` of `count` scalars, written as 10-scalar words at
    /// random positions (so it is made of many runs, like an edited document).
    public static func textDocument(count: Int, replica: ReplicaID = replicaA, seed: UInt64 = 7) -> SequenceDocument {
        var document = Document(replica: replica)
        var rng = SplitMix64(seed: seed)
        do {
            let text = try document.makeObject(.text, forKey: "text")
            var length = 0
            while length < count {
                let word = String(ShapeVocabulary.words[rng.below(32)].prefix(9)) + " "
                let piece = String(word.prefix(count - length))
                try document.insertText(piece, at: rng.below(length + 1), in: text)
                length += piece.unicodeScalars.count
            }
            return SequenceDocument(document: document, object: text)
        } catch {
            preconditionFailure("building a fixture failed: \(error)")
        }
    }

    /// `count` random single-scalar edits of a text that starts `length` long: about 70 %
    /// inserts and 30 % deletions, one transaction each.
    public static func randomTextEdits(_ count: Int, on fixture: inout SequenceDocument, seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        do {
            var length = try fixture.document.count(of: fixture.object)
            for _ in 0..<count {
                if length > 0 && rng.below(10) < 3 {
                    try fixture.document.remove(at: rng.below(length), count: 1, in: fixture.object)
                    length -= 1
                } else {
                    let scalar = Character(Unicode.Scalar(UInt8(ascii: "a") + UInt8(rng.below(26))))
                    try fixture.document.insertText(String(scalar), at: rng.below(length + 1), in: fixture.object)
                    length += 1
                }
            }
        } catch {
            preconditionFailure("editing a fixture failed: \(error)")
        }
    }
}

/// A shape document and the object IDs a real app would keep.
public struct ShapeDocument: Sendable {
    /// The document.
    public var document: Document
    /// The root `shapes` map.
    public var shapes: ObjectID
    /// Each shape's map, by shape index.
    public var handles: [ObjectID]
}

/// A document with one list or text under the root.
public struct SequenceDocument: Sendable {
    /// The document.
    public var document: Document
    /// The list or text.
    public var object: ObjectID
}

/// One property write of a shape, by shape index.
public struct PropertyWrite: Sendable {
    /// Index into ``ShapeDocument/handles``.
    public var shape: Int
    /// The property.
    public var key: String
    /// The value.
    public var value: Value
}

extension ShapeValue {
    /// The Tessera value.
    public var value: Value {
        switch self {
        case .string(let s): .string(s)
        case .double(let d): .double(d)
        case .int(let i): .int(i)
        }
    }
}
