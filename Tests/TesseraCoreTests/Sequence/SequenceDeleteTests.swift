import TesseraTestSupport
import Testing
@testable import TesseraCore

/// `delete(first:count:index:)`: scattered targets, idempotence, unknown ids, and the contract that the
/// returned `(position, count)` pairs (descending, pre-call positions) reproduce the new state on a mirror.
@Suite("Sequence: delete by id")
struct SequenceDeleteTests {
    /// A run of 20 items is split by later insertions from another replica and partly deleted already;
    /// deleting the whole id range (plus unknown ids past its end) must report exactly the visible
    /// remnants, in descending order, valid against the old state.
    @Test("Scattered ranges, already-deleted items and unknown ids")
    func scatteredDelete() {
        var tree = SequenceTree(leafCapacity: 6, nodeCapacity: 4)
        var index = ItemIndex()
        var content: [UInt64] = []
        func insert(at position: Int, replica: UInt32, counter: UInt32, count: Int) {
            let first = ItemID(replica: replica, counter: counter)
            tree.insertLocal(at: position, first: first, count: count, contentOffset: content.count, index: &index)
            content.append(contentsOf: (0..<count).map { first.advanced(by: $0).raw })
        }
        insert(at: 0, replica: 1, counter: 1, count: 20)
        insert(at: 3, replica: 2, counter: 1, count: 2)
        insert(at: 10, replica: 2, counter: 3, count: 1)
        insert(at: 17, replica: 2, counter: 4, count: 3)
        tree.deleteLocal(at: 5, count: 2, index: &index)  // two of replica 1's items
        var mirror = tree.materializedForTesting(content)
        let before = mirror

        let removed = tree.delete(first: ItemID(replica: 1, counter: 1), count: 25, index: &index)
        #expect(removed.count > 1)
        for k in 1..<removed.count {
            #expect(removed[k].position + removed[k].count < removed[k - 1].position, "not descending/coalesced: \(removed)")
        }
        for piece in removed {
            mirror.removeSubrange(piece.position..<(piece.position + piece.count))
        }
        let survivors = before.filter { ItemID(raw: $0).replica != 1 }
        #expect(mirror == survivors)
        #expect(tree.materializedForTesting(content) == survivors)
        #expect(tree.invariantViolations(index: index).isEmpty)

        // Idempotent: deleting again reports nothing and changes nothing.
        #expect(tree.delete(first: ItemID(replica: 1, counter: 1), count: 20, index: &index).isEmpty)
        #expect(tree.materializedForTesting(content) == survivors)
        // Unknown replica / counters: ignored.
        #expect(tree.delete(first: ItemID(replica: 9, counter: 1), count: 5, index: &index).isEmpty)
        #expect(tree.delete(first: ItemID(replica: 2, counter: 100), count: 5, index: &index).isEmpty)
        #expect(tree.delete(first: ItemID(replica: 2, counter: 1), count: 0, index: &index).isEmpty)
        // A hostile, huge range is cheap: unknown pages are skipped.
        #expect(tree.delete(first: ItemID(replica: 2, counter: 7), count: Int(UInt32.max), index: &index).isEmpty)
        #expect(tree.visibleCount == survivors.count)
    }

    /// Randomized: ids of several replicas are scattered through one document; random id-range deletes
    /// must always reproduce the tree's new visible content on a mirror.
    @Test("Random id-range deletes reproduce the new state on a mirror", arguments: 0..<40)
    func randomDeletes(seed: Int) {
        var rng = SplitMix64(seed: UInt64(seed) &+ 7_000)
        var tree = SequenceTree(leafCapacity: Int.random(in: 5...10, using: &rng), nodeCapacity: 4)
        var index = ItemIndex()
        var content: [UInt64] = []
        var counters: [UInt32] = [1, 1, 1, 1]
        for _ in 0..<300 {
            let replica = Int.random(in: 0..<4, using: &rng)
            let count = Int.random(in: 1...6, using: &rng)
            let first = ItemID(replica: UInt32(replica), counter: counters[replica])
            counters[replica] += UInt32(count)
            tree.insertLocal(at: Int.random(in: 0...tree.visibleCount, using: &rng), first: first, count: count,
                             contentOffset: content.count, index: &index)
            content.append(contentsOf: (0..<count).map { first.advanced(by: $0).raw })
        }
        var mirror = tree.materializedForTesting(content)
        for step in 0..<150 {
            let replica = Int.random(in: 0..<4, using: &rng)
            let start = UInt32.random(in: 1...counters[replica] + 3, using: &rng)
            let count = Int.random(in: 1...40, using: &rng)
            let removed = tree.delete(first: ItemID(replica: UInt32(replica), counter: start), count: count, index: &index)
            for k in 1..<max(removed.count, 1) {
                #expect(removed[k].position + removed[k].count < removed[k - 1].position, "seed \(seed): \(removed)")
            }
            for piece in removed {
                mirror.removeSubrange(piece.position..<(piece.position + piece.count))
            }
            let materialized = tree.materializedForTesting(content)
            #expect(mirror == materialized, "seed \(seed), step \(step)")
            if mirror != materialized { return }
        }
        #expect(tree.invariantViolations(index: index).isEmpty, "seed \(seed)")
    }

    /// `deleteLocal` reports the deleted ids as coalesced ranges in sequence order.
    @Test("deleteLocal returns id ranges in sequence order")
    func deleteLocalRanges() {
        var tree = SequenceTree()
        var index = ItemIndex()
        tree.insertLocal(at: 0, first: ItemID(replica: 1, counter: 1), count: 10, contentOffset: 0, index: &index)
        tree.insertLocal(at: 5, first: ItemID(replica: 2, counter: 1), count: 3, contentOffset: 10, index: &index)
        // Sequence: 1:1…1:5, 2:1…2:3, 1:6…1:10
        let ranges = tree.deleteLocal(at: 3, count: 7, index: &index)
        #expect(ranges.map(\.first) == [ItemID(replica: 1, counter: 4), ItemID(replica: 2, counter: 1), ItemID(replica: 1, counter: 6)])
        #expect(ranges.map(\.count) == [2, 3, 2])
        #expect(tree.visibleCount == 6)
        // Out-of-range requests are clamped rather than trapping.
        #expect(tree.deleteLocal(at: 100, count: 5, index: &index).isEmpty)
        #expect(tree.deleteLocal(at: 4, count: 100, index: &index).map(\.count) == [2])
        #expect(tree.deleteLocal(at: -3, count: -1, index: &index).isEmpty)
        #expect(tree.visibleCount == 4)
    }
}
