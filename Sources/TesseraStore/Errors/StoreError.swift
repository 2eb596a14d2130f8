/// Why a store operation failed. Nothing a file contains can make the store trap: a row that
/// does not decode is reported as ``corruptRow(table:key:reason:)``.
public enum StoreError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The database file could not be opened or set up.
    case cannotOpen(path: String, reason: String)
    /// Another process has the store open. One store is one set of replicas, and two
    /// processes must never write under one replica ID, so a store has one writer at a time.
    case locked(path: String)
    /// SQLite reported an error (I/O, a full disk, a constraint).
    case database(String)
    /// A row does not decode: bad bytes, a zero replica ID, a value of the wrong type.
    case corruptRow(table: String, key: String, reason: String)
    /// The document or room ID is empty or longer than ``SQLiteStore/maxIDBytes``.
    case invalidID(String)
    /// The store was closed.
    case closed

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): "cannot open store \(path): \(reason)"
        case .locked(let path): "store \(path) is in use by another process"
        case .database(let message): "database error: \(message)"
        case .corruptRow(let table, let key, let reason): "corrupt row in \(table) (\(key)): \(reason)"
        case .invalidID(let id): "invalid document or room ID \"\(id.prefix(80))\""
        case .closed: "the store is closed"
        }
    }
}
