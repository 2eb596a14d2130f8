import TesseraTestSupport
import TesseraCore
@testable import TesseraSync

/// A deterministic world: replicas (documents) and at most one relay (an envelope store),
/// each a `SyncRoom`, wired by an `InMemoryNetwork` with faults, driven in virtual time.
///
/// Links are the connections the world wants (replica–relay, replica–replica); a link that
/// closes is redialled after a back-off, and dialling across a partition fails until it heals.
struct Simulation {
    typealias Endpoint = InMemoryNetwork.Endpoint

    struct Replica {
        var endpoint: Endpoint
        var room: SyncRoom<DocumentSource>
        var presence: LocalPresence
        var nextPresenceAt: SyncInstant
        var document: Document { room.source.document }
    }

    struct Relay {
        var endpoint: Endpoint
        var room: SyncRoom<EnvelopeStore>
    }

    struct Link {
        var a: Endpoint
        var b: Endpoint
        var connection: ConnectionID?
        var retryAt: SyncInstant
    }

    let documentID: String
    let roomKey: RoomKey?
    var network: InMemoryNetwork
    var now = SyncInstant.zero
    var replicas: [Replica] = []
    var relay: Relay?
    var links: [Link] = []
    /// Frames injected by a test (hostile peers) arrive at endpoints not driven by a room.
    var strayEvents: [InMemoryNetwork.Event] = []
    /// Every close a room asked for, with its reason.
    var closes: [(endpoint: Endpoint, error: SyncError?)] = []
    var rng: SplitMix64
    let step: Duration = .milliseconds(10)
    let redialDelay: Duration = .milliseconds(300)

    static func sessionConfiguration(documentID: String, replica: ReplicaID, sealed: Bool, relay: Bool = false) -> SyncConfiguration {
        var capabilities: Capabilities = [.presence]
        if sealed { capabilities.insert(.sealed) }
        if relay { capabilities.insert(.relay) }
        return SyncConfiguration(
            documentID: documentID, replica: replica, capabilities: capabilities, limits: WireLimits(maxFrameBytes: 256 << 10),
            flushInterval: .milliseconds(20),
            flushThreshold: 4 << 10, ackDelay: .milliseconds(20), maxBytesInFlight: 16 << 10, resendTimeout: .milliseconds(800),
            pingInterval: .milliseconds(500), idleTimeout: .milliseconds(2500), handshakeTimeout: .seconds(2))
    }

    /// `replicaCount` replicas forked from one base document, plus a relay if `withRelay`.
    init(
        seed: UInt64, replicaCount: Int, withRelay: Bool, sealed: Bool, faults: InMemoryNetwork.Faults,
        presenceTimeout: Duration = .seconds(3)
    ) throws {
        documentID = "room-\(seed)"
        var secretRNG = SplitMix64(seed: seed ^ 0x5EC2E7)
        roomKey = sealed ? RoomKey(secret: RoomSecret(using: &secretRNG), documentID: documentID) : nil
        network = InMemoryNetwork(seed: seed, faults: faults)
        rng = SplitMix64(seed: seed &* 0x9E37_79B9)
        let base = try Edits.base(seed: seed)
        for index in 0..<replicaCount {
            let replica = ReplicaID(rawValue: (seed << 8) &+ UInt64(index) &+ 1)!
            var document = base.fork(replica: replica)
            document.origin = .human("r\(index)")
            let configuration = Self.sessionConfiguration(documentID: documentID, replica: replica, sealed: sealed)
            let room = SyncRoom(
                source: DocumentSource(document, roomKey: roomKey), configuration: configuration, role: .replica,
                roomKey: roomKey, presenceTimeout: presenceTimeout)
            let presence = LocalPresence(
                replica: replica, record: PresenceRecord(displayName: "r\(index)", color: PresenceColor(red: UInt8(index * 40), green: 90, blue: 200)),
                clock: 1000)
            replicas.append(Replica(endpoint: Endpoint(index), room: room, presence: presence, nextPresenceAt: .zero))
        }
        if withRelay {
            let configuration = Self.sessionConfiguration(
                documentID: documentID, replica: ReplicaID(rawValue: 0xFFFF_0000 + seed)!, sealed: sealed, relay: true)
            relay = Relay(endpoint: Endpoint(1000), room: SyncRoom(source: EnvelopeStore(), configuration: configuration, role: .relay))
            for replica in replicas { links.append(Link(a: replica.endpoint, b: Endpoint(1000), connection: nil, retryAt: .zero)) }
        }
    }

