import TesseraCore

/// This participant's own presence: the record and its clock, producing updates to send.
///
/// Start the clock at the wall-clock time in milliseconds, so that after a restart (which
/// loses the old clock) the new updates still win over the ones peers hold. Publish again
/// well within the peers' expiry timeout (every third of it, say) to stay present.
///
/// ```swift
/// var presence = LocalPresence(replica: doc.replica, record: PresenceRecord(displayName: "Ada"),
///                              clock: UInt64(wallClockMilliseconds))
/// let update = try presence.update(sealedWith: key) { $0.status = .typing }
/// actions += session.publishPresence(update, now: now)
/// ```
public struct LocalPresence: Sendable {
    /// This participant.
    public let replica: ReplicaID
    /// The current record.
    public private(set) var record: PresenceRecord
    /// The clock of the last update made.
    public private(set) var clock: UInt64

    /// Starts with `record` at `clock` (updates use higher clocks).
    public init(replica: ReplicaID, record: PresenceRecord, clock: UInt64 = 0) {
        self.replica = replica
        self.record = record
        self.clock = clock
    }

    /// Changes the record and returns the update announcing it.
    public mutating func update(sealedWith key: RoomKey? = nil, _ change: (inout PresenceRecord) -> Void) throws(PresenceError) -> PresenceUpdate {
        change(&record)
        return try refresh(sealedWith: key)
    }

    /// The current record under a new clock, to stay present.
    public mutating func refresh(sealedWith key: RoomKey? = nil) throws(PresenceError) -> PresenceUpdate {
        clock += 1
        return try PresenceUpdate(replica: replica, clock: clock, record: record, sealedWith: key)
    }

    /// The update announcing that this participant leaves.
    public mutating func leave() -> PresenceUpdate {
        clock += 1
        return .left(replica, clock: clock)
    }
}
