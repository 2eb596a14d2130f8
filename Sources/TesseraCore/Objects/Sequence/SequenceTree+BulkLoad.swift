/// Bulk loading from runs in sequence order (snapshots).
extension SequenceTree {
    /// Rebuilds a tree from `runs` in sequence order and registers every item in `index`. O(n) in items
    /// (for the index) and runs (for the tree).
    ///
    /// Adjacent runs that satisfy the run invariant are coalesced. Malformed runs (count outside
    /// `1 ... 2^31 - 1`, counters outside `1 ... UInt32.max`, negative or oversized content offsets) are
    /// skipped rather than trapping, since snapshots are input.
    init(runs input: [SequenceRun], index: inout ItemIndex) {
        self.init(runs: input, index: &index, leafCapacity: Self.defaultLeafCapacity,
                  nodeCapacity: Self.defaultNodeCapacity)
    }

    /// `init(runs:index:)` with explicit capacities (see `init(leafCapacity:nodeCapacity:)`).
    init(runs input: [SequenceRun], index: inout ItemIndex, leafCapacity: Int, nodeCapacity: Int) {
        self.init(leafCapacity: leafCapacity, nodeCapacity: nodeCapacity)
        var records: [RunRecord] = []
        records.reserveCapacity(input.count)
        for run in input {
            guard run.count >= 1, run.count <= RunRecord.maxCount, run.first.counter >= 1,
                  UInt64(run.first.counter) + UInt64(run.count) - 1 <= UInt64(UInt32.max),
                  run.contentOffset >= 0, run.contentOffset <= Int(UInt32.max)
            else { continue }
            let record = RunRecord(first: run.first.raw, count: run.count, originLeft: run.originLeft?.raw ?? 0,
                                   originRight: run.originRight?.raw ?? 0,
                                   contentOffset: UInt32(run.contentOffset), isDeleted: run.isDeleted)
            if let last = records.indices.last, records[last].canAbsorb(record) {
                records[last].count += record.count
            } else {
                records.append(record)
            }
        }
        guard !records.isEmpty else { return }

        // Leaves, filled to about three quarters so that later edits do not split them at once.
        let perLeaf = max(1, (leafCapacity - 2) * 3 / 4)
        let leafCount = (records.count + perLeaf - 1) / perLeaf
        precondition(leafCount < Int(Int32.max), "too many leaves")
        runs = Array(repeating: .empty, count: leafCount * leafCapacity)
        leaves = []
        leaves.reserveCapacity(leafCount)
        var level: [(child: Int, visible: Int, total: Int)] = []
        level.reserveCapacity(leafCount)
        for leaf in 0..<leafCount {
            let low = records.count * leaf / leafCount
            let high = records.count * (leaf + 1) / leafCount
            var visible = 0
            var total = 0
            for (offset, record) in records[low..<high].enumerated() {
                runs[leaf * leafCapacity + offset] = record
                visible += record.visibleCount
                total += record.count
                index.setLeaf(leaf, for: ItemID(raw: record.first), count: record.count)
            }
            leaves.append(LeafHeader(count: Int32(high - low), parent: -1, slot: 0,
                                     next: leaf + 1 < leafCount ? Int32(leaf + 1) : -1, prev: Int32(leaf - 1)))
            level.append((leaf, visible, total))
        }

        // Internal levels, bottom-up; the root is always a node (even above a single leaf).
        nodes = []
        children = []
        childCounts = []
        let perNode = max(2, (nodeCapacity - 1) * 3 / 4)
        var levelNumber: Int32 = 1
        repeat {
            let nodeCount = (level.count + perNode - 1) / perNode
            var next: [(child: Int, visible: Int, total: Int)] = []
            next.reserveCapacity(nodeCount)
            for group in 0..<nodeCount {
                let low = level.count * group / nodeCount
                let high = level.count * (group + 1) / nodeCount
                let node = nodes.count
                nodes.append(NodeHeader(count: Int32(high - low), parent: -1, slot: 0, level: levelNumber))
                children.append(contentsOf: repeatElement(-1, count: nodeCapacity))
                childCounts.append(contentsOf: repeatElement(.zero, count: nodeCapacity))
                var visible = 0
                var total = 0
                for (slot, entry) in level[low..<high].enumerated() {
                    children[node * nodeCapacity + slot] = Int32(entry.child)
                    childCounts[node * nodeCapacity + slot] = ChildCounts(visible: entry.visible, total: entry.total)
                    visible += entry.visible
                    total += entry.total
                    if levelNumber == 1 {
                        leaves[entry.child].parent = Int32(node)
                        leaves[entry.child].slot = Int32(slot)
                    } else {
                        nodes[entry.child].parent = Int32(node)
                        nodes[entry.child].slot = Int32(slot)
                    }
                }
                next.append((node, visible, total))
            }
            level = next
            levelNumber += 1
        } while level.count > 1
        root = level[0].child
        lastLeaf = leafCount - 1
        storedVisibleCount = level[0].visible
        storedTotalCount = level[0].total
    }
}
