import Benchmark
import Fixtures
import Peerbench
import TesseraCanvas
import TesseraCore

// Local edits: LWW map writes, list and text inserts/deletes, canvas shapes.
//
// Every iteration performs 1,000 edits (`scalingFactor: .kilo`), so wall clock, CPU time and
// mallocs are per edit and throughput is edits per second. Each family runs on documents of
// 10^3, 10^4 and 10^5 elements to show how the cost grows with document size.
//
// Documents are value types with copy-on-write storage. A benchmark that starts each
// iteration from the same fixture first makes one untimed edit of the same kind, so the
// copy-on-write copy of the fixture's storage is not part of the measurement; one that keeps
// editing the same document across iterations says so.

/// A document that lives across iterations (its growth per iteration is bounded by `maxIterations`).
final class Box<T>: @unchecked Sendable {
    // Only the benchmark's own thread touches the value, one iteration at a time.
    var value: T
    init(_ value: T) { self.value = value }
}

let sizes = [1_000, 10_000, 100_000]
let editsPerIteration = 1_000

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal, .peakMemoryResident],
        warmupIterations: 1,
        scalingFactor: .kilo,
        maxDuration: .seconds(1),
        maxIterations: 200
    )

    // MARK: Maps (LWW registers)

    for n in sizes {
        // One `set` per shape property, each its own (implicit) transaction, on a document of
        // n shapes (9n operations). The document persists: register writes do not grow the
        // state, only the history.
        Benchmark("Map.set.shapes\(n)") { benchmark, box in
            let writes = box.value.writes
            benchmark.startMeasurement()
            do {
                for write in writes {
                    try box.value.fixture.document.set(write.key, to: write.value, in: box.value.fixture.handles[write.shape])
                }
            } catch {
                benchmark.error("\(error)")
            }
            benchmark.stopMeasurement()
        } setup: {
            Box((fixture: Fixtures.shapeDocument(shapes: n),
                 writes: Fixtures.updates(editsPerIteration, shapeCount: n, seed: 1)))
        }
    }

    // The same writes through the W1 path: one explicit `transact` per write (records events).
    Benchmark("Map.set.transact.shapes10000") { benchmark, box in
        let writes = box.value.writes
        benchmark.startMeasurement()
        do {
            for write in writes {
                let shape = box.value.fixture.handles[write.shape]
                try box.value.fixture.document.transact { (doc: inout Document) throws(DocumentError) in
                    try doc.set(write.key, to: write.value, in: shape)
                }
            }
        } catch {
            benchmark.error("\(error)")
        }
        benchmark.stopMeasurement()
    } setup: {
        Box((fixture: Fixtures.shapeDocument(shapes: 10_000), writes: Fixtures.updates(editsPerIteration, shapeCount: 10_000, seed: 2)))
    }

    // Creating a shape: a nested map plus 8 properties in one transaction (9 operations).
    Benchmark("Map.createShape.shapes10000", configuration: .init(maxIterations: 50)) { benchmark, box in
        var rng = SplitMix64(seed: UInt64(box.value.created))
        let creates = (0..<editsPerIteration).map { ShapeVocabulary.create(&rng, index: box.value.created + $0) }
        let shapes = box.value.fixture.shapes
        benchmark.startMeasurement()
        do {
            for case .create(let id, let fields) in creates {
                try box.value.fixture.document.transact { (doc: inout Document) throws(DocumentError) in
                    let shape = try doc.makeObject(.map, forKey: id, in: shapes)
                    for field in fields { try doc.set(field.key, to: field.value.value, in: shape) }
                }
            }
        } catch {
            benchmark.error("\(error)")
        }
        benchmark.stopMeasurement()
        box.value.created += editsPerIteration
    } setup: {
        Box((fixture: Fixtures.shapeDocument(shapes: 10_000), created: 10_000))
    }

    // MARK: Lists

    for n in sizes {
        Benchmark("List.insert.random.n\(n)") { benchmark, fixture in
            var rng = SplitMix64(seed: 11)
            var doc = fixture.document
            do {
                try doc.insert(.string("touch"), at: 0, in: fixture.object)
                var count = n + 1
                let positions = (0..<editsPerIteration).map { i in rng.below(count + i + 1) }
                benchmark.startMeasurement()
                for position in positions {
                    try doc.insert(.string("new item"), at: position, in: fixture.object)
                }
                benchmark.stopMeasurement()
                count += editsPerIteration
                blackHole(count)
            } catch {
                benchmark.error("\(error)")
            }
        } setup: {
            Fixtures.listDocument(count: n)
        }

        Benchmark("List.remove.random.n\(n)") { benchmark, fixture in
            removeAtRandom(benchmark, fixture, size: n, seed: 12)
        } setup: {
            Fixtures.listDocument(count: n + editsPerIteration)
        }
    }

    // Chat-style appends at the end of a list.
    Benchmark("List.append.n10000") { benchmark, fixture in
        var doc = fixture.document
        do {
            try doc.append(.string("touch"), to: fixture.object)
            benchmark.startMeasurement()
            for i in 0..<editsPerIteration {
                try doc.append(.string("message \(i)"), to: fixture.object)
            }
            benchmark.stopMeasurement()
        } catch {
            benchmark.error("\(error)")
        }
    } setup: {
        Fixtures.listDocument(count: 10_000)
    }

    // MARK: Text

    for n in sizes {
        // Typing: 1,000 single-scalar inserts at an advancing cursor (one transaction each).
        Benchmark("Text.insert.typing.n\(n)") { benchmark, fixture in
            var rng = SplitMix64(seed: 21)
            var doc = fixture.document
            do {
                var cursor = rng.below(n)
                try doc.insertText("t", at: cursor, in: fixture.object)
                cursor += 1
                benchmark.startMeasurement()
                for i in 0..<editsPerIteration {
                    try doc.insertText(i % 6 == 5 ? " " : "a", at: cursor, in: fixture.object)
                    cursor += 1
                }
                benchmark.stopMeasurement()
            } catch {
                benchmark.error("\(error)")
            }
        } setup: {
            Fixtures.textDocument(count: n)
        }

        // Inserts at random positions.
        Benchmark("Text.insert.random.n\(n)") { benchmark, fixture in
            var rng = SplitMix64(seed: 22)
            var doc = fixture.document
            do {
                try doc.insertText("t", at: 0, in: fixture.object)
                let positions = (0..<editsPerIteration).map { i in rng.below(n + 2 + i) }
                benchmark.startMeasurement()
                for position in positions {
                    try doc.insertText("x", at: position, in: fixture.object)
                }
                benchmark.stopMeasurement()
            } catch {
                benchmark.error("\(error)")
            }
        } setup: {
            Fixtures.textDocument(count: n)
        }

        // Deletes of single scalars at random positions.
        Benchmark("Text.delete.random.n\(n)") { benchmark, fixture in
            removeAtRandom(benchmark, fixture, size: n, seed: 23)
        } setup: {
            Fixtures.textDocument(count: n + editsPerIteration)
        }
    }

    // Backspace: 1,000 deletes of the scalar before a retreating cursor.
    Benchmark("Text.delete.backspace.n10000") { benchmark, fixture in
        var doc = fixture.document
        do {
            var cursor = 6_000
            try doc.remove(at: cursor - 1, count: 1, in: fixture.object)
            cursor -= 1
            benchmark.startMeasurement()
            for _ in 0..<editsPerIteration {
                try doc.remove(at: cursor - 1, count: 1, in: fixture.object)
                cursor -= 1
            }
            benchmark.stopMeasurement()
        } catch {
            benchmark.error("\(error)")
        }
    } setup: {
        Fixtures.textDocument(count: 10_000)
    }

    // MARK: Canvas (the typed layer on top of maps)

    Benchmark("Canvas.addShape.shapes1000", configuration: .init(maxIterations: 50)) { benchmark, box in
        var rng = SplitMix64(seed: 31)
        let frames = (0..<editsPerIteration).map { _ in
            (ShapeVocabulary.coord(&rng), ShapeVocabulary.coord(&rng), ShapeVocabulary.size(&rng), ShapeVocabulary.size(&rng))
        }
        benchmark.startMeasurement()
        do {
            for (x, y, w, h) in frames {
                box.value.ids.append(try box.value.board.addShape(Shape.rectangle(x: x, y: y, w: w, h: h, text: "box")))
            }
        } catch {
            benchmark.error("\(error)")
        }
        benchmark.stopMeasurement()
    } setup: {
        try BoardFixture.make()
    }

    Benchmark("Canvas.moveShape.shapes1000") { benchmark, box in
        var rng = SplitMix64(seed: 32)
        let ids = box.value.ids
        let moves = (0..<editsPerIteration).map { _ in
            (ids[rng.below(ids.count)], ShapeVocabulary.coord(&rng), ShapeVocabulary.coord(&rng))
        }
        benchmark.startMeasurement()
        do {
            for (id, x, y) in moves {
                try box.value.board.update(id) { shape in
                    shape.x = x
                    shape.y = y
                }
            }
        } catch {
            benchmark.error("\(error)")
        }
        benchmark.stopMeasurement()
    } setup: {
        try BoardFixture.make()
    }
}

