/// The engine-independent meaning of a single-writer op stream: the state a plain
/// dictionary replay reaches (`replay_shapes_sequential` in workloads.py, extended with the
/// root lists that `append` writes).
public struct ReferenceState: Equatable, Sendable {
    /// `shapes[id][key]`.
    public var shapes: [String: [String: ShapeValue]] = [:]
    /// Root lists by name.
    public var lists: [String: [ShapeValue]] = [:]

    /// The empty state.
    public init() {}

    /// The state after `actions`, in order.
    ///
    /// - Throws: ``ReplayError/unknownShape(action:id:)`` if a `set` names a shape no
    ///   earlier `create` made (the stream is not self-contained).
    public init(replaying actions: [ShapeAction]) throws(ReplayError) {
        try apply(actions)
    }

    /// Applies more actions.
    public mutating func apply(_ actions: [ShapeAction]) throws(ReplayError) {
        for (index, action) in actions.enumerated() {
            switch action {
            case .create(let id, let fields):
                var shape: [String: ShapeValue] = [:]
                for field in fields { shape[field.key] = field.value }
                shapes[id] = shape
            case .set(let id, let key, let value):
                guard shapes[id] != nil else { throw .unknownShape(action: index, id: id) }
                shapes[id]?[key] = value
            case .append(let list, let value):
                lists[list, default: []].append(value)
            }
        }
    }

    /// Whether an engine's state equals this one, comparing numbers by value (`5 == 5.0`)
    /// as WORKLOADS.md §2 asks. Returns the first difference, or `nil` if equal.
    public func firstDifference(shapes other: [String: [String: ShapeValue]], lists otherLists: [String: [ShapeValue]]) -> String? {
        if shapes.count != other.count { return "\(other.count) shapes, expected \(shapes.count)" }
        for (id, fields) in shapes {
            guard let got = other[id] else { return "shape \(id) is missing" }
            if got.count != fields.count { return "shape \(id) has \(got.count) fields, expected \(fields.count)" }
            for (key, value) in fields {
                guard let v = got[key] else { return "\(id).\(key) is missing" }
                if !v.matches(value) { return "\(id).\(key) = \(v), expected \(value)" }
            }
        }
        for (name, values) in lists {
            let got = otherLists[name] ?? []
            if got.count != values.count { return "list \(name) has \(got.count) entries, expected \(values.count)" }
            for (i, (a, b)) in zip(got, values).enumerated() where !a.matches(b) {
                return "\(name)[\(i)] = \(a), expected \(b)"
            }
        }
        for (name, values) in otherLists where lists[name] == nil && !values.isEmpty {
            return "unexpected list \(name)"
        }
        return nil
    }
}

/// Why a stream cannot be replayed.
public enum ReplayError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Action number `action` (0-based) updates a shape no earlier action created.
    case unknownShape(action: Int, id: String)

    public var description: String {
        switch self {
        case .unknownShape(let action, let id): "action \(action) updates shape \(id), which no earlier action creates"
        }
    }
}

/// The W2 invariants of a converged state (`check_w2_merge` in workloads.py).
///
/// LWW winners and the interleaving of concurrent appends are engine specific, so the check
/// is that every field ends with A's last write, B's last write or (if neither wrote it) the
/// base value, and that every list keeps each side's order.
public struct DivergentChecks: Sendable {
    /// The merged state has exactly the base's shapes.
    public var shapeCountOK: Bool
    /// No field has a value outside its candidates.
    public var fieldsOK: Bool
    /// Fields outside their candidates (each field of a missing shape counts).
    public var badFields: Int
    /// Every list has base + A + B entries.
    public var listLengthOK: Bool
    /// Every list keeps each side's appends in order.
    public var listOrderOK: Bool
    /// (shape, field) pairs written on both sides.
    public var concurrentlyWrittenFields: Int

    /// Checks `shapes` and `lists` (a converged replica's state) against the streams.
    public init(base: [ShapeAction], sessionA: [ShapeAction], sessionB: [ShapeAction],
                shapes: [String: [String: ShapeValue]], lists: [String: [ShapeValue]]) throws(ReplayError) {
        let baseState = try ReferenceState(replaying: base)
        struct FieldKey: Hashable { var id: String; var key: String }
        func lastWrites(_ session: [ShapeAction]) -> [FieldKey: ShapeValue] {
            var last: [FieldKey: ShapeValue] = [:]
            for case .set(let id, let key, let value) in session { last[FieldKey(id: id, key: key)] = value }
            return last
        }
        func appends(_ session: [ShapeAction]) -> [String: [ShapeValue]] {
            var result: [String: [ShapeValue]] = [:]
            for case .append(let list, let value) in session { result[list, default: []].append(value) }
            return result
        }
        let lastA = lastWrites(sessionA)
        let lastB = lastWrites(sessionB)
        var bad = 0
        for (id, fields) in baseState.shapes {
            guard let got = shapes[id] else {
                bad += fields.count
                continue
            }
            for (key, initial) in fields {
                let field = FieldKey(id: id, key: key)
                var candidates = [lastA[field], lastB[field]].compactMap { $0 }
                if candidates.isEmpty { candidates = [initial] }
                guard let value = got[key], candidates.contains(where: { $0.matches(value) }) else {
                    bad += 1
                    continue
                }
            }
        }
        shapeCountOK = shapes.count == baseState.shapes.count
        fieldsOK = bad == 0
        badFields = bad
        concurrentlyWrittenFields = Set(lastA.keys).intersection(lastB.keys).count

        let appendsA = appends(sessionA)
        let appendsB = appends(sessionB)
        var lengthOK = true
        var orderOK = true
        for name in Set(appendsA.keys).union(appendsB.keys).union(baseState.lists.keys) {
            let merged = lists[name] ?? []
            let a = appendsA[name] ?? []
            let b = appendsB[name] ?? []
            if merged.count != (baseState.lists[name]?.count ?? 0) + a.count + b.count { lengthOK = false }
            let setA = Set(a)
            let setB = Set(b)
            if setA.isDisjoint(with: setB) {
                // What the reference checks: each side's messages, filtered out of the merged list, in order.
                if merged.filter(setA.contains) != a || merged.filter(setB.contains) != b { orderOK = false }
            } else if !DivergentChecks.isSubsequence(a, of: merged) || !DivergentChecks.isSubsequence(b, of: merged) {
                orderOK = false
            }
        }
        listLengthOK = lengthOK
        listOrderOK = orderOK
    }

    static func isSubsequence(_ needle: [ShapeValue], of haystack: [ShapeValue]) -> Bool {
        var i = needle.startIndex
        for value in haystack where i < needle.endIndex && needle[i] == value { i += 1 }
        return i == needle.endIndex
    }
}
