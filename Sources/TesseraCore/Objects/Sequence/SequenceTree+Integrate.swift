/// Remote integration: the YjsMod algorithm over runs.
extension SequenceTree {
    /// Integrates `count` items created elsewhere (or a local insert with explicit origins, as used by
    /// undo) with the YjsMod algorithm, and returns the visible position where the first new item
    /// landed (the new items are visible and contiguous right after integration).
    ///
    /// ## Why this ordering
    /// This is reference-crdts `integrateYjsMod`, which Weidner & Kleppmann ("The Art of the Fugue")
    /// prove equivalent to FugueMax: concurrent runs inserted at the same place are never interleaved.
    /// With positions counting tombstones, `left`/`right` the positions of the origins:
    /// ```
    /// destIdx = left + 1; scanning = false
    /// for i = left + 1; ; i++:
    ///   if !scanning: destIdx = i
    ///   if i == totalCount or i == right: break
    ///   oleft/oright = positions of item i's origins (-1 / totalCount when nil)
    ///   if oleft < left: break
    ///   if oleft == left:
    ///     if oright < right: scanning = true            // maybe insert after it; decide later
    ///     elif oright == right: if key(new) < key(other): break else scanning = false
    ///     else: scanning = false                          // definitely insert after it
    ///   // oleft > left: it is inside a subtree we skip
    /// insert at destIdx
    /// ```
    /// Ties between items with identical origins are broken by `replicaKey` of the replica index
    /// (smaller key goes first), exactly as reference-crdts compares agents.
    ///
    /// ## Scanning runs instead of items
    /// Inside a run, item `k > 0` has item `k - 1` as its left origin, so its `oleft == i - 1 > left`
    /// and the loop merely `continue`s — the whole rest of the run is skipped as a block (only the block
    /// boundary matters for `destIdx`, since `scanning` cannot change inside it). Only the first item of
    /// each run is examined, plus the first scanned item when the scan starts in the middle of a run
    /// (its `oleft` is then the item at `left`). Blocks are clipped at `right`, which may lie inside a run.
    /// Origins' positions are computed in O(log n) each (leaf via `ItemIndex`, run within the leaf, then
    /// a walk up summing preceding siblings' totals).
    ///
    /// Only the first new item needs the scan: item `k > 0` has item `k - 1` as left origin, and the item
    /// that follows item `k - 1` predates the new run, so its left origin lies before item `k - 1` and the
    /// scan for item `k` breaks immediately — the run lands contiguously.
    ///
    /// ## Fast paths
    /// In the common no-concurrency case the item after `originLeft` *is* `originRight` (or the end), the
    /// scan would break at once, and no position is computed at all. A remote typing run that continues
    /// its own run (same replica, next counter, same right origin, contiguous content) extends that run
    /// in place, as for local typing.
    ///
    /// Cost: O(log n) plus O(log n) per run scanned between the origins (only concurrent edits there).
    ///
    /// - Returns: the visible position of the first new item, or `-1` — with the tree unchanged — when
    ///   the input is unusable (see `canIntegrate(first:count:originLeft:originRight:index:)`): the caller
    ///   must deliver operations causally and exactly once; violations are reported instead of trapping.
    /// - Precondition: `contentOffset` in `0 ... UInt32.max` (an offset into the caller's own buffer).
    ///
    /// `idsAreFresh` says the caller knows the new IDs are unknown to `index` (they are past
    /// their replica's clock, and every known ID is at or below it), so they are not looked up
    /// one by one: their count and counter range are still checked.
    ///
    /// `reportsPosition: false` skips working out the position (0 is returned for it), for a
    /// caller that reports no event (see ``EventLog``).
    @discardableResult
    mutating func integrate(
        first: ItemID, count: Int, originLeft: ItemID?, originRight: ItemID?, contentOffset: Int,
        index: inout ItemIndex, idsAreFresh: Bool = false, reportsPosition: Bool = true, replicaKey: (UInt32) -> UInt64
    ) -> Int {
        precondition(contentOffset >= 0 && contentOffset <= Int(UInt32.max), "content offset out of range")
        if idsAreFresh {
            guard Self.isIDRange(first: first, count: count) else { return -1 }
        } else {
            guard hasFreshIDs(first: first, count: count, index: index) else { return -1 }
        }
        let leftRaw = originLeft?.raw ?? 0
        let rightRaw = originRight?.raw ?? 0
        var leftCursor: Cursor?
        if leftRaw != 0 {
            guard let cursor = locate(leftRaw, index: index) else { return -1 }
            leftCursor = cursor
        }
        // The first candidate slot: right after the left origin (or the very start).
        let start = leftCursor.map { cursor(after: $0) } ?? Cursor(leaf: 0, run: 0, offset: 0)
        var destination = start
        // (When the item at `start` is the right origin, that origin is evidently present.)
        if rawID(at: start) != rightRaw {
            guard rightRaw == 0 || locate(rightRaw, index: index) != nil else { return -1 }
            destination = scanForDestination(
                from: start, left: leftCursor, leftRaw: leftRaw, rightRaw: rightRaw,
                newKey: replicaKey(first.replica), replicaKey: replicaKey, index: index)
        }
        let record = RunRecord(first: first.raw, count: count, originLeft: leftRaw, originRight: rightRaw,
                               contentOffset: UInt32(contentOffset), isDeleted: false)
        guard reportsPosition else {
            let landed = insertRecord(record, before: destination, index: &index)
            locateHint = (Int32(truncatingIfNeeded: landed.leaf), Int32(truncatingIfNeeded: landed.run))
            return 0
        }
        // Items before the destination are unaffected by the insertion, so the new items' position can
        // be computed first — while the run hint from the previous edit is still valid.
        let position = visibleItemsCaching(before: destination)
        let landed = insertRecord(record, before: destination, index: &index)
        if landed.leaf == cachedLeaf {
            // Re-establish the run hint for the next edit (remote typing continues right here).
            cachedRun = landed.run
            cachedRunStart = position - cachedLeafStart - landed.offset
        }
        return position
    }

