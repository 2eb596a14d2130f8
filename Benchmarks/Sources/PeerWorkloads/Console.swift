import Foundation

/// Progress and warnings go to standard error, so standard output stays the table.
enum Console {
    static func log(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    static func warn(_ message: String) {
        log("warning: " + message)
    }
}
