import Testing
@testable import TesseraCore

/// An operation recorded during a local replay, to be fed to a fresh tree as a remote replay.
private enum SequenceRecordedOperation {
    /// `insertLocal` result.
    case insert(first: ItemID, count: Int, originLeft: ItemID?, originRight: ItemID?, contentOffset: Int)
    /// `deleteLocal` result.
    case delete([(first: ItemID, count: Int)])
}

/// Replays of real editing traces (josephg/editing-traces) through the local API, then through
/// `integrate`/`delete` on a fresh tree, then through a snapshot bulk load.
@Suite("Sequence: editing trace replay")
struct SequenceTraceReplayTests {
    /// automerge-paper: 259,778 single-character patches; must reproduce `endContent`.
    @Test("automerge-paper: local, remote and bulk-load replays reproduce endContent")
    func automergePaper() throws {
        try replay(named: "automerge-paper")
    }

    /// seph-blog1: multi-patch transactions, patches that delete and insert at once, non-ASCII text.
    @Test("seph-blog1: local, remote and bulk-load replays reproduce endContent")
    func sephBlog() throws {
        try replay(named: "seph-blog1")
    }

    /// Replays `name` locally, remotely and via bulk load, checking the content each time.
    private func replay(named name: String) throws {
        let trace = try SequenceEditingTrace.load(named: name)
        #expect(!trace.patches.isEmpty)

        // Local replay.
        var tree = SequenceTree()
        var index = ItemIndex()
        var content: [UInt32] = []
        var counter: UInt32 = 1
        var operations: [SequenceRecordedOperation] = []
        operations.reserveCapacity(trace.patches.count)
        for patch in trace.patches {
            if patch.deleted > 0 {
                let ranges = tree.deleteLocal(at: patch.position, count: patch.deleted, index: &index)
                #expect(ranges.reduce(0) { $0 + $1.count } == patch.deleted)
                operations.append(.delete(Array(ranges)))
            }
            if !patch.inserted.isEmpty {
                let first = ItemID(replica: 0, counter: counter)
                let offset = content.count
                let origins = tree.insertLocal(at: patch.position, first: first, count: patch.inserted.count,
                                               contentOffset: offset, index: &index)
                content.append(contentsOf: patch.inserted)
                counter += UInt32(patch.inserted.count)
                operations.append(.insert(first: first, count: patch.inserted.count, originLeft: origins.originLeft,
                                          originRight: origins.originRight, contentOffset: offset))
            }
        }
        let expected = trace.endContent.unicodeScalars.map(\.value)
        #expect(tree.materializedForTesting(content) == expected, "local replay of \(name) differs from endContent")
        #expect(tree.visibleCount == expected.count)
        #expect(tree.invariantViolations(index: index).isEmpty)

        // Remote replay of the recorded operations on a fresh tree (another replica's view).
        var remote = SequenceTree()
        var remoteIndex = ItemIndex()
        for operation in operations {
            switch operation {
            case let .insert(first, count, originLeft, originRight, contentOffset):
                let position = remote.integrate(first: first, count: count, originLeft: originLeft, originRight: originRight,
                                                contentOffset: contentOffset, index: &remoteIndex, replicaKey: { UInt64($0) })
                #expect(position >= 0)
            case let .delete(ranges):
                for range in ranges {
                    let removed = remote.delete(first: range.first, count: range.count, index: &remoteIndex)
                    #expect(removed.reduce(0) { $0 + $1.count } == range.count)
                }
            }
        }
        #expect(remote.materializedForTesting(content) == expected, "remote replay of \(name) differs from endContent")
        #expect(remote.flattenedForTesting == tree.flattenedForTesting)
        #expect(remote.invariantViolations(index: remoteIndex).isEmpty)

        // Snapshot round trip.
        var loadedIndex = ItemIndex()
        let loaded = SequenceTree(runs: tree.runsForTesting, index: &loadedIndex)
        #expect(loaded.materializedForTesting(content) == expected)
        #expect(loaded.flattenedForTesting == tree.flattenedForTesting)
        #expect(loaded.invariantViolations(index: loadedIndex).isEmpty)
        print("\(name): \(trace.patches.count) patches, \(tree.totalCount) items, \(tree.runsForTesting.count) runs, "
              + "\(tree.leaves.count) leaves, \(tree.nodes.count) nodes")
    }
}

/// An operation of a concurrent replay, carrying its content so every receiver appends it to its own buffer.
private enum SequenceConcurrentOperation {
    /// Inserted items with the author's origins.
    case insert(first: ItemID, originLeft: ItemID?, originRight: ItemID?, scalars: [UInt32])
    /// Deleted id range.
    case delete(first: ItemID, count: Int)
}

/// One agent's replica during a concurrent replay.
private struct SequenceAgentReplica {
    /// The tree.
    var tree = SequenceTree()
    /// Its document index.
    var index = ItemIndex()
    /// Content buffer (Unicode scalars).
    var content: [UInt32] = []
    /// Which transactions have been applied.
    var known: [Bool]

