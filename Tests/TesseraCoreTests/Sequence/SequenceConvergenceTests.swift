import TesseraTestSupport
import Testing
@testable import TesseraCore

/// Randomized multi-replica tests: convergence of all copies and agreement with the naive reference
/// implementation of `integrateYjsMod` under random causal delivery orders.
@Suite("Sequence: randomized convergence")
struct SequenceConvergenceTests {
    /// Many seeds on tiny leaves/nodes, so that leaf splits, node splits and root growth happen
    /// constantly; every step is verified.
    @Test("Small trees, 300 seeds", arguments: 0..<300)
    func smallTrees(seed: Int) {
        var rng = SplitMix64(seed: UInt64(seed) &* 0x1234_5677 &+ 99)
        let configuration = SequenceSimulationConfiguration(
            seed: UInt64(seed), replicas: Int.random(in: 2...4, using: &rng), steps: 250,
            leafCapacity: Int.random(in: 5...8, using: &rng), nodeCapacity: Int.random(in: 4...5, using: &rng),
            checkEvery: 1)
        let outcome = runSequenceSimulation(configuration)
        #expect(outcome.problems.isEmpty, "seed \(seed) (\(configuration)): \(outcome.problems)")
        #expect(outcome.leaves > 1, "seed \(seed): expected leaf splits")
    }

    /// Half the replicas integrate what they receive without working out positions (as a
    /// history replayed without events does), then edit locally at positions: the trees'
    /// position caches and locate hints must hold across both.
    @Test("Small trees, replicas that work out no positions, 100 seeds", arguments: 0..<100)
    func silentReplicas(seed: Int) {
        var rng = SplitMix64(seed: UInt64(seed) &* 0x9E37_79B9 &+ 7)
        var configuration = SequenceSimulationConfiguration(
            seed: UInt64(seed) &+ 5000, replicas: Int.random(in: 2...4, using: &rng), steps: 250,
            leafCapacity: Int.random(in: 5...8, using: &rng), nodeCapacity: Int.random(in: 4...5, using: &rng),
            checkEvery: 1)
        configuration.silentReplicas = true
        let outcome = runSequenceSimulation(configuration)
        #expect(outcome.problems.isEmpty, "seed \(seed) (\(configuration)): \(outcome.problems)")
    }

    /// Fewer seeds with the production capacities and thousands of items per replica.
    @Test("Default capacities, thousands of items", arguments: 1000..<1012)
    func defaultTrees(seed: Int) {
        let configuration = SequenceSimulationConfiguration(
            seed: UInt64(seed), replicas: 3, steps: 2200,
            leafCapacity: SequenceTree.defaultLeafCapacity, nodeCapacity: SequenceTree.defaultNodeCapacity,
            checkEvery: 50)
        let outcome = runSequenceSimulation(configuration)
        #expect(outcome.problems.isEmpty, "seed \(seed): \(outcome.problems)")
        #expect(outcome.finalTotal > 2000, "seed \(seed): only \(outcome.finalTotal) items")
        #expect(outcome.leaves > 10, "seed \(seed): expected many leaf splits")
    }

    /// Guards the randomized tests' strength: the workload must actually reach the concurrent branches
    /// of the YjsMod scan (items scanned, scanning started, raw conflicts broken by replica key).
    @Test("Randomized workload reaches the concurrent scan branches")
    func workloadCoverage() {
        var statistics = SequenceScanStatistics()
        for seed in 0..<10 {
            let outcome = runSequenceSimulation(SequenceSimulationConfiguration(
                seed: UInt64(seed), replicas: 3, steps: 250, leafCapacity: 6, nodeCapacity: 4, checkEvery: 1000))
            #expect(outcome.problems.isEmpty, "seed \(seed): \(outcome.problems)")
            statistics = statistics + outcome.statistics
        }
        print("scan statistics over 10 seeds: \(statistics)")
        #expect(statistics.itemsScanned > 100)
        #expect(statistics.scanningStarted > 10)
        #expect(statistics.rawConflicts > 10)
    }
}
