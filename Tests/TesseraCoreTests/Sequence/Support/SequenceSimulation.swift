import TesseraTestSupport
@testable import TesseraCore

/// An operation broadcast between simulated replicas.
enum SequenceSimulatedOperation {
    /// A run of new items with the origins recorded by the author.
    case insert(first: ItemID, count: Int, originLeft: ItemID?, originRight: ItemID?)
    /// Deleted id ranges, in the author's sequence order.
    case delete(ranges: [(first: ItemID, count: Int)])
}

/// One simulated replica: a `SequenceTree` under test, the naive `SequenceReference` fed the very same
/// operations in the same order, a content buffer (each slot holds the raw id of its item, so
/// materialising content also checks `forEachVisibleRun`), and a mirror of the visible ids maintained
/// only from the positions the tree reports.
struct SequenceSimulatedReplica {
    /// Replica index (the high half of the ids it mints).
    let replica: UInt32
    /// Tree under test.
    var tree: SequenceTree
    /// The document-wide index (one tree per document here).
    var index = ItemIndex()
    /// Oracle.
    var reference = SequenceReference()
    /// Content buffer: raw item id per slot.
    var content: [UInt64] = []
    /// Visible ids maintained from reported positions only.
    var mirror: [UInt64] = []
    /// Next counter to mint.
    var nextCounter: UInt32 = 1
    /// Operations from other replicas not yet applied.
    var inbox: [SequenceSimulatedOperation] = []
    /// Failures found so far.
    var problems: [String] = []
    /// Whether remote operations ask the tree for positions. A replica that does not (as a
    /// history replayed without events) keeps its mirror from the reference instead.
    var reportsPositions = true

    /// Creates replica `replica` with the given tree capacities.
    init(replica: UInt32, leafCapacity: Int, nodeCapacity: Int) {
        self.replica = replica
        tree = SequenceTree(leafCapacity: leafCapacity, nodeCapacity: nodeCapacity)
    }

    /// Records a failure.
    mutating func fail(_ message: String) {
        if problems.count < 10 { problems.append("replica \(replica): \(message)") }
    }

    /// Inserts `count` new items at visible `position` locally in tree and reference; returns the op.
    mutating func localInsert(at position: Int, count: Int, replicaKey: (UInt32) -> UInt64) -> SequenceSimulatedOperation {
        let first = ItemID(replica: replica, counter: nextCounter)
        nextCounter += UInt32(count)
        let ids = (0..<count).map { first.advanced(by: $0).raw }
        let offset = content.count
        content.append(contentsOf: ids)
        let origins = tree.insertLocal(at: position, first: first, count: count, contentOffset: offset, index: &index)
        let expected = reference.localInsert(at: position, first: first, count: count, replicaKey: replicaKey)
        if origins.originLeft != expected.originLeft || origins.originRight != expected.originRight {
            fail("insertLocal(at: \(position)) origins \(origins) != reference \(expected)")
        }
        mirror.insert(contentsOf: ids, at: position)
        return .insert(first: first, count: count, originLeft: origins.originLeft, originRight: origins.originRight)
    }

    /// Deletes visible `position ..< position + count` locally in tree and reference; returns the op.
    mutating func localDelete(at position: Int, count: Int) -> SequenceSimulatedOperation {
        let ranges = Array(tree.deleteLocal(at: position, count: count, index: &index))
        let expected = reference.localDelete(at: position, count: count)
        let flattened = ranges.flatMap { range in (0..<range.count).map { range.first.advanced(by: $0) } }
        if flattened != expected {
            fail("deleteLocal(at: \(position), count: \(count)) ids \(flattened) != reference \(expected)")
        }
        for k in 1..<max(ranges.count, 1) where ranges[k - 1].first.advanced(by: ranges[k - 1].count) == ranges[k].first {
            fail("deleteLocal returned uncoalesced ranges \(ranges)")
        }
        mirror.removeSubrange(position..<(position + count))
        return .delete(ranges: ranges)
    }

    /// Whether `operation`'s dependencies (origins of an insert, targets of a delete) are all present.
    func isDeliverable(_ operation: SequenceSimulatedOperation) -> Bool {
        // Plain loops (no closures capturing `self`) keep debug builds from copying the replica.
        switch operation {
        case let .insert(_, _, originLeft, originRight):
            if let originLeft, !tree.contains(originLeft, index: index) { return false }
            if let originRight, !tree.contains(originRight, index: index) { return false }
            return true
        case let .delete(ranges):
            for range in ranges {
                for k in 0..<range.count where !tree.contains(range.first.advanced(by: k), index: index) {
                    return false
                }
            }
            return true
        }
    }

