/// The list/text sequence CRDT: an arena B+tree of runs implementing the YjsMod integration algorithm.
///
/// ## Algorithm
/// Placement follows Joseph Gentle's reference-crdts `integrateYjsMod`. Weidner & Kleppmann's Fugue
/// paper ("The Art of the Fugue", 2023) shows that YjsMod orders items exactly like FugueMax, so
/// concurrent runs typed at the same place are never interleaved. Every item records two origins: the
/// item immediately before and the item immediately after it when it was created (tombstones
/// included). Integration scans the items between the origins and uses the origins' positions (and the
/// global replica key for exact ties) to pick the slot; see `SequenceTree+Integrate.swift`.
///
/// ## Storage
/// The tree stores only ids, origins, tombstone flags and offsets into a content buffer owned by the
/// caller, so it is agnostic of the element type. Items are grouped into *runs* (`RunRecord`, 32 bytes,
/// POD): consecutive ids of one replica, contiguous in the sequence, chained by their left origins,
/// sharing the right origin, the deleted flag and contiguous content. Typing one character at a time
/// therefore extends a single run instead of adding a record per keystroke.
///
/// Nodes and leaves live in flat arrays indexed by `Int32` (no classes, no ARC in the hot path):
/// - leaf `l` owns the slots `l * leafCapacity ..< (l + 1) * leafCapacity` of `runs` and the header
///   `leaves[l]` (run count, parent node, slot in the parent, next/previous leaf in sequence order);
/// - node `n` owns the slots `n * nodeCapacity ..< (n + 1) * nodeCapacity` of `children` and
///   `childCounts` (non-deleted and all items per child), and the header `nodes[n]`. Nodes on level 1 have leaves as children. The root is always a node.
///
/// Tombstones are never removed, so leaves are never freed and leaf indices stay valid; the shared
/// `ItemIndex` maps every id to its leaf, which makes locating an id O(1) + one leaf scan, and computing
/// its position O(log n) (walk up summing the preceding siblings' counts). Position lookups descend by
/// the per-child counts in O(log n). A cursor cache (one leaf with its start position, plus a run hint
/// inside it) makes repeated edits near the same spot — local or remote typing and backspacing — skip
/// the descent, the walk up and most of the leaf scan, so they cost O(1)-ish plus the count updates.
///
/// All complexities below count runs/items `n` of this tree; "O(log n)" hides the fan-out factors
/// (≤ `nodeCapacity` per level and ≤ `leafCapacity` for the leaf scan).
struct SequenceTree: Sendable {
    /// Default physical run slots per leaf. A leaf holds at most `leafCapacity - 2` runs between
    /// operations, because one operation adds at most two records before the leaf is split.
    static let defaultLeafCapacity = 64
    /// Default physical child slots per internal node (a node splits when it becomes full).
    static let defaultNodeCapacity = 32

    /// Per-leaf bookkeeping.
    struct LeafHeader: Sendable {
        /// Number of runs stored in the leaf.
        var count: Int32
        /// Parent node.
        var parent: Int32
        /// Index of this leaf among its parent's children.
        var slot: Int32
        /// Next leaf in sequence order, or -1.
        var next: Int32
        /// Previous leaf in sequence order, or -1.
        var prev: Int32
    }

    /// Per-node bookkeeping.
    struct NodeHeader: Sendable {
        /// Number of children.
        var count: Int32
        /// Parent node, or -1 for the root.
        var parent: Int32
        /// Index of this node among its parent's children.
        var slot: Int32
        /// 1 if the children are leaves, otherwise 1 + the children's level.
        var level: Int32
    }

    /// Item counts of one child subtree, stored per child slot of a node. Both counts live in one
    /// 16-byte record so that a count update touches one array (one bounds/uniqueness check per level).
    struct ChildCounts: Sendable {
        /// Non-deleted items.
        var visible: Int
        /// All items, tombstones included.
        var total: Int
        /// No items.
        static let zero = ChildCounts(visible: 0, total: 0)
    }

