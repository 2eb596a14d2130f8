import Foundation
import GRDB
import Synchronization
import TesseraCore
import TesseraSync

/// An embedded SQLite database holding replica documents (their replica IDs, changes and
/// snapshots) and relay rooms (their change envelopes), built on GRDB.
///
/// One file serves a device (its documents) or a relay (its rooms), or both. Every store call
/// that writes runs in one transaction in WAL mode and returns only once the transaction is
/// committed with the configured ``Durability`` (`synchronous = FULL` by default): a change
/// is durable when the call returns, and a crash at any instant leaves each call wholly done
/// or not at all.
///
/// ```swift
/// let store = try SQLiteStore(path: "ada/tessera.sqlite")
/// let stored = try store.document("plan")               // created with a fresh replica ID
/// var document = try stored.load(origin: .human("Ada"))  // snapshot + changes, same replica ID
/// try document.set("title", to: "Plan")
/// try stored.save(document)                              // durable on return
/// ```
///
/// A store file has one writer process at a time, enforced with a lock file beside it
/// (`<path>-lock`): two processes writing under the same replica IDs would fork history.
/// Calls block the calling thread for the duration of the SQLite transaction.
public final class SQLiteStore: Sendable {
    /// The longest document or room ID, in UTF-8 bytes (the sync protocol's limit).
    public static let maxIDBytes = 512

    /// The database file, or `nil` for an in-memory store.
    public let path: String?
    /// How committed writes survive crashes.
    public let durability: Durability

    private let queue: DatabaseQueue
    private let lock: Mutex<FileLock?>
    private let isClosed = Atomic<Bool>(false)

    private init(queue: DatabaseQueue, path: String?, durability: Durability, lock: FileLock?) {
        self.queue = queue
        self.path = path
        self.durability = durability
        self.lock = Mutex(lock)
    }

