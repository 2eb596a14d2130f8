import Testing
@testable import TesseraCore
import TesseraTestSupport

/// Changes received from elsewhere share log records when they form runs (typing,
/// backspacing, forward deleting); every reader of the log must still see each change as it
/// was made.
@Suite("Runs of changes in the log")
struct ChangeRunTests {
    static let author = ReplicaID(rawValue: 0xA11CE)!
    static let reader = ReplicaID(rawValue: 0xB0B)!

    /// A text and a list edited one keystroke per change: typing, backspacing, forward
    /// deleting, typing in the middle, plus multi-op changes and a change with a dependency.
    static func keystrokes() throws -> (Document, text: ObjectID, list: ObjectID) {
        var doc = Document(replica: author, origin: Origin(actor: .human, name: "ada"))
        let text = try doc.makeObject(.text, forKey: "text")
        let list = try doc.makeObject(.list, forKey: "list")
        for (i, c) in "hello brave new world".enumerated() { try doc.insertText(String(c), at: i, in: text) }
        for _ in 0..<6 { try doc.remove(at: try doc.count(of: text) - 1, count: 1, in: text) }  // backspace "world" and " "
        for _ in 0..<3 { try doc.remove(at: 6, count: 1, in: text) }  // forward delete "bra"
        for (i, c) in "XYZ".enumerated() { try doc.insertText(String(c), at: 2 + i, in: text) }
        for i in 0..<5 { try doc.insert(.int(Int64(i)), at: i, in: list) }
        for _ in 0..<2 { try doc.remove(at: 0, count: 1, in: list) }
        try doc.transact { doc in
            try doc.insertText("!!", at: 0, in: text)
            try doc.set("k", to: .int(1))
        }
        // A concurrent edit merged in gives the next change a dependency.
        var other = doc.fork(replica: ReplicaID(rawValue: 0xC0C0)!)
        try other.insertText("@", at: 0, in: text)
        try doc.merge(other)
        for (i, c) in "end".enumerated() { try doc.insertText(String(c), at: 1 + i, in: text) }
        try doc.transact(origin: Origin(actor: .agent, name: "bot", request: "r1")) { doc in
            for (i, c) in "ai".enumerated() { try doc.insertText(String(c), at: 5 + i, in: text) }
        }
        for (i, c) in "ai".enumerated() {
            try doc.transact(origin: Origin(actor: .agent, name: "bot", request: "r2")) { doc in
                try doc.insertText(String(c), at: 9 + i, in: text)
            }
        }
        return (doc, text, list)
    }

    @Test("a replayed history is stored in runs and read back change by change")
    func replayKeepsChanges() throws {
        let (source, text, list) = try Self.keystrokes()
        var replica = Document(replica: Self.reader)
        try replica.apply(source.changes())
        #expect(try replica.text(text) == (try source.text(text)))
        #expect(try replica.list(list) == (try source.list(list)))

        let records = replica.withState { $0.changes.count }
        #expect(records < source.changeCount / 3, "typing, backspacing and deleting runs share records")
        #expect(replica.changeCount == source.changeCount)
        #expect(replica.operationCount == source.operationCount)
        #expect(replica.history == source.history)

        // Every version, including ones inside a run, gives the same delta.
        for change in source.history {
            var version = VersionVector()
            for earlier in source.history.prefix(while: { $0 != change }) { version[earlier.replica] = earlier.lastID.counter }
            #expect(replica.changes(since: version) == source.changes(since: version))
        }
        // Each element's change, Lamport time and author.
        for change in source.history {
            for counter in change.counters {
                let id = OpID(replica: change.replica, counter: counter)
                #expect(replica.change(containing: id) == change)
                #expect(replica.lamport(of: id) == source.lamport(of: id))
                #expect(replica.origin(of: id) == change.origin)
            }
        }
    }

    @Test("a run received in pieces continues where the last piece ended")
    func piecewise() throws {
        let (source, text, _) = try Self.keystrokes()
        var replica = Document(replica: Self.reader)
        for change in source.history { try replica.apply([change]) }
        #expect(replica.history == source.history)
        #expect(try replica.text(text) == (try source.text(text)))
        #expect(replica.withState { $0.changes.count } < source.changeCount / 3)
        // And a third replica syncing from the second one gets the original changes.
        var third = Document(replica: ReplicaID(rawValue: 0x7777)!)
        try third.apply(encoded: replica.encodeChanges(since: VersionVector()))
        #expect(third.history == source.history)
    }

