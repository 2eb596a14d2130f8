/// Structural mutations of the arena B+tree: inserting/removing run records inside a leaf, splitting
/// leaves and nodes, and propagating count changes to the root.
extension SequenceTree {
    /// Adds `visible`/`total` to the counts of `leaf` and all its ancestors: to the pending
    /// counts when `leaf` is the pending leaf (see ``pendingLeaf``), which it becomes
    /// otherwise. O(1) for the pending leaf, else O(log n).
    ///
    /// Also invalidates the cursor cache unless the change happened inside the cached leaf (a change
    /// inside the cached leaf does not move the leaf's own start position).
    mutating func addCounts(leaf: Int, visible: Int, total: Int) {
        if leaf != cachedLeaf {
            cachedLeaf = -1
        }
        // Run prefixes inside the leaf may have changed; the caller re-establishes the hint if it can.
        cachedRun = -1
        storedVisibleCount += visible
        storedTotalCount += total
        if leaf == pendingLeaf {
            pendingVisible += visible
            pendingTotal += total
            return
        }
        makePending(leaf, visible: visible, total: total)
    }

    /// Adds the pending leaf's counts to its ancestors (if there is one) and makes `leaf`
    /// the pending leaf, with `visible` and `total` pending. O(log n).
    private mutating func makePending(_ leaf: Int, visible: Int, total: Int) {
        flushPendingCounts()
        pendingLeaf = leaf
        pendingVisible = visible
        pendingTotal = total
        pendingPath.removeAll(keepingCapacity: true)
        var node = Int(leaves[leaf].parent)
        var slot = Int(leaves[leaf].slot)
        while node >= 0 {
            pendingPath.append(node * nodeCapacity + slot)
            let header = nodes[node]
            slot = Int(header.slot)
            node = Int(header.parent)
        }
    }

    /// Adds the pending counts (see ``pendingLeaf``) to the `childCounts` of the pending
    /// leaf's ancestors, leaving none pending. Done before anything moves leaves or nodes,
    /// which would move the slots the pending path names. O(log n).
    mutating func flushPendingCounts() {
        guard pendingLeaf >= 0 else { return }
        let visible = pendingVisible
        let total = pendingTotal
        pendingLeaf = -1
        pendingVisible = 0
        pendingTotal = 0
        guard visible != 0 || total != 0 else { return }
        childCounts.withUnsafeMutableBufferPointer { counts in
            for index in pendingPath {
                counts[index].visible += visible
                counts[index].total += total
            }
        }
    }

    /// Inserts `record` at slot `run` of `leaf`, shifting later records up. The leaf must have a free
    /// physical slot (guaranteed by the `leafCapacity - 2` invariant). Does not touch counts. O(leaf).
    mutating func insertRecordSlot(_ record: RunRecord, leaf: Int, run: Int) {
        let count = Int(leaves[leaf].count)
        precondition(count < leafCapacity, "leaf overflow")
        let base = leaf * leafCapacity
        runs.withUnsafeMutableBufferPointer { buffer in
            var slot = base + count
            while slot > base + run {
                buffer[slot] = buffer[slot - 1]
                slot -= 1
            }
            buffer[base + run] = record
        }
        leaves[leaf].count = Int32(count + 1)
    }

    /// Inserts `first` and `second` at slots `run` and `run + 1` of `leaf`, shifting later
    /// records up by two at once (an edit inside a run adds two records: shifted one at a time,
    /// the tail of the leaf moved twice). The leaf must have two free physical slots. O(leaf).
    mutating func insertRecordSlots(_ first: RunRecord, _ second: RunRecord, leaf: Int, run: Int) {
        let count = Int(leaves[leaf].count)
        precondition(count + 1 < leafCapacity, "leaf overflow")
        let base = leaf * leafCapacity
        runs.withUnsafeMutableBufferPointer { buffer in
            var slot = base + count + 1
            while slot > base + run + 1 {
                buffer[slot] = buffer[slot - 2]
                slot -= 1
            }
            buffer[base + run] = first
            buffer[base + run + 1] = second
        }
        leaves[leaf].count = Int32(count + 2)
    }

    /// Removes the record at slot `run` of `leaf`, shifting later records down. Does not touch counts
    /// (callers only remove records whose items were merged into a neighbour). O(leaf).
    mutating func removeRecordSlot(leaf: Int, run: Int) {
        let count = Int(leaves[leaf].count)
        let base = leaf * leafCapacity
        runs.withUnsafeMutableBufferPointer { buffer in
            for slot in (base + run)..<(base + count - 1) {
                buffer[slot] = buffer[slot + 1]
            }
            buffer[base + count - 1] = .empty
        }
        leaves[leaf].count = Int32(count - 1)
    }

