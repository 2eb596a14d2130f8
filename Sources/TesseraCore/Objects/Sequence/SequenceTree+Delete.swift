/// Deletion by id (remote delete operations) and the shared tombstoning primitive.
extension SequenceTree {
    /// Tombstones the items `first ... first + count - 1` wherever they are in this tree (they may be
    /// scattered over many runs).
    ///
    /// Idempotent: items that are already deleted are skipped. Ids that are not in this tree (a caller
    /// error) are ignored rather than trapping; they simply contribute nothing to the result, and runs
    /// of unknown ids are skipped page by page via the index.
    ///
    /// Returns the visible ranges that disappeared as `(position, count)` pairs sorted by position
    /// **descending**, each position valid in the sequence as it was before this call, so removing them
    /// one after another from a mirror array reproduces the new state. Adjacent ranges are coalesced.
    /// O(k · log n) for k touched runs, plus O(1) per unknown id within known index pages and per page
    /// of unknown ids otherwise.
    @discardableResult
    mutating func delete(first: ItemID, count: Int, index: inout ItemIndex) -> [(position: Int, count: Int)] {
        var result: [(position: Int, count: Int)] = []
        delete(first: first, count: count, index: &index, strict: false, into: &result)
        return result
    }

    /// ``delete(first:count:index:)`` into `result` (emptied first; a buffer reused from one
    /// call to the next allocates nothing). When `strict`, every id must be in this tree:
    /// if one is not, returns false with the tree and `result` untouched (all ids are found
    /// before anything is tombstoned), and so does an empty or out-of-range id range.
    ///
    /// `reportsPositions: false` leaves `result` empty and skips working out the positions,
    /// for a caller that reports no event (see ``EventLog``).
    @discardableResult
    mutating func delete(first: ItemID, count: Int, index: inout ItemIndex, strict: Bool, reportsPositions: Bool = true,
                         into result: inout [(position: Int, count: Int)]) -> Bool {
        guard count > 0 else { return !strict }
        if strict {
            guard first.counter >= 1, UInt64(first.counter) + UInt64(count) - 1 <= UInt64(UInt32.max) else { return false }
        }
        let replicaBits = UInt64(first.replica) << 32
        let endCounter = min(UInt64(first.counter) + UInt64(count), UInt64(UInt32.max) + 1)

        // Pass 1: positions in the pre-call sequence of the visible parts. Computing all of them before
        // mutating anything is what makes every reported position refer to the old state.
        var segments: [(raw: UInt64, position: Int, count: Int)] = []
        var counter = UInt64(first.counter)
        while counter < endCounter {
            let raw = replicaBits | counter
            guard let cursor = locate(raw, index: index) else {
                if strict { return false }
                // Unknown here: jump to the next id the index knows (bounded work for hostile ranges).
                guard let next = index.firstRegisteredCounter(replica: first.replica, in: (counter + 1)..<endCounter)
                else { break }
                counter = next
                continue
            }
            let record = runs[cursor.leaf * leafCapacity + cursor.run]
            let taken = min(UInt64(record.count - cursor.offset), endCounter - counter)
            if !record.isDeleted {
                if !reportsPositions && segments.isEmpty && counter + taken == endCounter {
                    // The same, with no position to report.
                    tombstone(cursor, count: Int(taken), index: &index)
                    locateHint = (Int32(truncatingIfNeeded: cursor.leaf), Int32(truncatingIfNeeded: cursor.run))
                    result.removeAll(keepingCapacity: true)
                    return true
                }
                if segments.isEmpty && counter + taken == endCounter {
                    // Common case (one contiguous visible piece): no second pass needed.
                    // Caches the leaf start and the run hint, which tombstoning keeps usable.
                    let position = visibleItemsCaching(before: cursor)
                    tombstoneKeepingHint(cursor, count: Int(taken), runPrefix: cachedRunStart, index: &index)
                    result.removeAll(keepingCapacity: true)
                    result.append((position, Int(taken)))
                    return true
                }
                segments.append((raw, reportsPositions ? visibleItems(before: cursor) : 0, Int(taken)))
            }
            counter += taken
        }
        result.removeAll(keepingCapacity: true)

        // Pass 2: tombstone. A segment lies inside one visible run; tombstoning other (disjoint)
        // segments splits runs only at their own boundaries, but re-locate each piece to stay robust.
        for segment in segments {
            var raw = segment.raw
            var remaining = segment.count
            while remaining > 0, let cursor = locate(raw, index: index) {
                let record = runs[cursor.leaf * leafCapacity + cursor.run]
                let taken = min(remaining, record.count - cursor.offset)
                if !record.isDeleted {
                    tombstone(cursor, count: taken, index: &index)
                }
                raw &+= UInt64(taken)
                remaining -= taken
            }
        }

        guard reportsPositions else { return true }
        segments.sort { $0.position > $1.position }
        result.reserveCapacity(segments.count)
        for segment in segments {
            if let last = result.indices.last, segment.position + segment.count == result[last].position {
                result[last] = (segment.position, result[last].count + segment.count)
            } else {
                result.append((segment.position, segment.count))
            }
        }
        return true
    }

