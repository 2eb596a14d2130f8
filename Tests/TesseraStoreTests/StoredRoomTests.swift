import TesseraTestSupport
import Foundation
import Testing
import TesseraCore
import TesseraStore
import TesseraSync

@Suite("Stored relay rooms")
struct StoredRoomTests {
    @Test("envelopes are persisted before integrate returns, deduplicated, and reloaded in order")
    func persistAndReload() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("tessera.sqlite")
        var ada = Document(origin: .human("Ada"))
        try ada.set("title", to: "Plan")
        try ada.set("owner", to: "Ada")
        var grace = ada.fork()
        try grace.set("status", to: "draft")
        let all = try ChangeEnvelope.envelopes(for: grace.changes(), sealedWith: nil)
        let expectedVersion: VersionVector
        do {
            let store = try SQLiteStore(path: path)
            let record = try store.createRoom("plan", accessTokenHash: AccessToken("t").digest, isSealed: false)
            #expect(try store.createRoom("plan", accessTokenHash: nil, isSealed: true) == record)   // first creation wins
            var room = try store.openRoom(record)
            try room.integrate(Array(all.prefix(2)))
            try room.integrate(all)                       // duplicates ignored
            expectedVersion = room.version
            #expect(expectedVersion == grace.version)
            try store.close()
        }
        let store = try SQLiteStore(path: path)
        let record = try #require(try store.room("plan"))
        #expect(AccessToken("t").matches(digest: try #require(record.accessTokenHash)))
        #expect(!record.isSealed)
        let room = try store.openRoom(record)
        #expect(room.version == expectedVersion)
        #expect(room.envelopes.count == all.count)
        // A late joiner gets exactly what it lacks, by header.
        let delta = try room.envelopes(missingFrom: ada.version, byteLimit: .max)
        #expect(delta.map(\.header) == all.suffix(all.count - ada.changes().count).map(\.header))
        try store.close()
    }

    @Test("a contradicting envelope is refused and nothing of its batch is stored")
    func contradictionsAreAtomic() throws {
        let store = try SQLiteStore.inMemory()
        let record = try store.createRoom("plan", accessTokenHash: nil, isSealed: false)
        var room = try store.openRoom(record)
        var ada = Document(origin: .human("Ada"))
        try ada.set("a", to: 1)
        let first = try ChangeEnvelope.envelopes(for: ada.changes(), sealedWith: nil)
        try room.integrate(first)
        var forged = first[0]
        forged.header.dependencies = [OpID(replica: try #require(ReplicaID(rawValue: 99)), counter: 1)]
        var other = Document(origin: .human("Grace"))
        try other.set("b", to: 2)
        let innocent = try ChangeEnvelope.envelopes(for: other.changes(), sealedWith: nil)
        #expect(throws: EnvelopeError.self) { try room.integrate(innocent + [forged]) }
        #expect(room.version == ada.version)
        #expect(try store.openRoom(record).envelopes.count == 1)
    }

    @Test("a sealed room's envelopes are stored as ciphertext only")
    func sealedRoomStoresCiphertext() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("tessera.sqlite")
        let key = RoomKey(secret: RoomSecret(), documentID: "plan")
        let marker = "confidential-\(UUID().uuidString)"
        var ada = Document(origin: .human("Ada"))
        try ada.set("title", to: .string(marker))
        let envelopes = try ChangeEnvelope.envelopes(for: ada.changes(), sealedWith: key)
        do {
            let store = try SQLiteStore(path: path)
            var room = try store.openRoom(try store.createRoom("plan", accessTokenHash: nil, isSealed: true))
            try room.integrate(envelopes)
            try store.close()
        }
        var bytes: [UInt8] = []
        for suffix in ["", "-wal"] {
            if let data = FileManager.default.contents(atPath: path + suffix) { bytes += Array(data) }
        }
        #expect(!bytes.isEmpty)
        #expect(!bytes.contains(bytes: Array(marker.utf8)))
        // The content is there — it opens with the key — and only with the key.
        let store = try SQLiteStore(path: path)
        let room = try store.openRoom(try #require(try store.room("plan")))
        let changes = try room.envelopes.allEnvelopes.flatMap { try $0.open(with: key) }
        var copy = Document()
        try copy.apply(changes)
        #expect(copy.materialize() == ada.materialize())
        #expect(throws: EnvelopeError.self) { try room.envelopes.allEnvelopes[0].open(with: nil) }
        try store.close()
    }
}
