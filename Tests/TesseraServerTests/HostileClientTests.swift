import TesseraTestSupport
import Foundation
import Testing
import TesseraCanvas
import TesseraCore
import TesseraServer
import TesseraStore
import TesseraSync
import TesseraTransport

/// Hostile clients are cut off with an `error` frame naming what they did, while the room
/// they attacked keeps syncing its honest members.
@Suite("Hostile clients", .serialized)
struct HostileClientTests {
    static let limits = RelayLimits(
        maxFrameBytes: 64 << 10, maxRooms: 4, maxConnectionsPerRoom: 8,
        connection: ConnectionPolicy(framesPerSecond: 100, burstFrames: 200, bytesPerSecond: Double(1 << 20), burstBytes: Double(4 << 20)))

    private func hello(room: String, sealed: Bool = false) -> Message {
        var capabilities: Capabilities = [.presence]
        if sealed { capabilities.insert(.sealed) }
        return .hello(Hello(documentID: room, replica: .random(), version: VersionVector(), capabilities: capabilities))
    }

    @Test("garbage, oversized frames, huge lengths, wrong tokens, floods and full rooms are refused; the room carries on")
    func hostileClientsAreCutOff() async throws {
        let directory = TemporaryDirectory()
        let relay = try await TestRelay.start(directory: directory.path, limits: Self.limits)
        let url = relay.url("board")
        let ada = try TestPeer("Ada", room: "board")
        let grace = try TestPeer("Grace", room: "board")
        ada.connect([url], token: AccessToken("right"))
        grace.connect([url], token: AccessToken("right"))
        try ada.edit { try $0.addShape(.sticky("before the attacks", x: 0, y: 0)) }
        #expect(await eventually { await converged([ada, grace], relay: relay, room: "board") })

        // Garbage: an unknown message type.
        let garbage = try await rawWebSocket(url.syncURL, token: "right") { outbound, _ in
            try await outbound.send(bytes: [0xFF, 0x00, 0x01])
        }
        #expect(garbage.errorCode == .malformedFrame)

        // A frame over the relay's 64 KiB limit, in one WebSocket frame and fragmented.
        for fragment in [1 << 20, 8 << 10] {
            let oversized = try await rawWebSocket(url.syncURL, token: "right", frameSize: fragment) { outbound, _ in
                try await outbound.send(bytes: [MessageType.changes.rawValue] + [UInt8](repeating: 7, count: 100 << 10))
            }
            #expect(oversized.errorCode == .frameTooLarge)
        }

        // A WebSocket frame header announcing 2⁴⁰ bytes: refused before anything is read.
        let header: [UInt8] = [0x82, 0xFF, 0, 0, 1, 0, 0, 0, 0, 0, 1, 2, 3, 4]
        let huge = await rawTCP(port: relay.port, path: "/v1/rooms/board/sync?token=right", then: header)
        #expect(huge.closed)

        // Wrong and missing tokens: the room was created with "right".
        let wrong = try await rawWebSocket(url.syncURL, token: "wrong") { outbound, _ in
            try await outbound.send(hello(room: "board"))
        }
        #expect(wrong.errorCode == .accessDenied)
        #expect(!wrong.messages.contains { if case .hello = $0 { true } else { false } })
        let missing = try await rawWebSocket(url.syncURL) { outbound, _ in
            try await outbound.send(hello(room: "board"))
        }
        #expect(missing.errorCode == .accessDenied)
        // Refused right after the upgrade, again and again: the error always arrives (the
        // relay writes only after the client's first frame, see FirstFrameGate).
        for _ in 0..<20 {
            let again = try await rawWebSocket(url.syncURL, token: "wrong") { outbound, _ in
                try await outbound.send(hello(room: "board"))
            }
            #expect(again.errorCode == .accessDenied)
        }

        // A flood of pings beyond the rate limit.
        let flood = try await rawWebSocket(url.syncURL, token: "right") { outbound, _ in
            try await outbound.send(hello(room: "board"))
            for nonce in 0..<2000 {
                do { try await outbound.send(.ping(UInt64(nonce))) } catch { break }   // cut off mid-flood
            }
        }
        #expect(flood.errorCode == .rateLimited)

        // Too many rooms: the relay holds at most four.
        for index in 0..<3 {
            let room = try await rawWebSocket(relay.url("spare-\(index)").syncURL) { outbound, messages in
                try await outbound.send(hello(room: "spare-\(index)"))
                for await message in messages { if case .hello = message { break } }
                try await outbound.close(.normalClosure, reason: nil)
            }
            #expect(room.errorCode == nil)
        }
        let tooMany = try await rawWebSocket(relay.url("one-too-many").syncURL) { outbound, _ in
            try await outbound.send(hello(room: "one-too-many"))
        }
        #expect(tooMany.errorCode == .capacityExceeded)

        // The room still works for its members.
        try grace.edit { try $0.post("still here") }
        try ada.edit { try $0.addShape(.sticky("after the attacks", x: 0, y: 100)) }
        #expect(await eventually { await converged([ada, grace], relay: relay, room: "board") })
        #expect(ada.board.messages.map(\.body) == ["still here"])
        await ada.close()
        await grace.close()
        await relay.stop()
    }