    /// Opens (creating if needed) the store at `path`, creating its directory too.
    ///
    /// - Throws: ``StoreError/locked(path:)`` if another process has it open,
    ///   ``StoreError/cannotOpen(path:reason:)`` if the file cannot be opened, set up or
    ///   migrated.
    public convenience init(path: String, durability: Durability = .full) throws(StoreError) {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw .cannotOpen(path: path, reason: "cannot create directory \(directory): \(error.localizedDescription)")
            }
        }
        let lock = try FileLock(path: path + "-lock")
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(path: path, configuration: Self.configuration(durability))
            try Schema.migrator.migrate(queue)
        } catch {
            throw .cannotOpen(path: path, reason: "\(error)")
        }
        self.init(queue: queue, path: path, durability: durability, lock: lock)
    }

    /// An in-memory store, for tests and for relays that keep nothing.
    public static func inMemory() throws(StoreError) -> SQLiteStore {
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(configuration: configuration(.normal))
            try Schema.migrator.migrate(queue)
        } catch {
            throw .cannotOpen(path: ":memory:", reason: "\(error)")
        }
        return SQLiteStore(queue: queue, path: nil, durability: .normal, lock: nil)
    }

    private static func configuration(_ durability: Durability) -> Configuration {
        var configuration = Configuration()
        configuration.journalMode = .wal
        configuration.busyMode = .timeout(5)
        configuration.label = "TesseraStore"
        let pragma = durability.pragma
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = \(pragma)")
        }
        return configuration
    }

    /// Closes the database and releases the lock file; later calls throw ``StoreError/closed``.
    /// Committed writes need nothing more: closing only checkpoints the WAL.
    public func close() throws(StoreError) {
        guard !isClosed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        defer { lock.withLock { $0 = nil } }
        do {
            try queue.close()
        } catch {
            throw .database("\(error)")
        }
    }

    // MARK: - Documents

    /// The stored document `id`, created with a fresh random replica ID if the store does not
    /// have it yet. Reopening returns the same replica ID every time.
    ///
    /// - Parameter compaction: when to fold saved changes into a snapshot in the background.
    public func document(_ id: String, compaction: CompactionPolicy = .standard) throws(StoreError) -> StoredDocument {
        try Self.check(id)
        let (replica, persisted, rowCount) = try write { db throws in
            try db.execute(
                sql: "INSERT OR IGNORE INTO document (id, replica, createdAt) VALUES (?, ?, ?)",
                arguments: [id, ReplicaID.random().databaseValue, Self.nowMilliseconds])
            guard let row = try Row.fetchOne(db, sql: "SELECT replica FROM document WHERE id = ?", arguments: [id]) else {
                throw StoreError.database("document \(id) vanished")
            }
            let replica = try RowReader(row: row, table: "document", key: id).replica("replica")
            let (persisted, rowCount) = try StoredDocument.persistedVersion(of: id, in: db)
            return (replica, persisted, rowCount)
        }
        return StoredDocument(id: id, replica: replica, store: self, persisted: persisted, unsnapshotted: rowCount, compaction: compaction)
    }

    /// The IDs of the documents this store holds, sorted.
    public func documentIDs() throws(StoreError) -> [String] {
        try read { db throws in try String.fetchAll(db, sql: "SELECT id FROM document ORDER BY id") }
    }

    // MARK: - Rooms

    /// The relay room `id`, or `nil` if it was never created.
    public func room(_ id: String) throws(StoreError) -> RoomRecord? {
        try Self.check(id)
        return try read { db throws in try RoomRecord.fetch(id, in: db) }
    }

    /// Creates the relay room `id` with a fresh relay replica ID, the hash of its access
    /// token and its sealing, or returns the existing room if another caller created it first.
    public func createRoom(_ id: String, accessTokenHash: [UInt8]?, isSealed: Bool) throws(StoreError) -> RoomRecord {
        try Self.check(id)
        return try write { db throws in
            try db.execute(
                sql: "INSERT OR IGNORE INTO room (id, relayReplica, tokenHash, sealed, createdAt) VALUES (?, ?, ?, ?, ?)",
                arguments: [
                    id, ReplicaID.random().databaseValue, accessTokenHash.map { Data($0) }, isSealed ? 1 : 0, Self.nowMilliseconds,
                ])
            guard let record = try RoomRecord.fetch(id, in: db) else { throw StoreError.database("room \(id) vanished") }
            return record
        }
    }

    /// The number of relay rooms.
    public func roomCount() throws(StoreError) -> Int {
        try read { db throws in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM room") ?? 0 }
    }

    /// The IDs of the relay rooms, sorted.
    public func roomIDs() throws(StoreError) -> [String] {
        try read { db throws in try String.fetchAll(db, sql: "SELECT id FROM room ORDER BY id") }
    }

    /// Loads a relay room's envelopes into a ``StoredRoom``, the relay's sync source.
    ///
    /// - Throws: ``StoreError/corruptRow(table:key:reason:)`` if an envelope does not decode
    ///   or contradicts another.
    public func openRoom(_ record: RoomRecord) throws(StoreError) -> StoredRoom {
        let envelopes = try read { db throws in
            var envelopes: [ChangeEnvelope] = []
            let rows = try Row.fetchCursor(db, sql: "SELECT seq, bytes FROM envelope WHERE room = ? ORDER BY seq", arguments: [record.id])
            while let row = try rows.next() {
                let sequence: DatabaseValue = row["seq"]
                let reader = RowReader(row: row, table: "envelope", key: "room \(record.id), seq \(sequence)")
                do {
                    envelopes.append(try ChangeEnvelope(decoding: try reader.bytes("bytes")))
                } catch let error as StoreError {
                    throw error
                } catch {
                    throw reader.corrupt("\(error)")
                }
            }
            return envelopes
        }
        do {
            return StoredRoom(record: record, store: self, envelopes: try EnvelopeStore(envelopes))
        } catch {
            throw .corruptRow(table: "envelope", key: record.id, reason: "\(error)")
        }
    }

    /// Appends envelopes a relay room received, in one transaction; an envelope whose
    /// (replica, first counter) is stored already is skipped.
    func append(_ envelopes: [ChangeEnvelope], toRoom room: String) throws(StoreError) {
        try write { db throws in
            let statement = try db.cachedStatement(
                sql: "INSERT OR IGNORE INTO envelope (room, replica, startCounter, bytes) VALUES (?, ?, ?, ?)")
            for envelope in envelopes {
                try statement.execute(arguments: [
                    room, envelope.header.replica.databaseValue, envelope.header.startCounter.databaseValue, Data(envelope.encoded()),
                ])
            }
        }
    }

    // MARK: - Transactions

    /// Runs `body` in a write transaction, mapping every failure to a ``StoreError``.
    func write<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        guard !isClosed.load(ordering: .acquiring) else { throw .closed }
        do {
            return try queue.write(body)
        } catch let error as StoreError {
            throw error
        } catch {
            throw .database("\(error)")
        }
    }

    /// Runs `body` with read access, mapping every failure to a ``StoreError``.
    func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        guard !isClosed.load(ordering: .acquiring) else { throw .closed }
        do {
            return try queue.read(body)
        } catch let error as StoreError {
            throw error
        } catch {
            throw .database("\(error)")
        }
    }

    static func check(_ id: String) throws(StoreError) {
        guard !id.isEmpty, id.utf8.count <= maxIDBytes else { throw .invalidID(id) }
    }

    static var nowMilliseconds: Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}
