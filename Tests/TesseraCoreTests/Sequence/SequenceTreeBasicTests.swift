import TesseraTestSupport
import Testing
@testable import TesseraCore

/// Unit tests of the value types and the tree's query/maintenance API.
@Suite("Sequence: SequenceTree basics")
struct SequenceTreeBasicTests {
    /// Packing, accessors, `advanced(by:)` and raw ordering of `ItemID`.
    @Test func itemIDPacking() {
        let id = ItemID(replica: 7, counter: 42)
        #expect(id.raw == 7 << 32 | 42)
        #expect(id.replica == 7 && id.counter == 42)
        #expect(id.advanced(by: 3) == ItemID(replica: 7, counter: 45))
        #expect(id.advanced(by: -2) == ItemID(replica: 7, counter: 40))
        // Counter wrap never leaks into the replica half.
        #expect(ItemID(replica: 7, counter: UInt32.max).advanced(by: 1).replica == 7)
        #expect(ItemID(replica: 1, counter: 9) < ItemID(replica: 2, counter: 1))
        #expect([ItemID(replica: 2, counter: 1), ItemID(replica: 1, counter: 5)].sorted().first == ItemID(replica: 1, counter: 5))
    }

    /// Run records stay plain-old-data and compact (two per cache line).
    @Test func runRecordLayout() {
        #expect(MemoryLayout<RunRecord>.size == 32)
        #expect(MemoryLayout<RunRecord>.stride == 32)
        #expect(_isPOD(RunRecord.self) && _isPOD(SequenceTree.ChildCounts.self) && _isPOD(SequenceTree.LeafHeader.self))
        var record = RunRecord(first: 5, count: 3, originLeft: 0, originRight: 0, contentOffset: 7, isDeleted: false)
        #expect(record.visibleCount == 3 && !record.isDeleted)
        record.isDeleted = true
        #expect(record.visibleCount == 0 && record.count == 3)
        record.count = RunRecord.maxCount
        #expect(record.isDeleted && record.count == RunRecord.maxCount)
    }

    /// `ItemIndex` across pages, replicas, page-table growth and extreme counters.
    @Test func itemIndexPaging() {
        var index = ItemIndex()
        #expect(index.leaf(of: ItemID(replica: 0, counter: 1)) == nil)
        index.setLeaf(3, for: ItemID(replica: 0, counter: 250), count: 20)  // crosses a page boundary
        #expect(index.leaf(of: ItemID(replica: 0, counter: 249)) == nil)
        #expect(index.leaf(of: ItemID(replica: 0, counter: 250)) == 3)
        #expect(index.leaf(of: ItemID(replica: 0, counter: 269)) == 3)
        #expect(index.leaf(of: ItemID(replica: 0, counter: 270)) == nil)
        index.setLeaf(0, for: ItemID(replica: 5, counter: 1_000_000), count: 1)
        #expect(index.leaf(of: ItemID(replica: 5, counter: 1_000_000)) == 0)
        #expect(index.leaf(of: ItemID(replica: 4, counter: 1_000_000)) == nil)
        index.setLeaf(9, for: ItemID(replica: 5, counter: UInt32.max), count: 5)  // clipped at UInt32.max
        #expect(index.leaf(of: ItemID(replica: 5, counter: UInt32.max)) == 9)
        for counter in stride(from: UInt32(1), to: 5000, by: 7) {
            index.setLeaf(Int(counter % 100), for: ItemID(replica: 2, counter: counter), count: 1)
        }
        for counter in stride(from: UInt32(1), to: 5000, by: 7) {
            #expect(index.leaf(of: ItemID(replica: 2, counter: counter)) == Int(counter % 100))
        }
        // Earlier replicas survive later page-table growth.
        #expect(index.leaf(of: ItemID(replica: 0, counter: 260)) == 3)
        // Skipping unknown ids page by page.
        #expect(index.firstRegisteredCounter(replica: 0, in: 1..<1000) == 250)
        #expect(index.firstRegisteredCounter(replica: 0, in: 260..<1000) == 260)
        #expect(index.firstRegisteredCounter(replica: 0, in: 270..<1_000_000) == nil)
        #expect(index.firstRegisteredCounter(replica: 0, in: 1..<250) == nil)
        #expect(index.firstRegisteredCounter(replica: 5, in: 1..<UInt64(UInt32.max) + 1) == 1_000_000)
        #expect(index.firstRegisteredCounter(replica: 77, in: 1..<100) == nil)
    }

