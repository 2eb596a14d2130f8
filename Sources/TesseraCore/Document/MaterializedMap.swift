/// The members of a materialised map (``MaterializedValue/map(_:)``), in the order of their
/// keys' UTF-8 bytes.
///
/// Keys are compared as the document compares them, by their bytes: a precomposed "é" and
/// "e" followed by U+0301 are two keys of a document, and two members here. A Swift
/// `Dictionary<String, …>` compares strings by canonical equivalence, so it would keep one of
/// the two, whichever came last, and two converged replicas could materialise differently.
/// Yjs and Automerge likewise keep keys as written.
public struct MaterializedMap: Hashable, Sendable, RandomAccessCollection, ExpressibleByDictionaryLiteral {
    /// One member: a key and its value.
    public struct Member: Hashable, Sendable {
        public let key: String
        public let value: MaterializedValue

        public init(key: String, value: MaterializedValue) {
            self.key = key
            self.value = value
        }

        public static func == (lhs: Member, rhs: Member) -> Bool {
            lhs.key.hasSameUTF8(as: rhs.key) && lhs.value == rhs.value
        }

        public func hash(into hasher: inout Hasher) {
            var bytes = key
            bytes.withUTF8 { utf8 in
                hasher.combine(utf8.count)
                hasher.combine(bytes: UnsafeRawBufferPointer(utf8))
            }
            hasher.combine(value)
        }
    }

    /// The members, sorted by the UTF-8 bytes of their keys, each key once.
    public private(set) var members: [Member]

    /// A map of `members`; of two with the same key (by bytes), the later one is kept.
    public init(_ members: some Sequence<(key: String, value: MaterializedValue)>) {
        // Ties (the same key twice) keep their order, so the later one is last among them.
        let sorted = members.enumerated().sorted { a, b in
            let order = a.element.key.utf8Order(b.element.key)
            return order != 0 ? order < 0 : a.offset < b.offset
        }
        var unique: [Member] = []
        unique.reserveCapacity(sorted.count)
        for (_, member) in sorted {
            if let last = unique.last, last.key.hasSameUTF8(as: member.key) {
                unique[unique.count - 1] = Member(key: member.key, value: member.value)
            } else {
                unique.append(Member(key: member.key, value: member.value))
            }
        }
        self.members = unique
    }

    public init(dictionaryLiteral elements: (String, MaterializedValue)...) {
        self.init(elements.lazy.map { (key: $0.0, value: $0.1) })
    }

    public var startIndex: Int { members.startIndex }
    public var endIndex: Int { members.endIndex }
    public subscript(position: Int) -> Member { members[position] }

    /// The keys, in order.
    public var keys: [String] { members.map(\.key) }

    /// The value at `key` (compared by bytes), if the map has that member. O(log n).
    public subscript(key: String) -> MaterializedValue? {
        var low = 0
        var high = members.count
        while low < high {
            let middle = (low + high) / 2
            let order = members[middle].key.utf8Order(key)
            if order == 0 { return members[middle].value }
            if order < 0 { low = middle + 1 } else { high = middle }
        }
        return nil
    }
}