    /// Applies a remote operation to tree, reference and mirror, checking reported positions.
    mutating func apply(_ operation: SequenceSimulatedOperation, replicaKey: (UInt32) -> UInt64) {
        switch operation {
        case let .insert(first, count, originLeft, originRight):
            let ids = (0..<count).map { first.advanced(by: $0).raw }
            let offset = content.count
            content.append(contentsOf: ids)
            let position = tree.integrate(
                first: first, count: count, originLeft: originLeft, originRight: originRight,
                contentOffset: offset, index: &index, reportsPosition: reportsPositions, replicaKey: replicaKey)
            guard position >= 0 else {
                fail("integrate(\(first)) rejected")
                return
            }
            let referenceIndex = reference.integrateRun(
                first: first, count: count, originLeft: originLeft, originRight: originRight, replicaKey: replicaKey)
            guard reportsPositions else {
                mirror = reference.visibleIDs.map(\.raw)
                return
            }
            let expected = reference.visibleCount(before: referenceIndex)
            if position != expected {
                fail("integrate(\(first)) returned position \(position), reference \(expected)")
            }
            mirror.insert(contentsOf: ids, at: min(max(position, 0), mirror.count))
        case let .delete(ranges):
            for range in ranges {
                let ids = (0..<range.count).map { range.first.advanced(by: $0) }
                let visibleBefore = ids.filter { id in
                    reference.find(id).map { !reference.items[$0].isDeleted } ?? false
                }.count
                guard reportsPositions else {
                    var removed: [(position: Int, count: Int)] = []
                    tree.delete(first: range.first, count: range.count, index: &index, strict: false,
                                reportsPositions: false, into: &removed)
                    if !removed.isEmpty { fail("delete(\(range)) reported \(removed) when asked for no positions") }
                    for id in ids { reference.delete(id) }
                    mirror = reference.visibleIDs.map(\.raw)
                    continue
                }
                let removed = tree.delete(first: range.first, count: range.count, index: &index)
                for k in 1..<max(removed.count, 1) where removed[k].position + removed[k].count > removed[k - 1].position {
                    fail("delete(\(range)) ranges not strictly descending/disjoint: \(removed)")
                }
                if removed.reduce(0, { $0 + $1.count }) != visibleBefore {
                    fail("delete(\(range)) removed \(removed), expected \(visibleBefore) visible items")
                }
                for piece in removed {
                    guard piece.position >= 0, piece.position + piece.count <= mirror.count else {
                        fail("delete(\(range)) range \(piece) outside mirror of \(mirror.count)")
                        continue
                    }
                    mirror.removeSubrange(piece.position..<(piece.position + piece.count))
                }
                for id in ids { reference.delete(id) }
            }
        }
    }

    /// Applies up to `limit` deliverable inbox operations, each picked at random among the deliverable ones.
    mutating func deliverRandomly(limit: Int, using rng: inout SplitMix64, replicaKey: (UInt32) -> UInt64) {
        var delivered = 0
        while delivered < limit && !inbox.isEmpty {
            // Random starting point, then the first deliverable op cyclically from there.
            let start = Int.random(in: 0..<inbox.count, using: &rng)
            var pick: Int?
            for step in 0..<inbox.count {
                let position = (start + step) % inbox.count
                if isDeliverable(inbox[position]) {
                    pick = position
                    break
                }
            }
            guard let pick else { return }
            let operation = inbox.remove(at: pick)
            apply(operation, replicaKey: replicaKey)
            delivered += 1
        }
    }

    /// Full consistency check against the reference, the mirror and the tree's own invariants. O(n).
    mutating func verify(context: String) {
        let violations = tree.invariantViolations(index: index)
        if !violations.isEmpty { fail("\(context): invariants: \(violations)") }
        let items = tree.flattenedForTesting
        if items != reference.items {
            let mismatch = Array(zip(items, reference.items)).firstIndex { $0.0 != $0.1 } ?? min(items.count, reference.items.count)
            fail("\(context): tree order differs from reference at item \(mismatch) (tree \(items.count), reference \(reference.items.count))")
        }
        let materialized = tree.materializedForTesting(content)
        if materialized != mirror { fail("\(context): materialised content differs from mirror") }
        if mirror != reference.visibleIDs.map(\.raw) { fail("\(context): mirror differs from reference") }
        if tree.visibleCount != mirror.count || tree.totalCount != reference.items.count {
            fail("\(context): counts \(tree.visibleCount)/\(tree.totalCount)")
        }
    }
}

/// Parameters of one randomized multi-replica run.
struct SequenceSimulationConfiguration {
    /// Seed for `SplitMix64`.
    var seed: UInt64
    /// Number of replicas.
    var replicas: Int
    /// Number of random actions.
    var steps: Int
    /// Tree leaf capacity.
    var leafCapacity: Int
    /// Tree node capacity.
    var nodeCapacity: Int
    /// Verify the acting replica every this many steps.
    var checkEvery: Int
    /// Whether the odd-numbered replicas integrate remote operations without positions.
    var silentReplicas = false
}

/// Result of a simulation.
struct SequenceSimulationOutcome {
    /// Failures (empty on success).
    var problems: [String]
    /// Items per replica at the end.
    var finalTotal: Int
    /// Leaves of replica 0's tree at the end.
    var leaves: Int
    /// Nodes of replica 0's tree at the end.
    var nodes: Int
    /// Scan branch counters summed over all replicas' references.
    var statistics: SequenceScanStatistics
}

