/// Structural self-check, for tests and debugging (not used by the engine's hot paths).
extension SequenceTree {
    /// Checks every structural invariant and returns a description of the first violations found, or an
    /// empty array if the tree is consistent: parent/slot back-pointers, per-child counts, cached totals,
    /// leaf chain order, leaf fill limits, `ItemIndex` entries of every item, and the cursor cache.
    /// O(n) in items.
    func invariantViolations(index: ItemIndex) -> [String] {
        var problems: [String] = []
        func fail(_ message: String) {
            if problems.count < 20 { problems.append(message) }
        }
        var leafOrder: [Int] = []
        // Returns (visible, total) of the subtree.
        func check(node: Int, level: Int32) -> (Int, Int) {
            let header = nodes[node]
            if header.level != level { fail("node \(node) has level \(header.level), expected \(level)") }
            let count = Int(header.count)
            if count < 1 || count >= nodeCapacity { fail("node \(node) has \(count) children") }
            var visible = 0
            var total = 0
            for slot in 0..<count {
                let child = Int(children[node * nodeCapacity + slot])
                let sums: (Int, Int)
                if level == 1 {
                    let leaf = leaves[child]
                    if Int(leaf.parent) != node || Int(leaf.slot) != slot { fail("leaf \(child) back-pointer wrong") }
                    leafOrder.append(child)
                    var v = 0
                    var t = 0
                    let runCount = Int(leaf.count)
                    if runCount > leafCapacity - 2 { fail("leaf \(child) overfull: \(runCount)") }
                    if runCount == 0 && storedTotalCount > 0 { fail("leaf \(child) empty") }
                    for run in 0..<runCount {
                        let record = runs[child * leafCapacity + run]
                        if record.count < 1 { fail("leaf \(child) run \(run) empty") }
                        v += record.visibleCount
                        t += record.count
                        for k in 0..<record.count {
                            let id = ItemID(raw: record.first &+ UInt64(k))
                            if index.leaf(of: id) != child {
                                fail("index maps \(id) to \(String(describing: index.leaf(of: id))), expected \(child)")
                            }
                        }
                    }
                    sums = (v, t)
                } else {
                    let header = nodes[child]
                    if Int(header.parent) != node || Int(header.slot) != slot { fail("node \(child) back-pointer wrong") }
                    sums = check(node: child, level: level - 1)
                }
                var stored = childCounts[node * nodeCapacity + slot]
                if pendingIndex(depth: Int(level) - 1) == node * nodeCapacity + slot {
                    stored.visible += pendingVisible
                    stored.total += pendingTotal
                }
                if stored.visible != sums.0 || stored.total != sums.1 {
                    fail("node \(node) slot \(slot) counts \(stored) != \(sums)")
                }
                visible += sums.0
                total += sums.1
            }
            return (visible, total)
        }
        if nodes[root].parent != -1 { fail("root has a parent") }
        let sums = check(node: root, level: nodes[root].level)
        if sums.0 != storedVisibleCount || sums.1 != storedTotalCount {
            fail("stored counts \(storedVisibleCount)/\(storedTotalCount) != \(sums)")
        }
        var chain: [Int] = []
        var leaf = 0
        var previous = -1
        while leaf >= 0 && chain.count <= leaves.count {
            if Int(leaves[leaf].prev) != previous { fail("leaf \(leaf) prev pointer wrong") }
            chain.append(leaf)
            previous = leaf
            leaf = Int(leaves[leaf].next)
        }
        if chain != leafOrder { fail("leaf chain differs from tree order") }
        if chain.last != lastLeaf { fail("lastLeaf wrong") }
        if cachedLeaf >= 0 {
            let start = itemsBeforeLeaf(cachedLeaf, visibleOnly: true)
            if start != cachedLeafStart { fail("cursor cache start \(cachedLeafStart) != \(start)") }
            if cachedRun >= 0 {
                if cachedRun >= Int(leaves[cachedLeaf].count) {
                    fail("run hint \(cachedRun) beyond leaf")
                } else {
                    var prefix = 0
                    for run in 0..<cachedRun { prefix += runs[cachedLeaf * leafCapacity + run].visibleCount }
                    if prefix != cachedRunStart { fail("run hint prefix \(cachedRunStart) != \(prefix)") }
                }
            }
        }
        return problems
    }
}
