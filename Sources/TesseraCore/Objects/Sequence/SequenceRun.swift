/// A run of a sequence, in the form used for snapshots and bulk loading.
///
/// A run is `count` consecutive items with ids `first ... first + count - 1` (same replica,
/// consecutive counters) that are contiguous in sequence order, where item `k > 0` has item `k - 1`
/// as its left origin, all items share `originRight` and the deleted flag, and their content lives at
/// `contentOffset ..< contentOffset + count` in the caller's content buffer. `originLeft` is the left
/// origin of the first item.
struct SequenceRun: Equatable, Sendable {
    /// Id of the first item.
    var first: ItemID
    /// Number of items (>= 1).
    var count: Int
    /// Left origin of the first item (`nil` = start of the sequence).
    var originLeft: ItemID?
    /// Right origin shared by all items (`nil` = end of the sequence).
    var originRight: ItemID?
    /// Offset of the first item's content in the caller's content buffer.
    var contentOffset: Int
    /// Whether the items are tombstones.
    var isDeleted: Bool
}

/// The packed, plain-old-data storage form of a run inside `SequenceTree` leaves (32 bytes, no references).
///
/// Origins use `0` for "none" (counters start at 1, so no real id has `raw == 0`). The deleted flag is
/// the top bit of `countAndFlag`, which keeps the record at 32 bytes (two records per cache line) and
/// lets `visibleCount` be computed without a branch.
struct RunRecord: Sendable {
    /// Top bit of `countAndFlag`: the run is deleted.
    static let deletedBit: UInt32 = 0x8000_0000
    /// Largest item count one record can hold.
    static let maxCount = 0x7fff_ffff
    /// Placeholder for unused leaf slots.
    static let empty = RunRecord(first: 0, originLeft: 0, originRight: 0, countAndFlag: 0, contentOffset: 0)

    /// Raw id of the first item.
    var first: UInt64
    /// Raw left origin of the first item, `0` if none.
    var originLeft: UInt64
    /// Raw right origin of all items, `0` if none.
    var originRight: UInt64
    /// Item count in the low 31 bits, deleted flag in the top bit.
    var countAndFlag: UInt32
    /// Content offset of the first item.
    var contentOffset: UInt32

    /// Creates a record from its raw fields.
    init(first: UInt64, originLeft: UInt64, originRight: UInt64, countAndFlag: UInt32, contentOffset: UInt32) {
        self.first = first
        self.originLeft = originLeft
        self.originRight = originRight
        self.countAndFlag = countAndFlag
        self.contentOffset = contentOffset
    }

    /// Creates a record; `count` must be in `1 ... maxCount` (validated by callers).
    init(first: UInt64, count: Int, originLeft: UInt64, originRight: UInt64, contentOffset: UInt32, isDeleted: Bool) {
        self.first = first
        self.originLeft = originLeft
        self.originRight = originRight
        self.countAndFlag = UInt32(truncatingIfNeeded: count) & ~Self.deletedBit | (isDeleted ? Self.deletedBit : 0)
        self.contentOffset = contentOffset
    }

    /// Number of items (tombstones included).
    var count: Int {
        get { Int(countAndFlag & ~Self.deletedBit) }
        set { countAndFlag = (countAndFlag & Self.deletedBit) | (UInt32(truncatingIfNeeded: newValue) & ~Self.deletedBit) }
    }

    /// Whether the run's items are tombstones.
    var isDeleted: Bool {
        get { countAndFlag & Self.deletedBit != 0 }
        set { countAndFlag = newValue ? countAndFlag | Self.deletedBit : countAndFlag & ~Self.deletedBit }
    }

    /// Number of visible items: `count`, or 0 for a tombstone run. Branch-free.
    var visibleCount: Int {
        // Arithmetic shift turns the flag into an all-ones mask when deleted.
        let deletedMask = UInt32(bitPattern: Int32(bitPattern: countAndFlag) >> 31)
        return Int(countAndFlag & ~deletedMask)
    }

    /// Raw id of the last item.
    var last: UInt64 { first &+ UInt64(count) &- 1 }

    /// Whether `next`, placed immediately after this run, can be merged into it: the merged record must
    /// still satisfy the run invariant (consecutive ids, `next` continues this run's left-origin chain,
    /// same right origin, same deleted flag, contiguous content).
    @inline(__always)
    func canAbsorb(_ next: RunRecord) -> Bool {
        let count = UInt64(self.count)
        return next.first == first &+ count
            && next.originLeft == first &+ count &- 1
            && next.originRight == originRight
            && next.isDeleted == isDeleted
            && next.contentOffset == contentOffset &+ UInt32(truncatingIfNeeded: count)
            && Int(count) + next.count <= Self.maxCount
    }

    /// The part of this run from item `offset` on (`0 < offset < count`). Its first item's left origin is
    /// the item before it, by the run invariant.
    func suffix(from offset: Int) -> RunRecord {
        var result = self
        result.first = first &+ UInt64(offset)
        result.originLeft = first &+ UInt64(offset) &- 1
        result.contentOffset = contentOffset &+ UInt32(truncatingIfNeeded: offset)
        result.count = count - offset
        return result
    }

    /// The public form of this record.
    var sequenceRun: SequenceRun {
        SequenceRun(
            first: ItemID(raw: first),
            count: count,
            originLeft: originLeft == 0 ? nil : ItemID(raw: originLeft),
            originRight: originRight == 0 ? nil : ItemID(raw: originRight),
            contentOffset: Int(contentOffset),
            isDeleted: isDeleted
        )
    }
}
