import Foundation
import GRDB
import Synchronization
import TesseraCore

/// One replica document in a ``SQLiteStore``: its own replica ID, the changes saved since
/// its last snapshot, and that snapshot.
///
/// ```swift
/// let stored = try store.document("plan")
/// let shared = SharedDocument(try stored.load(origin: .human("Ada")))
/// try shared.transact { try $0.set("title", to: "Plan") }
/// try stored.save(shared.document)        // the edit is durable once this returns
/// ```
///
/// **Durability.** ``save(_:)`` appends every change the document has beyond what is
/// already saved, in one transaction, and returns once it is committed (see
/// ``Durability``). Changes still waiting in the document's pending buffer are not saved:
/// the peer that sent them still has them and sends them again after a restart, since the
/// reopened document's version vector does not include them.
///
/// **Compaction.** Once ``CompactionPolicy/threshold`` rows have accumulated, a save starts
/// a background task that stores `encodeSnapshot()` of the saved document and deletes the
/// rows it covers in the same transaction, so a crash leaves either the old rows or the new
/// snapshot, never neither. ``load(origin:limits:)`` reads the snapshot, then applies the
/// remaining rows.
///
/// Thread-safe; store calls block the caller while SQLite works.
public final class StoredDocument: Sendable {
    /// The document ID.
    public let id: String
    /// The replica ID this store writes the document under, the same at every reopen.
    public let replica: ReplicaID
    /// When saves trigger a background compaction.
    public let compaction: CompactionPolicy

    private struct State: Sendable {
        /// What the store holds (snapshot and rows): ``save(_:)`` writes what lies beyond.
        var persisted: VersionVector
        /// Change rows not covered by the snapshot.
        var unsnapshotted: Int
        /// The running background compaction, if any.
        var compactionTask: Task<Void, Never>?
        /// The last background compaction's failure, for ``lastCompactionError``.
        var compactionError: StoreError?
    }

    private let store: SQLiteStore
    private let state: Mutex<State>

    init(id: String, replica: ReplicaID, store: SQLiteStore, persisted: VersionVector, unsnapshotted: Int, compaction: CompactionPolicy) {
        self.id = id
        self.replica = replica
        self.store = store
        self.compaction = compaction
        state = Mutex(State(persisted: persisted, unsnapshotted: unsnapshotted))
    }

    /// The version vector of everything saved.
    public var savedVersion: VersionVector { state.withLock { $0.persisted } }

    /// The number of change rows not yet folded into the snapshot.
    public var unsnapshottedChangeCount: Int { state.withLock { $0.unsnapshotted } }

    /// Why the last background compaction failed, if it did (the rows are then kept and the
    /// next save tries again).
    public var lastCompactionError: StoreError? { state.withLock { $0.compactionError } }

    // MARK: - Loading

    /// Reads the document: its snapshot, then every saved change after it, writing as
    /// ``replica``.
    ///
    /// - Throws: ``StoreError/corruptRow(table:key:reason:)`` if the snapshot or a change
    ///   does not decode or the document refuses them; nothing traps on a damaged file.
    public func load(origin: Origin = .anonymous, limits: DecodingLimits = .standard) throws(StoreError) -> Document {
        let (snapshot, changes) = try store.read { db throws -> ([UInt8]?, [Change]) in
            var snapshot: [UInt8]?
            if let row = try Row.fetchOne(db, sql: "SELECT bytes FROM snapshot WHERE document = ?", arguments: [id]) {
                snapshot = try RowReader(row: row, table: "snapshot", key: id).bytes("bytes")
            }
            var changes: [Change] = []
            let rows = try Row.fetchCursor(
                db, sql: "SELECT seq, bytes FROM change WHERE document = ? ORDER BY seq", arguments: [id])
            while let row = try rows.next() {
                let sequence: DatabaseValue = row["seq"]
                let reader = RowReader(row: row, table: "change", key: "document \(id), seq \(sequence)")
                do {
                    changes += try Change.decode(try reader.bytes("bytes"), limits: limits)
                } catch let error as StoreError {
                    throw error
                } catch {
                    throw reader.corrupt("\(error)")
                }
            }
            return (snapshot, changes)
        }
        var document: Document
        if let snapshot {
            do {
                document = try Document(decoding: snapshot, replica: replica, origin: origin, limits: limits)
            } catch {
                throw .corruptRow(table: "snapshot", key: id, reason: "\(error)")
            }
            // Opened lazily: decode the state now, so that a snapshot that passes its CRC but
            // does not decode is reported here rather than at the first edit.
            if let error = document.loadError {
                throw .corruptRow(table: "snapshot", key: id, reason: "\(error)")
            }
        } else {
            document = Document(replica: replica, origin: origin)
        }
        do {
            // Applying nothing would still decode the snapshot's history; leave that to the first edit.
            if !changes.isEmpty { try document.apply(changes) }
        } catch {
            throw .corruptRow(table: "change", key: id, reason: "the saved changes do not apply: \(error)")
        }
        let version = document.version
        state.withLock { $0.persisted.formUnion(version) }
        return document
    }

    // MARK: - Saving

