import Benchmark
import Fixtures
import Peerbench
import TesseraCore

#if canImport(Glibc)
import Glibc
#endif

// Merge throughput: k replicas fork from one document, each makes n operations offline, then
// one replica merges the other k - 1 (`Document.merge`, which takes the changes the target
// lacks and applies them). k = 2, 4, 16; n = 10^3, 10^4, 10^5 shows how the cost grows with
// history size and with the number of concurrent writers.
//
// Maps: a 1,000-shape base (9,000 operations), each replica makes n W1-style property
// updates, so most registers end with k concurrent candidates. Text: a 1,000-scalar base,
// each replica makes n random single-scalar edits (70 % inserts), so runs interleave.
//
// `ops/s` = (k - 1) · n merged operations / measured time. The merging replica is decoded
// afresh (untimed) before every iteration so its storage is uniquely owned.

/// The replicas to merge and the merging replica's snapshot.
struct MergeFixture {
    var replicas: [Document]
    var targetSnapshot: [UInt8]

    init(_ replicas: [Document]) {
        self.replicas = replicas
        targetSnapshot = replicas[0].encodeSnapshot()
    }
}

func textReplicas(_ k: Int, operations: Int) -> [Document] {
    let base = Fixtures.textDocument(count: 1_000)
    return (0..<k).map { r in
        var fork = base
        if r > 0 { fork.document = base.document.fork(replica: Fixtures.replica(index: r)) }
        Fixtures.randomTextEdits(operations, on: &fork, seed: 100 &+ UInt64(r))
        return fork.document
    }
}

func environment(_ name: String) -> Bool { getenv(name) != nil }

/// (k, n) for maps. 10^6 operations per replica (k = 2 only: 2 · 10^6 operations of set-up
/// and a 1 GB-plus heap) runs when `TESSERA_BENCH_MILLION=1` is set.
let mapCases: [(Int, Int)] = {
    var cases = [1_000, 10_000, 100_000].flatMap { n in [2, 4, 16].map { ($0, n) } }
    if environment("TESSERA_BENCH_MILLION") { cases.append((2, 1_000_000)) }
    return cases
}()

/// (k, n) for text: the same grid as maps.
let textCases: [(Int, Int)] = [1_000, 10_000, 100_000].flatMap { n in [2, 4, 16].map { ($0, n) } }

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal, .peakMemoryResident, opsPerSecond],
        warmupIterations: 1,
        scalingFactor: .one,
        maxDuration: .seconds(1),
        maxIterations: 50
    )

    for (k, n) in mapCases {
        let iterations = n >= 1_000_000 ? 3 : (n >= 100_000 ? 5 : 50)
        Benchmark("Merge.map.k\(k).n\(n)", configuration: .init(warmupIterations: n >= 100_000 ? 0 : 1, maxIterations: iterations)) { benchmark, fixture in
            do {
                var target = try Fixtures.openForWriting(fixture.targetSnapshot, replica: Fixtures.replicaA)
                try measure(benchmark, operations: (k - 1) * n) {
                    for other in fixture.replicas.dropFirst() { try target.merge(other) }
                }
                blackHole(target)
            } catch {
                benchmark.error("\(error)")
            }
        } setup: {
            MergeFixture(Fixtures.divergentShapeReplicas(k, operations: n))
        }
    }

    for (k, n) in textCases {
        Benchmark("Merge.text.k\(k).n\(n)", configuration: .init(warmupIterations: n >= 100_000 ? 0 : 1, maxIterations: n >= 100_000 ? 5 : 50)) { benchmark, fixture in
            do {
                var target = try Fixtures.openForWriting(fixture.targetSnapshot, replica: Fixtures.replicaA)
                try measure(benchmark, operations: (k - 1) * n) {
                    for other in fixture.replicas.dropFirst() { try target.merge(other) }
                }
                blackHole(target)
            } catch {
                benchmark.error("\(error)")
            }
        } setup: {
            MergeFixture(textReplicas(k, operations: n))
        }
    }
}