/// A board of 1,000 ellipses.
struct BoardFixture {
    var board: Board
    var ids: [ShapeID]

    static func make() throws -> Box<BoardFixture> {
        var board = Board(replica: Fixtures.replicaA)
        var ids: [ShapeID] = []
        var rng = SplitMix64(seed: 30)
        for _ in 0..<1_000 {
            ids.append(try board.addShape(Shape.ellipse(x: ShapeVocabulary.coord(&rng), y: ShapeVocabulary.coord(&rng), w: 40, h: 40)))
        }
        return Box(BoardFixture(board: board, ids: ids))
    }
}

/// Removes `editsPerIteration` single elements at random positions of a fixture of
/// `size + editsPerIteration` elements (after one untimed removal that unshares its storage).
func removeAtRandom(_ benchmark: Benchmark, _ fixture: SequenceDocument, size: Int, seed: UInt64) {
    var rng = SplitMix64(seed: seed)
    var doc = fixture.document
    do {
        try doc.remove(at: 0, count: 1, in: fixture.object)
        let start = size + editsPerIteration - 1
        let positions = (0..<editsPerIteration).map { i in rng.below(start - i) }
        benchmark.startMeasurement()
        for position in positions {
            try doc.remove(at: position, count: 1, in: fixture.object)
        }
        benchmark.stopMeasurement()
    } catch {
        benchmark.error("\(error)")
    }
}