/// Runs several replicas doing random local edits (runs of 1–5 items, typing/backspace bursts, biased
/// positions to provoke concurrent inserts at the same place) and exchanging operations in random
/// orders that respect causality (an op is deliverable once its origins/targets exist), then delivers
/// everything and checks that (a) all copies agree and (b) each tree equals its reference oracle.
func runSequenceSimulation(_ configuration: SequenceSimulationConfiguration) -> SequenceSimulationOutcome {
    var rng = SplitMix64(seed: configuration.seed)
    var keys: [UInt64] = []
    while keys.count < configuration.replicas {
        let key = rng.next() % 1000
        if !keys.contains(key) { keys.append(key) }
    }
    let replicaKey: (UInt32) -> UInt64 = { keys[Int($0)] }
    var replicas = (0..<configuration.replicas).map {
        SequenceSimulatedReplica(replica: UInt32($0), leafCapacity: configuration.leafCapacity, nodeCapacity: configuration.nodeCapacity)
    }
    if configuration.silentReplicas {
        for i in replicas.indices where i % 2 == 1 { replicas[i].reportsPositions = false }
    }
    // Per-seed flavour: how often replicas sync, and how much they favour hot spots.
    let deliveryPercent = Int.random(in: 5...40, using: &rng)
    let hotPercent = Int.random(in: 10...60, using: &rng)

    func broadcast(_ operation: SequenceSimulatedOperation, from author: Int) {
        for other in replicas.indices where other != author {
            replicas[other].inbox.append(operation)
        }
    }

    func deliver(to target: Int, limit: Int) {
        replicas[target].deliverRandomly(limit: limit, using: &rng, replicaKey: replicaKey)
    }

    func position(for replica: Int, inserting: Bool) -> Int {
        let visible = replicas[replica].tree.visibleCount
        let limit = inserting ? visible : visible - 1
        if Int.random(in: 0..<100, using: &rng) < hotPercent {
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: return 0
            case 1: return limit
            case 2: return limit / 2
            default: return min(limit, 3)
            }
        }
        return Int.random(in: 0...limit, using: &rng)
    }

    for step in 0..<configuration.steps {
        let actor = Int.random(in: 0..<configuration.replicas, using: &rng)
        let roll = Int.random(in: 0..<100, using: &rng)
        if roll < deliveryPercent {
            deliver(to: actor, limit: Int.random(in: 1...20, using: &rng))
        } else if roll < deliveryPercent + (100 - deliveryPercent) * 2 / 3 || replicas[actor].tree.visibleCount == 0 {
            var at = position(for: actor, inserting: true)
            let burst = Int.random(in: 0..<4, using: &rng) == 0 ? Int.random(in: 2...12, using: &rng) : 1
            for _ in 0..<burst {
                let count = Int.random(in: 0..<3, using: &rng) == 0 ? Int.random(in: 1...5, using: &rng) : 1
                let operation = replicas[actor].localInsert(at: at, count: count, replicaKey: replicaKey)
                broadcast(operation, from: actor)
                at += count
            }
        } else {
            let backspace = Int.random(in: 0..<3, using: &rng) == 0
            var at = position(for: actor, inserting: false)
            let burst = backspace ? Int.random(in: 2...8, using: &rng) : 1
            for _ in 0..<burst where replicas[actor].tree.visibleCount > 0 {
                at = min(at, replicas[actor].tree.visibleCount - 1)
                let count = Int.random(in: 1...min(5, replicas[actor].tree.visibleCount - at), using: &rng)
                let operation = replicas[actor].localDelete(at: at, count: backspace ? 1 : count)
                broadcast(operation, from: actor)
                at = max(at - 1, 0)
            }
        }
        if step % configuration.checkEvery == 0 {
            replicas[actor].verify(context: "step \(step)")
        }
        if replicas.contains(where: { !$0.problems.isEmpty }) { break }
    }

    // Deliver everything.
    var progress = true
    while progress && replicas.contains(where: { !$0.inbox.isEmpty }) {
        progress = false
        for target in replicas.indices {
            let before = replicas[target].inbox.count
            deliver(to: target, limit: Int.max)
            if replicas[target].inbox.count != before { progress = true }
        }
    }
    for target in replicas.indices {
        replicas[target].verify(context: "final")
    }
    var problems = replicas.flatMap(\.problems)
    if replicas.contains(where: { !$0.inbox.isEmpty }) { problems.append("undeliverable operations left") }
    let first = replicas[0].tree.flattenedForTesting.map { ($0.id, $0.isDeleted) }
    for other in replicas.dropFirst() {
        let items = other.tree.flattenedForTesting.map { ($0.id, $0.isDeleted) }
        if !items.elementsEqual(first, by: { $0 == $1 }) {
            problems.append("replica \(other.replica) diverged from replica 0")
        }
    }
    return SequenceSimulationOutcome(problems: problems, finalTotal: replicas[0].tree.totalCount,
                             leaves: replicas[0].tree.leaves.count, nodes: replicas[0].tree.nodes.count,
                             statistics: replicas.map(\.reference.statistics).reduce(SequenceScanStatistics(), +))
}