    /// Adds direct replica–replica links (peer to peer).
    mutating func linkPeers(_ pairs: [(Int, Int)]) {
        for (a, b) in pairs { links.append(Link(a: Endpoint(a), b: Endpoint(b), connection: nil, retryAt: .zero)) }
    }

    // MARK: - Driving

    /// Advances virtual time by `duration`, with `editChance` percent per replica per step of
    /// making a random transaction.
    mutating func run(for duration: Duration, editChance: Int = 0, presence: Bool = true) throws {
        let end = now + duration
        while now < end {
            now = now + step
            try stepOnce(editChance: editChance, presence: presence)
        }
    }

    /// Runs without edits until every replica has the same version as the others (and the
    /// relay, if any), nothing is pending, and no frame is in flight; returns whether it did
    /// within `limit`.
    mutating func settle(limit: Duration = .seconds(120)) throws -> Bool {
        let end = now + limit
        while now < end {
            now = now + step
            try stepOnce(editChance: 0, presence: false)
            if isQuiescent { return true }
        }
        return false
    }

    var isQuiescent: Bool {
        guard let first = replicas.first?.document.version else { return true }
        for replica in replicas where replica.document.version != first || replica.document.pendingChangeCount > 0 { return false }
        if let relay, relay.room.source.version != first { return false }
        for replica in replicas {
            for connection in replica.room.connections where replica.room.session(connection)?.bytesInFlight ?? 0 > 0 { return false }
        }
        return true
    }

    mutating func stepOnce(editChance: Int, presence: Bool) throws {
        for index in replicas.indices where editChance > 0 && rng.chance(editChance) {
            var editRNG = SplitMix64(seed: rng.next())
            let actions = try replicas[index].room.update(now: now) { (source: inout DocumentSource) throws in
                try Edits.randomTransaction(&source.document, &editRNG)
            }
            perform(actions, at: replicas[index].endpoint)
        }
        if presence {
            for index in replicas.indices where now >= replicas[index].nextPresenceAt {
                replicas[index].nextPresenceAt = now + .milliseconds(700 + rng.below(300))
                let statuses: [PresenceRecord.Status] = [.idle, .typing, .working(on: "arranging shapes"), .away]
                let status = statuses[rng.below(statuses.count)]
                let key = roomKey
                let update = try replicas[index].presence.update(sealedWith: key) { $0.status = status; $0.cursor = .point(x: 1, y: 2) }
                let actions = replicas[index].room.publishPresence(update, now: now)
                perform(actions, at: replicas[index].endpoint)
            }
        }
        while let event = network.nextEvent(upTo: now) { deliver(event) }
        for index in replicas.indices {
            let actions = replicas[index].room.tick(now: now)
            perform(actions, at: replicas[index].endpoint)
        }
        if relay != nil {
            let actions = relay!.room.tick(now: now)
            perform(actions, at: relay!.endpoint)
        }
        redial()
    }

    mutating func deliver(_ event: InMemoryNetwork.Event) {
        let now = self.now
        switch event {
        case .frame(let frame, let connection, let endpoint):
            let actions = withRoom(endpoint, { $0.receive(frame, on: connection, now: now) }, { $0.receive(frame, on: connection, now: now) })
            if let actions { perform(actions, at: endpoint) } else { strayEvents.append(event) }
        case .closed(let connection, let endpoint):
            let actions = withRoom(endpoint, { $0.closed(connection, now: now) }, { $0.closed(connection, now: now) })
            if let actions { perform(actions, at: endpoint) } else { strayEvents.append(event) }
            linkClosed(connection)
        }
    }