    /// `tombstone(_:count:index:)` for a cursor in the cached leaf (whose start is cached), re-establishing
    /// the run hint afterwards: runs before `cursor.run - 1` are never touched by tombstoning (a merge only
    /// grows run `cursor.run - 1` or removes runs after it), so their visible prefix stays exact.
    /// `runPrefix` is the visible prefix of the leaf before `cursor.run`. O(leaf + log n).
    mutating func tombstoneKeepingHint(_ cursor: Cursor, count: Int, runPrefix: Int, index: inout ItemIndex) {
        let slot = cursor.leaf * leafCapacity + cursor.run
        let hintRun = max(cursor.run - 1, 0)
        let hintStart = cursor.run > 0 ? runPrefix - runs[slot - 1].visibleCount : 0
        tombstone(cursor, count: count, index: &index)
        if cursor.leaf == cachedLeaf && hintRun < Int(leaves[cursor.leaf].count) {
            cachedRun = hintRun
            cachedRunStart = hintStart
        }
    }

    /// Marks `count` items starting at `cursor` (all inside one visible run) as deleted, splitting the run
    /// as needed and merging the tombstone piece into an adjacent tombstone run of the same chain (so
    /// backspacing keeps one tombstone record). Splits the leaf if it overflows. O(leaf + log n).
    mutating func tombstone(_ cursor: Cursor, count: Int, index: inout ItemIndex) {
        let leaf = cursor.leaf
        let run = cursor.run
        let slot = leaf * leafCapacity + run
        let record = runs[slot]
        precondition(!record.isDeleted && count > 0 && cursor.offset + count <= record.count,
                     "tombstone range must lie in one visible run")
        let runCount = Int(leaves[leaf].count)
        if cursor.offset == 0 && count == record.count {
            // Whole run: flip the flag, then merge with tombstone neighbours of the same chain.
            runs[slot].isDeleted = true
            if run + 1 < runCount && runs[slot].canAbsorb(runs[slot + 1]) {
                runs[slot].count += runs[slot + 1].count
                removeRecordSlot(leaf: leaf, run: run + 1)
            }
            if run > 0 && runs[slot - 1].canAbsorb(runs[slot]) {
                runs[slot - 1].count += runs[slot].count
                removeRecordSlot(leaf: leaf, run: run)
            }
        } else if cursor.offset == 0 {
            // Prefix.
            var piece = record
            piece.count = count
            piece.isDeleted = true
            let rest = record.suffix(from: count)
            if run > 0 && runs[slot - 1].canAbsorb(piece) {
                runs[slot - 1].count += count
                runs[slot] = rest
            } else {
                runs[slot] = piece
                insertRecordSlot(rest, leaf: leaf, run: run + 1)
            }
        } else if cursor.offset + count == record.count {
            // Suffix (backspacing at the end of a run).
            var piece = record.suffix(from: cursor.offset)
            piece.isDeleted = true
            runs[slot].count = cursor.offset
            if run + 1 < runCount && piece.canAbsorb(runs[slot + 1]) {
                piece.count += runs[slot + 1].count
                runs[slot + 1] = piece
            } else {
                insertRecordSlot(piece, leaf: leaf, run: run + 1)
            }
        } else {
            // Middle: three pieces.
            var piece = record.suffix(from: cursor.offset)
            piece.count = count
            piece.isDeleted = true
            let rest = record.suffix(from: cursor.offset + count)
            runs[slot].count = cursor.offset
            insertRecordSlots(piece, rest, leaf: leaf, run: run + 1)
        }
        addCounts(leaf: leaf, visible: -count, total: 0)
        splitLeafIfNeeded(leaf, index: &index)
    }
}