    /// Splits `leaf` if it holds more than `leafCapacity - 2` runs, so that the next operation (which adds
    /// at most two records) always finds room. Returns the new right leaf and the number of runs kept
    /// in `leaf`, or `nil` if no split was needed.
    @discardableResult
    mutating func splitLeafIfNeeded(_ leaf: Int, index: inout ItemIndex) -> (newLeaf: Int, kept: Int)? {
        let count = Int(leaves[leaf].count)
        guard count > leafCapacity - 2 else { return nil }
        let kept = count / 2
        return (splitLeaf(leaf, keeping: kept, index: &index), kept)
    }

    /// Moves the runs from `kept` on out of `leaf` into a new leaf placed right after it (in the leaf
    /// chain and in the parent), updating the `ItemIndex` for the moved items. Returns the new leaf.
    /// O(leaf + moved items + log n).
    mutating func splitLeaf(_ leaf: Int, keeping kept: Int, index: inout ItemIndex) -> Int {
        // The split moves counts between slots and may add slots and nodes.
        flushPendingCounts()
        let count = Int(leaves[leaf].count)
        let moved = count - kept
        let newLeaf = leaves.count
        cachedRun = -1
        precondition(newLeaf < Int(Int32.max), "too many leaves")
        let header = leaves[leaf]
        leaves.append(LeafHeader(count: Int32(moved), parent: header.parent, slot: header.slot + 1,
                                 next: header.next, prev: Int32(leaf)))
        runs.append(contentsOf: repeatElement(.empty, count: leafCapacity))
        let base = leaf * leafCapacity
        let newBase = newLeaf * leafCapacity
        var movedVisible = 0
        var movedTotal = 0
        for offset in 0..<moved {
            let record = runs[base + kept + offset]
            runs[newBase + offset] = record
            runs[base + kept + offset] = .empty
            movedVisible += record.visibleCount
            movedTotal += record.count
            index.setLeaf(newLeaf, for: ItemID(raw: record.first), count: record.count)
        }
        leaves[leaf].count = Int32(kept)
        if header.next >= 0 {
            leaves[Int(header.next)].prev = Int32(newLeaf)
        } else {
            lastLeaf = newLeaf
        }
        leaves[leaf].next = Int32(newLeaf)
        let parent = Int(header.parent)
        let parentSlot = parent * nodeCapacity + Int(header.slot)
        childCounts[parentSlot].visible -= movedVisible
        childCounts[parentSlot].total -= movedTotal
        insertChild(newLeaf, visible: movedVisible, total: movedTotal, into: parent, at: Int(header.slot) + 1)
        return newLeaf
    }

    /// Records `child` as the parent/slot back-pointer target of `node` at `slot`.
    private mutating func setParent(ofChild child: Int, level: Int32, node: Int, slot: Int) {
        if level == 1 {
            leaves[child].parent = Int32(node)
            leaves[child].slot = Int32(slot)
        } else {
            nodes[child].parent = Int32(node)
            nodes[child].slot = Int32(slot)
        }
    }

    /// Inserts `child` with the given counts at `slot` of `node` (the counts of the node's ancestors
    /// already include them), splitting the node when it becomes full. O(nodeCapacity · log n).
    mutating func insertChild(_ child: Int, visible: Int, total: Int, into node: Int, at slot: Int) {
        let header = nodes[node]
        let count = Int(header.count)
        let base = node * nodeCapacity
        var index = count
        while index > slot {
            children[base + index] = children[base + index - 1]
            childCounts[base + index] = childCounts[base + index - 1]
            setParent(ofChild: Int(children[base + index]), level: header.level, node: node, slot: index)
            index -= 1
        }
        children[base + slot] = Int32(child)
        childCounts[base + slot] = ChildCounts(visible: visible, total: total)
        setParent(ofChild: child, level: header.level, node: node, slot: slot)
        nodes[node].count = Int32(count + 1)
        if count + 1 == nodeCapacity {
            splitNode(node)
        }
    }

