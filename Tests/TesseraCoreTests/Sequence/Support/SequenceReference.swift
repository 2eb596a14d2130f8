@testable import TesseraCore

/// One item of the naive reference sequence.
struct SequenceReferenceItem: Equatable {
    /// Item id.
    var id: ItemID
    /// Left origin (`nil` = start).
    var originLeft: ItemID?
    /// Right origin (`nil` = end).
    var originRight: ItemID?
    /// Tombstone flag.
    var isDeleted: Bool
}

/// Branch counters of `SequenceReference.integrate`.
struct SequenceScanStatistics {
    /// Items examined by the scan (beyond the immediate stop).
    var itemsScanned = 0
    /// `oleft == left && oright < right` cases (scanning started).
    var scanningStarted = 0
    /// Raw conflicts (identical origins) resolved by replica key.
    var rawConflicts = 0

    /// Component-wise sum.
    static func + (lhs: SequenceScanStatistics, rhs: SequenceScanStatistics) -> SequenceScanStatistics {
        SequenceScanStatistics(itemsScanned: lhs.itemsScanned + rhs.itemsScanned,
                       scanningStarted: lhs.scanningStarted + rhs.scanningStarted,
                       rawConflicts: lhs.rawConflicts + rhs.rawConflicts)
    }
}

/// A deliberately naive implementation of reference-crdts `integrateYjsMod`: an array of items, linear
/// id lookups, one item integrated at a time, exactly as in the published pseudo-code. It is the
/// oracle `SequenceTree` is compared against.
struct SequenceReference {
    /// Items in sequence order, tombstones included.
    var items: [SequenceReferenceItem] = []
    /// `items[i].id.raw`, kept in parallel so lookups scan a compact array.
    private var rawIDs: [UInt64] = []
    /// How often the interesting branches of the scan were taken (to prove the tests reach them).
    var statistics = SequenceScanStatistics()

    /// Index of `id` in `items` (linear scan), `nil` if absent.
    func find(_ id: ItemID) -> Int? {
        rawIDs.withUnsafeBufferPointer { buffer in
            for index in 0..<buffer.count where buffer[index] == id.raw {
                return index
            }
            return nil
        }
    }

    /// reference-crdts `findItemAtPos(doc, pos, stick_end = false)`: the index of the `position`-th
    /// visible item, or `items.count` when `position` equals the visible length.
    func findItemAtPos(_ position: Int) -> Int {
        var remaining = position
        for index in items.indices {
            if items[index].isDeleted { continue }
            if remaining == 0 { return index }
            remaining -= 1
        }
        precondition(remaining == 0, "past end of the document")
        return items.count
    }

    /// Visible ids in order.
    var visibleIDs: [ItemID] {
        items.filter { !$0.isDeleted }.map(\.id)
    }

    /// Number of visible items before index `index`.
    func visibleCount(before index: Int) -> Int {
        items[..<index].reduce(0) { $0 + ($1.isDeleted ? 0 : 1) }
    }

    /// Local insert of `count` items one at a time (as reference-crdts `localInsert` does per character);
    /// returns the first item's origins.
    mutating func localInsert(at position: Int, first: ItemID, count: Int, replicaKey: (UInt32) -> UInt64)
        -> (originLeft: ItemID?, originRight: ItemID?) {
        var firstOrigins: (originLeft: ItemID?, originRight: ItemID?) = (nil, nil)
        for k in 0..<count {
            let index = findItemAtPos(position + k)
            let item = SequenceReferenceItem(
                id: first.advanced(by: k),
                originLeft: index > 0 ? items[index - 1].id : nil,
                originRight: index < items.count ? items[index].id : nil,
                isDeleted: false)
            if k == 0 { firstOrigins = (item.originLeft, item.originRight) }
            let destination = integrate(item, replicaKey: replicaKey)
            precondition(destination == index, "local insert must land at its slot")
        }
        return firstOrigins
    }

    /// Integrates a run the way reference-crdts would receive it: item by item, item `k > 0` having item
    /// `k - 1` as left origin and sharing the right origin. Returns the index of the first item.
    @discardableResult
    mutating func integrateRun(first: ItemID, count: Int, originLeft: ItemID?, originRight: ItemID?,
                               replicaKey: (UInt32) -> UInt64) -> Int {
        var firstIndex = -1
        for k in 0..<count {
            let item = SequenceReferenceItem(
                id: first.advanced(by: k),
                originLeft: k == 0 ? originLeft : first.advanced(by: k - 1),
                originRight: originRight,
                isDeleted: false)
            let index = integrate(item, replicaKey: replicaKey)
            if k == 0 { firstIndex = index }
        }
        return firstIndex
    }

    /// `integrateYjsMod` for one item, verbatim. Returns the index where it was inserted.
    mutating func integrate(_ newItem: SequenceReferenceItem, replicaKey: (UInt32) -> UInt64) -> Int {
        let left = newItem.originLeft.map { find($0) ?? -1 } ?? -1
        var destIdx = left + 1
        let right = newItem.originRight.map { find($0) ?? items.count } ?? items.count
        var scanning = false
        var i = destIdx
        while true {
            if !scanning { destIdx = i }
            if i == items.count { break }
            if i == right { break }
            let other = items[i]
            statistics.itemsScanned += 1
            let oleft = other.originLeft.map { find($0) ?? -1 } ?? -1
            let oright = other.originRight.map { find($0) ?? items.count } ?? items.count
            if oleft < left {
                break
            } else if oleft == left {
                if oright < right {
                    scanning = true
                    statistics.scanningStarted += 1
                } else if oright == right {
                    statistics.rawConflicts += 1
                    if replicaKey(newItem.id.replica) < replicaKey(other.id.replica) {
                        break
                    } else {
                        scanning = false
                    }
                } else {
                    scanning = false
                }
            }
            i += 1
        }
        items.insert(newItem, at: destIdx)
        rawIDs.insert(newItem.id.raw, at: destIdx)
        return destIdx
    }

    /// Deletes the visible items `position ..< position + count`; returns their ids in order.
    mutating func localDelete(at position: Int, count: Int) -> [ItemID] {
        var deleted: [ItemID] = []
        for _ in 0..<count {
            let index = findItemAtPos(position)
            items[index].isDeleted = true
            deleted.append(items[index].id)
        }
        return deleted
    }

    /// Tombstones `id` if present.
    mutating func delete(_ id: ItemID) {
        if let index = find(id) { items[index].isDeleted = true }
    }
}

extension SequenceTree {
    /// The tree's content flattened to per-item records (origins expanded by the run invariant), for
    /// comparison with `SequenceReference.items`.
    var flattenedForTesting: [SequenceReferenceItem] {
        var result: [SequenceReferenceItem] = []
        forEachRun { run in
            for k in 0..<run.count {
                result.append(SequenceReferenceItem(
                    id: run.first.advanced(by: k),
                    originLeft: k == 0 ? run.originLeft : run.first.advanced(by: k - 1),
                    originRight: run.originRight,
                    isDeleted: run.isDeleted))
            }
        }
        return result
    }

    /// All runs in order.
    var runsForTesting: [SequenceRun] {
        var result: [SequenceRun] = []
        forEachRun { result.append($0) }
        return result
    }

    /// The visible content materialised from `content` via `forEachVisibleRun`.
    func materializedForTesting<Element>(_ content: [Element]) -> [Element] {
        var result: [Element] = []
        result.reserveCapacity(visibleCount)
        forEachVisibleRun { offset, count in
            result.append(contentsOf: content[offset..<(offset + count)])
        }
        return result
    }
}