    /// A position inside the tree: item `offset` of run `run` in leaf `leaf`. `run == leaf count`
    /// (with `offset == 0`) denotes the end of that leaf, which for the last leaf is the end of the sequence.
    struct Cursor: Equatable, Sendable {
        /// Leaf index.
        var leaf: Int
        /// Run index inside the leaf.
        var run: Int
        /// Item offset inside the run.
        var offset: Int
    }

    /// Physical run slots per leaf.
    let leafCapacity: Int
    /// Physical child slots per node.
    let nodeCapacity: Int
    /// Run slots of all leaves (`leafCapacity` per leaf).
    var runs: [RunRecord]
    /// Leaf headers.
    var leaves: [LeafHeader]
    /// Child indices of all nodes (`nodeCapacity` per node).
    var children: [Int32]
    /// Item counts per child slot (`nodeCapacity` per node).
    var childCounts: [ChildCounts]
    /// Node headers.
    var nodes: [NodeHeader]
    /// Root node index.
    var root: Int
    /// The last leaf in sequence order (the first is always leaf 0: splits move the upper half out).
    var lastLeaf: Int
    /// Number of visible items (maintained incrementally).
    var storedVisibleCount: Int
    /// Number of items including tombstones (maintained incrementally).
    var storedTotalCount: Int
    /// Cursor cache: a leaf whose first visible position is known, or -1.
    var cachedLeaf: Int
    /// Visible position of the first visible item of `cachedLeaf` (valid while `cachedLeaf >= 0`).
    var cachedLeafStart: Int
    /// Run hint inside `cachedLeaf`: a run index whose visible prefix inside the leaf is exactly
    /// `cachedRunStart`, or -1. Cleared by every count change and leaf split; re-established by each edit
    /// (local or remote) for the place it touched, so that typing/backspacing start leaf scans at the
    /// cursor instead of the leaf's first run.
    var cachedRun: Int
    /// Visible items of `cachedLeaf` before run `cachedRun`.
    var cachedRunStart: Int
    /// Where the last edit that worked out no position (see ``integrate(first:count:originLeft:originRight:contentOffset:index:idsAreFresh:reportsPosition:replicaKey:)``)
    /// landed, leaf and run, for ``locate(_:index:)`` to try first: a hint only, checked
    /// against the record it names, so it needs no upkeep when runs move.
    var locateHint: (leaf: Int32, run: Int32) = (-1, 0)
    /// A leaf whose count changes since it became pending are not yet in its ancestors'
    /// `childCounts` (they are in ``storedVisibleCount`` and ``storedTotalCount``), or -1.
    ///
    /// Typing and backspacing change one leaf's counts at every keystroke. Walking up to the
    /// root each time, with a uniqueness check on `childCounts`, was a twentieth of a local
    /// keystroke; so the changes of the last leaf edited are summed here and added to its
    /// ancestors only when another leaf changes or the tree's shape does
    /// (``flushPendingCounts()``). Readers of `childCounts` add them where they apply
    /// (``pendingIndex(depth:)``).
    var pendingLeaf = -1
    /// Visible and total items the pending leaf gained (negative: lost) since it became pending.
    var pendingVisible = 0
    var pendingTotal = 0
    /// The `childCounts` slots that hold the pending leaf's subtree, from its own slot in its
    /// parent (depth 0) up to the root's slot for it.
    var pendingPath: [Int] = []

    /// Creates an empty sequence with the default capacities.
    init() {
        self.init(leafCapacity: Self.defaultLeafCapacity, nodeCapacity: Self.defaultNodeCapacity)
    }

    /// Creates an empty sequence with explicit leaf/node capacities (small values make tests exercise
    /// deep trees). `leafCapacity >= 5`, `nodeCapacity >= 4`.
    init(leafCapacity: Int, nodeCapacity: Int) {
        precondition(leafCapacity >= 5 && leafCapacity <= 4096, "unsupported leaf capacity")
        precondition(nodeCapacity >= 4 && nodeCapacity <= 4096, "unsupported node capacity")
        self.leafCapacity = leafCapacity
        self.nodeCapacity = nodeCapacity
        runs = Array(repeating: .empty, count: leafCapacity)
        leaves = [LeafHeader(count: 0, parent: 0, slot: 0, next: -1, prev: -1)]
        children = Array(repeating: -1, count: nodeCapacity)
        children[0] = 0
        childCounts = Array(repeating: .zero, count: nodeCapacity)
        nodes = [NodeHeader(count: 1, parent: -1, slot: 0, level: 1)]
        root = 0
        lastLeaf = 0
        storedVisibleCount = 0
        storedTotalCount = 0
        cachedLeaf = -1
        cachedLeafStart = 0
        cachedRun = -1
        cachedRunStart = 0
    }

