import TesseraCore

/// Every object reachable from the root, with its kind.
func reachableObjects(_ doc: Document) -> [(id: ObjectID, kind: ObjectKind)] {
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