    @Test("a snapshot's history loads in runs")
    func snapshotHistory() throws {
        let (source, text, _) = try Self.keystrokes()
        let opened = try Document(decoding: source.encodeSnapshot(), replica: Self.reader)
        #expect(opened.history == source.history)
        var edited = opened
        try edited.insertText("?", at: 0, in: text)
        #expect(edited.withState { $0.changes.count } < source.changeCount / 3)
        #expect(Array(edited.history.dropLast()) == source.history)
    }

    @Test("reverting changes stored in runs restores the text")
    func revertRuns() throws {
        var doc = Document(replica: Self.author, origin: Origin(actor: .human, name: "ada"))
        let text = try doc.makeObject(.text, forKey: "text")
        try doc.insertText("base text", at: 0, in: text)
        let bot = Origin(actor: .agent, name: "bot", request: "r")
        var ai = doc.fork(replica: ReplicaID(rawValue: 0xA1)!)
        ai.origin = bot
        for (i, c) in "typed ".enumerated() { try ai.insertText(String(c), at: i, in: text) }
        for _ in 0..<4 { try ai.remove(at: try ai.count(of: text) - 1, count: 1, in: text) }  // backspace "text"
        for _ in 0..<2 { try ai.remove(at: 6, count: 1, in: text) }  // forward delete "ba"
        #expect(try ai.text(text) == "typed se ")

        try doc.merge(ai)
        #expect(try doc.text(text) == "typed se ")
        #expect(doc.withState { $0.changes.contains { $0.run > 1 } })
        try doc.revert(where: { $0.request == "r" })
        #expect(try doc.text(text) == "base text")
    }

    @Test("changes that break a run start a new record")
    func runBoundaries() throws {
        var doc = Document(replica: Self.author)
        let text = try doc.makeObject(.text, forKey: "text")
        try doc.insertText("ab", at: 0, in: text)           // one change of width 2
        try doc.insertText("c", at: 2, in: text)
        try doc.insertText("d", at: 3, in: text)            // run of 2
        try doc.insertText("e", at: 0, in: text)            // not after the run's last element
        try doc.remove(at: 0, count: 1, in: text)
        try doc.remove(at: 1, count: 1, in: text)           // removes "b": not next to "e" by ID
        var replica = Document(replica: Self.reader)
        try replica.apply(doc.changes())
        #expect(replica.history == doc.history)
        let runs = replica.withState { core in core.changes.map(\.run) }
        #expect(runs == [1, 1, 2, 1, 1, 1])
    }

    @Test("a run whose dependency is missing waits as the changes it came as")
    func runWaits() throws {
        var doc = Document(replica: Self.author)
        let text = try doc.makeObject(.text, forKey: "text")
        var other = doc.fork(replica: ReplicaID(rawValue: 0xC0C0)!)
        try other.insertText("@", at: 0, in: text)
        try doc.merge(other)
        for (i, c) in "typed".enumerated() { try doc.insertText(String(c), at: 1 + i, in: text) }
        let all = doc.history
        let missing = all.firstIndex { $0.replica == other.replica }!
        var replica = Document(replica: Self.reader)
        var rest = all
        let held = rest.remove(at: missing)
        try replica.apply(rest)
        #expect(replica.pendingChangeCount == rest.count - missing, "the run after the missing change waits, one change each")
        try replica.apply([held])
        #expect(replica.pendingChangeCount == 0)
        #expect(replica.history == all)
        #expect(try replica.text(text) == "@typed")
    }

    @Test("overlapping copies of a run in one batch are applied once")
    func overlappingRuns() throws {
        let (source, text, _) = try Self.keystrokes()
        let all = source.history
        var replica = Document(replica: Self.reader)
        try replica.apply(Array(all[..<12]) + Array(all[5..<30]) + Array(all[20...]))
        #expect(replica.history == all)
        #expect(try replica.text(text) == (try source.text(text)))
    }

    @Test("encoded runs that repeat counters the document or the payload has are applied once")
    func overlappingEncodedRuns() throws {
        let (source, text, _) = try Self.keystrokes()
        let all = source.history
        // The document has part of a typing run; the payload repeats it, then repeats itself.
        var replica = Document(replica: Self.reader)
        try replica.apply(Array(all[..<8]))
        try replica.apply(encoded: Change.encode(Array(all[..<30]) + Array(all[5..<40]) + Array(all[20...])))
        #expect(replica.history == all)
        #expect(try replica.text(text) == (try source.text(text)))
        #expect(replica.withState { $0.changes.count } < source.changeCount / 3)
    }

