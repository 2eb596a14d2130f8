import Foundation

/// A sequential editing trace from josephg/editing-traces, loaded for replay tests.
///
/// The traces are the project's copies in `Tests/TesseraCoreTests/Resources` (see CREDITS.md there).
/// A missing trace is an error (the test fails), never a skip.
struct SequenceEditingTrace {
    /// One patch: delete `deleted` characters at `position`, then insert `inserted` there. Positions and
    /// lengths count Unicode scalars.
    struct Patch {
        /// Visible position.
        var position: Int
        /// Number of deleted scalars.
        var deleted: Int
        /// Inserted scalars.
        var inserted: [UInt32]
    }

    /// Errors while locating or decoding a trace.
    enum LoadError: Error, CustomStringConvertible {
        /// No `Package.swift` above the test file.
        case repositoryRootNotFound(String)
        /// The trace file does not exist.
        case missingFile(String)
        /// `gzip -dc` failed.
        case decompressionFailed(String, Int32)
        /// Unexpected JSON shape.
        case malformed(String)

        /// Human-readable description.
        var description: String {
            switch self {
            case let .repositoryRootNotFound(path): "no Package.swift above \(path)"
            case let .missingFile(path): "editing trace not found at \(path)"
            case let .decompressionFailed(path, status): "gzip -dc \(path) exited with \(status)"
            case let .malformed(reason): "malformed trace: \(reason)"
            }
        }
    }

    /// All patches in order (txns flattened).
    var patches: [Patch]
    /// The expected final document.
    var endContent: String

    /// Loads `sequential_traces/<name>.json.gz`.
    static func load(named name: String, filePath: String = #filePath) throws -> SequenceEditingTrace {
        // The project keeps its own copies (Resources/CREDITS.md) so the tests need nothing
        // outside the repository.
        let url = resource(named: name, filePath: filePath)
        guard FileManager.default.fileExists(atPath: url.path) else { throw LoadError.missingFile(url.path) }
        let data = try gunzip(url)
        guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let endContent = root["endContent"] as? String,
              let txns = root["txns"] as? [[String: Any]]
        else { throw LoadError.malformed("top level") }
        var patches: [Patch] = []
        patches.reserveCapacity(txns.count)
        for txn in txns {
            guard let list = txn["patches"] as? [[Any]] else { throw LoadError.malformed("patches") }
            for patch in list {
                guard patch.count == 3, let position = (patch[0] as? NSNumber)?.intValue,
                      let deleted = (patch[1] as? NSNumber)?.intValue, let inserted = patch[2] as? String
                else { throw LoadError.malformed("patch \(patch)") }
                patches.append(Patch(position: position, deleted: deleted, inserted: inserted.unicodeScalars.map(\.value)))
            }
        }
        return SequenceEditingTrace(patches: patches, endContent: endContent)
    }

    /// Loads `concurrent_traces/<name>.json.gz`: transactions with causal parents and an authoring agent,
    /// whose patch positions are relative to the agent's view after merging the parents.
    static func loadConcurrent(named name: String, filePath: String = #filePath) throws -> SequenceConcurrentTrace {
        let url = resource(named: name, filePath: filePath)
        guard FileManager.default.fileExists(atPath: url.path) else { throw LoadError.missingFile(url.path) }
        let data = try gunzip(url)
        guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let endContent = root["endContent"] as? String,
              let agents = (root["numAgents"] as? NSNumber)?.intValue,
              let txns = root["txns"] as? [[String: Any]]
        else { throw LoadError.malformed("top level") }
        var transactions: [SequenceConcurrentTrace.Transaction] = []
        transactions.reserveCapacity(txns.count)
        for txn in txns {
            guard let parents = (txn["parents"] as? [NSNumber])?.map(\.intValue),
                  let agent = (txn["agent"] as? NSNumber)?.intValue,
                  let list = txn["patches"] as? [[Any]]
            else { throw LoadError.malformed("txn") }
            var patches: [Patch] = []
            for patch in list {
                guard patch.count == 3, let position = (patch[0] as? NSNumber)?.intValue,
                      let deleted = (patch[1] as? NSNumber)?.intValue, let inserted = patch[2] as? String
                else { throw LoadError.malformed("patch \(patch)") }
                patches.append(Patch(position: position, deleted: deleted, inserted: inserted.unicodeScalars.map(\.value)))
            }
            transactions.append(.init(parents: parents, agent: agent, patches: patches))
        }
        return SequenceConcurrentTrace(agents: agents, transactions: transactions, endContent: endContent)
    }

    /// `Tests/TesseraCoreTests/Resources/<name>.json.gz`: the project keeps its own copies
    /// (Resources/CREDITS.md) so the tests need nothing outside the repository.
    static func resource(named name: String, filePath _: String) -> URL {
        // This file's own path (Sequence/Support/), not the caller's.
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Resources").appendingPathComponent("\(name).json.gz")
    }

    /// Decompresses a `.gz` file by running `gzip -dc` (tests only).
    static func gunzip(_ url: URL) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gzip", "-dc", url.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        // Drain the pipe before waiting, or a full pipe buffer would deadlock.
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw LoadError.decompressionFailed(url.path, process.terminationStatus)
        }
        return data
    }
}

/// A concurrent editing trace (josephg/editing-traces `concurrent_traces`).
struct SequenceConcurrentTrace {
    /// One transaction.
    struct Transaction {
        /// Indices of the transactions this one directly follows (`[]` = the empty document).
        var parents: [Int]
        /// The authoring agent.
        var agent: Int
        /// Patches, positions relative to the agent's view after merging `parents`.
        var patches: [SequenceEditingTrace.Patch]
    }

    /// Number of agents.
    var agents: Int
    /// Transactions in a topological order.
    var transactions: [Transaction]
    /// The expected final document.
    var endContent: String
}
