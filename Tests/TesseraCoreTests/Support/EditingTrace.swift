import Foundation

/// A sequential editing trace in josephg/editing-traces format.
struct EditingTrace {
    struct Patch { var position: Int; var deleted: Int; var inserted: String }
    var endContent: String
    /// One array of patches per transaction.
    var transactions: [[Patch]]

    enum LoadError: Error { case missing(String), malformed }

    /// The project's copy of the automerge-paper trace (see Resources/CREDITS.md).
    static func automergePaper() throws -> EditingTrace {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Resources/automerge-paper.json.gz")
        return try load(gzipped: url)
    }

    static func load(gzipped url: URL) throws -> EditingTrace {
        guard FileManager.default.fileExists(atPath: url.path) else { throw LoadError.missing(url.path) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "gzip -dc \"$0\"", url.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard let json = try JSONSerialization.jsonObject(with: data) as? [String: Any],
            let end = json["endContent"] as? String, let txns = json["txns"] as? [[String: Any]]
        else { throw LoadError.malformed }
        var transactions: [[Patch]] = []
        transactions.reserveCapacity(txns.count)
        for txn in txns {
            guard let patches = txn["patches"] as? [[Any]] else { throw LoadError.malformed }
            transactions.append(try patches.map { p in
                guard p.count == 3, let pos = p[0] as? Int, let del = p[1] as? Int, let ins = p[2] as? String else {
                    throw LoadError.malformed
                }
                return Patch(position: pos, deleted: del, inserted: ins)
            })
        }
        return EditingTrace(endContent: end, transactions: transactions)
    }
}