    /// Number of visible (non-deleted) items. O(1).
    var visibleCount: Int { storedVisibleCount }

    /// Number of items including tombstones. O(1).
    var totalCount: Int { storedTotalCount }

    // MARK: - Queries

    /// Whether the item `id` belongs to this tree (deleted or not). O(1) + one leaf scan.
    func contains(_ id: ItemID, index: ItemIndex) -> Bool {
        locate(id.raw, index: index) != nil
    }

    /// How many consecutive IDs from `id` on this tree holds in the run that holds `id` (at
    /// least one if it holds `id`, 0 if not): a range of IDs is checked a run at a time.
    func runRemainder(from id: ItemID, index: ItemIndex) -> Int {
        guard let cursor = locate(id.raw, index: index) else { return 0 }
        return runs[cursor.leaf * leafCapacity + cursor.run].count - cursor.offset
    }

    /// Whether the item `id` is deleted, or `nil` if it is not in this tree. O(1) + one leaf scan.
    func isDeleted(_ id: ItemID, index: ItemIndex) -> Bool? {
        guard let cursor = locate(id.raw, index: index) else { return nil }
        return runs[cursor.leaf * leafCapacity + cursor.run].isDeleted
    }

    /// Visible position of an item, or `nil` if it is not in this tree. For a deleted item this is the
    /// number of visible items before it (where it would be). O(log n).
    func visiblePosition(of id: ItemID, index: ItemIndex) -> (position: Int, isDeleted: Bool)? {
        guard let cursor = locate(id.raw, index: index) else { return nil }
        let isDeleted = runs[cursor.leaf * leafCapacity + cursor.run].isDeleted
        return (visibleItems(before: cursor), isDeleted)
    }

    /// The item at visible position `position`: its id and content offset. O(log n).
    ///
    /// - Precondition: `0 <= position < visibleCount`. Like `Array`'s subscript this traps otherwise;
    ///   callers validate user-supplied indices against `visibleCount` first.
    func item(atVisible position: Int) -> (id: ItemID, contentOffset: Int) {
        precondition(position >= 0 && position < storedVisibleCount, "visible position out of range")
        let cursor = findVisible(position).cursor
        let run = runs[cursor.leaf * leafCapacity + cursor.run]
        return (
            ItemID(raw: run.first &+ UInt64(cursor.offset)),
            Int(run.contentOffset) + cursor.offset
        )
    }

    /// The id of the item immediately after `id` in the full sequence (tombstones included), or `nil` if
    /// `id` is the last item or not in this tree. O(1) + one leaf scan.
    func nextItem(after id: ItemID, index: ItemIndex) -> ItemID? {
        guard let cursor = locate(id.raw, index: index) else { return nil }
        let next = rawID(at: self.cursor(after: cursor))
        return next == 0 ? nil : ItemID(raw: next)
    }

    /// Calls `body` with the visible content in sequence order as `(contentOffset, count)` spans.
    /// Adjacent visible runs whose content is contiguous are coalesced into one span. O(n) over runs,
    /// walking the leaves in order.
    func forEachVisibleRun(_ body: (_ contentOffset: Int, _ count: Int) throws -> Void) rethrows {
        var pendingOffset = 0
        var pendingCount = 0
        var leaf = 0
        while leaf >= 0 {
            let base = leaf * leafCapacity
            let count = Int(leaves[leaf].count)
            for slot in base..<(base + count) {
                let run = runs[slot]
                if run.isDeleted { continue }
                let offset = Int(run.contentOffset)
                if pendingCount > 0 && pendingOffset + pendingCount == offset {
                    pendingCount += run.count
                } else {
                    if pendingCount > 0 { try body(pendingOffset, pendingCount) }
                    pendingOffset = offset
                    pendingCount = run.count
                }
            }
            leaf = Int(leaves[leaf].next)
        }
        if pendingCount > 0 { try body(pendingOffset, pendingCount) }
    }

