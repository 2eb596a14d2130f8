import Foundation

/// A directory under the system's temporary directory, removed when the value is released.
public final class TemporaryDirectory: Sendable {
    public let path: String

    public init(_ prefix: String = "tessera-test") {
        path = (NSTemporaryDirectory() as NSString).appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    public func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    /// Kept when `TESSERA_KEEP_TEST_FILES` is set, to read the logs of a failed test.
    deinit {
        guard ProcessInfo.processInfo.environment["TESSERA_KEEP_TEST_FILES"] == nil else { return }
        try? FileManager.default.removeItem(atPath: path)
    }
}

extension Array where Element == UInt8 {
    /// Whether `needle` occurs in these bytes.
    public func contains(bytes needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= count else { return false }
        for start in 0...(count - needle.count) where self[start] == needle[0] {
            if Array(self[start..<(start + needle.count)]) == needle { return true }
        }
        return false
    }
}
