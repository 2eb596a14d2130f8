/// Document-wide map `ItemID -> leaf index` of the `SequenceTree` that holds the item.
///
/// One index is shared by all sequence trees of a document. Every item belongs to exactly one tree,
/// so the stored leaf indices are local to that tree; a tree always double-checks a hit by looking
/// for the id inside the leaf (`SequenceTree.locate`), which also rejects ids of other trees.
///
/// Layout: paged dense storage. Per replica index there is a page table (an array of optional pages,
/// "absent" encoded as `-1`), and each page holds 256 `UInt32` entries (`0` = absent, otherwise
/// `leaf + 1`). Pages are allocated lazily on first write. To keep lookups free of nested-array
/// reference counting, all page tables live in one flat `[Int32]` and all pages in one flat `[UInt32]`;
/// a replica's page table is a contiguous span that is re-allocated (doubling) at the end of the flat
/// table when it must grow, so the abandoned spans cost at most as much as the live ones.
///
/// `leaf(of:)` is O(1); `setLeaf(_:for:count:)` is O(count).
struct ItemIndex: Sendable {
    /// Number of entries per page (a power of two).
    static let pageSize = 256
    /// `log2(pageSize)`.
    static let pageShift = 8

    /// Where a replica's page table lives inside `pageTables`.
    private struct Span: Sendable {
        /// First slot of the page table in `pageTables`.
        var start: Int
        /// Number of page-table slots (pages addressable without growing).
        var count: Int
    }

    /// Page-table span per replica index.
    private var directory: [Span] = []
    /// All page tables: page number within `entries` (in units of pages), or `-1` if the page is absent.
    private var pageTables: [Int32] = []
    /// All pages, `pageSize` entries each: `0` = absent, otherwise `leaf + 1`.
    private var entries: [UInt32] = []

    /// Creates an empty index.
    init() {}

    /// The leaf index recorded for `id`, or `nil` if the id was never registered. O(1).
    func leaf(of id: ItemID) -> Int? {
        let replica = Int(id.replica)
        guard replica < directory.count else { return nil }
        let span = directory[replica]
        let counter = Int(id.counter)
        let page = counter >> Self.pageShift
        guard page < span.count else { return nil }
        let pageNumber = Int(pageTables[span.start + page])
        guard pageNumber >= 0 else { return nil }
        let value = entries[pageNumber << Self.pageShift | (counter & (Self.pageSize - 1))]
        return value == 0 ? nil : Int(value) - 1
    }

    /// The smallest counter in `counters` that is registered for `replica`, or `nil`. Absent pages (and
    /// everything past the replica's page table) are skipped in O(1) each, so scanning a huge range of
    /// unknown ids costs O(pages of the replica), not O(ids).
    func firstRegisteredCounter(replica: UInt32, in counters: Range<UInt64>) -> UInt64? {
        let replica = Int(replica)
        guard replica < directory.count else { return nil }
        let span = directory[replica]
        var counter = counters.lowerBound
        while counter < counters.upperBound {
            let page = Int(counter >> UInt64(Self.pageShift))
            guard page < span.count else { return nil }
            let pageStart = UInt64(page) << UInt64(Self.pageShift)
            let pageEnd = min(pageStart + UInt64(Self.pageSize), counters.upperBound)
            let pageNumber = Int(pageTables[span.start + page])
            if pageNumber >= 0 {
                let base = pageNumber << Self.pageShift
                for candidate in counter..<pageEnd where entries[base + Int(candidate - pageStart)] != 0 {
                    return candidate
                }
            }
            counter = pageEnd
        }
        return nil
    }

    /// Records that the `count` consecutive ids starting at `first` (same replica, consecutive counters)
    /// live in leaf `leaf`. O(count), allocating pages lazily.
    ///
    /// Counters past `UInt32.max` are ignored (they cannot be real ids).
    ///
    /// One id in a page that exists (a keystroke extending a run) is written inline: the call
    /// and the loop around one store were most of a typed character's index update.
    @inline(__always)
    mutating func setLeaf(_ leaf: Int, for first: ItemID, count: Int) {
        if count == 1, leaf >= 0, leaf < Int(UInt32.max) {
            let replica = Int(first.replica)
            if replica < directory.count {
                let span = directory[replica]
                let counter = Int(first.counter)
                let page = counter >> Self.pageShift
                if page < span.count {
                    let pageNumber = Int(pageTables[span.start + page])
                    if pageNumber >= 0 {
                        entries[pageNumber << Self.pageShift | (counter & (Self.pageSize - 1))] = UInt32(leaf + 1)
                        return
                    }
                }
            }
        }
        setLeaves(leaf, for: first, count: count)
    }

    /// ``setLeaf(_:for:count:)`` for any range, allocating pages as needed.
    @inline(never)
    private mutating func setLeaves(_ leaf: Int, for first: ItemID, count: Int) {
        guard count > 0 else { return }
        precondition(leaf >= 0 && leaf < Int(UInt32.max), "leaf index out of range")
        let value = UInt32(leaf + 1)
        let replica = Int(first.replica)
        var counter = Int(first.counter)
        // Fast path (typing, leaf splits of short runs): the range lies in one existing page.
        if replica < directory.count {
            let span = directory[replica]
            let page = counter >> Self.pageShift
            let low = counter & (Self.pageSize - 1)
            if page < span.count && low + count <= Self.pageSize {
                let pageNumber = Int(pageTables[span.start + page])
                if pageNumber >= 0 {
                    let base = pageNumber << Self.pageShift | low
                    entries.withUnsafeMutableBufferPointer { buffer in
                        for slot in base..<(base + count) {
                            buffer[slot] = value
                        }
                    }
                    return
                }
            }
        }
        let end = min(counter + count, Int(UInt32.max) + 1)
        while counter < end {
            let page = counter >> Self.pageShift
            let pageNumber = ensurePage(replica: replica, page: page)
            let low = counter & (Self.pageSize - 1)
            let high = min(Self.pageSize, low + (end - counter))
            let base = pageNumber << Self.pageShift
            entries.withUnsafeMutableBufferPointer { buffer in
                for slot in (base + low)..<(base + high) {
                    buffer[slot] = value
                }
            }
            counter += high - low
        }
    }

    /// Returns the page number (in `entries`) of page `page` of `replica`, allocating the page-table
    /// slot and the page on first use. Amortised O(1) (page tables grow by doubling).
    private mutating func ensurePage(replica: Int, page: Int) -> Int {
        if replica >= directory.count {
            directory.append(contentsOf: repeatElement(Span(start: 0, count: 0), count: replica + 1 - directory.count))
        }
        var span = directory[replica]
        if page >= span.count {
            // Grow by doubling: move the table to the end of the flat storage.
            let newCount = max(page + 1, span.count * 2, 4)
            let newStart = pageTables.count
            let existing = Array(pageTables[span.start..<(span.start + span.count)])
            pageTables.reserveCapacity(newStart + newCount)
            pageTables.append(contentsOf: existing)
            pageTables.append(contentsOf: repeatElement(-1, count: newCount - span.count))
            span = Span(start: newStart, count: newCount)
            directory[replica] = span
        }
        let existing = Int(pageTables[span.start + page])
        if existing >= 0 {
            return existing
        }
        let pageNumber = entries.count >> Self.pageShift
        precondition(pageNumber < Int(Int32.max), "item index exhausted")
        entries.append(contentsOf: repeatElement(0, count: Self.pageSize))
        pageTables[span.start + page] = Int32(pageNumber)
        return pageNumber
    }
}