    /// Calls `body` with every run (tombstones included) in sequence order, e.g. for snapshots. O(n).
    func forEachRun(_ body: (_ run: SequenceRun) throws -> Void) rethrows {
        var leaf = 0
        while leaf >= 0 {
            let base = leaf * leafCapacity
            for slot in base..<(base + Int(leaves[leaf].count)) {
                try body(runs[slot].sequenceRun)
            }
            leaf = Int(leaves[leaf].next)
        }
    }

    // MARK: - Navigation helpers

    /// Finds the item with raw id `raw` in this tree: O(1) index lookup plus a scan of one leaf.
    /// Returns `nil` for ids that are unknown or belong to another tree sharing the index.
    func locate(_ raw: UInt64, index: ItemIndex) -> Cursor? {
        guard raw != 0, let leaf = index.leaf(of: ItemID(raw: raw)), leaf < leaves.count else { return nil }
        let base = leaf * leafCapacity
        let count = Int(leaves[leaf].count)
        return runs.withUnsafeBufferPointer { buffer -> Cursor? in
            // The run of `buffer[base + range]` holding `raw`, if any.
            @inline(__always) func find(in range: Range<Int>) -> Cursor? {
                for run in range {
                    let record = buffer[base + run]
                    // Wrapping subtraction: ids of other replicas or below `first` become huge.
                    let delta = raw &- record.first
                    if delta < UInt64(record.count) {
                        return Cursor(leaf: leaf, run: run, offset: Int(delta))
                    }
                }
                return nil
            }
            // Edits cluster: try a hinted run and its neighbours before scanning the leaf.
            // (Runs may have left the leaf since the locate hint was taken: it is clamped.)
            if leaf == Int(locateHint.leaf) {
                let hint = min(Int(locateHint.run), count)
                if let cursor = find(in: max(hint - 1, 0)..<min(hint + 2, count)) { return cursor }
            }
            if leaf == cachedLeaf && cachedRun >= 0,
               let cursor = find(in: max(cachedRun - 1, 0)..<min(cachedRun + 2, count)) {
                return cursor
            }
            return find(in: 0..<count)
        }
    }

    /// The cursor of the visible item at `position`, i.e. the insertion point *before* it and after any
    /// tombstones preceding it (reference-crdts `findItemAtPos` with `stick_end = false`), plus the
    /// visible position of the first visible item of its leaf. `position == visibleCount` yields the end
    /// of the last leaf. O(log n); O(leaf) when the cursor cache hits.
    @inline(__always)
    func findVisible(_ position: Int) -> (cursor: Cursor, leafStart: Int) {
        if position >= storedVisibleCount {
            let end = Cursor(leaf: lastLeaf, run: Int(leaves[lastLeaf].count), offset: 0)
            return (end, storedVisibleCount - leafVisibleCount(lastLeaf))
        }
        var leaf: Int
        var relative: Int
        if cachedLeaf >= 0, position >= cachedLeafStart, position - cachedLeafStart < leafVisibleCount(cachedLeaf) {
            leaf = cachedLeaf
            relative = position - cachedLeafStart
        } else {
            // Descend: pick the first child whose visible count exceeds the remaining position, which
            // skips subtrees made only of tombstones.
            var node = root
            relative = position
            leaf = 0
            while true {
                let header = nodes[node]
                let base = node * nodeCapacity
                let last = Int(header.count) - 1
                var slot = 0
                let pending = pendingIndex(depth: Int(header.level) - 1)
                let pendingVisible = pendingVisible
                childCounts.withUnsafeBufferPointer { counts in
                    while slot < last {
                        var count = counts[base + slot].visible
                        if base + slot == pending { count += pendingVisible }
                        if relative < count { break }
                        relative -= count
                        slot += 1
                    }
                }
                let child = Int(children[base + slot])
                if header.level == 1 {
                    leaf = child
                    break
                }
                node = child
            }
        }
        let start = position - relative
        let base = leaf * leafCapacity
        let count = Int(leaves[leaf].count)
        var run = 0
        if leaf == cachedLeaf && cachedRun >= 0 && relative >= cachedRunStart {
            run = cachedRun
            relative -= cachedRunStart
        }
        runs.withUnsafeBufferPointer { buffer in
            while run < count {
                let visible = buffer[base + run].visibleCount
                if relative < visible { break }
                relative -= visible
                run += 1
            }
        }
        return (Cursor(leaf: leaf, run: run, offset: relative), start)
    }