    /// Appends every change of `document` that is not saved yet, in one transaction.
    ///
    /// Returns once the transaction is committed; may start a background compaction.
    ///
    /// - Returns: the number of changes written.
    @discardableResult
    public func save(_ document: Document) throws(StoreError) -> Int {
        let since = state.withLock { $0.persisted }
        let version = document.version
        guard !since.dominates(version) else { return 0 }
        let changes = document.changes(since: since)
        let written = try store.write { db throws -> Int in
            let statement = try db.cachedStatement(sql: """
                INSERT OR IGNORE INTO change (document, replica, startCounter, endCounter, bytes) VALUES (?, ?, ?, ?, ?)
                """)
            var written = 0
            for change in changes {
                try statement.execute(arguments: [
                    id, change.replica.databaseValue, change.counters.lowerBound.databaseValue,
                    change.counters.upperBound.databaseValue, Data(Change.encode([change])),
                ])
                written += db.changesCount
            }
            return written
        }
        let compact = state.withLock { state -> Bool in
            state.persisted.formUnion(version)
            state.unsnapshotted += written
            guard let threshold = compaction.threshold, state.unsnapshotted >= threshold, state.compactionTask == nil else { return false }
            return true
        }
        if compact { startCompaction(of: document) }
        return written
    }

    // MARK: - Compaction

    /// Stores a snapshot of `document` and deletes the change rows it covers, in one
    /// transaction. A snapshot older than the stored one is not written.
    ///
    /// The snapshot may include changes never saved as rows; they are then saved too.
    public func compact(_ document: Document) throws(StoreError) {
        let version = document.version
        let snapshot = document.encodeSnapshot()
        let remaining = try store.write { db throws -> Int in
            if let row = try Row.fetchOne(db, sql: "SELECT version FROM snapshot WHERE document = ?", arguments: [id]) {
                let reader = RowReader(row: row, table: "snapshot", key: id)
                let stored: VersionVector
                do {
                    stored = try VersionVector(decoding: try reader.bytes("version"))
                } catch let error as StoreError {
                    throw error
                } catch {
                    throw reader.corrupt("version: \(error)")
                }
                // Never replace a snapshot with one that lacks something it has.
                guard version.dominates(stored), version != stored else {
                    return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM change WHERE document = ?", arguments: [id]) ?? 0
                }
            }
            try db.execute(
                sql: "INSERT OR REPLACE INTO snapshot (document, version, bytes, createdAt) VALUES (?, ?, ?, ?)",
                arguments: [id, Data(version.encoded()), Data(snapshot), SQLiteStore.nowMilliseconds])
            // Counters are compared in Swift: SQL would compare their signed bit patterns.
            var covered: [Int64] = []
            var remaining = 0
            let rows = try Row.fetchCursor(db, sql: "SELECT seq, replica, endCounter FROM change WHERE document = ?", arguments: [id])
            while let row = try rows.next() {
                let reader = RowReader(row: row, table: "change", key: "document \(id)")
                let replica = try reader.replica("replica")
                let end = try reader.uint64("endCounter")
                if end >= 1, end - 1 <= version[replica] {
                    covered.append(try reader.int64("seq"))
                } else {
                    remaining += 1
                }
            }
            let delete = try db.cachedStatement(sql: "DELETE FROM change WHERE seq = ?")
            for sequence in covered { try delete.execute(arguments: [sequence]) }
            return remaining
        }
        state.withLock { state in
            state.persisted.formUnion(version)
            state.unsnapshotted = remaining
        }
    }

    /// Waits until the running background compaction, if any, has finished.
    public func waitForCompaction() async {
        let task = state.withLock { $0.compactionTask }
        await task?.value
    }

    private func startCompaction(of document: Document) {
        state.withLock { current in
            guard current.compactionTask == nil else { return }
            // Encoding a snapshot is O(history): it runs off the caller's path, on a copy.
            current.compactionTask = Task.detached(priority: .utility) { [self] in
                var failure: StoreError?
                do throws(StoreError) {
                    try compact(document)
                } catch {
                    failure = error
                }
                state.withLock { [failure] finished in
                    finished.compactionTask = nil
                    finished.compactionError = failure
                }
            }
        }
    }

    // MARK: - Opening

    /// What the store holds of document `id`: the snapshot's version joined with the saved
    /// rows' ranges, and the number of rows.
    static func persistedVersion(of id: String, in db: Database) throws -> (VersionVector, Int) {
        var version = VersionVector()
        if let row = try Row.fetchOne(db, sql: "SELECT version FROM snapshot WHERE document = ?", arguments: [id]) {
            let reader = RowReader(row: row, table: "snapshot", key: id)
            do {
                version = try VersionVector(decoding: try reader.bytes("version"))
            } catch let error as StoreError {
                throw error
            } catch {
                throw reader.corrupt("version: \(error)")
            }
        }
        var highest: [ReplicaID: UInt64] = [:]
        var count = 0
        let rows = try Row.fetchCursor(db, sql: "SELECT replica, endCounter FROM change WHERE document = ?", arguments: [id])
        while let row = try rows.next() {
            let reader = RowReader(row: row, table: "change", key: "document \(id)")
            let replica = try reader.replica("replica")
            let end = try reader.uint64("endCounter")
            guard end >= 1 else { throw reader.corrupt("endCounter is zero") }
            highest[replica] = max(highest[replica] ?? 0, end - 1)
            count += 1
        }
        version.formUnion(VersionVector(highest))
        return (version, count)
    }
}
