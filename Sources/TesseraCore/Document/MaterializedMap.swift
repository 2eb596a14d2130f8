/// The members of a materialised map (``MaterializedValue/map(_:)``), in the order of their
/// keys' UTF-8 bytes.
///
/// Keys are compared as the document compares them, by their bytes: a precomposed "é" and
/// "e" followed by U+0301 are two keys of a document, and two members here. A Swift
/// `Dictionary<String, …>` compares strings by canonical equivalence, so it would keep one of
/// the two, whichever came last, and two converged replicas could materialise differently.
/// Yjs and Automerge likewise keep keys as written.
public struct MaterializedMap: Hashable, Sendable, RandomAccessCollection, ExpressibleByDictionaryLiteral {
    /// The keys, sorted by their UTF-8 bytes, each once.
    public private(set) var keys: [String]
    /// The value of each key, at the key's position.
    public private(set) var values: [MaterializedValue]

    /// A map of `members`; of two with the same key (by bytes), the later one is kept.
    public init(_ members: some Sequence<(key: String, value: MaterializedValue)>) {
        // Ties (the same key twice) keep their order, so the later one is last among them.
        let sorted = members.enumerated().sorted { a, b in
            let order = a.element.key.utf8Order(b.element.key)
            return order != 0 ? order < 0 : a.offset < b.offset
        }
        keys = []
        values = []
        keys.reserveCapacity(sorted.count)
        values.reserveCapacity(sorted.count)
        for (_, member) in sorted {
            if let last = keys.last, last.hasSameUTF8(as: member.key) {
                values[values.count - 1] = member.value
            } else {
                keys.append(member.key)
                values.append(member.value)
            }
        }
    }

    public init(dictionaryLiteral elements: (String, MaterializedValue)...) {
        self.init(elements.lazy.map { (key: $0.0, value: $0.1) })
    }

    // A collection of (key, value) pairs, as a Dictionary is, so `for (key, value) in map` reads the same.
    public var startIndex: Int { keys.startIndex }
    public var endIndex: Int { keys.endIndex }
    public subscript(position: Int) -> (key: String, value: MaterializedValue) { (keys[position], values[position]) }

    /// The value at `key` (compared by bytes), if the map has that member. O(log n).
    public subscript(key: String) -> MaterializedValue? {
        var low = 0
        var high = keys.count
        while low < high {
            let middle = (low + high) / 2
            let order = keys[middle].utf8Order(key)
            if order == 0 { return values[middle] }
            if order < 0 { low = middle + 1 } else { high = middle }
        }
        return nil
    }

    public static func == (lhs: MaterializedMap, rhs: MaterializedMap) -> Bool {
        lhs.keys.count == rhs.keys.count && lhs.values == rhs.values
            && zip(lhs.keys, rhs.keys).allSatisfy { $0.hasSameUTF8(as: $1) }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(keys.count)
        for key in keys {
            var bytes = key
            bytes.withUTF8 { utf8 in
                hasher.combine(utf8.count)
                hasher.combine(bytes: UnsafeRawBufferPointer(utf8))
            }
        }
        hasher.combine(values)
    }
}