    /// Splits a full node in two; the upper half moves to a new right sibling. Grows a new root when the
    /// root splits. O(nodeCapacity · log n).
    private mutating func splitNode(_ node: Int) {
        let header = nodes[node]
        let count = Int(header.count)
        let kept = count / 2
        let moved = count - kept
        let newNode = nodes.count
        precondition(newNode < Int(Int32.max) - 1, "too many nodes")
        nodes.append(NodeHeader(count: Int32(moved), parent: header.parent, slot: header.slot + 1, level: header.level))
        children.append(contentsOf: repeatElement(-1, count: nodeCapacity))
        childCounts.append(contentsOf: repeatElement(.zero, count: nodeCapacity))
        let base = node * nodeCapacity
        let newBase = newNode * nodeCapacity
        var keptVisible = 0
        var keptTotal = 0
        for slot in 0..<kept {
            keptVisible += childCounts[base + slot].visible
            keptTotal += childCounts[base + slot].total
        }
        var movedVisible = 0
        var movedTotal = 0
        for offset in 0..<moved {
            let child = Int(children[base + kept + offset])
            children[newBase + offset] = Int32(child)
            let counts = childCounts[base + kept + offset]
            childCounts[newBase + offset] = counts
            movedVisible += counts.visible
            movedTotal += counts.total
            children[base + kept + offset] = -1
            childCounts[base + kept + offset] = .zero
            setParent(ofChild: child, level: header.level, node: newNode, slot: offset)
        }
        nodes[node].count = Int32(kept)
        if header.parent < 0 {
            // The root split: add a level.
            let newRoot = nodes.count
            nodes.append(NodeHeader(count: 2, parent: -1, slot: 0, level: header.level + 1))
            children.append(contentsOf: repeatElement(-1, count: nodeCapacity))
            childCounts.append(contentsOf: repeatElement(.zero, count: nodeCapacity))
            let rootBase = newRoot * nodeCapacity
            children[rootBase] = Int32(node)
            childCounts[rootBase] = ChildCounts(visible: keptVisible, total: keptTotal)
            children[rootBase + 1] = Int32(newNode)
            childCounts[rootBase + 1] = ChildCounts(visible: movedVisible, total: movedTotal)
            nodes[node].parent = Int32(newRoot)
            nodes[node].slot = 0
            nodes[newNode].parent = Int32(newRoot)
            nodes[newNode].slot = 1
            root = newRoot
        } else {
            let parent = Int(header.parent)
            let parentSlot = parent * nodeCapacity + Int(header.slot)
            childCounts[parentSlot].visible -= movedVisible
            childCounts[parentSlot].total -= movedTotal
            insertChild(newNode, visible: movedVisible, total: movedTotal, into: parent, at: Int(header.slot) + 1)
        }
    }

    /// Inserts the new, visible run `record` immediately before `cursor` and registers its ids in `index`.
    ///
    /// If the item before the insertion point ends a run that `record` continues (same replica, next
    /// counter, left origin = that item, same right origin, contiguous content, both visible), the run is
    /// extended in place instead — this is what keeps typing at a cursor at one record per burst.
    /// Splits the run at `cursor` when inserting inside it, and the leaf when it overflows.
    /// Returns the cursor of the first inserted item. O(log n + leaf).
    mutating func insertRecord(_ record: RunRecord, before cursor: Cursor, index: inout ItemIndex) -> Cursor {
        let leaf = cursor.leaf
        var run = cursor.run
        let count = record.count
        if cursor.offset > 0 {
            // Inside a run: its right piece and the record go in together.
            let slot = leaf * leafCapacity + run
            let right = runs[slot].suffix(from: cursor.offset)
            runs[slot].count = cursor.offset
            run += 1
            insertRecordSlots(record, right, leaf: leaf, run: run)
            return addedRecord(record, leaf: leaf, run: run, index: &index)
        }
        // Fast path: extend the preceding run (possibly the last run of the previous leaf). Only
        // here, never after the split above: the left piece's next id is the right piece's first
        // id, which `record` cannot reuse.
        var previousLeaf = leaf
        var previousRun = run - 1
        if previousRun < 0 {
            previousLeaf = Int(leaves[leaf].prev)
            previousRun = previousLeaf >= 0 ? Int(leaves[previousLeaf].count) - 1 : -1
        }
        if previousRun >= 0 {
            let slot = previousLeaf * leafCapacity + previousRun
            let previous = runs[slot]
            if !record.isDeleted && previous.canAbsorb(record) {
                runs[slot].count = previous.count + count
                addCounts(leaf: previousLeaf, visible: count, total: count)
                index.setLeaf(previousLeaf, for: ItemID(raw: record.first), count: count)
                return Cursor(leaf: previousLeaf, run: previousRun, offset: previous.count)
            }
        }
        insertRecordSlot(record, leaf: leaf, run: run)
        return addedRecord(record, leaf: leaf, run: run, index: &index)
    }

    /// The rest of ``insertRecord(_:before:index:)`` once `record` is at slot `run` of `leaf`.
    @inline(__always)
    private mutating func addedRecord(_ record: RunRecord, leaf: Int, run: Int, index: inout ItemIndex) -> Cursor {
        var leaf = leaf
        var run = run
        addCounts(leaf: leaf, visible: record.visibleCount, total: record.count)
        index.setLeaf(leaf, for: ItemID(raw: record.first), count: record.count)
        if let split = splitLeafIfNeeded(leaf, index: &index), run >= split.kept {
            leaf = split.newLeaf
            run -= split.kept
        }
        return Cursor(leaf: leaf, run: run, offset: 0)
    }
}
