/// How much a committed write survives, which decides SQLite's `synchronous` setting.
///
/// The store always runs in WAL mode and writes every call in one transaction, so a crash at
/// any instant leaves either the whole call or none of it.
public enum Durability: Hashable, Sendable {
    /// `synchronous = FULL`: every commit fsyncs the WAL before the call returns, so a
    /// committed write survives a process kill *and* a power loss or kernel crash. The
    /// default: a store call that returned is a promise to the user (an edit they saw
    /// committed) or to a peer (a relay acknowledges only what it stored).
    case full
    /// `synchronous = NORMAL`: the WAL is fsynced only at checkpoints. A committed write
    /// survives a process kill (it is in the OS page cache), but the latest commits may roll
    /// back after a power loss; the database is never corrupted. For caches and benchmarks.
    case normal

    var pragma: String {
        switch self {
        case .full: "FULL"
        case .normal: "NORMAL"
        }
    }
}
