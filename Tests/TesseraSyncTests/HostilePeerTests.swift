import Testing
import TesseraCore
@testable import TesseraSync

/// A hostile peer gets an error and a close; everyone else keeps syncing.
@Suite("Hostile peers")
struct HostilePeerTests {
    static let stranger = InMemoryNetwork.Endpoint(666)

    /// The error code the stranger received on `connection`, and whether it was closed.
    static func outcome(_ sim: Simulation, _ connection: ConnectionID) -> (ErrorCode?, Bool) {
        let traffic = sim.strayTraffic(on: connection)
        let code = traffic.messages.compactMap { if case .error(let code, _) = $0 { code } else { nil } }.first
        return (code, traffic.closed)
    }

    static func helloFrame(_ sim: Simulation, document: String? = nil, sealed: Bool = false) -> [UInt8] {
        Message.hello(Hello(documentID: document ?? sim.documentID, replica: ReplicaID(rawValue: 0x666)!, version: VersionVector(),
                            capabilities: sealed ? [.sealed] : [])).encoded()
    }

    /// After an attack the honest replicas still converge with new edits.
    static func expectHonestReplicasKeepWorking(_ sim: inout Simulation) throws {
        try sim.run(for: .seconds(2), editChance: 15)
        let settled = try sim.settle()
        #expect(settled)
        try SimulationTests.expectConverged(sim, seed: 0)
    }

    @Test("garbage, oversized frames, lying lengths and a wrong document ID at a relay", arguments: 0..<4)
    func relayRefusesHostileFrames(attack: Int) throws {
        var sim = try Simulation(seed: 41, replicaCount: 2, withRelay: true, sealed: false, faults: .none)
        try sim.run(for: .seconds(1), editChance: 10)
        let relay = try #require(sim.relay?.endpoint)
        let attached = sim.attachStranger(Self.stranger, to: relay)
        let connection = try #require(attached)
        let expected: ErrorCode
        switch attack {
        case 0:
            sim.network.send([0xDE, 0xAD, 0xBE, 0xEF, 0x00], on: connection, from: Self.stranger, now: sim.now)
            expected = .malformedFrame
        case 1:
            sim.network.send([UInt8](repeating: 0x02, count: 300 << 10), on: connection, from: Self.stranger, now: sim.now)
            expected = .frameTooLarge
        case 2:
            // A valid hello, then a changes frame claiming 2^40 envelopes.
            sim.network.send(Self.helloFrame(sim), on: connection, from: Self.stranger, now: sim.now)
            sim.network.send([MessageType.changes.rawValue, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20], on: connection, from: Self.stranger, now: sim.now)
            expected = .malformedFrame
        default:
            sim.network.send(Self.helloFrame(sim, document: "someone-elses-room"), on: connection, from: Self.stranger, now: sim.now)
            expected = .wrongDocument
        }
        try sim.run(for: .milliseconds(200), editChance: 10)
        let (code, closed) = Self.outcome(sim, connection)
        #expect(code == expected)
        #expect(closed)
        #expect(sim.relay?.room.session(connection) == nil)
        #expect(sim.relay?.room.connections.count == 2)
        try Self.expectHonestReplicasKeepWorking(&sim)
    }

    @Test("tampered sealed changes and presence sent straight to a replica", arguments: [false, true])
    func replicaRefusesTamperedSealedFrames(presence: Bool) throws {
        var sim = try Simulation(seed: 42, replicaCount: 2, withRelay: true, sealed: true, faults: .none)
        try sim.run(for: .seconds(1), editChance: 20)
        let target = sim.replicas[0].endpoint
        let attached = sim.attachStranger(Self.stranger, to: target)
        let connection = try #require(attached)
        sim.network.send(Self.helloFrame(sim, sealed: true), on: connection, from: Self.stranger, now: sim.now)
        if presence {
            // A captured sealed presence update replayed under a newer clock.
            let key = try #require(sim.roomKey)
            var update = try PresenceUpdate(replica: ReplicaID(rawValue: 0x666)!, clock: 1, record: PresenceRecord(displayName: "Mallory"), sealedWith: key)
            update.clock = 2
            sim.network.send(Message.presence(update).encoded(), on: connection, from: Self.stranger, now: sim.now)
        } else {
            // A real sealed envelope from the relay, one payload bit flipped, announced as new.
            var envelope = try #require(sim.relay?.room.source.allEnvelopes.last)
            envelope.payload[envelope.payload.count - 1] ^= 0x40
            envelope.header = ChangeEnvelope.Header(replica: ReplicaID(rawValue: 0x666)!, counters: 1..<2, dependencies: [], isSealed: true)
            sim.network.send(Message.changes([envelope]).encoded(), on: connection, from: Self.stranger, now: sim.now)
        }
        let versionBefore = sim.replicas[0].document.version
        try sim.run(for: .milliseconds(200))
        let (code, closed) = Self.outcome(sim, connection)
        #expect(code == .authenticationFailed)
        #expect(closed)
        #expect(sim.replicas[0].document.version[ReplicaID(rawValue: 0x666)!] == 0)
        #expect(sim.replicas[0].document.version.dominates(versionBefore))
        #expect(sim.replicas[0].room.presence[ReplicaID(rawValue: 0x666)!] == nil)
        try Self.expectHonestReplicasKeepWorking(&sim)
    }

    @Test("a relay refuses cleartext changes in a sealed room, without any key")
    func relayRefusesCleartextInSealedRoom() throws {
        var sim = try Simulation(seed: 43, replicaCount: 2, withRelay: true, sealed: true, faults: .none)
        try sim.run(for: .seconds(1), editChance: 10)
        let relay = try #require(sim.relay?.endpoint)
        let attached = sim.attachStranger(Self.stranger, to: relay)
        let connection = try #require(attached)
        var forged = Document(replica: ReplicaID(rawValue: 0x666)!)
        try forged.set("title", to: "pwned", in: .root)
        sim.network.send(Self.helloFrame(sim, sealed: true), on: connection, from: Self.stranger, now: sim.now)
        sim.network.send(Message.changes(try ChangeEnvelope.envelopes(for: forged.changes())).encoded(), on: connection, from: Self.stranger, now: sim.now)
        try sim.run(for: .milliseconds(200))
        let (code, closed) = Self.outcome(sim, connection)
        #expect(code == .sealingMismatch)
        #expect(closed)
        #expect(sim.relay?.room.source.version[ReplicaID(rawValue: 0x666)!] == 0)
        try Self.expectHonestReplicasKeepWorking(&sim)
    }
}