    /// Local insert placement: after tombstones preceding the target, after trailing tombstones at the end,
    /// origins as reference-crdts records them.
    @Test func localInsertPlacementAndOrigins() {
        var tree = SequenceTree()
        var index = ItemIndex()
        let a = ItemID(replica: 1, counter: 1)
        let origins = tree.insertLocal(at: 0, first: a, count: 3, contentOffset: 0, index: &index)  // a b c
        #expect(origins.originLeft == nil && origins.originRight == nil)
        tree.deleteLocal(at: 1, count: 1, index: &index)  // a [b] c
        let x = ItemID(replica: 1, counter: 4)
        let xOrigins = tree.insertLocal(at: 1, first: x, count: 1, contentOffset: 3, index: &index)
        #expect(xOrigins.originLeft == a.advanced(by: 1))  // the tombstone b
        #expect(xOrigins.originRight == a.advanced(by: 2))  // c
        tree.deleteLocal(at: 2, count: 1, index: &index)  // a [b] x [c]
        let y = ItemID(replica: 1, counter: 5)
        let yOrigins = tree.insertLocal(at: 2, first: y, count: 1, contentOffset: 4, index: &index)
        #expect(yOrigins.originLeft == a.advanced(by: 2))  // after the trailing tombstone c
        #expect(yOrigins.originRight == nil)
        #expect(tree.flattenedForTesting.map(\.id) == [a, a.advanced(by: 1), x, a.advanced(by: 2), y])
        #expect(tree.materializedForTesting([10, 11, 12, 13, 14]) == [10, 13, 14])
        // Clamped positions.
        let z = ItemID(replica: 1, counter: 6)
        tree.insertLocal(at: 99, first: z, count: 1, contentOffset: 5, index: &index)
        #expect(tree.item(atVisible: 3).id == z)
        #expect(tree.invariantViolations(index: index).isEmpty)
    }

    /// Queries: `contains`, `isDeleted`, `visiblePosition(of:)`, `item(atVisible:)`.
    @Test func queries() {
        var tree = SequenceTree(leafCapacity: 5, nodeCapacity: 4)
        var index = ItemIndex()
        var contentOffsets: [ItemID: Int] = [:]
        for k in 0..<40 {
            // Insert at alternating ends so runs stay short and the tree gets several levels.
            let position = k % 2 == 0 ? 0 : tree.visibleCount
            let id = ItemID(replica: UInt32(k % 3), counter: UInt32(k + 1))
            tree.insertLocal(at: position, first: id, count: 1, contentOffset: k, index: &index)
            contentOffsets[id] = k
        }
        tree.deleteLocal(at: 10, count: 5, index: &index)
        let all = tree.flattenedForTesting
        var visibleSoFar = 0
        for item in all {
            #expect(tree.contains(item.id, index: index))
            #expect(tree.isDeleted(item.id, index: index) == item.isDeleted)
            let position = tree.visiblePosition(of: item.id, index: index)
            #expect(position?.position == visibleSoFar && position?.isDeleted == item.isDeleted)
            let next = tree.nextItem(after: item.id, index: index)
            let expectedNext = all.firstIndex(of: item).flatMap { $0 + 1 < all.count ? all[$0 + 1].id : nil }
            #expect(next == expectedNext)
            if !item.isDeleted {
                #expect(tree.item(atVisible: visibleSoFar).id == item.id)
                #expect(tree.item(atVisible: visibleSoFar).contentOffset == contentOffsets[item.id])
                visibleSoFar += 1
            }
        }
        let unknown = ItemID(replica: 8, counter: 1)
        #expect(!tree.contains(unknown, index: index))
        #expect(tree.isDeleted(unknown, index: index) == nil)
        #expect(tree.visiblePosition(of: unknown, index: index) == nil)
        #expect(tree.nextItem(after: unknown, index: index) == nil)
        #expect(tree.nodes.count > 3, "expected a multi-level tree")
        #expect(tree.invariantViolations(index: index).isEmpty)
    }