    @Test("an invalid change inside a run rejects the whole batch")
    func invalidInsideRun() throws {
        let (source, text, _) = try Self.keystrokes()
        var all = source.history
        // Change 7 (typing) now inserts after an element that does not exist.
        guard case .insertText(_, let before, let typed) = all[7].operations[0].action else {
            Issue.record("change 7 is not typing")
            return
        }
        all[7].operations[0].action = .insertText(after: OpID(replica: Self.author, counter: 9_999), before: before, text: typed)
        var replica = Document(replica: Self.reader)
        #expect(throws: DocumentError.self) { try replica.apply(all) }
        #expect(replica.changeCount == 0)
        #expect(replica.withState { $0.ops.isEmpty })
        try replica.apply(source.history)
        #expect(try replica.text(text) == (try source.text(text)))
    }

    @Test("the events of an applied run replay to the same text")
    func runEvents() throws {
        let (source, text, _) = try Self.keystrokes()
        var replica = Document(replica: Self.reader)
        let events = try replica.apply(source.history)
        var mirror: [Unicode.Scalar] = []
        for event in events.events {
            switch event {
            case .textInsert(let object, let index, let inserted) where object == text:
                mirror.insert(contentsOf: inserted.unicodeScalars, at: index)
            case .textRemove(let object, let index, let count) where object == text:
                mirror.removeSubrange(index..<(index + count))
            default:
                break
            }
        }
        #expect(String(String.UnicodeScalarView(mirror)) == (try source.text(text)))
    }

    /// Every change of `bytes`, decoded with typing read in bulk and the runs expanded.
    static func decodedJoined(_ bytes: [UInt8]) throws -> [Change] {
        let (changes, runs) = try ChangeDecoder.decodeJoined(try Container.decode(bytes))
        return zip(changes, runs ?? Array(repeating: .single, count: changes.count)).flatMap { JoinedChanges.expand($0, run: $1) }
    }

    @Test("typing read in bulk decodes to the same changes")
    func bulkDecoding() throws {
        let (source, text, _) = try Self.keystrokes()
        // Non-ASCII typing and a typed run into a list are left to the change-by-change path.
        var doc = source
        for (i, c) in "naïve ☕ typing".enumerated() { try doc.insertText(String(c), at: i, in: text) }
        let bytes = doc.encodeChanges(since: VersionVector(), compression: .none)
        let (_, runs) = try ChangeDecoder.decodeJoined(try Container.decode(bytes))
        #expect(runs?.contains { $0.count > 1 } == true, "the typing is read in bulk")
        #expect(try Self.decodedJoined(bytes) == (try Change.decode(bytes)))

        let trace = try EditingTrace.automergePaper()
        var typed = Document(replica: Self.author)
        let traceText = try typed.makeObject(.text, forKey: "text")
        for txn in trace.transactions.prefix(20_000) {
            try typed.transact { doc in
                for patch in txn {
                    if patch.deleted > 0 { try doc.remove(at: patch.position, count: patch.deleted, in: traceText) }
                    if !patch.inserted.isEmpty { try doc.insertText(patch.inserted, at: patch.position, in: traceText) }
                }
            }
        }
        let traceBytes = typed.encodeChanges(since: VersionVector())
        #expect(try Self.decodedJoined(traceBytes) == (try Change.decode(traceBytes)))
        var replica = Document(replica: Self.reader)
        try replica.apply(encoded: traceBytes)
        #expect(replica.history == typed.history)
        #expect(try replica.text(traceText) == (try typed.text(traceText)))
    }

    @Test("corrupted typing is rejected by the bulk path exactly when by the exact decoder")
    func bulkDecodingCorrupted() throws {
        let (source, _, _) = try Self.keystrokes()
        var typed = source
        let text = try typed.makeObject(.text, forKey: "typed")
        for (i, c) in "typed at the end".enumerated() { try typed.insertText(String(c), at: i, in: text) }
        for (i, c) in "in the middle ".enumerated() { try typed.insertText(String(c), at: 6 + i, in: text) }
        // Keystrokes of their own, read as keystrokes too: removes elsewhere, one at a time,
        // a backspace run after one, a forward delete run, and a keystroke typed elsewhere.
        try typed.remove(at: 3, count: 1, in: text)
        try typed.remove(at: 20, count: 1, in: text)
        for i in 0..<3 { try typed.remove(at: 18 - i, count: 1, in: text) }
        for _ in 0..<3 { try typed.remove(at: 8, count: 1, in: text) }
        try typed.insertText("!", at: 2, in: text)
        let runs = try ChangeDecoder.decodeJoined(Container.decode(typed.encodeChanges(since: VersionVector()))).runs ?? []
        #expect(runs.filter { $0.count > 1 }.count >= 3, "the payload has typing read in bulk")
        let payload = try EditablePayload(container: typed.encodeChanges(since: VersionVector(), compression: .none)).payload()
        var rng = SplitMix64(seed: 7)
        for trial in 0..<4_000 {
            var corrupted = payload
            let position = rng.below(corrupted.count)
            corrupted[position] = trial % 3 == 0 ? corrupted[position] ^ 1 : UInt8(rng.below(256))
            let container = try Container.decode(Container.encode(kind: .changes, payload: corrupted, compression: .none))
            let exact = Result { () throws(EncodingError) in try ChangeDecoder.decode(container) }
            let joined = Result { () throws(EncodingError) in try ChangeDecoder.decodeJoined(container) }
            switch (exact, joined) {
            case (.success(let changes), .success(let (joinedChanges, runs))):
                let expanded = zip(joinedChanges, runs ?? Array(repeating: .single, count: joinedChanges.count))
                    .flatMap { JoinedChanges.expand($0, run: $1) }
                #expect(expanded == changes, "trial \(trial)")
            case (.failure(let a), .failure(let b)):
                #expect(a == b, "trial \(trial)")
            default:
                Issue.record("trial \(trial): exact \(exact), bulk \(joined)")
            }
        }
    }

