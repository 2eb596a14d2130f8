import TesseraTestSupport
import Foundation
import GRDB
import Testing
import TesseraCore
import TesseraStore
import TesseraSync

/// A store file is input like any other: damaged rows must give typed errors, never a trap.
@Suite("Corrupt store files")
struct CorruptionTests {
    /// Makes a store with one saved document and one relay room, then runs `damage` on the
    /// raw database (with GRDB, as another program could) and reopens it.
    private func damagedStore(_ damage: String) throws -> (TemporaryDirectory, SQLiteStore) {
        let directory = TemporaryDirectory()
        let path = directory.file("tessera.sqlite")
        do {
            let store = try SQLiteStore(path: path)
            let stored = try store.document("plan", compaction: .manual)
            var document = try stored.load()
            try document.set("title", to: "Plan")
            try stored.save(document)
            try document.set("owner", to: "Ada")
            try stored.save(document)
            try stored.compact(document)
            try document.set("status", to: "draft")
            try stored.save(document)
            let record = try store.createRoom("plan", accessTokenHash: nil, isSealed: false)
            var room = try store.openRoom(record)
            try room.integrate(try ChangeEnvelope.envelopes(for: document.changes(), sealedWith: nil))
            try store.close()
        }
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in try db.execute(sql: damage) }
        try queue.close()
        return (directory, try SQLiteStore(path: path))
    }

    @Test(
        "damaged rows are typed errors",
        arguments: [
            ("UPDATE change SET bytes = x'00010203'", "change"),
            ("UPDATE change SET bytes = 'text, not a blob'", "change"),
            ("UPDATE snapshot SET bytes = substr(bytes, 1, 10)", "snapshot"),
            ("UPDATE snapshot SET version = x'ff'", "snapshot"),
            // A snapshot container with a valid CRC around a payload that does not decode
            // (the document opens lazily; the store decodes it before handing it out).
            ("UPDATE snapshot SET bytes = x'895453520102026c06b2180805ffff1337004299'", "snapshot"),
            ("UPDATE change SET replica = 0", "change"),
        ])
    func damagedDocumentRows(damage: String, table: String) throws {
        let (directory, store) = try damagedStore(damage)
        defer { try? store.close(); _ = directory }
        do {
            let stored = try store.document("plan")
            _ = try stored.load()
            Issue.record("loading a damaged \(table) row succeeded")
        } catch {
            guard case .corruptRow(let found, _, _) = error else {
                Issue.record("expected corruptRow, got \(error)")
                return
            }
            #expect(found == table)
        }
    }

    @Test("a zero replica ID in the document table is a typed error")
    func zeroReplica() throws {
        let (directory, store) = try damagedStore("UPDATE document SET replica = 0")
        defer { try? store.close(); _ = directory }
        #expect(throws: StoreError.self) { try store.document("plan") }
    }

    @Test("a damaged relay envelope is a typed error")
    func damagedEnvelope() throws {
        let (directory, store) = try damagedStore("UPDATE envelope SET bytes = x'01' || bytes WHERE seq = (SELECT MIN(seq) FROM envelope)")
        defer { try? store.close(); _ = directory }
        let record = try #require(try store.room("plan"))
        #expect {
            try store.openRoom(record)
        } throws: { error in
            guard case StoreError.corruptRow(let table, _, _) = error else { return false }
            return table == "envelope"
        }
    }
}