    /// Two trees sharing one document index keep their items apart.
    @Test func sharedIndexAcrossTrees() {
        var index = ItemIndex()
        var first = SequenceTree()
        var second = SequenceTree()
        first.insertLocal(at: 0, first: ItemID(replica: 0, counter: 1), count: 5, contentOffset: 0, index: &index)
        second.insertLocal(at: 0, first: ItemID(replica: 0, counter: 6), count: 5, contentOffset: 0, index: &index)
        #expect(first.contains(ItemID(replica: 0, counter: 3), index: index))
        #expect(!first.contains(ItemID(replica: 0, counter: 7), index: index))
        #expect(second.contains(ItemID(replica: 0, counter: 7), index: index))
        #expect(first.delete(first: ItemID(replica: 0, counter: 6), count: 5, index: &index).isEmpty)
        #expect(second.visibleCount == 5)
        // An item of the other tree cannot serve as origin here.
        #expect(first.integrate(first: ItemID(replica: 1, counter: 1), count: 1, originLeft: ItemID(replica: 0, counter: 6),
                                originRight: nil, contentOffset: 5, index: &index, replicaKey: { UInt64($0) }) == -1)
    }

    /// Unusable `integrate` input is rejected with `-1` (and by `canIntegrate`) and leaves the tree unchanged.
    @Test func integrateRejectsBadInput() {
        var tree = SequenceTree()
        var index = ItemIndex()
        tree.insertLocal(at: 0, first: ItemID(replica: 0, counter: 1), count: 3, contentOffset: 0, index: &index)
        let key: (UInt32) -> UInt64 = { UInt64($0) }
        #expect(tree.integrate(first: ItemID(replica: 2, counter: 5), count: 1, originLeft: nil, originRight: nil,
                               contentOffset: 3, index: &index, replicaKey: key) == 3)  // key 2 > key 0: after 0:1…
        let before = tree.runsForTesting
        // Duplicate delivery.
        #expect(tree.integrate(first: ItemID(replica: 0, counter: 2), count: 1, originLeft: nil, originRight: nil,
                               contentOffset: 0, index: &index, replicaKey: key) == -1)
        // Missing origins.
        #expect(tree.integrate(first: ItemID(replica: 1, counter: 1), count: 1, originLeft: ItemID(replica: 3, counter: 1),
                               originRight: nil, contentOffset: 0, index: &index, replicaKey: key) == -1)
        #expect(tree.integrate(first: ItemID(replica: 1, counter: 1), count: 1, originLeft: nil,
                               originRight: ItemID(replica: 3, counter: 1), contentOffset: 0, index: &index, replicaKey: key) == -1)
        // Bad counts / counters.
        #expect(tree.integrate(first: ItemID(replica: 1, counter: 1), count: 0, originLeft: nil, originRight: nil,
                               contentOffset: 0, index: &index, replicaKey: key) == -1)
        #expect(tree.integrate(first: ItemID(replica: 1, counter: 0), count: 1, originLeft: nil, originRight: nil,
                               contentOffset: 0, index: &index, replicaKey: key) == -1)
        #expect(tree.integrate(first: ItemID(replica: 1, counter: UInt32.max), count: 2, originLeft: nil, originRight: nil,
                               contentOffset: 0, index: &index, replicaKey: key) == -1)
        // A range whose first id is new but which overlaps a known id (2:5).
        #expect(tree.integrate(first: ItemID(replica: 2, counter: 3), count: 4, originLeft: nil, originRight: nil,
                               contentOffset: 0, index: &index, replicaKey: key) == -1)
        #expect(!tree.canIntegrate(first: ItemID(replica: 1, counter: 1), count: 1, originLeft: nil,
                                   originRight: ItemID(replica: 3, counter: 1), index: index))
        #expect(tree.canIntegrate(first: ItemID(replica: 1, counter: 1), count: 2, originLeft: ItemID(replica: 0, counter: 3),
                                  originRight: nil, index: index))
        #expect(tree.runsForTesting == before)
        #expect(tree.invariantViolations(index: index).isEmpty)
        // A valid one still works, including at the very end with explicit origins (undo-style).
        #expect(tree.integrate(first: ItemID(replica: 1, counter: 1), count: 2, originLeft: ItemID(replica: 0, counter: 3),
                               originRight: nil, contentOffset: 4, index: &index, replicaKey: key) == 3)  // before 2:5 (origin left -1 < 2)
        #expect(tree.visibleCount == 6)
    }

    /// Concurrent inserts between the same origins are ordered by replica key (smaller first),
    /// independent of arrival order.
    @Test func rawConflictOrderedByReplicaKey() {
        for keys in [[UInt64(5), 1, 9], [UInt64(5), 9, 1]] {
            let replicaKey: (UInt32) -> UInt64 = { keys[Int($0)] }
            var orders: [[ItemID]] = []
            for arrival in [[1, 2], [2, 1]] {
                var tree = SequenceTree()
                var index = ItemIndex()
                tree.insertLocal(at: 0, first: ItemID(replica: 0, counter: 1), count: 2, contentOffset: 0, index: &index)
                for replica in arrival {
                    tree.integrate(first: ItemID(replica: UInt32(replica), counter: 1), count: 2,
                                   originLeft: ItemID(replica: 0, counter: 1), originRight: ItemID(replica: 0, counter: 2),
                                   contentOffset: 2, index: &index, replicaKey: replicaKey)
                }
                orders.append(tree.flattenedForTesting.map(\.id))
            }
            #expect(orders[0] == orders[1])
            let smaller: UInt32 = keys[1] < keys[2] ? 1 : 2
            #expect(orders[0][1] == ItemID(replica: smaller, counter: 1))
            #expect(orders[0][2] == ItemID(replica: smaller, counter: 2))
        }
    }

    /// Bulk load: round trip, coalescing of adjacent runs, skipping malformed runs, deep trees.
    @Test func bulkLoad() {
        var index = ItemIndex()
        var tree = SequenceTree(leafCapacity: 5, nodeCapacity: 4)
        var rng = SplitMix64(seed: 3)
        var counter: UInt32 = 1
        for k in 0..<300 {
            let count = Int.random(in: 1...3, using: &rng)
            tree.insertLocal(at: Int.random(in: 0...tree.visibleCount, using: &rng), first: ItemID(replica: 0, counter: counter),
                             count: count, contentOffset: Int(counter), index: &index)
            counter += UInt32(count)
            if k % 4 == 0 && tree.visibleCount > 2 {
                tree.deleteLocal(at: Int.random(in: 0..<(tree.visibleCount - 1), using: &rng), count: 2, index: &index)
            }
        }
        let runs = tree.runsForTesting
        for capacities in [(5, 4), (64, 32), (7, 5)] {
            var loadedIndex = ItemIndex()
            var loaded = SequenceTree(runs: runs, index: &loadedIndex, leafCapacity: capacities.0, nodeCapacity: capacities.1)
            #expect(loaded.flattenedForTesting == tree.flattenedForTesting)
            #expect(loaded.visibleCount == tree.visibleCount && loaded.totalCount == tree.totalCount)
            #expect(loaded.invariantViolations(index: loadedIndex).isEmpty)
            // The loaded tree is fully functional.
            loaded.insertLocal(at: 5, first: ItemID(replica: 1, counter: 1), count: 4, contentOffset: 0, index: &loadedIndex)
            loaded.deleteLocal(at: 0, count: 10, index: &loadedIndex)
            #expect(loaded.invariantViolations(index: loadedIndex).isEmpty)
        }
        // Split pieces of one run are coalesced again; malformed runs are skipped.
        let whole = SequenceRun(first: ItemID(replica: 2, counter: 1), count: 6, originLeft: nil, originRight: nil,
                                contentOffset: 10, isDeleted: false)
        let pieces = [
            SequenceRun(first: ItemID(replica: 2, counter: 1), count: 2, originLeft: nil, originRight: nil, contentOffset: 10, isDeleted: false),
            SequenceRun(first: ItemID(replica: 9, counter: 1), count: 0, originLeft: nil, originRight: nil, contentOffset: 0, isDeleted: false),
            SequenceRun(first: ItemID(replica: 9, counter: 0), count: 1, originLeft: nil, originRight: nil, contentOffset: 0, isDeleted: false),
            SequenceRun(first: ItemID(replica: 9, counter: 1), count: 1, originLeft: nil, originRight: nil, contentOffset: -1, isDeleted: false),
            SequenceRun(first: ItemID(replica: 2, counter: 3), count: 4, originLeft: ItemID(replica: 2, counter: 2), originRight: nil,
                        contentOffset: 12, isDeleted: false),
        ]
        var pieceIndex = ItemIndex()
        let coalesced = SequenceTree(runs: pieces, index: &pieceIndex)
        #expect(coalesced.runsForTesting == [whole])
        var emptyIndex = ItemIndex()
        let empty = SequenceTree(runs: [], index: &emptyIndex)
        #expect(empty.visibleCount == 0 && empty.totalCount == 0 && empty.runsForTesting.isEmpty)
    }

    /// `forEachVisibleRun` coalesces visible runs whose content is contiguous, skipping tombstones.
    @Test func visibleRunsCoalesce() {
        var tree = SequenceTree()
        var index = ItemIndex()
        tree.insertLocal(at: 0, first: ItemID(replica: 0, counter: 1), count: 10, contentOffset: 0, index: &index)
        tree.insertLocal(at: 10, first: ItemID(replica: 1, counter: 1), count: 5, contentOffset: 10, index: &index)
        tree.deleteLocal(at: 3, count: 2, index: &index)
        var spans: [[Int]] = []
        tree.forEachVisibleRun { spans.append([$0, $1]) }
        #expect(spans == [[0, 3], [5, 10]])
        #expect(tree.runsForTesting.count == 4)
    }

    /// The empty tree answers every query sensibly.
    @Test func emptyTree() {
        var tree = SequenceTree()
        var index = ItemIndex()
        #expect(tree.visibleCount == 0 && tree.totalCount == 0)
        #expect(tree.deleteLocal(at: 0, count: 3, index: &index).isEmpty)
        var visited = 0
        tree.forEachRun { _ in visited += 1 }
        tree.forEachVisibleRun { _, _ in visited += 1 }
        #expect(visited == 0)
        let origins = tree.insertLocal(at: 0, first: ItemID(replica: 0, counter: 1), count: 0, contentOffset: 0, index: &index)
        #expect(origins.originLeft == nil && origins.originRight == nil && tree.totalCount == 0)
        #expect(tree.integrate(first: ItemID(replica: 0, counter: 1), count: 1, originLeft: nil, originRight: nil,
                               contentOffset: 0, index: &index, replicaKey: { UInt64($0) }) == 0)
        #expect(tree.invariantViolations(index: index).isEmpty)
    }
}
