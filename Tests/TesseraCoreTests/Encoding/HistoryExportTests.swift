import Testing
import TesseraTestSupport
@testable import TesseraCore

/// ``DocumentCore/encodeHistory(since:into:)``, the export path that encodes a keystroke of a
/// run without building its ``Change``, must give the bytes of the change-by-change encoding
/// of ``Document/changes(since:)``, for every delta a peer may ask for.
@Suite("Exporting the history")
struct HistoryExportTests {
    /// The change-by-change encoding of what `document` has that `version` lacks.
    static func reference(_ document: Document, since version: VersionVector) -> [UInt8] {
        let core = document.historyCore
        return ChangeEncoder.encode(core.changeIndices(since: version).map(core.publicChange))
    }

    static func exported(_ document: Document, since version: VersionVector) -> [UInt8] {
        var encoder = ChangeEncoder()
        document.historyCore.encodeHistory(since: version, into: &encoder)
        return encoder.finish()
    }

    /// Three replicas typing, backspacing and forward deleting in one text and appending to a
    /// list (runs in the log), with other edits, two origins per replica and merges in between (so that a run's
    /// first keystroke may carry dependencies). Returns the merged document and the versions
    /// it passed through.
    static func typedDocument(seed: UInt64) throws -> (Document, [VersionVector]) {
        var rng = SplitMix64(seed: seed)
        let people: [Origin] = [.human("Ada"), .human("Grace"), .agent("Tessa", request: "r\(seed)", onBehalfOf: "Ada")]
        var docs = [Document(replica: ReplicaID(rawValue: 0xA1)!, origin: people[0])]
        let text = try docs[0].makeObject(.text, forKey: "text")
        let list = try docs[0].makeObject(.list, forKey: "list")
        try docs[0].insertText("hello world", at: 0, in: text)
        docs.append(docs[0].fork(replica: ReplicaID(rawValue: 0xB2)!))
        docs.append(docs[0].fork(replica: ReplicaID(rawValue: 0xC3)!))
        var versions: [VersionVector] = [VersionVector()]
        for round in 0..<12 {
            for i in docs.indices {
                docs[i].origin = round % 3 == 0 ? people[(i + 1) % people.count] : people[i]
                let length = try docs[i].count(of: text)
                var cursor = rng.below(length + 1)
                switch rng.below(7) {
                case 0, 1:  // typing at a cursor, one keystroke per change
                    for _ in 0..<(1 + rng.below(12)) {
                        try docs[i].insertText(["a", "b", " ", "é", "🙂"][rng.below(5)], at: cursor, in: text)
                        cursor += 1
                    }
                case 2:  // backspacing
                    for _ in 0..<min(cursor, 1 + rng.below(6)) {
                        try docs[i].remove(at: cursor - 1, count: 1, in: text)
                        cursor -= 1
                    }
                case 3:  // forward deleting
                    for _ in 0..<min(length - cursor, 1 + rng.below(6)) { try docs[i].remove(at: cursor, count: 1, in: text) }
                case 4:  // appending to a list, a value per change (a run of list inserts)
                    for k in 0..<(1 + rng.below(5)) { try docs[i].append(.int(Int64(k)), to: list) }
                case 5:  // anything else, several operations in one change
                    try docs[i].transact { doc in
                        try doc.set("k\(rng.below(3))", to: .int(Int64(rng.below(100))))
                        try doc.insert(.string("m\(round)"), at: 0, in: list)
                        try doc.insertText("xy", at: 0, in: text)
                    }
                default:  // map writes only: sets of every kind of value, a nested map, deletes
                    try docs[i].transact { doc in
                        let shape = try doc.makeObject(.map, forKey: "s\(rng.below(4))")
                        try doc.set("x", to: .double(Double(rng.below(1000)) / 4), in: shape)
                        try doc.set("fill", to: .string("#\(rng.below(50))"), in: shape)
                        try doc.set("k\(rng.below(3))", to: rng.below(2) == 0 ? .bool(true) : .null)
                        if rng.below(2) == 0 { try doc.delete("k\(rng.below(3))") }
                    }
                    if rng.below(2) == 0 { try docs[i].delete("s\(rng.below(4))") }
                }
            }
            let a = rng.below(docs.count)
            let b = rng.below(docs.count)
            if a != b { try docs[b].merge(docs[a]) }
            versions.append(docs[rng.below(docs.count)].version)
        }
        for i in docs.indices where i != 0 { try docs[0].merge(docs[i]) }
        versions.append(docs[0].version)
        return (docs[0], versions)
    }

    @Test("gives the change-by-change bytes, from every version", arguments: [1, 2, 3, 4, 5, 6] as [UInt64])
    func sameBytes(seed: UInt64) throws {
        let (document, versions) = try Self.typedDocument(seed: seed)
        // The log must hold runs, or the fast path was not exercised.
        #expect(document.withState { core in core.changes.contains { $0.run > 1 && core.ops[Int($0.opStart)].kind == .insertText } })
        #expect(document.withState { core in core.changes.contains { $0.run > 1 && core.ops[Int($0.opStart)].kind == .remove } })
        #expect(document.withState { core in core.changes.contains { $0.run > 1 && core.ops[Int($0.opStart)].kind == .insert } })
        for version in versions {
            #expect(Self.exported(document, since: version) == Self.reference(document, since: version))
        }
        // Versions that end inside a run: the delta starts with the run's later keystrokes.
        var rng = SplitMix64(seed: seed ^ 0x5EED)
        let ids = document.changes().map(\.startCounter)
        for _ in 0..<8 {
            var version = VersionVector()
            for replica in [0xA1, 0xB2, 0xC3] as [UInt64] {
                version[ReplicaID(rawValue: replica)!] = ids.isEmpty ? 0 : ids[rng.below(ids.count)]
            }
            #expect(Self.exported(document, since: version) == Self.reference(document, since: version))
        }
    }

    @Test("what the public exports write decodes to the same history")
    func roundTrip() throws {
        let (document, versions) = try Self.typedDocument(seed: 7)
        var opened = try Document(decoding: document.encodeSnapshot(), loading: .replayHistory)
        #expect(opened.history == document.history)
        #expect(opened.materialize() == document.materialize())
        let middle = versions[versions.count / 2]
        var partial = Document(replica: ReplicaID(rawValue: 0xD4)!)
        try partial.apply(encoded: document.encodeChanges(since: VersionVector()))
        #expect(partial.history == document.history)
        opened = try Document(decoding: document.encodeChanges(since: VersionVector()))
        #expect(opened.history == document.history)
        #expect(try Change.decode(document.encodeChanges(since: middle)) == document.changes(since: middle))
    }

    @Test("strings equal only as Swift compares them (canonically) keep their own bytes")
    func canonicalEquivalents() throws {
        var document = Document(replica: ReplicaID(rawValue: 0xE1)!)
        let forms = ["\u{E9}", "e\u{301}", "\u{E9}", "e\u{301}"]
        for (i, form) in forms.enumerated() { try document.set("v\(i)", to: .string(form)) }
        for loading in [SnapshotLoading.replayHistory, .materializedState] {
            let opened = try Document(decoding: document.encodeSnapshot(), loading: loading)
            for (i, form) in forms.enumerated() {
                guard case .string(let read)? = try opened.get("v\(i)") else {
                    Issue.record("v\(i) is not a string")
                    continue
                }
                #expect(Array(read.utf8) == Array(form.utf8), "v\(i), \(loading)")
            }
        }
    }
}
