#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive advisory lock on a file beside the database (`<path>-lock`), held while the
/// store is open, so a second process cannot open the same store and write under its
/// replica IDs.
///
/// A separate file, not the database itself: closing any descriptor of a file drops every
/// POSIX lock the process holds on it, which would silently break SQLite's own locks.
/// The kernel releases the lock when the process dies, so a killed process never leaves a
/// stale lock behind.
final class FileLock: Sendable {
    private let descriptor: Int32

    init(path: String) throws(StoreError) {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw .cannotOpen(path: path, reason: "cannot create the lock file (errno \(errno))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            close(descriptor)
            if code == EWOULDBLOCK { throw .locked(path: path) }
            throw .cannotOpen(path: path, reason: "cannot lock (errno \(code))")
        }
        self.descriptor = descriptor
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
