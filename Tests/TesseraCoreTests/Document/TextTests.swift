import Testing
import TesseraCore

@Suite("Text and lists")
struct TextTests {
    @Test("replaying the automerge-paper trace reproduces its endContent")
    func automergePaperTrace() throws {
        let trace = try EditingTrace.automergePaper()
        var doc = Document(replica: ReplicaID(rawValue: 0x2F1A_3B4C_5D6E_7F81)!)
        let text = try doc.makeObject(.text, forKey: "text")
        for txn in trace.transactions {
            try doc.transact { doc in
                for patch in txn {
                    if patch.deleted > 0 { try doc.remove(at: patch.position, count: patch.deleted, in: text) }
                    if !patch.inserted.isEmpty { try doc.insertText(patch.inserted, at: patch.position, in: text) }
                }
            }
        }
        let result = try doc.text(text)
        #expect(result.unicodeScalars.count == 104_852)
        #expect(result == trace.endContent)

        // A replica that receives the whole history reaches the same text.
        var remote = Document(replica: ReplicaID(rawValue: 0x5E6D_7C8B_9AA9_B8C7)!)
        try remote.apply(doc.changes())
        #expect(try remote.text(text) == trace.endContent)
    }

    @Test("concurrent typing at one position does not interleave", arguments: [false, true])
    func nonInterleaving(reverseIDs: Bool) throws {
        var a = Document(replica: ReplicaID(rawValue: reverseIDs ? 9 : 1)!)
        let text = try a.makeObject(.text, forKey: "t")
        try a.insertText("[]", at: 0, in: text)
        var b = a.fork(replica: ReplicaID(rawValue: reverseIDs ? 1 : 9)!)
        // Each character is its own transaction, as when typing.
        for (i, c) in "alpha".enumerated() { try a.insertText(String(c), at: 1 + i, in: text) }
        for (i, c) in "BRAVO".enumerated() { try b.insertText(String(c), at: 1 + i, in: text) }
        try a.merge(b)
        try b.merge(a)
        let merged = try a.text(text)
        #expect(merged == (try b.text(text)))
        #expect(merged == "[alphaBRAVO]" || merged == "[BRAVOalpha]")
    }

    @Test("concurrent runs typed backwards (prepending) do not interleave")
    func nonInterleavingPrepend() throws {
        var a = Document(replica: ReplicaID(rawValue: 3)!)
        let text = try a.makeObject(.text, forKey: "t")
        try a.insertText("|", at: 0, in: text)
        var b = a.fork(replica: ReplicaID(rawValue: 4)!)
        for c in "abc".reversed() { try a.insertText(String(c), at: 0, in: text) }
        for c in "XYZ".reversed() { try b.insertText(String(c), at: 0, in: text) }
        try a.merge(b)
        try b.merge(a)
        let merged = try a.text(text)
        #expect(merged == (try b.text(text)))
        #expect(merged == "abcXYZ|" || merged == "XYZabc|")
    }

    @Test("list operations and events")
    func listEvents() throws {
        var a = Document(replica: ReplicaID(rawValue: 5)!)
        let list = try a.makeObject(.list, forKey: "l")
        try a.insert(contentsOf: [1, 2, 3], at: 0, in: list)
        var b = a.fork(replica: ReplicaID(rawValue: 6)!)
        try a.remove(at: 1, in: list)
        let commit = try b.transact { try $0.insert(contentsOf: [10, 11], at: 3, in: list) }
        #expect(commit.events == [.listInsert(object: list, index: 3, values: [10, 11])])
        let events = try b.merge(a)
        #expect(events.events == [.listRemove(object: list, index: 1, count: 1)])
        try a.merge(b)
        #expect(try a.list(list) == [1, 3, 10, 11])
        #expect(try b.list(list) == [1, 3, 10, 11])
        #expect(try a.element(at: 2, in: list) == 10)
    }

    @Test("scalar, UTF-16 and UTF-8 offsets")
    func offsets() throws {
        var doc = Document()
        let text = try doc.makeObject(.text, forKey: "t")
        try doc.insertText("a🙂é", at: 0, in: text)
        #expect(try doc.count(of: text) == 3)
        #expect(try doc.utf16Offset(ofScalarOffset: 2, in: text) == 3)
        #expect(try doc.scalarOffset(ofUTF16Offset: 3, in: text) == 2)
        #expect(try doc.utf8Offset(ofScalarOffset: 3, in: text) == 7)
        #expect(throws: DocumentError.self) { try doc.scalarOffset(ofUTF16Offset: 2, in: text) }
        #expect(throws: DocumentError.indexOutOfBounds(index: 4, count: 3)) { try doc.insertText("x", at: 4, in: text) }
    }
}
