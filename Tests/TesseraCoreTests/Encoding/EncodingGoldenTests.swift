import Foundation
import Testing
@testable import TesseraCore

/// Committed encodings that pin the format: decoding them must give the expected content,
/// and re-encoding what they decode to must give the same bytes. An accidental format change
/// fails here; an intended one bumps the format version and adds new golden files.
///
/// Regenerate (only for an intended change) with
/// `TESSERA_UPDATE_GOLDEN=1 swift test --filter EncodingGoldenTests/regenerate`.
@Suite("Golden encodings")
struct EncodingGoldenTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    static func load(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: directory.appendingPathComponent(name)))
    }

    static let alice = EncodingFixtures.alice
    static let bob = EncodingFixtures.bob

    @Test(.enabled(if: ProcessInfo.processInfo.environment["TESSERA_UPDATE_GOLDEN"] == "1"))
    func regenerate() throws {
        let (document, _) = try EncodingFixtures.sample()
        let files: [(String, [UInt8])] = [
            ("sample-snapshot.tessera", Container.encode(kind: .snapshot, payload: ChangeEncoder.encode(document.history), compression: .none)),
            ("sample-snapshot-deflated.tessera", Container.encode(kind: .snapshot, payload: ChangeEncoder.encode(document.history))),
            ("sample-snapshot-state.tessera", document.encodeSnapshot(compression: .none)),
            ("sample-delta.tessera", try EncodingFixtures.sampleDelta(compression: .none)),
            ("sample-version.tessera", document.version.encoded()),
        ]
        try FileManager.default.createDirectory(at: Self.directory, withIntermediateDirectories: true)
        for (name, bytes) in files { try Data(bytes).write(to: Self.directory.appendingPathComponent(name)) }
    }

    @Test("the snapshots (history only, and with materialised state) decode to the sample document",
          arguments: ["sample-snapshot.tessera", "sample-snapshot-state.tessera"])
    func snapshotContent(file: String) throws {
        let bytes = try Self.load(file)
        let document = try Document(decoding: bytes)
        #expect(document.withState({ $0.deferred }) == nil || file == "sample-snapshot-state.tessera")
        #expect(document.version == VersionVector([Self.alice: 52, Self.bob: 5]))
        #expect(document.changeCount == 9)
        let shapes = try #require(try document.get("shapes")?.objectID)
        let shape = try #require(try document.get("s00001", in: shapes)?.objectID)
        #expect(try document.get("kind", in: shape) == "rectangle")
        #expect(try document.conflicts("x", in: shape) == [100.25, 200.5])
        #expect(try document.get("y", in: shape) == .double(0.1 + 0.2))
        #expect(try document.get("z", in: shape) == 7)
        #expect(try document.get("thumb", in: shape) == .bytes([0, 1, 2, 255]))
        #expect(try document.get("weight", in: shape) == -12.5)
        #expect(try document.get("note", in: shape) == nil)
        #expect(try document.get("locked", in: shape) == false)
        let title = try #require(try document.get("title")?.objectID)
        #expect(try document.text(title) == "tessera notes!")
        let likes = try #require(try document.get("likes")?.objectID)
        #expect(try document.counterValue(likes) == 13)
        let chat = try #require(try document.get("chat")?.objectID)
        let list = try document.list(chat)
        #expect(list.count == 3)
        #expect(list.prefix(2) == ["hello", 1.5])
        let message = try #require(list.last?.objectID)
        #expect(try document.text(#require(try document.get("body", in: message)?.objectID)) == "Héllo 🙂 wörld")
        let changes = document.changes()
        #expect(changes.map(\.timestamp) == (0..<9).map { 1_700_000_000_000 + Int64($0) * 1_250 })
        #expect(changes.filter { $0.replica == Self.bob }.map(\.origin) == [.agent("Claude", request: "req-1", onBehalfOf: "Ada")])
        #expect(changes.filter { $0.replica == Self.alice }.allSatisfy { $0.origin == .human("Ada") })
    }

    @Test("the delta holds what Alice lacked before the merge and completes her copy")
    func deltaContent() throws {
        let delta = try Change.decode(Self.load("sample-delta.tessera"))
        #expect(delta.map(\.replica) == [Self.bob, Self.alice])
        #expect(delta.map(\.origin) == [.agent("Claude", request: "req-1", onBehalfOf: "Ada"), .human("Ada")])
        #expect(delta.map(\.operations.count) == [5, 1])
        #expect(delta.last?.dependencies == [OpID(replica: Self.bob, counter: 5)])
        let full = try Document(decoding: Self.load("sample-snapshot.tessera"))
        var alice = Document(replica: Self.alice)
        try alice.apply(full.changes().filter { $0.replica == Self.alice }.dropLast())
        #expect(alice.materialize() != full.materialize())
        try alice.apply(encoded: Self.load("sample-delta.tessera"))
        #expect(alice.materialize() == full.materialize())
        #expect(alice.version == full.version)
    }

    @Test("the version vector decodes")
    func versionContent() throws {
        #expect(try VersionVector(decoding: Self.load("sample-version.tessera")) == VersionVector([Self.alice: 52, Self.bob: 5]))
    }

    @Test("re-encoding the decoded golden files reproduces their bytes")
    func reencoding() throws {
        let snapshot = try Self.load("sample-snapshot.tessera")
        #expect(Container.encode(kind: .snapshot, payload: ChangeEncoder.encode(try Change.decode(snapshot)), compression: .none) == snapshot)
        let withState = try Self.load("sample-snapshot-state.tessera")
        #expect(try Document(decoding: snapshot).encodeSnapshot(compression: .none) == withState)
        #expect(try Document(decoding: withState, loading: .replayHistory).encodeSnapshot(compression: .none) == withState)
        #expect(try Change.decode(withState) == Change.decode(snapshot), "the state section sits beside the same history")
        let delta = try Self.load("sample-delta.tessera")
        #expect(Change.encode(try Change.decode(delta), compression: .none) == delta)
        let version = try Self.load("sample-version.tessera")
        #expect(try VersionVector(decoding: version).encoded() == version)
    }

    @Test("the deflated snapshot inflates to the same payload")
    func deflated() throws {
        let deflated = try Self.load("sample-snapshot-deflated.tessera")
        let plain = try Self.load("sample-snapshot.tessera")
        let inflated = try Container.decode(deflated)
        let stored = try Container.decode(plain)
        #expect(inflated.flags == .deflated && stored.flags == [])
        #expect(inflated.kind == .snapshot)
        #expect(inflated.payload.bytes[inflated.payload.position..<inflated.payload.end] == stored.payload.bytes[stored.payload.position..<stored.payload.end])
        // zlib builds may differ in their exact deflate output, so only the payload is pinned.
        let document = try Document(decoding: deflated)
        #expect(try document.encodeSnapshot(compression: .none) == Self.load("sample-snapshot-state.tessera"))
    }
}