    /// Visible items in leaf `leaf` (read from its parent's slot). O(1).
    func leafVisibleCount(_ leaf: Int) -> Int {
        let header = leaves[leaf]
        let stored = childCounts[Int(header.parent) * nodeCapacity + Int(header.slot)].visible
        return leaf == pendingLeaf ? stored + pendingVisible : stored
    }

    /// The `childCounts` slot at `depth` above the leaves (0: a leaf's slot in its parent) that
    /// the pending counts (``pendingLeaf``) belong to, or -1 if none. All leaves are at the same
    /// depth, so a walk up from any leaf meets the pending path at the same depths.
    @inline(__always)
    func pendingIndex(depth: Int) -> Int {
        pendingLeaf >= 0 && depth < pendingPath.count ? pendingPath[depth] : -1
    }

    /// Number of items (tombstones included) before the item at `cursor`. O(log n).
    func totalPosition(of cursor: Cursor) -> Int {
        let base = cursor.leaf * leafCapacity
        var position = cursor.offset
        runs.withUnsafeBufferPointer { buffer in
            for slot in base..<(base + cursor.run) {
                position += buffer[slot].count
            }
        }
        return position + itemsBeforeLeaf(cursor.leaf, visibleOnly: false)
    }

    /// Number of visible items before the item at `cursor` (the item itself excluded). O(log n).
    func visibleItems(before cursor: Cursor) -> Int {
        visibleItemsInLeaf(before: cursor) + itemsBeforeLeaf(cursor.leaf, visibleOnly: true)
    }

    /// `visibleItems(before:)` that reuses the cursor cache when `cursor` is in the cached leaf (and the
    /// run hint when it precedes the cursor), and otherwise computes the leaf's start and caches it — so
    /// consecutive remote edits in one leaf (remote typing, deletes) skip the walk up the tree and most
    /// of the leaf scan. Leaves the run hint at `cursor.run`. O(leaf), O(log n) on a cache miss.
    mutating func visibleItemsCaching(before cursor: Cursor) -> Int {
        if cursor.leaf != cachedLeaf {
            cachedLeafStart = itemsBeforeLeaf(cursor.leaf, visibleOnly: true)
            cachedLeaf = cursor.leaf
            cachedRun = -1
        }
        let runPrefix = visibleRunPrefix(leaf: cursor.leaf, run: cursor.run)
        var position = cachedLeafStart + runPrefix
        if cursor.run < Int(leaves[cursor.leaf].count) {
            cachedRun = cursor.run
            cachedRunStart = runPrefix
            if cursor.offset > 0 && !runs[cursor.leaf * leafCapacity + cursor.run].isDeleted {
                position += cursor.offset
            }
        }
        return position
    }

    /// Visible items of `leaf` before run `run`, scanning from the run hint when it applies. O(leaf).
    func visibleRunPrefix(leaf: Int, run: Int) -> Int {
        var prefix = 0
        var from = 0
        if leaf == cachedLeaf && cachedRun >= 0 && cachedRun <= run {
            prefix = cachedRunStart
            from = cachedRun
        }
        let base = leaf * leafCapacity
        runs.withUnsafeBufferPointer { buffer in
            for slot in (base + from)..<(base + run) {
                prefix += buffer[slot].visibleCount
            }
        }
        return prefix
    }

