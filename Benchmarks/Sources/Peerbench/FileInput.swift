import Foundation

/// Reads input files, inflating gzip transparently.
public enum FileInput {
    /// The raw bytes of `path`.
    public static func rawBytes(_ path: String) throws(InputError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else { throw .unreadable(path: path) }
        return [UInt8](data)
    }

    /// The contents of `path`, inflated if it is gzip (magic `1f 8b`).
    ///
    /// Inflation uses the system zlib in-process (``Zlib/gunzip(_:)``), so it also works
    /// where spawning `gzip -dc` does not (under valgrind, in sandboxes).
    public static func contents(_ path: String) throws(InputError) -> [UInt8] {
        let raw = try rawBytes(path)
        guard raw.count >= 2, raw[0] == 0x1F, raw[1] == 0x8B else { return raw }
        do {
            return try Zlib.gunzip(raw)
        } catch {
            throw .gzipFailed(path: path, reason: error.reason)
        }
    }
}

/// Why an input file could not be used.
public enum InputError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The file does not exist or cannot be read.
    case unreadable(path: String)
    /// The file starts like gzip but does not inflate.
    case gzipFailed(path: String, reason: String)
    /// Line `line` (1-based) of an op stream is not a canonical action.
    case malformedLine(path: String, line: Int, reason: String)
    /// The trace is not a josephg/editing-traces sequential trace.
    case malformedTrace(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path): "\(path): cannot read the file"
        case .gzipFailed(let path, let reason): "\(path): gzip failed: \(reason)"
        case .malformedLine(let path, let line, let reason): "\(path):\(line): \(reason)"
        case .malformedTrace(let path, let reason): "\(path): not an editing trace: \(reason)"
        }
    }
}
