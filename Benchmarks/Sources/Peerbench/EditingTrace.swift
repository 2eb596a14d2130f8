import Foundation

/// A josephg/editing-traces sequential trace (WORKLOADS.md §5).
public struct EditingTrace: Sendable {
    /// One edit: delete `deleteCount` scalars at `position`, then insert `insert` there.
    public struct Patch: Sendable, Decodable {
        /// Unicode-scalar offset.
        public var position: Int
        /// Scalars to delete.
        public var deleteCount: Int
        /// Text to insert.
        public var insert: String

        /// Decodes the trace format's `[position, deleteCount, "text"]` triple.
        public init(from decoder: any Decoder) throws {
            var triple = try decoder.unkeyedContainer()
            position = try triple.decode(Int.self)
            deleteCount = try triple.decode(Int.self)
            insert = try triple.decode(String.self)
            guard triple.isAtEnd else {
                throw DecodingError.dataCorruptedError(in: triple, debugDescription: "a patch has three elements")
            }
        }
    }

    /// The file layout of a josephg/editing-traces sequential trace.
    struct TraceFile: Decodable {
        struct Transaction: Decodable { var patches: [Patch] }
        var startContent: String?
        var endContent: String
        var txns: [Transaction]
    }

    /// The trace's name (file name up to the first dot, e.g. `automerge-paper`).
    public var name: String
    /// SHA-256 of the file as stored (compressed).
    public var sha256: String
    /// Every patch of every transaction, in order, in one contiguous array: the timed replay
    /// walks it without retaining a per-transaction array (a nested `[[Patch]]` cost a
    /// retain and a release per transaction, about a tenth of the native replay's time).
    public private(set) var patches: [Patch]
    /// Where each transaction's patches end in ``patches`` (exclusive), in order.
    public private(set) var transactionEnds: [Int]
    /// The text after the whole trace.
    public var endContent: String
    /// Whether every inserted scalar and the end content are ASCII.
    public var isASCII: Bool

    /// Patches in all transactions.
    public var patchCount: Int { patches.count }
    /// The number of transactions.
    public var transactionCount: Int { transactionEnds.count }
    /// Scalars inserted.
    public var insertedCount: Int { patches.reduce(0) { $0 + $1.insert.unicodeScalars.count } }
    /// Scalars deleted.
    public var deletedCount: Int { patches.reduce(0) { $0 + $1.deleteCount } }

    /// The patches of transaction `t`.
    public func transaction(_ t: Int) -> ArraySlice<Patch> {
        patches[(t == 0 ? 0 : transactionEnds[t - 1])..<transactionEnds[t]]
    }

    /// Loads a trace (`.json` or `.json.gz`).
    public init(contentsOf path: String) throws(InputError) {
        let raw = try FileInput.rawBytes(path)
        var hash = SHA256()
        hash.update(raw)
        sha256 = hash.hexDigest()
        let fileName = (path as NSString).lastPathComponent
        name = String(fileName.split(separator: ".", maxSplits: 1).first ?? Substring(fileName))
        let json = try FileInput.contents(path)
        // JSONDecoder rather than JSONSerialization: the latter's object graph for a 260k-
        // transaction trace peaks at ~1 GB resident on Linux.
        let file: TraceFile
        do {
            file = try JSONDecoder().decode(TraceFile.self, from: Data(json))
        } catch {
            throw .malformedTrace(path: path, reason: "\(error)")
        }
        if let start = file.startContent, !start.isEmpty {
            throw .malformedTrace(path: path, reason: "only traces with an empty startContent are supported")
        }
        var ascii = file.endContent.unicodeScalars.allSatisfy(\.isASCII)
        var patches: [Patch] = []
        var ends: [Int] = []
        ends.reserveCapacity(file.txns.count)
        for (t, txn) in file.txns.enumerated() {
            for patch in txn.patches where patch.position < 0 || patch.deleteCount < 0 {
                throw .malformedTrace(path: path, reason: "txns[\(t)] has a negative position or delete count")
            }
            if ascii && !txn.patches.allSatisfy({ $0.insert.unicodeScalars.allSatisfy(\.isASCII) }) { ascii = false }
            patches.append(contentsOf: txn.patches)
            ends.append(patches.count)
        }
        let end = file.endContent
        self.patches = patches
        transactionEnds = ends
        endContent = end
        isASCII = ascii
    }

    /// The first `count` transactions, with the end content recomputed by a plain replay
    /// (what `bench.py --quick` does).
    public func prefix(_ count: Int) -> EditingTrace {
        var copy = self
        copy.transactionEnds = Array(transactionEnds.prefix(count))
        copy.patches = Array(patches.prefix(copy.transactionEnds.last ?? 0))
        copy.endContent = copy.replayPlain()
        return copy
    }

    /// Replays the trace on a plain scalar array (validates the trace; O(n) per edit, so
    /// meant for shortened traces).
    public func replayPlain() -> String {
        var scalars: [Unicode.Scalar] = []
        for patch in patches {
            let end = min(scalars.count, patch.position + patch.deleteCount)
            let start = min(patch.position, scalars.count)
            scalars.replaceSubrange(start..<end, with: patch.insert.unicodeScalars)
        }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }
}
