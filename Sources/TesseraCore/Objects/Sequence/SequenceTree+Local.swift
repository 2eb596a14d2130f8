/// Local editing: insertions and deletions addressed by visible position.
extension SequenceTree {
    /// Inserts `count` new items (ids `first ...`, content at `contentOffset ...`) so that they appear at
    /// visible position `position` (clamped to `0 ... visibleCount`), and returns the origins to record
    /// in the operation.
    ///
    /// Placement follows reference-crdts `findItemAtPos` with `stick_end = false`: the items go
    /// immediately before the `position`-th visible item, i.e. *after* any tombstones preceding it; at
    /// `position == visibleCount` they go after everything, trailing tombstones included. Then
    /// `originLeft` is the item immediately before the insertion point in the full sequence (possibly a
    /// tombstone, `nil` at the start) and `originRight` the item immediately after (`nil` at the end).
    /// Because nothing lies between those two origins, the YjsMod scan would stop at once, so the local
    /// insert is placed directly without scanning.
    ///
    /// Typing (the previous item ends a run of the same replica with the preceding counter, the same
    /// right origin and contiguous content) extends that run in place. O(log n); repeated edits in the
    /// same leaf skip the descent via the cursor cache. A `count <= 0` inserts nothing.
    ///
    /// - Precondition: `first ... first + count - 1` are fresh ids with counters in `1 ... UInt32.max`,
    ///   `count <= 2^31 - 1` and `contentOffset` in `0 ... UInt32.max` (ids and offsets are minted by
    ///   the engine, not taken from input).
    @discardableResult
    mutating func insertLocal(
        at position: Int, first: ItemID, count: Int, contentOffset: Int, index: inout ItemIndex
    ) -> (originLeft: ItemID?, originRight: ItemID?) {
        let position = min(max(position, 0), storedVisibleCount)
        let (cursor, leafStart) = findVisible(position)
        let right = rawID(at: cursor)
        let left = rawID(before: cursor)
        let origins = (originLeft: left == 0 ? nil : ItemID(raw: left), originRight: right == 0 ? nil : ItemID(raw: right))
        guard count > 0 else { return origins }
        precondition(count <= RunRecord.maxCount, "run too long")
        precondition(first.counter >= 1 && UInt64(first.counter) + UInt64(count) - 1 <= UInt64(UInt32.max),
                     "item counters out of range")
        precondition(contentOffset >= 0 && contentOffset <= Int(UInt32.max), "content offset out of range")
        let record = RunRecord(first: first.raw, count: count, originLeft: left, originRight: right,
                               contentOffset: UInt32(contentOffset), isDeleted: false)
        let landed = insertRecord(record, before: cursor, index: &index)
        rememberLeaf(landed.leaf, knownLeaf: cursor.leaf, knownStart: leafStart)
        if landed.leaf == cachedLeaf {
            // The first new item is visible at `position`, at `landed.offset` inside its run, so the
            // run's visible prefix inside the leaf follows directly.
            cachedRun = landed.run
            cachedRunStart = position - cachedLeafStart - landed.offset
        }
        return origins
    }

    /// Deletes the visible items in `position ..< position + count` (clamped to the visible range) and
    /// returns their ids as ranges of consecutive ids of one replica, in sequence order, for the caller
    /// to record delete operations. O(k · log n) for k touched runs; O(leaf) per run when the cursor
    /// cache hits (backspacing).
    @discardableResult
    mutating func deleteLocal(at position: Int, count: Int, index: inout ItemIndex) -> DeletedRuns {
        let start = min(max(position, 0), storedVisibleCount)
        var remaining = min(max(count, 0), storedVisibleCount - start)
        var result = DeletedRuns()
        while remaining > 0 {
            // Deleting does not shift later items' *total* positions, and the deleted items stop being
            // visible, so the next item to delete is always at visible position `start`.
            let (cursor, leafStart) = findVisible(start)
            let slot = cursor.leaf * leafCapacity + cursor.run
            let record = runs[slot]
            let taken = min(remaining, record.count - cursor.offset)
            let id = record.first &+ UInt64(cursor.offset)
            // Cache the leaf (its start does not move when items inside it are tombstoned, and leaf
            // splits move only its upper half out), then tombstone keeping a run hint for the next edit.
            if cursor.leaf != cachedLeaf {
                cachedLeaf = cursor.leaf
                cachedRun = -1
            }
            cachedLeafStart = leafStart
            tombstoneKeepingHint(cursor, count: taken, runPrefix: start - leafStart - cursor.offset, index: &index)
            result.append(first: id, count: taken)
            remaining -= taken
        }
        return result
    }

    /// Points the cursor cache at `leaf` after an insertion that started from `knownLeaf`, whose visible
    /// start was `knownStart` before the insertion. O(1).
    mutating func rememberLeaf(_ leaf: Int, knownLeaf: Int, knownStart: Int) {
        cachedRun = -1
        if leaf == knownLeaf {
            // Inserting inside a leaf does not move the leaf's own start.
            cachedLeaf = leaf
            cachedLeafStart = knownStart
        } else if leaf == Int(leaves[knownLeaf].next) {
            // The leaf was split and the items landed in its new right half.
            cachedLeaf = leaf
            cachedLeafStart = knownStart + leafVisibleCount(knownLeaf)
        } else {
            cachedLeaf = -1
        }
    }
}

/// The IDs a local delete removed, as runs of consecutive IDs of one replica in sequence
/// order. The last run is held inline, so deleting within one run (a keystroke, a selection
/// typed in one go) allocates nothing.
struct DeletedRuns: Sequence {
    /// The runs before the last one.
    private var earlier: [(first: ItemID, count: Int)] = []
    private var lastFirst: UInt64 = 0
    private var lastCount = 0

    /// Whether nothing was deleted.
    var isEmpty: Bool { lastCount == 0 }

    /// Adds `count` IDs starting at raw ID `first`, extending the last run when they continue it.
    mutating func append(first: UInt64, count: Int) {
        if lastCount > 0 {
            if lastFirst &+ UInt64(lastCount) == first {
                lastCount += count
                return
            }
            earlier.append((ItemID(raw: lastFirst), lastCount))
        }
        lastFirst = first
        lastCount = count
    }

    func makeIterator() -> Iterator { Iterator(runs: self) }

    struct Iterator: IteratorProtocol {
        let runs: DeletedRuns
        var position = 0

        mutating func next() -> (first: ItemID, count: Int)? {
            defer { position += 1 }
            if position < runs.earlier.count { return runs.earlier[position] }
            guard position == runs.earlier.count, runs.lastCount > 0 else { return nil }
            return (ItemID(raw: runs.lastFirst), runs.lastCount)
        }
    }
}
