import TesseraTestSupport
import Testing
import TesseraCore

/// CRDT laws under random histories: replicas that have seen the same changes have equal
/// state, whatever the delivery order, duplication or delay.
@Suite("Convergence")
struct ConvergenceTests {
    /// One random local edit on `doc`.
    static func randomEdit(_ doc: inout Document, _ rng: inout SplitMix64) throws {
        try RandomEdits.randomEdit(&doc, &rng)
    }

    /// Delivers a random, shuffled, partly duplicated subset of `from`'s history to `to`,
    /// in random chunks, so changes routinely arrive before their dependencies.
    static func deliver(from: Document, to: inout Document, all: Bool, _ rng: inout SplitMix64) throws {
        var changes = from.changes()
        if !all { changes = changes.filter { _ in rng.chance(60) } }
        changes += changes.filter { _ in rng.chance(20) }  // duplicates
        changes.shuffle(using: &rng)
        while !changes.isEmpty {
            let n = 1 + rng.below(changes.count)
            try to.apply(Array(changes.prefix(n)))
            changes.removeFirst(n)
        }
    }

    static func runHistory(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        let replicaCount = 3 + rng.below(3)
        var base = Document(replica: ReplicaID(rawValue: 1000 + seed &* 7 + 1)!, origin: .human("r0"))
        try base.makeObject(.text, forKey: "t")
        try base.makeObject(.list, forKey: "l")
        var docs = (0..<replicaCount).map { i in
            var d = base.fork(replica: ReplicaID(rawValue: (seed &* 31 &+ UInt64(i) &+ 1) | 1 << 40)!)
            d.origin = .human("r\(i)")
            return d
        }
        let rounds = 6 + rng.below(10)
        for _ in 0..<rounds {
            for i in docs.indices {
                for _ in 0..<(1 + rng.below(4)) {
                    if rng.chance(8) { try docs[i].undo() } else if rng.chance(3) { try docs[i].redo() } else {
                        let edits = 1 + rng.below(3)
                        try docs[i].transact { doc in
                            for _ in 0..<edits { try randomEdit(&doc, &rng) }
                        }
                    }
                }
            }
            // Random partial gossip.
            for _ in 0..<rng.below(replicaCount + 1) {
                let a = rng.below(replicaCount)
                let b = rng.below(replicaCount)
                guard a != b else { continue }
                let source = docs[a]
                try deliver(from: source, to: &docs[b], all: false, &rng)
            }
        }
        // Final: everyone gets everything, in random order.
        for a in docs.indices {
            for b in docs.indices where a != b {
                let source = docs[a]
                try deliver(from: source, to: &docs[b], all: true, &rng)
            }
        }
        let expected = docs[0].materialize()
        for (i, doc) in docs.enumerated() {
            #expect(doc.pendingChangeCount == 0, "seed \(seed): replica \(i) still has pending changes")
            #expect(doc.version == docs[0].version, "seed \(seed): replica \(i) version differs")
            let same = doc.materialize() == expected
            #expect(same, "seed \(seed): replica \(i) diverged")
        }
        // Idempotence: re-applying everything changes nothing.
        var again = docs[1]
        try again.apply(docs[0].changes())
        let unchanged = again.materialize() == expected
        #expect(unchanged, "seed \(seed): re-applying changed the state")
    }

    @Test("random histories on 3–5 replicas converge", arguments: 0..<10)
    func randomHistories(batch: Int) throws {
        for seed in UInt64(batch * 50)..<UInt64(batch * 50 + 50) {
            try Self.runHistory(seed: seed)
        }
    }

    @Test("merge is commutative, associative and idempotent")
    func mergeLaws() throws {
        for seed in UInt64(0)..<40 {
            var rng = SplitMix64(seed: seed)
            var a = Document(replica: ReplicaID(rawValue: 11)!)
            var b = a.fork(replica: ReplicaID(rawValue: 22)!)
            var c = a.fork(replica: ReplicaID(rawValue: 33)!)
            for _ in 0..<20 {
                try Self.randomEdit(&a, &rng)
                try Self.randomEdit(&b, &rng)
                try Self.randomEdit(&c, &rng)
            }
            var ab = a; try ab.merge(b)
            var ba = b; try ba.merge(a)
            let commutes = ab.materialize() == ba.materialize()
            #expect(commutes, "seed \(seed)")
            var abc1 = ab; try abc1.merge(c)
            var bc = b; try bc.merge(c)
            var abc2 = a; try abc2.merge(bc)
            let associates = abc1.materialize() == abc2.materialize()
            #expect(associates, "seed \(seed)")
            let before = abc1.materialize()
            try abc1.merge(abc2)
            try abc1.merge(a)
            let idempotent = abc1.materialize() == before
            #expect(idempotent, "seed \(seed)")
        }
    }
}