    /// Runs `replicaBody` or `relayBody` on the room at `endpoint`; `nil` if no room is there.
    mutating func withRoom(
        _ endpoint: Endpoint, _ replicaBody: (inout SyncRoom<DocumentSource>) -> [RoomAction],
        _ relayBody: (inout SyncRoom<EnvelopeStore>) -> [RoomAction]
    ) -> [RoomAction]? {
        if relay?.endpoint == endpoint { return relayBody(&relay!.room) }
        guard let index = replicas.firstIndex(where: { $0.endpoint == endpoint }) else { return nil }
        return replicaBody(&replicas[index].room)
    }

    mutating func perform(_ actions: [RoomAction], at endpoint: Endpoint) {
        for action in actions {
            switch action.kind {
            case .send(let frame):
                network.send(frame, on: action.connection, from: endpoint, now: now)
            case .close(let error):
                closes.append((endpoint, error))
                network.close(action.connection, from: endpoint, now: now)
                linkClosed(action.connection)
            }
        }
    }

    mutating func linkClosed(_ connection: ConnectionID) {
        for index in links.indices where links[index].connection == connection {
            links[index].connection = nil
            links[index].retryAt = now + redialDelay
        }
    }

    mutating func redial() {
        for index in links.indices where links[index].connection == nil && now >= links[index].retryAt {
            let link = links[index]
            let now = self.now
            guard let connection = network.connect(link.a, link.b, now: now) else {
                links[index].retryAt = now + redialDelay
                continue
            }
            links[index].connection = connection
            for endpoint in [link.a, link.b] {
                let actions = withRoom(endpoint, { $0.open(connection, now: now) }, { $0.open(connection, now: now) }) ?? []
                perform(actions, at: endpoint)
            }
        }
    }

    /// Drops every connection of `endpoint` at once (a process restart), on both ends.
    mutating func disconnect(_ endpoint: Endpoint) {
        let now = self.now
        for index in links.indices where links[index].a == endpoint || links[index].b == endpoint {
            guard let connection = links[index].connection else { continue }
            network.close(connection, from: endpoint, now: now)
            let actions = withRoom(endpoint, { $0.closed(connection, now: now) }, { $0.closed(connection, now: now) }) ?? []
            perform(actions, at: endpoint)
            links[index].connection = nil
            links[index].retryAt = now + redialDelay
        }
    }

    // MARK: - Strangers

    /// Connects an endpoint that no room drives (a hostile peer the test scripts by hand)
    /// to the room at `target`, which accepts the connection.
    mutating func attachStranger(_ stranger: Endpoint, to target: Endpoint) -> ConnectionID? {
        let now = self.now
        guard let connection = network.connect(stranger, target, now: now) else { return nil }
        let actions = withRoom(target, { $0.open(connection, now: now) }, { $0.open(connection, now: now) }) ?? []
        perform(actions, at: target)
        return connection
    }

    /// What a stranger received: decoded messages (or the raw frame if it does not decode),
    /// and whether its connection was closed by the other side.
    func strayTraffic(on connection: ConnectionID) -> (messages: [Message], closed: Bool) {
        var messages: [Message] = []
        var closed = false
        for event in strayEvents {
            switch event {
            case .frame(let frame, connection, _):
                if let message = try? Message(decoding: frame) { messages.append(message) }
            case .closed(connection, _):
                closed = true
            default:
                break
            }
        }
        return (messages, closed)
    }

    // MARK: - Checks

    /// A document rebuilt from nothing but the relay's stored envelopes.
    func documentFromRelay() throws -> Document? {
        guard let relay else { return nil }
        var source = DocumentSource(Document(replica: ReplicaID(rawValue: 0xD0C)!), roomKey: roomKey)
        try source.integrate(relay.room.source.allEnvelopes)
        return source.document
    }
}
