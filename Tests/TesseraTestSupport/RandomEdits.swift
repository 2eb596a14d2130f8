import TesseraCore

/// Random edits over every kind of object, for the convergence runs of Core and Sync.
public enum RandomEdits {
    /// The map keys edits use: few, so concurrent writes collide often.
    public static let keys = ["a", "b", "c", "fill", "x"]

    /// One random edit of a random reachable object of `doc`.
    public static func randomEdit(_ doc: inout Document, _ rng: inout SplitMix64) throws {
        let objects = reachableObjects(doc)
        let (object, kind) = objects[rng.below(objects.count)]
        let key = keys[rng.below(keys.count)]
        switch kind {
        case .map:
            switch rng.below(11) {
            case 0: _ = try doc.makeObject([.map, .list, .text, .counter][rng.below(4)], forKey: key, in: object)
            case 1: try doc.delete(key, in: object)
            case 2: try doc.set(key, to: .double(Double(rng.below(1000)) / 10), in: object)
            case 3: try doc.set(key, to: .null, in: object)
            case 4: try doc.set(key, to: .string("shape-\(rng.below(100))"), in: object)
            default: try doc.set(key, to: .int(Int64(rng.below(100))), in: object)
            }
        case .list:
            let count = try doc.count(of: object)
            if count > 0, rng.chance(30) {
                let index = rng.below(count)
                try doc.remove(at: index, count: 1 + rng.below(min(3, count - index)), in: object)
            } else if rng.chance(15) {
                _ = try doc.insertObject([.map, .text][rng.below(2)], at: rng.below(count + 1), in: object)
            } else {
                let values = (0..<(1 + rng.below(3))).map { _ in Value.int(Int64(rng.below(1000))) }
                try doc.insert(contentsOf: values, at: rng.below(count + 1), in: object)
            }
        case .text:
            let count = try doc.count(of: object)
            if count > 0, rng.chance(35) {
                let index = rng.below(count)
                try doc.remove(at: index, count: 1 + rng.below(min(4, count - index)), in: object)
            } else {
                let words = ["a", "bc", "def", "é", "🙂", "xyz "]
                try doc.insertText(words[rng.below(words.count)], at: rng.below(count + 1), in: object)
            }
        case .counter:
            try doc.increment(object, by: Int64(rng.below(21)) - 10)
        }
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
