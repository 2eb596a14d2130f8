import Testing
import TesseraCore
import TesseraSync

/// The driving pattern the DocC page describes, with `AsyncStream`s standing in for
/// WebSocket connections and real time: a relay actor owning a `SyncRoom`, and clients
/// owning a `SyncSession` over a `SharedDocument`.
@Suite("Async drivers")
struct AsyncDriverTests {
    /// A relay host: one room, one outbox per connection.
    actor RelayHost {
        private var room: SyncRoom<EnvelopeStore>
        private var outboxes: [ConnectionID: AsyncStream<[UInt8]>.Continuation] = [:]
        private let origin = ContinuousClock.now

        init(configuration: SyncConfiguration) {
            room = SyncRoom(source: EnvelopeStore(), configuration: configuration, role: .relay)
        }

        private var now: SyncInstant { SyncInstant(.now, since: origin) }
        var version: VersionVector { room.source.version }

        func accept(_ connection: ConnectionID, outbox: AsyncStream<[UInt8]>.Continuation) {
            outboxes[connection] = outbox
            perform(room.open(connection, now: now))
        }

        func receive(_ frame: [UInt8], on connection: ConnectionID) { perform(room.receive(frame, on: connection, now: now)) }

        func closed(_ connection: ConnectionID) {
            perform(room.closed(connection, now: now))
            outboxes[connection]?.finish()
            outboxes[connection] = nil
        }

        func tick() { perform(room.tick(now: now)) }

        private func perform(_ actions: [RoomAction]) {
            for action in actions {
                switch action.kind {
                case .send(let frame): outboxes[action.connection]?.yield(frame)
                case .close:
                    outboxes[action.connection]?.finish()
                    outboxes[action.connection] = nil
                }
            }
        }
    }

    /// A client connection: one session over a shared document.
    actor ClientConnection {
        private var session: SyncSession
        private var source: SharedDocumentSource
        private let outbox: AsyncStream<[UInt8]>.Continuation
        private let origin = ContinuousClock.now

        init(shared: SharedDocument, configuration: SyncConfiguration, outbox: AsyncStream<[UInt8]>.Continuation) {
            session = SyncSession(configuration: configuration)
            source = SharedDocumentSource(shared)
            self.outbox = outbox
        }

        func handle(_ event: SyncEvent) {
            let now = SyncInstant(.now, since: origin)
            for action in session.handle(event, now: now, source: &source) {
                switch action {
                case .send(let message): outbox.yield(message.encoded())
                case .close: outbox.finish()
                case .apply, .updatePresence, .removePresence: break
                }
            }
        }
    }

    @Test("three clients on shared documents converge through a relay actor over async streams")
    func clientsConvergeThroughRelay() async throws {
        var base = Document(replica: ReplicaID(rawValue: 1)!)
        let list = try base.makeObject(.list, forKey: "items")
        let relay = RelayHost(configuration: SyncConfiguration(
            documentID: "async", replica: ReplicaID(rawValue: 0xFFFF)!, capabilities: [.relay, .presence]))
        let documents = (0..<3).map { SharedDocument(base.fork(replica: ReplicaID(rawValue: UInt64(10 + $0))!)) }

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    try await Task.sleep(for: .milliseconds(5))
                    await relay.tick()
                }
            }
            for (index, shared) in documents.enumerated() {
                let connectionID = ConnectionID(UInt64(index))
                let (toRelay, toRelayContinuation) = AsyncStream<[UInt8]>.makeStream()
                let (toClient, toClientContinuation) = AsyncStream<[UInt8]>.makeStream()
                let configuration = SyncConfiguration(documentID: "async", replica: shared.document.replica, flushInterval: .milliseconds(5))
                let client = ClientConnection(shared: shared, configuration: configuration, outbox: toRelayContinuation)
                let localChanges = shared.events()
                await relay.accept(connectionID, outbox: toClientContinuation)
                await client.handle(.start)
                group.addTask {
                    for await frame in toRelay { await relay.receive(frame, on: connectionID) }
                    await relay.closed(connectionID)
                }
                group.addTask {
                    for await frame in toClient { await client.handle(.frame(frame)) }
                    await client.handle(.disconnected)
                }
                group.addTask {
                    for await batch in localChanges where batch.isLocal { await client.handle(.localChangesAvailable) }
                }
                group.addTask {
                    while !Task.isCancelled {
                        try await Task.sleep(for: .milliseconds(5))
                        await client.handle(.tick)
                    }
                }
            }
            // Everyone edits concurrently.
            for round in 0..<20 {
                for (index, shared) in documents.enumerated() {
                    try shared.transact { doc in try doc.append(.int(Int64(index * 100 + round)), to: list) }
                }
                try await Task.sleep(for: .milliseconds(1))
            }
            // Wait (bounded) for convergence; the assertions below are what the test checks.
            for _ in 0..<1000 {
                let versions = documents.map { $0.document.version }
                if Set(versions).count == 1, await relay.version == versions[0] { break }
                try await Task.sleep(for: .milliseconds(10))
            }
            group.cancelAll()
        }
        let expected = documents[0].document.materialize()
        for shared in documents {
            #expect(shared.document.materialize() == expected)
            #expect(try shared.document.count(of: list) == 60)
        }
        #expect(await relay.version == documents[0].document.version)
    }
}
