import Testing
@testable import TesseraCore

/// Where the two replicas type concurrently.
enum SequenceTypingSpot: CaseIterable, Sendable, CustomStringConvertible {
    /// Before the shared text.
    case start
    /// Between the two shared characters.
    case middle
    /// After the shared text.
    case end

    /// Visible position in the shared text "xy".
    var position: Int {
        switch self {
        case .start: 0
        case .middle: 1
        case .end: 2
        }
    }

    /// Name for test output.
    var description: String {
        switch self {
        case .start: "start"
        case .middle: "middle"
        case .end: "end"
        }
    }
}

/// FugueMax/YjsMod's defining property: concurrent runs typed at the same place are not interleaved.
@Suite("Sequence: non-interleaving")
struct SequenceNonInterleavingTests {
    /// Two replicas type "aaaa…" and "bbbb…" one character at a time at the same spot; after the exchange
    /// (and on a third replica receiving both streams interleaved) each sees one contiguous block of each.
    @Test("Concurrent forward typing is not interleaved",
          arguments: SequenceTypingSpot.allCases, [1, 7, 60])
    func concurrentTyping(spot: SequenceTypingSpot, length: Int) {
        for aKeyIsSmaller in [true, false] {
            // Replica indices: 0 wrote the shared text, 1 types a's, 2 types b's, 3 only observes.
            let keys: [UInt64] = aKeyIsSmaller ? [50, 10, 20, 30] : [50, 20, 10, 30]
            let replicaKey: (UInt32) -> UInt64 = { keys[Int($0)] }
            var alice = SequenceSimulatedReplica(replica: 1, leafCapacity: 6, nodeCapacity: 4)
            var bob = SequenceSimulatedReplica(replica: 2, leafCapacity: 6, nodeCapacity: 4)
            var observer = SequenceSimulatedReplica(replica: 3, leafCapacity: 6, nodeCapacity: 4)
            // Shared base text "xy" from replica 0.
            var author = SequenceSimulatedReplica(replica: 0, leafCapacity: 6, nodeCapacity: 4)
            let base = author.localInsert(at: 0, count: 2, replicaKey: replicaKey)
            alice.apply(base, replicaKey: replicaKey)
            bob.apply(base, replicaKey: replicaKey)
            observer.apply(base, replicaKey: replicaKey)

            var aliceOps: [SequenceSimulatedOperation] = []
            var bobOps: [SequenceSimulatedOperation] = []
            for k in 0..<length {
                aliceOps.append(alice.localInsert(at: spot.position + k, count: 1, replicaKey: replicaKey))
                bobOps.append(bob.localInsert(at: spot.position + k, count: 1, replicaKey: replicaKey))
            }
            for operation in bobOps { alice.apply(operation, replicaKey: replicaKey) }
            for operation in aliceOps { bob.apply(operation, replicaKey: replicaKey) }
            // The observer gets both streams interleaved op by op.
            for k in 0..<length {
                observer.apply(aliceOps[k], replicaKey: replicaKey)
                observer.apply(bobOps[k], replicaKey: replicaKey)
            }

            let x = ItemID(replica: 0, counter: 1).raw
            let y = ItemID(replica: 0, counter: 2).raw
            let aBlock = (0..<length).map { ItemID(replica: 1, counter: UInt32(1 + $0)).raw }
            let bBlock = (0..<length).map { ItemID(replica: 2, counter: UInt32(1 + $0)).raw }
            let typed = aKeyIsSmaller ? aBlock + bBlock : bBlock + aBlock
            let expected: [UInt64]
            switch spot {
            case .start: expected = typed + [x, y]
            case .middle: expected = [x] + typed + [y]
            case .end: expected = [x, y] + typed
            }
            for var replica in [alice, bob, observer] {
                replica.verify(context: "after exchange")
                #expect(replica.problems.isEmpty, "\(spot) \(length) \(aKeyIsSmaller): \(replica.problems)")
                #expect(replica.tree.materializedForTesting(replica.content) == expected,
                        "replica \(replica.replica) interleaved or misordered at \(spot), length \(length)")
            }
            // Typing one character at a time still produced one record per typist (run extension).
            if length > 1 && spot == .end {
                #expect(alice.tree.runsForTesting.count == 3, "runs: \(alice.tree.runsForTesting)")
            }
        }
    }

    /// Local typing extends one run; the remote copy of a typing stream also ends up as one run.
    @Test("Typing at a cursor keeps one run locally and remotely")
    func typingBuildsOneRun() {
        var tree = SequenceTree()
        var index = ItemIndex()
        var operations: [(ItemID, ItemID?, ItemID?)] = []
        for k in 0..<500 {
            let id = ItemID(replica: 4, counter: UInt32(k + 1))
            let origins = tree.insertLocal(at: k, first: id, count: 1, contentOffset: k, index: &index)
            operations.append((id, origins.originLeft, origins.originRight))
        }
        #expect(tree.runsForTesting == [SequenceRun(first: ItemID(replica: 4, counter: 1), count: 500, originLeft: nil,
                                             originRight: nil, contentOffset: 0, isDeleted: false)])
        var remote = SequenceTree()
        var remoteIndex = ItemIndex()
        for (k, operation) in operations.enumerated() {
            let position = remote.integrate(first: operation.0, count: 1, originLeft: operation.1, originRight: operation.2,
                                            contentOffset: k, index: &remoteIndex, replicaKey: { UInt64($0) })
            #expect(position == k)
        }
        #expect(remote.runsForTesting == tree.runsForTesting)
        #expect(remote.invariantViolations(index: remoteIndex).isEmpty)
    }
}
