import Testing
import TesseraTestSupport
@testable import TesseraCore

/// Snapshots opened with ``SnapshotLoading/lazyState`` (the default): the envelope and CRC are
/// checked at once, the payload is decoded on first use, copies share that decoding, writers
/// take it over, and a payload that passes the CRC but does not decode fails closed.
@Suite("Lazily opened snapshots")
struct LazySnapshotTests {
    static let dave = MaterializedSnapshotTests.dave

    @Test("opening checks the envelope and CRC only; the first read decodes, once, for every copy")
    func decodesOnFirstUse() throws {
        let original = try MaterializedSnapshotTests.randomDocument(seed: 3)
        let bytes = original.encodeSnapshot()
        let opened = try Document(decoding: bytes, replica: Self.dave)
        let snapshot = try #require(opened.unopened)
        #expect(!snapshot.hasDecoded)
        #expect(opened.replica == Self.dave && !snapshot.hasDecoded, "the replica is known without decoding")
        #expect(opened.encodeSnapshot() == bytes && !snapshot.hasDecoded, "re-encoding an unread document hands back its bytes")
        let copy = opened
        #expect(copy.materialize() == original.materialize())
        #expect(snapshot.hasDecoded && opened.unopened === copy.unopened, "copies share one decoding")
        #expect(opened.version == original.version && opened.changes() == original.changes())

        // Any corruption of the bytes is caught at open by the CRC, before any decoding.
        for position in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 97)) {
            var corrupt = bytes
            corrupt[position] ^= 0x20
            #expect(throws: EncodingError.self) { try Document(decoding: corrupt) }
        }
        #expect(throws: EncodingError.self) { try Document(decoding: Array(bytes.dropLast())) }
    }

    /// Every public reader's answers, for comparing a lazily opened document with an eager one.
    static func readings(_ doc: Document) throws -> [String] {
        var lines = ["\(doc.version)", "\(doc.frontier)", "\(doc.lamport)", "\(doc.pendingChangeCount)",
                     "\(doc.changeCount) \(doc.operationCount)", "\(doc.nextOperationID)",
                     "\(doc.changes().count)", "\(doc.encodeChanges(since: VersionVector()).count)",
                     "\(String(describing: doc.historyError)) \(String(describing: doc.loadError))"]
        for (object, kind) in reachableObjects(doc) {
            lines.append("\(object) \(String(describing: doc.kind(of: object))) \(doc.contains(object)) \(String(describing: doc.path(to: object)))")
            lines.append("count \(try doc.count(of: object))")
            switch kind {
            case .map:
                lines.append("keys \(try doc.keys(in: object)) entries \(try doc.entries(in: object).map { "\($0.key)=\($0.value)" })")
                var seen: [String] = []
                try doc.forEachEntry(in: object) { key, _ in seen.append(key) }
                lines.append("each \(seen.sorted())")
                for key in try doc.keys(in: object) {
                    lines.append("\(key): \(String(describing: try doc.get(key, in: object))) \(try doc.conflicts(key, in: object))")
                    lines.append("  \(try doc.conflictingWrites(key, in: object)) \(String(describing: try doc.writer(of: key, in: object)))")
                }
            case .list, .text:
                let count = try doc.count(of: object)
                if kind == .list {
                    lines.append("list \(try doc.list(object))")
                    if count > 0 { lines.append("first \(try doc.element(at: 0, in: object))") }
                } else {
                    lines.append("text \(try doc.text(object)) \(try doc.utf16Offset(ofScalarOffset: count, in: object)) \(try doc.utf8Offset(ofScalarOffset: count, in: object))")
                    lines.append("scalar \(try doc.scalarOffset(ofUTF16Offset: 0, in: object))")
                }
                if count > 0 {
                    let id = try doc.elementID(at: count - 1, in: object)
                    lines.append("last \(id) \(String(describing: try doc.index(of: id, in: object))) \(String(describing: doc.lamport(of: id)))")
                    lines.append("  \(String(describing: doc.origin(of: id))) \(String(describing: doc.change(containing: id)?.startCounter))")
                }
            case .counter:
                lines.append("counter \(try doc.counterValue(object))")
            }
        }
        return lines
    }

    @Test("every reader answers a lazily opened document as it answers an eager one", arguments: 0..<8)
    func readersSeeTheSnapshot(seed: UInt64) throws {
        let original = try MaterializedSnapshotTests.randomDocument(seed: seed)
        let bytes = original.encodeSnapshot()
        let eager = try Document(decoding: bytes, replica: Self.dave, loading: .materializedState)
        let lazy = try Document(decoding: bytes, replica: Self.dave)
        #expect(lazy.unopened != nil && eager.unopened == nil)
        #expect(try Self.readings(lazy) == Self.readings(eager))
        // Compared as values: a dictionary's description depends on its storage, not only its content.
        #expect(lazy.materialize() == eager.materialize())
        #expect(lazy.materialize() == original.materialize())
    }

    @Test("a writer takes the decoded document over; other copies keep the snapshot")
    func writersTakeOver() throws {
        var original = try MaterializedSnapshotTests.randomDocument(seed: 11)
        let bytes = original.encodeSnapshot()
        let reader = try Document(decoding: bytes, replica: Self.dave)
        var writer = reader
        try writer.set("after", to: "lazy")
        #expect(writer.unopened == nil && reader.unopened != nil)
        #expect(reader.materialize() == original.materialize(), "the reader is unchanged")
        #expect(try writer.get("after") == .string("lazy"))

        // A sole owner moves the decoded document out instead of copying it.
        var alone = try Document(decoding: bytes, replica: Self.dave)
        _ = alone.materialize()
        try alone.set("after", to: "lazy")
        #expect(alone.materialize() == writer.materialize())

        // Both converge with the original as any replica would.
        try original.merge(writer)
        try writer.merge(original)
        #expect(writer.materialize() == original.materialize())
        var forked = try Document(decoding: bytes).fork(replica: Self.dave)
        try forked.merge(original)
        #expect(forked.materialize() == original.materialize())
    }

    @Test("concurrent first reads decode once and agree")
    func concurrentFirstReads() async throws {
        let original = try MaterializedSnapshotTests.randomDocument(seed: 5)
        let opened = try Document(decoding: original.encodeSnapshot(), replica: Self.dave)
        let expected = original.materialize()
        let results = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 { group.addTask { opened.materialize() == expected } }
            var all: [Bool] = []
            for await result in group { all.append(result) }
            return all
        }
        #expect(results == Array(repeating: true, count: 8))
    }

    @Test("a payload that passes the CRC but does not decode fails closed", arguments: [false, true])
    func failsClosed(deflated: Bool) throws {
        // Garbage where the payload should be, under a valid CRC: flags 2 (state) or 3 (deflated + state).
        let garbage: [UInt8] = [0x05, 0xFF, 0xFF, 0x13, 0x37, 0x00, 0x42, 0x99]
        let bytes = rawContainer(kind: 2, flags: deflated ? 3 : 2, stored: garbage, rawLength: deflated ? 64 : nil)
        #expect(throws: EncodingError.self) { try Document(decoding: bytes, loading: .materializedState) }
        #expect(throws: EncodingError.self) { try Document(decoding: bytes, loading: .replayHistory) }

        var document = try Document(decoding: bytes, replica: Self.dave)
        #expect(document.materialize() == .map([:]), "nothing decoded, nothing shown")
        let error = try #require(document.loadError)
        #expect(throws: DocumentError.notLoaded(error)) { try document.set("x", to: 1) }
        #expect(throws: DocumentError.notLoaded(error)) {
            try document.transact { (doc: inout Document) throws(DocumentError) in try doc.set("x", to: 1) }
        }
        let other = try MaterializedSnapshotTests.randomDocument(seed: 1)
        #expect(throws: DocumentError.notLoaded(error)) { try document.apply(other.changes()) }
        #expect(throws: DocumentError.notLoaded(error)) { try document.merge(other) }
        #expect(document.changeCount == 0 && document.changes().isEmpty)
        #expect(document.encodeSnapshot() == bytes, "what was stored is handed back, not an empty document")
        #expect(document.loadError == error)
    }
}