    @Test("in an encrypted room, outsiders, cleartext, replayed and tampered sealed frames are refused; members carry on")
    func sealedRoomAttacks() async throws {
        let directory = TemporaryDirectory()
        let relay = try await TestRelay.start(directory: directory.path, limits: Self.limits)
        let url = relay.url("vault")
        let key = RoomKey(secret: RoomSecret(), documentID: "vault")
        let token = AccessToken(roomKey: key)
        let ada = try TestPeer("Ada", room: "vault", roomKey: key)
        let grace = try TestPeer("Grace", room: "vault", roomKey: key)
        ada.connect([url], listen: 0)
        grace.connect([url])
        try ada.edit { try $0.addShape(.sticky("secret plan", x: 0, y: 0)) }
        #expect(await eventually { await converged([ada, grace], relay: relay, room: "vault") })
        let vaultHost = try #require(await relay.server.registry.host(of: "vault"))
        let relayVersion = await vaultHost.version

        // An outsider, without the token derived from the secret.
        let outsider = try await rawWebSocket(url.syncURL + "?sealed=1") { outbound, _ in
            try await outbound.send(hello(room: "vault", sealed: true))
        }
        #expect(outsider.errorCode == .accessDenied)

        // A token holder sending a cleartext envelope into the sealed room.
        var forger = Document(origin: .human("Mallory"))
        try forger.set("owner", to: "Mallory")
        let cleartext = try ChangeEnvelope.envelopes(for: forger.changes(), sealedWith: nil)
        let injected = try await rawWebSocket(url.syncURL + "?sealed=1", token: token.rawValue) { outbound, _ in
            try await outbound.send(hello(room: "vault", sealed: true))
            try await outbound.send(.changes(cleartext))
        }
        #expect(injected.errorCode == .sealingMismatch)

        // Replayed sealed envelopes (a member's, sealed again: same headers) change nothing.
        let replay = try ada.shared.read { try ChangeEnvelope.envelopes(for: $0.changes(), sealedWith: key) }
        let replayed = try await rawWebSocket(url.syncURL + "?sealed=1", token: token.rawValue) { outbound, messages in
            try await outbound.send(hello(room: "vault", sealed: true))
            try await outbound.send(.changes(replay))
            for await message in messages { if case .ack = message { break } }
            try await outbound.close(.normalClosure, reason: nil)
        }
        #expect(replayed.errorCode == nil)
        #expect(await vaultHost.version == relayVersion)

        // A tampered sealed envelope sent straight to a member: it does not open, the member
        // cuts the sender off and its document is unchanged.
        var tampered = try ChangeEnvelope(changes: forger.changes(), sealedWith: RoomKey(secret: RoomSecret(), documentID: "vault"))
        tampered.payload[tampered.payload.count / 2] ^= 0x55
        let forged = tampered
        let before = ada.version
        let port = try #require(ada.listeningPort)
        let direct = try await rawWebSocket(
            RoomURL(host: "127.0.0.1", port: port, room: "vault").syncURL, token: token.rawValue
        ) { outbound, _ in
            try await outbound.send(hello(room: "vault", sealed: true))
            try await outbound.send(.changes([forged]))
        }
        #expect(direct.errorCode == .authenticationFailed)
        #expect(ada.version == before)

        // Members carry on.
        try grace.edit { try $0.post("all good") }
        #expect(await eventually { await converged([ada, grace], relay: relay, room: "vault") })
        #expect(ada.board.messages.map(\.body) == ["all good"])
        await ada.close()
        await grace.close()
        await relay.stop()
    }
}
