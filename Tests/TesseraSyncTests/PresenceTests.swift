import Testing
import TesseraCore
@testable import TesseraSync

@Suite("Presence")
struct PresenceTests {
    static let alice = ReplicaID(rawValue: 0xA)!
    static let bob = ReplicaID(rawValue: 0xB)!
    static func at(_ ms: Int64) -> SyncInstant { SyncInstant(.milliseconds(ms)) }

    @Test("records of every shape round-trip; unknown fields are skipped; bad ones refused")
    func recordEncoding() throws {
        let object = ObjectID(OpID(replica: Self.alice, counter: 3))
        let records = [
            PresenceRecord(displayName: ""),
            PresenceRecord(displayName: "Ada 🙂", color: PresenceColor(red: 1, green: 2, blue: 3), actor: .agent,
                           cursor: .shape("7@000000000000000a"), selection: .shapes([]), status: .working(on: "laying out the board")),
            PresenceRecord(displayName: "Grace", cursor: .text(object: object, offset: 12), selection: .text(object: .root, range: 3..<9), status: .typing),
            PresenceRecord(displayName: "Bot", actor: .system, cursor: .point(x: -1.5, y: .infinity), status: .away),
        ]
        for record in records {
            #expect(try PresenceRecord(decoding: record.encoded()) == record)
        }
        // A newer client's field 9 is skipped.
        var extended = records[1].encoded()
        extended += [9, 3, 1, 2, 3]
        #expect(try PresenceRecord(decoding: extended) == records[1])
        // Every prefix either decodes or throws a typed error.
        let bytes = records[2].encoded()
        for length in 0..<bytes.count {
            _ = try? PresenceRecord(decoding: Array(bytes.prefix(length)))
        }
        #expect(throws: WireError.self) { _ = try PresenceRecord(decoding: []) }  // no name
        #expect(throws: WireError.self) { _ = try PresenceRecord(decoding: [1, 0, 1, 0]) }  // tags out of order
        #expect(PresenceColor(hex: "#3366ff")?.description == "#3366ff")
        #expect(PresenceColor(hex: "36f") == nil)
    }

    @Test("the higher clock wins, whatever the arrival order; duplicates change nothing")
    func mergeByClock() throws {
        var table = PresenceTable(timeout: .seconds(10))
        let typing = PresenceRecord(displayName: "Ada", status: .typing)
        let idle = PresenceRecord(displayName: "Ada", status: .idle)
        let changed1 = table.merge(typing, of: Self.alice, clock: 5, now: Self.at(0))
        #expect(changed1)
        let changed2 = table.merge(idle, of: Self.alice, clock: 4, now: Self.at(1))
        #expect(!changed2)
        let changed3 = table.merge(idle, of: Self.alice, clock: 5, now: Self.at(1))
        #expect(!changed3)
        #expect(table[Self.alice]?.record.status == .typing)
        let changed4 = table.merge(idle, of: Self.alice, clock: 6, now: Self.at(2))
        #expect(changed4)
        #expect(table[Self.alice]?.record.status == .idle)
        #expect(table[Self.alice]?.updatedAt == Self.at(2))
    }

    @Test("entries expire after the timeout unless refreshed")
    func expiry() throws {
        var table = PresenceTable(timeout: .seconds(5))
        table.merge(PresenceRecord(displayName: "Ada"), of: Self.alice, clock: 1, now: Self.at(0))
        table.merge(PresenceRecord(displayName: "Bob"), of: Self.bob, clock: 1, now: Self.at(3000))
        #expect(table.nextExpiry == Self.at(5000))
        #expect(table.expire(now: Self.at(4999)).isEmpty)
        #expect(table.expire(now: Self.at(5000)) == [Self.alice])
        table.merge(PresenceRecord(displayName: "Bob"), of: Self.bob, clock: 2, now: Self.at(7000))
        #expect(table.expire(now: Self.at(9000)).isEmpty)
        #expect(table.expire(now: Self.at(12000)) == [Self.bob])
        #expect(table.count == 0)
    }

    @Test("a departure removes the participant and a delayed older update does not bring it back")
    func departure() throws {
        var table = PresenceTable(timeout: .seconds(5))
        var ada = LocalPresence(replica: Self.alice, record: PresenceRecord(displayName: "Ada"), clock: 100)
        let first = try ada.refresh()
        let second = try ada.update { $0.status = .typing }
        let left = ada.leave()
        let changed5 = try table.apply(second, now: Self.at(0))
        #expect(changed5)
        let changed6 = try table.apply(left, now: Self.at(1))
        #expect(changed6)
        #expect(table[Self.alice] == nil)
        let changed7 = try table.apply(first, now: Self.at(2))
        #expect(!changed7)
        #expect(table[Self.alice] == nil)
        // Coming back with a newer clock works.
        let changed8 = try table.apply(try ada.refresh(), now: Self.at(3))
        #expect(changed8)
        #expect(table.remove(Self.alice) != nil)
        #expect(table.count == 0)
    }

    @Test("a replica room drops the presence that came through a connection when it closes")
    func removalOnDisconnect() throws {
        let document = Document(replica: Self.alice)
        let config = SyncConfiguration(documentID: "d", replica: Self.alice)
        var room = SyncRoom(source: DocumentSource(document), configuration: config, role: .replica)
        var peer = SyncSession(configuration: SyncConfiguration(documentID: "d", replica: Self.bob))
        let connection = ConnectionID(1)
        let source = DocumentSource(Document(replica: Self.bob))
        var toRoom = peer.start(now: Self.at(0), source: source)
        var bob = LocalPresence(replica: Self.bob, record: PresenceRecord(displayName: "Bob", status: .typing), clock: 1)
        toRoom += peer.publishPresence(try bob.refresh(), now: Self.at(0))
        let fromRoom = room.open(connection, now: Self.at(0))
        for action in fromRoom { if case .send(let frame) = action.kind { _ = peer.receive(frame: frame, now: Self.at(1), source: source) } }
        toRoom += peer.publishPresence(try bob.refresh(), now: Self.at(1))
        for case .send(let message) in toRoom { _ = room.receive(message.encoded(), on: connection, now: Self.at(2)) }
        #expect(room.presence[Self.bob]?.record.status == .typing)
        _ = room.closed(connection, now: Self.at(3))
        #expect(room.presence[Self.bob] == nil)
        #expect(room.connections.isEmpty)
    }
}