    /// Found by the corrupted-typing trials: two removes whose targets are the lowest and the
    /// highest counter looked next to each other once the difference wrapped around, and
    /// counting the targets of a run that ends at the highest counter (from its lowest) trapped.
    @Test("removes whose targets are next to each other only by wrapping around are not joined")
    func wrappingRemoveTargets() throws {
        var writer = Document(replica: Self.author)
        let text = try writer.makeObject(.text, forKey: "text")
        try writer.insertText("ab", at: 0, in: text)
        var changes = writer.changes()
        let last = changes.last!
        for (k, counter) in [UInt64(0), .max, .max - 1].enumerated() {
            changes.append(Change(
                replica: Self.author, startCounter: last.startCounter + 2 + UInt64(k), startLamport: last.startLamport + 2 + UInt64(k),
                dependencies: [], origin: last.origin, timestamp: last.timestamp,
                operations: [Operation(object: text, action: .remove(first: OpID(replica: Self.author, counter: counter), count: 1))]))
        }
        let bytes = Change.encode(changes)
        #expect(try Self.decodedJoined(bytes) == (try Change.decode(bytes)))
        var reader = Document(replica: Self.reader)
        #expect(throws: (any Error).self) { try reader.apply(changes) }
        #expect(throws: (any Error).self) { try reader.apply(encoded: bytes) }
    }

    @Test("local keystrokes share records and still undo one at a time")
    func localRunsUndo() throws {
        var doc = Document(replica: Self.author)
        let text = try doc.makeObject(.text, forKey: "text")
        for (i, c) in "hello".enumerated() { try doc.insertText(String(c), at: i, in: text) }
        for _ in 0..<2 { try doc.remove(at: try doc.count(of: text) - 1, count: 1, in: text) }  // "hel"
        #expect(doc.withState { $0.changes.map(\.run) } == [1, 5, 2])
        try doc.undo()
        #expect(try doc.text(text) == "hell")
        try doc.undo()
        #expect(try doc.text(text) == "hello")
        try doc.undo()
        #expect(try doc.text(text) == "hell")
        try doc.redo()
        #expect(try doc.text(text) == "hello")
        try doc.undo()
        try doc.undo()
        try doc.undo()
        #expect(try doc.text(text) == "he")
        for _ in 0..<2 { try doc.undo() }
        #expect(try doc.text(text) == "")
        for _ in 0..<5 { try doc.redo() }
        #expect(try doc.text(text) == "hello")

        // The history is still one change per keystroke, and a replica agrees.
        var replica = Document(replica: Self.reader)
        try replica.apply(encoded: doc.encodeChanges(since: VersionVector()))
        #expect(replica.history == doc.history)
        #expect(try replica.text(text) == "hello")
    }

    @Test("grouped local keystrokes undo as one step")
    func localRunsGroupedUndo() throws {
        var doc = Document(replica: Self.author)
        doc.undoGroupingInterval = 60_000
        let text = try doc.makeObject(.text, forKey: "text")
        doc.stopUndoGrouping()
        for (i, c) in "typed".enumerated() { try doc.insertText(String(c), at: i, in: text) }
        doc.stopUndoGrouping()
        for (i, c) in " more".enumerated() { try doc.insertText(String(c), at: 5 + i, in: text) }
        #expect(doc.withState { $0.changes.count } == 2, "one record for the map, one run for all the typing")
        try doc.undo()
        #expect(try doc.text(text) == "typed")
        try doc.undo()
        #expect(try doc.text(text) == "")
        try doc.redo()
        #expect(try doc.text(text) == "typed")
    }
}
