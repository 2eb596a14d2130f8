import Benchmark
import Fixtures
import Peerbench
import TesseraCore

// Encoding and decoding: full snapshots, deltas since a version, and applying a remote delta.
//
// Shape documents hold S shapes (9 operations each) and 10·S property updates, so
// 19·S operations: S = 100, 1,000, 10,000 gives about 1.9k, 19k and 190k operations (the
// last is W1's size). Text documents hold n random single-scalar edits on top of a
// 1,000-scalar text. Next to wall clock and mallocs, `ops/s` is the document's (or delta's)
// operation count divided by the measured time, and `bytes` the encoded size.

let encodedBytes = BenchmarkMetric.custom("bytes", polarity: .prefersSmaller, useScalingFactor: false)

/// A shape document after its updates, its fork version and the delta since then.
struct ShapeFixture {
    var base: Document
    var document: Document
    var operations: Int
    var deltaOperations: Int
    var snapshot: [UInt8]
    var delta: [UInt8]
    var baseSnapshot: [UInt8]

    init(shapes: Int) {
        var fixture = Fixtures.shapeDocument(shapes: shapes)
        base = fixture.document
        baseSnapshot = base.encodeSnapshot()
        let fork = base.version
        Fixtures.apply(Fixtures.updates(10 * shapes, shapeCount: shapes, seed: 5), to: &fixture)
        document = fixture.document
        operations = document.operationCount
        deltaOperations = 10 * shapes
        snapshot = document.encodeSnapshot()
        delta = document.encodeChanges(since: fork)
    }
}

/// A text document after random edits, its fork version and the delta since then.
struct TextFixture {
    var base: Document
    var document: Document
    var operations: Int
    var deltaOperations: Int
    var snapshot: [UInt8]
    var delta: [UInt8]
    var baseSnapshot: [UInt8]

    init(edits: Int) {
        var fixture = Fixtures.textDocument(count: 1_000)
        base = fixture.document
        baseSnapshot = base.encodeSnapshot()
        let fork = base.version
        Fixtures.randomTextEdits(edits, on: &fixture, seed: 9)
        document = fixture.document
        operations = document.operationCount
        deltaOperations = edits
        snapshot = document.encodeSnapshot()
        delta = document.encodeChanges(since: fork)
    }
}

let shapeSizes = [100, 1_000, 10_000]
/// Text sizes (random single-scalar edits on a 1,000-scalar text).
let textSizes = [1_000, 10_000, 100_000]

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal, .peakMemoryResident, opsPerSecond, encodedBytes],
        warmupIterations: 1,
        scalingFactor: .one,
        maxDuration: .seconds(1),
        maxIterations: 100
    )

    for s in shapeSizes {
        let ops = 19 * s
        Benchmark("Encode.snapshot.shapes.ops\(ops)") { benchmark, fixture in
            let bytes = measure(benchmark, operations: fixture.operations) { fixture.document.encodeSnapshot() }
            benchmark.measurement(encodedBytes, bytes.count)
        } setup: { ShapeFixture(shapes: s) }

        Benchmark("Decode.snapshot.shapes.ops\(ops)") { benchmark, fixture in
            do {
                // Decoded at open (`.materializedState`); the default lazy open only checks the
                // CRC and leaves this work to the first read (PeerWorkloads times both).
                let document = try measure(benchmark, operations: fixture.operations) {
                    try Document(decoding: fixture.snapshot, replica: Fixtures.replicaB, loading: .materializedState)
                }
                blackHole(document)
            } catch {
                benchmark.error("\(error)")
            }
        } setup: { ShapeFixture(shapes: s) }

        Benchmark("Encode.delta.shapes.ops\(10 * s)") { benchmark, fixture in
            let fork = fixture.base.version
            let bytes = measure(benchmark, operations: fixture.deltaOperations) { fixture.document.encodeChanges(since: fork) }
            benchmark.measurement(encodedBytes, bytes.count)
        } setup: { ShapeFixture(shapes: s) }

        // Decoding alone (bytes → changes, no document).
        Benchmark("Decode.delta.shapes.ops\(10 * s)") { benchmark, fixture in
            do {
                let changes = try measure(benchmark, operations: fixture.deltaOperations) { try Change.decode(fixture.delta) }
                blackHole(changes)
            } catch {
                benchmark.error("\(error)")
            }
        } setup: { ShapeFixture(shapes: s) }

        // A remote delta applied to a replica at the fork version (freshly decoded, untimed,
        // each iteration so it is uniquely owned).
        Benchmark("Apply.delta.shapes.ops\(10 * s)") { benchmark, fixture in
            do {
                var replica = try Fixtures.openForWriting(fixture.baseSnapshot, replica: Fixtures.replicaB)
                let events = try measure(benchmark, operations: fixture.deltaOperations) { try replica.apply(encoded: fixture.delta) }
                blackHole(events)
            } catch {
                benchmark.error("\(error)")
            }
        } setup: { ShapeFixture(shapes: s) }
    }

    for n in textSizes {
        Benchmark("Encode.snapshot.text.edits\(n)") { benchmark, fixture in
            let bytes = measure(benchmark, operations: fixture.operations) { fixture.document.encodeSnapshot() }
            benchmark.measurement(encodedBytes, bytes.count)
        } setup: { TextFixture(edits: n) }

        Benchmark("Decode.snapshot.text.edits\(n)", configuration: .init(maxIterations: 20)) { benchmark, fixture in
            do {
                // Decoded at open (`.materializedState`); the default lazy open only checks the
                // CRC and leaves this work to the first read (PeerWorkloads times both).
                let document = try measure(benchmark, operations: fixture.operations) {
                    try Document(decoding: fixture.snapshot, replica: Fixtures.replicaB, loading: .materializedState)
                }
                blackHole(document)
            } catch {
                benchmark.error("\(error)")
            }
        } setup: { TextFixture(edits: n) }

        Benchmark("Apply.delta.text.edits\(n)", configuration: .init(maxIterations: 20)) { benchmark, fixture in
            do {
                var replica = try Fixtures.openForWriting(fixture.baseSnapshot, replica: Fixtures.replicaB)
                let events = try measure(benchmark, operations: fixture.deltaOperations) { try replica.apply(encoded: fixture.delta) }
                blackHole(events)
            } catch {
                benchmark.error("\(error)")
            }
        } setup: { TextFixture(edits: n) }
    }
}
