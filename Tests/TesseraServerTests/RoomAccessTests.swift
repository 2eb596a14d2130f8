import Testing
import TesseraCore
import TesseraServer
import TesseraStore
import TesseraSync

@Suite("Room access")
struct RoomAccessTests {
    private func room(token: String?) -> RoomRecord {
        RoomRecord(id: "plan", relayReplica: .random(), accessTokenHash: token.map { AccessToken($0).digest }, isSealed: false, createdAt: 0)
    }

    @Test("a room's token is fixed by its first client; a server token gates creation and opens every room")
    func decisions() {
        let t = AccessToken("t")
        let s = AccessToken("server")
        // No server token: first use creates, bound to what was presented.
        #expect(RoomAccess.decide(room: nil, presented: nil, serverToken: nil) == .create(tokenDigest: nil))
        #expect(RoomAccess.decide(room: nil, presented: t, serverToken: nil) == .create(tokenDigest: t.digest))
        #expect(RoomAccess.decide(room: room(token: nil), presented: nil, serverToken: nil) == .admit)
        #expect(RoomAccess.decide(room: room(token: nil), presented: t, serverToken: nil) == .admit)
        #expect(RoomAccess.decide(room: room(token: "t"), presented: t, serverToken: nil) == .admit)
        guard case .deny = RoomAccess.decide(room: room(token: "t"), presented: AccessToken("u"), serverToken: nil) else {
            Issue.record("a wrong token was admitted"); return
        }
        guard case .deny = RoomAccess.decide(room: room(token: "t"), presented: nil, serverToken: nil) else {
            Issue.record("a missing token was admitted"); return
        }
        // Server token: required to create, accepted everywhere; rooms' own tokens still work.
        guard case .deny = RoomAccess.decide(room: nil, presented: t, serverToken: s) else {
            Issue.record("a room was created without the server token"); return
        }
        #expect(RoomAccess.decide(room: nil, presented: s, serverToken: s) == .create(tokenDigest: s.digest))
        #expect(RoomAccess.decide(room: room(token: "t"), presented: s, serverToken: s) == .admit)
        #expect(RoomAccess.decide(room: room(token: "t"), presented: t, serverToken: s) == .admit)
        guard case .deny = RoomAccess.decide(room: room(token: nil), presented: nil, serverToken: s) else {
            Issue.record("an open room on a token relay was admitted without a token"); return
        }
    }
}