    /// Whether `integrate` would accept these items: `count` in `1 ... 2^31 - 1`, counters within
    /// `1 ... UInt32.max`, none of the new ids already known to `index` (exactly-once delivery), and both
    /// origins present in this tree (causal delivery). Lets the engine vet hostile input up front.
    /// O(count) for the id check, plus O(1) + one leaf scan per origin.
    func canIntegrate(first: ItemID, count: Int, originLeft: ItemID?, originRight: ItemID?, index: ItemIndex) -> Bool {
        guard hasFreshIDs(first: first, count: count, index: index) else { return false }
        if let originLeft, locate(originLeft.raw, index: index) == nil { return false }
        if let originRight, locate(originRight.raw, index: index) == nil { return false }
        return true
    }

    /// Whether `first ..< first + count` is a valid, entirely unknown id range (see `canIntegrate`). O(count).
    private func hasFreshIDs(first: ItemID, count: Int, index: ItemIndex) -> Bool {
        guard Self.isIDRange(first: first, count: count) else { return false }
        for offset in 0..<count where index.leaf(of: first.advanced(by: offset)) != nil {
            return false
        }
        return true
    }

    /// Whether `count` IDs from `first` on make a valid run: `count` in `1 ... 2^31 - 1`,
    /// counters within `1 ... UInt32.max`.
    private static func isIDRange(first: ItemID, count: Int) -> Bool {
        count > 0 && count <= RunRecord.maxCount && first.counter >= 1
            && UInt64(first.counter) + UInt64(count) - 1 <= UInt64(UInt32.max)
    }

    /// The YjsMod scan over runs (see `integrate`): returns the cursor before which the new items go.
    /// `start` is the slot right after the left origin. O(log n) per scanned run.
    private func scanForDestination(
        from start: Cursor, left leftCursor: Cursor?, leftRaw: UInt64, rightRaw: UInt64, newKey: UInt64,
        replicaKey: (UInt32) -> UInt64, index: ItemIndex
    ) -> Cursor {
        let total = storedTotalCount
        let left = leftCursor.map { totalPosition(of: $0) } ?? -1
        // A missing right origin was rejected by the caller; `total` is only a defensive fallback.
        let right = rightRaw == 0 ? total : (totalPosition(ofRaw: rightRaw, index: index) ?? total)
        var position = left + 1
        var cursor = start
        var destination = start
        var scanning = false
        while true {
            if !scanning {
                destination = cursor
            }
            if position >= total || position == right || isEndOfLeaf(cursor) {
                break
            }
            let record = runs[cursor.leaf * leafCapacity + cursor.run]
            let blockLength = record.count - cursor.offset
            // Items after the first one of the block are skipped (`oleft > left`); stop the block at
            // `right` if the right origin lies inside this run.
            var step = blockLength
            if right > position && right - position < step {
                step = right - position
            }
            let otherLeft: Int
            if cursor.offset > 0 {
                // Mid-run start: the item's left origin is its predecessor in the run, i.e. at `left`.
                otherLeft = position - 1
            } else if record.originLeft == 0 {
                otherLeft = -1
            } else if record.originLeft == leftRaw {
                otherLeft = left
            } else {
                otherLeft = totalPosition(ofRaw: record.originLeft, index: index) ?? -1
            }
            if otherLeft < left {
                break
            }
            if otherLeft == left {
                let otherRight: Int
                if record.originRight == 0 {
                    otherRight = total
                } else if record.originRight == rightRaw {
                    otherRight = right
                } else {
                    otherRight = totalPosition(ofRaw: record.originRight, index: index) ?? total
                }
                if otherRight < right {
                    scanning = true
                } else if otherRight == right {
                    // Raw conflict: identical origins. Order by the global replica key.
                    let otherKey = replicaKey(ItemID(raw: record.first).replica)
                    if newKey < otherKey {
                        break
                    }
                    scanning = false
                } else {
                    scanning = false
                }
            }
            position += step
            if step == blockLength {
                cursor = cursorOfRun(after: cursor.run, in: cursor.leaf)
            } else {
                cursor.offset += step
            }
        }
        return destination
    }

    /// Total position (tombstones included) of the item with raw id `raw`, or `nil` if it is not in this
    /// tree. O(log n).
    func totalPosition(ofRaw raw: UInt64, index: ItemIndex) -> Int? {
        guard let cursor = locate(raw, index: index) else { return nil }
        return totalPosition(of: cursor)
    }
}
