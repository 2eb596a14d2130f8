// TEMPORARY naive implementation until the B-tree lands. Same API.
struct ItemID: Hashable, Sendable, Comparable {
    var raw: UInt64
    init(replica: UInt32, counter: UInt32) { raw = UInt64(replica) << 32 | UInt64(counter) }
    var replica: UInt32 { UInt32(raw >> 32) }
    var counter: UInt32 { UInt32(truncatingIfNeeded: raw) }
    func advanced(by n: Int) -> ItemID { ItemID(replica: replica, counter: counter + UInt32(n)) }
    static func < (a: ItemID, b: ItemID) -> Bool { a.raw < b.raw }
}
struct ItemIndex: Sendable { init() {} }
struct SequenceRun: Equatable, Sendable { var first: ItemID; var count: Int; var originLeft: ItemID?; var originRight: ItemID?; var contentOffset: Int; var isDeleted: Bool }
struct SequenceTree: Sendable {
    struct Item { var id: ItemID; var left: ItemID?; var right: ItemID?; var offset: Int; var deleted: Bool }
    var items: [Item] = []
    init() {}
    var visibleCount: Int { items.count { !$0.deleted } }
    var totalCount: Int { items.count }
    func pos(_ id: ItemID) -> Int? { items.firstIndex { $0.id == id } }
    func findVisible(_ position: Int) -> Int {
        var p = position
        for (i, it) in items.enumerated() where !it.deleted { if p == 0 { return i }; p -= 1 }
        return items.count
    }
    mutating func insertLocal(at position: Int, first: ItemID, count: Int, contentOffset: Int, index: inout ItemIndex) -> (originLeft: ItemID?, originRight: ItemID?) {
        let i = findVisible(position)
        let left = i > 0 ? items[i-1].id : nil
        let right = i < items.count ? items[i].id : nil
        var new: [Item] = []
        for k in 0..<count { new.append(Item(id: first.advanced(by: k), left: k == 0 ? left : first.advanced(by: k-1), right: right, offset: contentOffset + k, deleted: false)) }
        items.insert(contentsOf: new, at: i)
        return (left, right)
    }
    mutating func integrate(first: ItemID, count: Int, originLeft: ItemID?, originRight: ItemID?, contentOffset: Int, index: inout ItemIndex, replicaKey: (UInt32) -> UInt64) -> Int {
        var pos0 = -1
        for k in 0..<count {
            let newID = first.advanced(by: k)
            let ol = k == 0 ? originLeft : first.advanced(by: k-1)
            let left = ol.flatMap(pos) ?? -1
            var dest = left + 1
            let right = originRight.flatMap(pos) ?? items.count
            var scanning = false
            var i = dest
            while true {
                if !scanning { dest = i }
                if i == items.count || i == right { break }
                let o = items[i]
                let oleft = o.left.flatMap(pos) ?? -1
                let oright = o.right.flatMap(pos) ?? items.count
                if oleft < left { break }
                else if oleft == left {
                    if oright < right { scanning = true }
                    else if oright == right { if replicaKey(newID.replica) < replicaKey(o.id.replica) { break } else { scanning = false } }
                    else { scanning = false }
                }
                i += 1
            }
            items.insert(Item(id: newID, left: ol, right: originRight, offset: contentOffset + k, deleted: false), at: dest)
            if k == 0 { pos0 = items[..<dest].count { !$0.deleted } }
        }
        return pos0
    }
    mutating func deleteLocal(at position: Int, count: Int, index: inout ItemIndex) -> [(first: ItemID, count: Int)] {
        var result: [(first: ItemID, count: Int)] = []
        var remaining = count
        var i = findVisible(position)
        while remaining > 0 && i < items.count {
            if !items[i].deleted {
                items[i].deleted = true
                remaining -= 1
                if let last = result.last, last.first.replica == items[i].id.replica, last.first.counter + UInt32(last.count) == items[i].id.counter {
                    result[result.count-1].count += 1
                } else { result.append((items[i].id, 1)) }
            }
            i += 1
        }
        return result
    }
    mutating func delete(first: ItemID, count: Int, index: inout ItemIndex) -> [(position: Int, count: Int)] {
        var out: [(position: Int, count: Int)] = []
        for k in 0..<count {
            guard let p = pos(first.advanced(by: k)), !items[p].deleted else { continue }
            out.append((items[..<p].count { !$0.deleted }, 1))
        }
        for k in 0..<count { if let p = pos(first.advanced(by: k)) { items[p].deleted = true } }
        return out.sorted { $0.position > $1.position }
    }
    func contains(_ id: ItemID, index: ItemIndex) -> Bool { pos(id) != nil }
    func isDeleted(_ id: ItemID, index: ItemIndex) -> Bool? { pos(id).map { items[$0].deleted } }
    func visiblePosition(of id: ItemID, index: ItemIndex) -> (position: Int, isDeleted: Bool)? {
        guard let p = pos(id) else { return nil }
        return (items[..<p].count { !$0.deleted }, items[p].deleted)
    }
    func item(atVisible position: Int) -> (id: ItemID, contentOffset: Int) { let i = findVisible(position); return (items[i].id, items[i].offset) }
    func forEachVisibleRun(_ body: (_ contentOffset: Int, _ count: Int) throws -> Void) rethrows { for it in items where !it.deleted { try body(it.offset, 1) } }
    func forEachRun(_ body: (_ run: SequenceRun) throws -> Void) rethrows { for it in items { try body(SequenceRun(first: it.id, count: 1, originLeft: it.left, originRight: it.right, contentOffset: it.offset, isDeleted: it.deleted)) } }
}
extension SequenceTree {
    func nextItem(after id: ItemID, index: ItemIndex) -> ItemID? { guard let p = pos(id), p + 1 < items.count else { return nil }; return items[p+1].id }
}
