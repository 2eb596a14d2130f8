import Synchronization
import TesseraCore
import TesseraSync

/// How an agent learns who is present and announces itself: the bridge between an
/// ``AgentParticipant`` and whatever carries presence (a ``TesseraSync/SyncRoom``'s presence
/// table and `publishPresence`, a server's room, a test).
public protocol PresenceChannel: Sendable {
    /// The participants present now (the agent's own entry may be included; it is ignored).
    func participants() async -> [PresenceTable.Entry]
    /// Announces the agent's record (name, cursor, "working on …" status). The agent calls
    /// it when the record changes and again every ``AgentSettings/presenceRefreshInterval``,
    /// so it stays present at peers that expire silent participants.
    func publish(_ record: PresenceRecord) async
}

/// A ``PresenceChannel`` a transport driver feeds by hand: it applies the presence updates
/// its sync room reports and forwards the agent's own records, which it reads from
/// ``published``.
///
/// ```swift
/// let channel = LocalPresenceChannel(replica: agentBoard.board.replica)
/// // in the driver, for each room action:
/// case .updatePresence(let update): try? channel.apply(update, openedWith: roomKey)
/// case .removePresence(let replicas): replicas.forEach { channel.remove($0) }
/// // and, in a task, send what the agent announces:
/// for await record in channel.published {
///     let update = try localPresence.update(sealedWith: roomKey) { $0 = record }
///     actions += room.publishPresence(update, now: now)
/// }
/// ```
public final class LocalPresenceChannel: PresenceChannel {
    private struct State {
        var table: PresenceTable
        var lastPublished: PresenceRecord?
    }

    /// The agent's own replica (never listed among the participants).
    public let replica: ReplicaID
    private let state: Mutex<State>
    private let origin = ContinuousClock.now
    private let continuation: AsyncStream<PresenceRecord>.Continuation
    /// The records the agent announced, newest last; a driver sends each to the room.
    public let published: AsyncStream<PresenceRecord>

    /// Creates a channel for the agent `replica`; entries expire after `timeout` without refresh.
    public init(replica: ReplicaID, timeout: Duration = .seconds(30)) {
        self.replica = replica
        state = Mutex(State(table: PresenceTable(timeout: timeout)))
        (published, continuation) = AsyncStream<PresenceRecord>.makeStream(bufferingPolicy: .bufferingNewest(16))
    }

    deinit { continuation.finish() }

    private var now: SyncInstant { SyncInstant(.now, since: origin) }

    /// Applies a presence update from the room.
    ///
    /// - Throws: ``TesseraSync/PresenceError`` if it cannot be opened.
    public func apply(_ update: PresenceUpdate, openedWith key: RoomKey? = nil) throws(PresenceError) {
        guard update.replica != replica else { return }
        let now = self.now
        try state.withLock { (state: inout State) throws(PresenceError) in _ = try state.table.apply(update, openedWith: key, now: now) }
    }

    /// Records `record` for `replica` at presence clock `clock` (a higher clock wins).
    public func merge(_ record: PresenceRecord, of replica: ReplicaID, clock: UInt64) {
        guard replica != self.replica else { return }
        let now = self.now
        state.withLock { _ = $0.table.merge(record, of: replica, clock: clock, now: now) }
    }

    /// Makes the participants exactly `entries`: how a driver mirrors a replica
    /// ``TesseraSync/SyncRoom``'s own table (`room.presence.entries`) after each event.
    public func setParticipants(_ entries: [PresenceTable.Entry]) {
        let now = self.now
        let replica = replica
        state.withLock { state in
            let present = Set(entries.map(\.replica))
            for entry in state.table.entries where !present.contains(entry.replica) { state.table.remove(entry.replica) }
            for entry in entries where entry.replica != replica {
                _ = state.table.merge(entry.record, of: entry.replica, clock: entry.clock, now: now)
            }
        }
    }

    /// Forgets `replica` (its connection dropped, or it left).
    public func remove(_ replica: ReplicaID) {
        _ = state.withLock { $0.table.remove(replica) }
    }

    /// The participants present, expired entries dropped.
    public func participants() async -> [PresenceTable.Entry] {
        let now = self.now
        return state.withLock { state in
            _ = state.table.expire(now: now)
            return state.table.entries
        }
    }

    /// Queues the agent's record for the driver (see ``published``); a repeated record is a
    /// refresh and should be sent too.
    public func publish(_ record: PresenceRecord) async {
        state.withLock { $0.lastPublished = record }
        continuation.yield(record)
    }

    /// The record the agent last announced.
    public var lastPublished: PresenceRecord? { state.withLock { $0.lastPublished } }
}

/// A ``PresenceChannel`` over a ``TesseraSync/SyncHost``: the participants are the host's
/// presence table, and the agent's records go out through the host (sealed in an encrypted
/// room) to every connection. This is the channel of an agent whose replica syncs through
/// its own host — `tessera join --agent`, or an agent a server runs in-process and connects
/// to the room's host with an ``TesseraSync/InProcessConnection``.
///
/// ```swift
/// let host = SyncHost(source: SharedDocumentSource(agentBoard.shared), configuration: configuration, role: .replica)
/// let agent = AgentParticipant(board: agentBoard, model: client, presence: SyncHostPresenceChannel(host: host))
/// ```
public actor SyncHostPresenceChannel<Source: SyncSource & Sendable>: PresenceChannel {
    private let host: SyncHost<Source>
    private let roomKey: RoomKey?
    private var local: LocalPresence

    /// Creates a channel publishing as the host's replica.
    ///
    /// - Parameter clock: the first presence clock; the wall clock in milliseconds by default,
    ///   so that after a restart the new records still beat the ones peers remember.
    public init(host: SyncHost<Source>, roomKey: RoomKey? = nil, clock: UInt64? = nil) {
        self.host = host
        self.roomKey = roomKey
        local = LocalPresence(
            replica: host.configuration.replica, record: PresenceRecord(displayName: ""),
            clock: clock ?? UInt64(max(0, SystemAgentClock().now())))
    }

    /// The host's presence table.
    public func participants() async -> [PresenceTable.Entry] { await host.presence }

    /// Publishes `record` through the host under the next presence clock.
    public func publish(_ record: PresenceRecord) async {
        guard let update = try? local.update(sealedWith: roomKey, { $0 = record }) else { return }
        await host.publishPresence(update)
    }
}
