import TesseraCore

/// Random edits over every kind of object, for the convergence runs of Core and Sync.
public enum RandomEdits {
    /// The map keys edits use: few, so concurrent writes collide often.
    public static let keys = ["a", "b", "c", "fill", "x"]

    /// What the convergence runs write: few keys (so concurrent writes collide often), small
    /// plain values, short words.
    public static let convergence = EditVocabulary(
        keys: keys, mapDraws: 11,
        mapValue: { draw, rng in
            switch draw {
            case 2: .double(Double(rng.below(1000)) / 10)
            case 3: .null
            case 4: .string("shape-\(rng.below(100))")
            default: .int(Int64(rng.below(100)))
            }
        },
        listObjectKinds: [.map, .text],
        listValue: { rng in .int(Int64(rng.below(1000))) },
        text: { rng in ["a", "bc", "def", "é", "🙂", "xyz "][rng.below(6)] },
        counterSpan: 10)

    /// One random edit of a random reachable object of `doc`, drawn from `vocabulary`.
    public static func randomEdit(_ doc: inout Document, _ rng: inout SplitMix64,
                                  vocabulary: EditVocabulary = convergence) throws {
        let objects = reachableObjects(doc)
        let (object, kind) = objects[rng.below(objects.count)]
        let key = vocabulary.keys[rng.below(vocabulary.keys.count)]
        switch kind {
        case .map:
            let draw = rng.below(vocabulary.mapDraws)
            switch draw {
            case 0: _ = try doc.makeObject([.map, .list, .text, .counter][rng.below(4)], forKey: key, in: object)
            case 1: try doc.delete(key, in: object)
            default: try doc.set(key, to: vocabulary.mapValue(draw, &rng), in: object)
            }
        case .list:
            let count = try doc.count(of: object)
            if count > 0, rng.chance(30) {
                let index = rng.below(count)
                try doc.remove(at: index, count: 1 + rng.below(min(3, count - index)), in: object)
            } else if rng.chance(15) {
                let kinds = vocabulary.listObjectKinds
                _ = try doc.insertObject(kinds[rng.below(kinds.count)], at: rng.below(count + 1), in: object)
            } else {
                let values = (0..<(1 + rng.below(3))).map { _ in vocabulary.listValue(&rng) }
                try doc.insert(contentsOf: values, at: rng.below(count + 1), in: object)
            }
        case .text:
            let count = try doc.count(of: object)
            if count > 0, rng.chance(35) {
                let index = rng.below(count)
                try doc.remove(at: index, count: 1 + rng.below(min(4, count - index)), in: object)
            } else {
                let text = vocabulary.text(&rng)
                if !text.isEmpty { try doc.insertText(text, at: rng.below(count + 1), in: object) }
            }
        case .counter:
            let span = vocabulary.counterSpan
            try doc.increment(object, by: Int64(rng.below(2 * span + 1)) - Int64(span))
        }
    }
}

/// What ``RandomEdits/randomEdit(_:_:vocabulary:)`` writes. The order of draws is fixed, so
/// a seed gives the same edits for as long as a vocabulary stays the same.
public struct EditVocabulary: Sendable {
    /// The map keys edits use.
    public var keys: [String]
    /// A map edit draws below this: 0 makes an object, 1 deletes, any other draw sets
    /// `mapValue(draw, &rng)`.
    public var mapDraws: Int
    public var mapValue: @Sendable (Int, inout SplitMix64) -> Value
    /// The kinds of objects inserted into lists.
    public var listObjectKinds: [ObjectKind]
    public var listValue: @Sendable (inout SplitMix64) -> Value
    /// Text to insert (an empty string inserts nothing).
    public var text: @Sendable (inout SplitMix64) -> String
    /// Counter increments lie in -counterSpan ... counterSpan.
    public var counterSpan: Int

    public init(keys: [String], mapDraws: Int, mapValue: @escaping @Sendable (Int, inout SplitMix64) -> Value,
                listObjectKinds: [ObjectKind], listValue: @escaping @Sendable (inout SplitMix64) -> Value,
                text: @escaping @Sendable (inout SplitMix64) -> String, counterSpan: Int) {
        self.keys = keys
        self.mapDraws = mapDraws
        self.mapValue = mapValue
        self.listObjectKinds = listObjectKinds
        self.listValue = listValue
        self.text = text
        self.counterSpan = counterSpan
    }
}

/// Every object reachable from the root, with its kind.
public func reachableObjects(_ doc: Document) -> [(id: ObjectID, kind: ObjectKind)] {
    var result: [(ObjectID, ObjectKind)] = [(.root, .map)]
    var queue: [ObjectID] = [.root]
    var seen: Set<ObjectID> = [.root]
    while let object = queue.popLast() {
        var children: [Value] = []
        switch doc.kind(of: object) {
        case .map: children = ((try? doc.entries(in: object)) ?? []).map(\.value)
        case .list: children = (try? doc.list(object)) ?? []
        default: break
        }
        for case .object(let child) in children where seen.insert(child).inserted {
            if let kind = doc.kind(of: child) {
                result.append((child, kind))
                queue.append(child)
            }
        }
    }
    return result
}
