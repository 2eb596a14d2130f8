import TesseraTestSupport
import Foundation
import Testing
import TesseraCore
import TesseraStore
import TesseraSync

@Suite("Stored documents")
struct StoredDocumentTests {
    @Test("reopening restores the document and its own replica ID; later edits continue its counters")
    func reopenRestoresDocumentAndReplica() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("tessera.sqlite")
        let replica: ReplicaID
        let expected: Document
        do {
            let store = try SQLiteStore(path: path)
            let stored = try store.document("plan")
            var document = try stored.load(origin: .human("Ada"))
            #expect(document.replica == stored.replica)
            let title = try document.makeObject(.text, forKey: "title")
            try document.insertText("Sprint plan", at: 0, in: title)
            try document.set("owner", to: "Ada")
            #expect(try stored.save(document) == 3)
            #expect(try stored.save(document) == 0)   // nothing new
            replica = stored.replica
            expected = document
            try store.close()
        }
        let store = try SQLiteStore(path: path)
        let stored = try store.document("plan")
        #expect(stored.replica == replica)
        var document = try stored.load(origin: .human("Ada"))
        #expect(document.replica == replica)
        #expect(document.materialize() == expected.materialize())
        #expect(document.version == expected.version)
        // The next change continues the replica's counters: no counter is reused.
        try document.set("status", to: "draft")
        let next = document.changes(since: expected.version)
        #expect(next.count == 1)
        #expect(next.first?.startCounter == expected.version[replica] + 1)
        #expect(try stored.save(document) == 1)
        #expect(try store.documentIDs() == ["plan"])
        // Another document in the same store gets its own replica ID.
        #expect(try store.document("other").replica != replica)
        try store.close()
    }

    @Test("a second process (or handle) cannot open a store that is in use")
    func storeIsLockedWhileOpen() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("tessera.sqlite")
        let store = try SQLiteStore(path: path)
        #expect(throws: StoreError.locked(path: path + "-lock")) { try SQLiteStore(path: path) }
        try store.close()
        #expect(throws: StoreError.closed) { try store.documentIDs() }
        let reopened = try SQLiteStore(path: path)
        try reopened.close()
    }

    @Test("compaction folds saved changes into a snapshot in the background, atomically, and loading is unchanged")
    func compactionInBackground() async throws {
        let directory = TemporaryDirectory()
        let path = directory.file("tessera.sqlite")
        let store = try SQLiteStore(path: path)
        let stored = try store.document("plan", compaction: CompactionPolicy(threshold: 10))
        var document = try stored.load()
        let list = try document.makeObject(.list, forKey: "items")
        try stored.save(document)
        for value in 0..<25 {
            try document.append(.int(Int64(value)), to: list)
            try stored.save(document)
            await stored.waitForCompaction()
        }
        await stored.waitForCompaction()
        #expect(stored.lastCompactionError == nil)
        // 26 rows were written; compactions left fewer than the threshold behind.
        #expect(stored.unsnapshottedChangeCount < 10)
        try store.close()

        let reopened = try SQLiteStore(path: path)
        let again = try reopened.document("plan")
        #expect(again.unsnapshottedChangeCount < 10)
        let loaded = try again.load()
        #expect(loaded.materialize() == document.materialize())
        #expect(loaded.version == document.version)
        #expect(try loaded.count(of: list) == 25)
        try reopened.close()
    }

    @Test("an explicit compaction keeps rows the snapshot does not cover, and never goes back to an older snapshot")
    func explicitCompaction() throws {
        let store = try SQLiteStore.inMemory()
        let stored = try store.document("plan", compaction: .manual)
        var document = try stored.load()
        try document.set("a", to: 1)
        try stored.save(document)
        let older = document
        try document.set("b", to: 2)
        try stored.save(document)
        try stored.compact(older)            // covers the first change only
        #expect(stored.unsnapshottedChangeCount == 1)
        try stored.compact(document)
        #expect(stored.unsnapshottedChangeCount == 0)
        try stored.compact(older)            // an older snapshot is not written
        #expect(try stored.load().materialize() == document.materialize())
    }

    @Test("a durable source saves what it integrates and what it is about to send")
    func persistentSourceSavesBeforeAckAndSend() throws {
        let store = try SQLiteStore.inMemory()
        let stored = try store.document("plan")
        let shared = SharedDocument(try stored.load(origin: .human("Ada")))
        var source = PersistentDocumentSource(shared, stored: stored)

        // A local edit that nobody saved yet is saved before it leaves.
        try shared.transact { try $0.set("title", to: "Plan") }
        #expect(!stored.savedVersion.dominates(shared.document.version))
        let outgoing = try source.envelopes(missingFrom: VersionVector(), byteLimit: .max)
        #expect(outgoing.count == 1)
        #expect(stored.savedVersion.dominates(shared.document.version))

        // A remote change is saved before integrate returns (and so before the session acks).
        var remote = Document(origin: .human("Grace"))
        try remote.set("owner", to: "Grace")
        let envelopes = try ChangeEnvelope.envelopes(for: remote.changes(), sealedWith: nil)
        try source.integrate(envelopes)
        #expect(stored.savedVersion[remote.replica] == remote.version[remote.replica])
        #expect(try stored.load().materialize() == shared.document.materialize())
    }
}