    /// Creates a replica that knows none of `transactions` transactions.
    init(transactions: Int) {
        known = Array(repeating: false, count: transactions)
    }

    /// Applies one patch locally as `agent` (ids from `counter`) and returns the operations to broadcast.
    mutating func edit(_ patch: SequenceEditingTrace.Patch, agent: Int, counter: inout UInt32) -> [SequenceConcurrentOperation] {
        var recorded: [SequenceConcurrentOperation] = []
        if patch.deleted > 0 {
            for range in tree.deleteLocal(at: patch.position, count: patch.deleted, index: &index) {
                recorded.append(.delete(first: range.first, count: range.count))
            }
        }
        if !patch.inserted.isEmpty {
            let first = ItemID(replica: UInt32(agent), counter: counter)
            counter += UInt32(patch.inserted.count)
            let origins = tree.insertLocal(at: patch.position, first: first, count: patch.inserted.count,
                                           contentOffset: content.count, index: &index)
            content.append(contentsOf: patch.inserted)
            recorded.append(.insert(first: first, originLeft: origins.originLeft, originRight: origins.originRight,
                                    scalars: patch.inserted))
        }
        return recorded
    }

    /// Applies every transaction in the causal history of `parents` that is still missing, in
    /// topological (index) order, through `integrate`/`delete`.
    mutating func catchUp(to parents: [Int], trace: SequenceConcurrentTrace, operations: [[SequenceConcurrentOperation]]) -> Bool {
        var stack = parents
        var missing: [Int] = []
        while let transaction = stack.popLast() {
            if known[transaction] { continue }
            known[transaction] = true
            missing.append(transaction)
            stack.append(contentsOf: trace.transactions[transaction].parents)
        }
        for transaction in missing.sorted() {
            for operation in operations[transaction] {
                switch operation {
                case let .insert(first, originLeft, originRight, scalars):
                    let position = tree.integrate(first: first, count: scalars.count, originLeft: originLeft, originRight: originRight,
                                                  contentOffset: content.count, index: &index, replicaKey: { UInt64($0) })
                    if position < 0 { return false }
                    content.append(contentsOf: scalars)
                case let .delete(first, count):
                    tree.delete(first: first, count: count, index: &index)
                }
            }
        }
        return true
    }
}

/// Replays of the concurrent traces: each agent edits its own replica at the trace's positions after
/// merging the transaction's parents through `integrate`/`delete`; all replicas must converge on
/// `endContent` (the traces never insert concurrently at the same position, so any correct list CRDT does).
@Suite("Sequence: concurrent trace replay")
struct SequenceConcurrentTraceTests {
    /// friendsforever and clownschool.
    @Test("Concurrent traces converge on endContent", arguments: ["friendsforever", "clownschool"])
    func concurrentTrace(name: String) throws {
        let trace = try SequenceEditingTrace.loadConcurrent(named: name)
        var replicas = (0..<trace.agents).map { _ in SequenceAgentReplica(transactions: trace.transactions.count) }
        var counters = Array(repeating: UInt32(1), count: trace.agents)
        var operations: [[SequenceConcurrentOperation]] = []
        operations.reserveCapacity(trace.transactions.count)
        for (number, transaction) in trace.transactions.enumerated() {
            let agent = transaction.agent
            let merged = replicas[agent].catchUp(to: transaction.parents, trace: trace, operations: operations)
            #expect(merged, "\(name): txn \(number) could not merge its parents")
            var recorded: [SequenceConcurrentOperation] = []
            for patch in transaction.patches {
                recorded += replicas[agent].edit(patch, agent: agent, counter: &counters[agent])
            }
            replicas[agent].known[number] = true
            operations.append(recorded)
        }
        let expected = trace.endContent.unicodeScalars.map(\.value)
        let everything = Array(trace.transactions.indices)
        var merged = SequenceAgentReplica(transactions: trace.transactions.count)
        let caughtUp = merged.catchUp(to: everything, trace: trace, operations: operations)
        #expect(caughtUp)
        #expect(merged.tree.materializedForTesting(merged.content) == expected, "\(name): merged replica differs from endContent")
        #expect(merged.tree.invariantViolations(index: merged.index).isEmpty)
        let order = merged.tree.flattenedForTesting
        for agent in replicas.indices {
            let agentCaughtUp = replicas[agent].catchUp(to: everything, trace: trace, operations: operations)
            #expect(agentCaughtUp)
            #expect(replicas[agent].tree.materializedForTesting(replicas[agent].content) == expected,
                    "\(name): agent \(agent) differs from endContent")
            #expect(replicas[agent].tree.flattenedForTesting == order, "\(name): agent \(agent) item order differs")
            #expect(replicas[agent].tree.invariantViolations(index: replicas[agent].index).isEmpty)
        }
    }
}
