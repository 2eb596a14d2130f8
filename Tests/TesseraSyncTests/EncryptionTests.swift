import TesseraTestSupport
import Testing
import TesseraCore
@testable import TesseraSync

@Suite("End-to-end encryption")
struct EncryptionTests {
    @Test("a room secret round-trips through its URL-fragment form and redacts its description")
    func secretForm() throws {
        var rng = SplitMix64(seed: 3)
        for _ in 0..<100 {
            let secret = RoomSecret(using: &rng)
            let text = secret.base64URL
            #expect(text.count == 43)
            #expect(text.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
            let parsed = try #require(RoomSecret(base64URL: text))
            #expect(parsed.isEqual(to: secret))
            #expect(!"\(secret)".contains(text))
        }
        let fresh = RoomSecret()
        #expect(!fresh.isEqual(to: RoomSecret()))
        for bad in ["", "abc", String(repeating: "A", count: 42), String(repeating: "A", count: 44), String(repeating: "+", count: 43),
                    String(repeating: "A", count: 42) + "=", String(repeating: "A", count: 42) + "B"] {
            #expect(RoomSecret(base64URL: bad) == nil, "accepted \(bad)")
        }
    }

    @Test("base64url matches RFC 4648 test vectors")
    func base64Vectors() {
        let vectors: [(String, String)] = [("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"), ("foob", "Zm9vYg"), ("fooba", "Zm9vYmE"), ("foobar", "Zm9vYmFy")]
        for (plain, encoded) in vectors {
            #expect(Base64URL.encode(Array(plain.utf8)) == encoded)
            #expect(Base64URL.decode(encoded) == Array(plain.utf8))
        }
        #expect(Base64URL.encode([0xFB, 0xFF]) == "-_8")
    }

    @Test("keys depend on the document ID; seals use fresh nonces; the access token reveals no key")
    func keyDerivation() throws {
        let secret = try #require(RoomSecret(bytes: [UInt8](repeating: 7, count: 32)))
        let a = RoomKey(secret: secret, documentID: "a")
        let b = RoomKey(secret: secret, documentID: "b")
        let header: [UInt8] = [1, 2, 3]
        let sealed = try a.seal(Array("hello".utf8), authenticating: header, purpose: .changes)
        #expect(sealed.count == 5 + 28)
        #expect(try a.open(sealed, authenticating: header, purpose: .changes) == Array("hello".utf8))
        #expect(throws: SealingError.authenticationFailed) { _ = try b.open(sealed, authenticating: header, purpose: .changes) }
        #expect(throws: SealingError.authenticationFailed) { _ = try a.open(sealed, authenticating: [1, 2, 4], purpose: .changes) }
        // A change payload never opens as presence (separate keys per purpose).
        #expect(throws: SealingError.authenticationFailed) { _ = try a.open(sealed, authenticating: header, purpose: .presence) }
        #expect(try a.seal(Array("hello".utf8), authenticating: header, purpose: .changes) != sealed)
        #expect(a.accessToken != b.accessToken)
        #expect(a.accessToken == RoomKey(secret: secret, documentID: "a").accessToken)
        #expect(a.accessToken.count == 43)
    }

    @Test("sealed presence opens only with the key and under its own header")
    func sealedPresence() throws {
        let key = RoomKey(secret: RoomSecret(bytes: Array(0..<32))!, documentID: "plan")
        let alice = ReplicaID(rawValue: 1)!
        let record = PresenceRecord(displayName: "SECRET-NAME", status: .typing)
        let update = try PresenceUpdate(replica: alice, clock: 5, record: record, sealedWith: key)
        #expect(update.isSealed)
        #expect(try update.record(openedWith: key) == record)
        let frame = Message.presence(update).encoded()
        #expect(!String(decoding: frame, as: UTF8.self).contains("SECRET-NAME"))
        // Replayed under a newer clock or as another participant: refused.
        var replayed = update
        replayed.clock = 6
        #expect(throws: PresenceError.sealing(.authenticationFailed)) { _ = try replayed.record(openedWith: key) }
        replayed = update
        replayed.replica = ReplicaID(rawValue: 2)!
        #expect(throws: PresenceError.sealing(.authenticationFailed)) { _ = try replayed.record(openedWith: key) }
        #expect(throws: PresenceError.missingKey(alice)) { _ = try update.record() }
        let plain = try PresenceUpdate(replica: alice, clock: 5, record: record)
        #expect(throws: PresenceError.notSealed(alice)) { _ = try plain.record(openedWith: key) }
    }
}
