import GRDB

/// The store's tables, created and upgraded by a GRDB migrator.
///
/// - `document`: one row per replica document this store holds, with **its own replica ID**,
///   so reopening the store writes under the same ID and never under another's.
/// - `change`: one row per change (TesseraCore's changes container holding one change) not
///   yet folded into the document's snapshot, in the order they were saved (causal order).
/// - `snapshot`: the latest snapshot per document and the version vector it covers.
/// - `room`: one row per relay room: the relay's replica ID in it, the SHA-256 of its
///   access token and whether it is end-to-end encrypted (both fixed when it was created).
/// - `envelope`: a relay room's change envelopes, exactly as received (header and opaque,
///   possibly sealed payload), in arrival order, unique per (room, replica, first counter).
///
/// 64-bit replica IDs and counters are stored as the `INTEGER` with the same bit pattern;
/// comparisons happen in Swift, never in SQL, so values above 2⁶³ stay correct.
enum Schema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE document (
                    id TEXT PRIMARY KEY NOT NULL,
                    replica INTEGER NOT NULL,
                    createdAt INTEGER NOT NULL
                );
                CREATE TABLE change (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    document TEXT NOT NULL REFERENCES document(id) ON DELETE CASCADE,
                    replica INTEGER NOT NULL,
                    startCounter INTEGER NOT NULL,
                    endCounter INTEGER NOT NULL,
                    bytes BLOB NOT NULL,
                    UNIQUE (document, replica, startCounter)
                );
                CREATE TABLE snapshot (
                    document TEXT PRIMARY KEY NOT NULL REFERENCES document(id) ON DELETE CASCADE,
                    version BLOB NOT NULL,
                    bytes BLOB NOT NULL,
                    createdAt INTEGER NOT NULL
                );
                CREATE TABLE room (
                    id TEXT PRIMARY KEY NOT NULL,
                    relayReplica INTEGER NOT NULL,
                    tokenHash BLOB,
                    sealed INTEGER NOT NULL,
                    createdAt INTEGER NOT NULL
                );
                CREATE TABLE envelope (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    room TEXT NOT NULL REFERENCES room(id) ON DELETE CASCADE,
                    replica INTEGER NOT NULL,
                    startCounter INTEGER NOT NULL,
                    bytes BLOB NOT NULL,
                    UNIQUE (room, replica, startCounter)
                );
                """)
        }
        return migrator
    }
}