    /// Number of visible items of `cursor`'s leaf before the item at `cursor`. O(leaf).
    func visibleItemsInLeaf(before cursor: Cursor) -> Int {
        let base = cursor.leaf * leafCapacity
        var position = 0
        runs.withUnsafeBufferPointer { buffer in
            for slot in base..<(base + cursor.run) {
                position += buffer[slot].visibleCount
            }
            if cursor.offset > 0 && !buffer[base + cursor.run].isDeleted {
                position += cursor.offset
            }
        }
        return position
    }

    /// Number of visible (or, with `visibleOnly == false`, all) items in the subtrees preceding `leaf`:
    /// walk up the parents adding the counts of the preceding siblings. O(log n).
    func itemsBeforeLeaf(_ leaf: Int, visibleOnly: Bool) -> Int {
        var sum = 0
        var node = Int(leaves[leaf].parent)
        var slot = Int(leaves[leaf].slot)
        var depth = 0
        childCounts.withUnsafeBufferPointer { counts in
            while node >= 0 {
                let base = node * nodeCapacity
                for index in base..<(base + slot) {
                    sum += visibleOnly ? counts[index].visible : counts[index].total
                }
                // The pending leaf's subtree, if it precedes: its counts are not all in `counts`.
                let pending = pendingIndex(depth: depth)
                if pending >= base && pending < base + slot { sum += visibleOnly ? pendingVisible : pendingTotal }
                depth += 1
                let header = nodes[node]
                slot = Int(header.slot)
                node = Int(header.parent)
            }
        }
        return sum
    }

    /// The cursor of the run after run `run` of `leaf` (following the leaf chain), or the end cursor of
    /// the last leaf. O(1).
    func cursorOfRun(after run: Int, in leaf: Int) -> Cursor {
        if run + 1 < Int(leaves[leaf].count) {
            return Cursor(leaf: leaf, run: run + 1, offset: 0)
        }
        let next = Int(leaves[leaf].next)
        if next >= 0 {
            return Cursor(leaf: next, run: 0, offset: 0)
        }
        return Cursor(leaf: leaf, run: Int(leaves[leaf].count), offset: 0)
    }

    /// The cursor of the item right after the item at `cursor`. O(1).
    func cursor(after cursor: Cursor) -> Cursor {
        let count = runs[cursor.leaf * leafCapacity + cursor.run].count
        if cursor.offset + 1 < count {
            return Cursor(leaf: cursor.leaf, run: cursor.run, offset: cursor.offset + 1)
        }
        return cursorOfRun(after: cursor.run, in: cursor.leaf)
    }

    /// Whether `cursor` is past the last item of its leaf.
    func isEndOfLeaf(_ cursor: Cursor) -> Bool {
        cursor.run >= Int(leaves[cursor.leaf].count)
    }

    /// Raw id of the item at `cursor`, or 0 at the end of the sequence (the "no origin" sentinel).
    /// `cursor` may be the end of a non-last leaf, then the next leaf's first item is meant. O(1).
    @inline(__always)
    func rawID(at cursor: Cursor) -> UInt64 {
        var cursor = cursor
        if isEndOfLeaf(cursor) {
            let next = Int(leaves[cursor.leaf].next)
            guard next >= 0 else { return 0 }
            cursor = Cursor(leaf: next, run: 0, offset: 0)
        }
        return runs[cursor.leaf * leafCapacity + cursor.run].first &+ UInt64(cursor.offset)
    }

    /// Raw id of the item immediately before `cursor` in the full sequence (tombstones included), or 0 at
    /// the start. O(1).
    @inline(__always)
    func rawID(before cursor: Cursor) -> UInt64 {
        let base = cursor.leaf * leafCapacity
        if cursor.offset > 0 {
            return runs[base + cursor.run].first &+ UInt64(cursor.offset) &- 1
        }
        if cursor.run > 0 {
            return runs[base + cursor.run - 1].last
        }
        let prev = Int(leaves[cursor.leaf].prev)
        guard prev >= 0 else { return 0 }
        let prevCount = Int(leaves[prev].count)
        return prevCount > 0 ? runs[prev * leafCapacity + prevCount - 1].last : 0
    }
}
