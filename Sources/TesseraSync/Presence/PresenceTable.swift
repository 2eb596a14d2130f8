import TesseraCore

/// Who is here: the latest presence record of every participant, merged by clock and
/// expired by time.
///
/// A value type with no clock of its own: pass the time in. Merging is last-writer-wins
/// per participant on its presence clock (a higher clock replaces a lower one; duplicates
/// and stale, reordered updates are ignored). An entry expires when its participant has not
/// refreshed it for ``timeout``; ``remove(_:)`` drops one at once, e.g. when the session
/// it came through disconnects.
///
/// ```swift
/// var table = PresenceTable(timeout: .seconds(30))
/// try table.apply(update, openedWith: roomKey, now: now)
/// for entry in table.entries { print(entry.record.displayName, entry.record.status) }
/// let gone = table.expire(now: now)
/// ```
public struct PresenceTable: Sendable {
    /// One participant's latest known state.
    public struct Entry: Hashable, Sendable {
        /// The participant.
        public var replica: ReplicaID
        /// The clock of the update the record came from.
        public var clock: UInt64
        /// The record.
        public var record: PresenceRecord
        /// When the record last changed (the entry expires ``PresenceTable/timeout`` later).
        public var updatedAt: SyncInstant
    }

    /// How long an entry lives without a refresh.
    public var timeout: Duration

    private var table: [ReplicaID: Entry] = [:]
    /// Participants that left, with the clock they left at, so a delayed older update does
    /// not bring them back; forgotten after ``timeout`` (by then such an update is stale anyway).
    private var departed: [ReplicaID: (clock: UInt64, at: SyncInstant)] = [:]

    /// An empty table.
    public init(timeout: Duration = .seconds(30)) {
        self.timeout = timeout
    }

    /// Every present participant, sorted by replica.
    public var entries: [Entry] { table.values.sorted { $0.replica < $1.replica } }

    /// The number of present participants.
    public var count: Int { table.count }

    /// The entry of `replica`, if present.
    public subscript(replica: ReplicaID) -> Entry? { table[replica] }

    /// Merges a decoded record: it wins if its clock is higher than the entry's.
    ///
    /// - Returns: whether the table changed.
    @discardableResult
    public mutating func merge(_ record: PresenceRecord, of replica: ReplicaID, clock: UInt64, now: SyncInstant) -> Bool {
        if let gone = departed[replica] {
            guard clock > gone.clock else { return false }
            departed[replica] = nil
        }
        if let existing = table[replica], existing.clock >= clock { return false }
        table[replica] = Entry(replica: replica, clock: clock, record: record, updatedAt: now)
        return true
    }

    /// Applies a wire update: merges its record (opened with `key` in a sealed room) or
    /// removes the participant if it left.
    ///
    /// - Returns: whether the table changed.
    @discardableResult
    public mutating func apply(_ update: PresenceUpdate, openedWith key: RoomKey? = nil, now: SyncInstant) throws(PresenceError) -> Bool {
        guard let record = try update.record(openedWith: key) else {
            return markLeft(update.replica, clock: update.clock, now: now)
        }
        return merge(record, of: update.replica, clock: update.clock, now: now)
    }

    /// Removes `replica` unconditionally (its connection dropped).
    @discardableResult
    public mutating func remove(_ replica: ReplicaID) -> Entry? {
        table.removeValue(forKey: replica)
    }

    /// Removes entries not refreshed within ``timeout`` of `now`.
    ///
    /// - Returns: the replicas removed, sorted.
    public mutating func expire(now: SyncInstant) -> [ReplicaID] {
        let expired = table.values.filter { now - $0.updatedAt >= timeout }.map(\.replica).sorted()
        for replica in expired { table[replica] = nil }
        departed = departed.filter { now - $0.value.at < timeout }
        return expired
    }

    /// When the next entry expires, so a caller knows when to call ``expire(now:)``.
    public var nextExpiry: SyncInstant? {
        table.values.map(\.updatedAt).min().map { $0 + timeout }
    }

    private mutating func markLeft(_ replica: ReplicaID, clock: UInt64, now: SyncInstant) -> Bool {
        if let existing = table[replica], existing.clock > clock { return false }
        departed[replica] = (clock, now)
        return table.removeValue(forKey: replica) != nil
    }
}
