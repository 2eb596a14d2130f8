import Foundation
import Logging
import Synchronization
import TesseraCanvas
import TesseraCore
import TesseraSync
import TesseraTransport

/// The clients of `tessera loadtest`, their edits and the measurements.
struct LoadDriver {
    let url: RoomURL
    let clientCount: Int
    let editsPerClient: Int
    let rate: Double
    let token: String?
    let serverPID: Int32?
    let timeout: Duration

    /// When each of one client's edits was made, by the counter of its last operation.
    final class EditLog: Sendable {
        private let entries = Mutex<[(counter: UInt64, at: ContinuousClock.Instant)]>([])

        func record(counter: UInt64, at instant: ContinuousClock.Instant) {
            entries.withLock { $0.append((counter, instant)) }
        }

        /// The times of the edits whose last counter lies in `range`.
        func times(in range: ClosedRange<UInt64>) -> [ContinuousClock.Instant] {
            entries.withLock { entries in
                var low = 0
                var high = entries.count
                while low < high {
                    let mid = (low + high) / 2
                    if entries[mid].counter < range.lowerBound { low = mid + 1 } else { high = mid }
                }
                var result: [ContinuousClock.Instant] = []
                while low < entries.count, entries[low].counter <= range.upperBound {
                    result.append(entries[low].at)
                    low += 1
                }
                return result
            }
        }
    }

    struct Client: Sendable {
        let live: LiveBoard
        let host: SyncHost<SharedDocumentSource>
        let log: EditLog
        let replica: ReplicaID
    }

    func run() async throws -> LoadReport {
        let clients = (0..<clientCount).map { index -> Client in
            let board = Board(origin: .human("load-\(index)"))
            let live = LiveBoard(board)
            let configuration = SyncConfiguration.webSocket(documentID: url.room, replica: board.replica)
            let host = SyncHost(source: SharedDocumentSource(live.shared), configuration: configuration, role: .replica)
            return Client(live: live, host: host, log: EditLog(), replica: board.replica)
        }
        let logs = Dictionary(uniqueKeysWithValues: clients.map { ($0.replica, $0.log) })
        let measurements = Measurements()
        let dialerLogger = Logger(label: "tessera.loadtest")
        let accessToken = token.map(AccessToken.init)

        return try await withThrowingTaskGroup(of: Void.self) { group in
            for client in clients {
                let dialer = WebSocketDialer(url: url, token: accessToken, logger: dialerLogger)
                group.addTask {
                    _ = await client.host.maintainLink(backoff: Backoff(initial: .milliseconds(200), maximum: .seconds(2))) {
                        try await dialer.connect(client.host)
                    }
                }
                group.addTask { await client.host.forwardLocalChanges(of: client.live.shared) }
                group.addTask {
                    // Latency: for every remote batch, the edits it completed on this client.
                    var seen = client.live.shared.read { $0.version }
                    let versions = client.live.shared.events(bufferLimit: 1 << 16) { events, document in
                        events.isLocal ? nil : document.version
                    }
                    var samples: [UInt32] = []
                    for await version in versions {
                        let now = ContinuousClock.now
                        for (replica, counter) in version.entries where replica != client.replica && counter > seen[replica] {
                            guard let log = logs[replica] else { continue }
                            let times = log.times(in: (seen[replica] + 1)...counter)
                            if times.isEmpty { measurements.missing.add(1, ordering: .relaxed) }
                            for time in times {
                                let micros = time.duration(to: now).components
                                samples.append(UInt32(clamping: micros.seconds * 1_000_000 + micros.attoseconds / 1_000_000_000_000))
                            }
                        }
                        seen = version
                        if samples.count >= 4096 {
                            measurements.latencies.withLock { $0 += samples }
                            samples.removeAll(keepingCapacity: true)
                        }
                    }
                    measurements.latencies.withLock { $0 += samples }
                }
            }
            if let serverPID {
                group.addTask {
                    while !Task.isCancelled {
                        if let rss = ProcessMemory.read(pid: serverPID)?.peak { measurements.serverPeak.withLock { $0 = max($0 ?? 0, rss) } }
                        try? await Task.sleep(for: .seconds(1))
                    }
                }
            }

            // Everyone connects before anyone edits, so latency measures sync, not dialling.
            let connectDeadline = ContinuousClock.now + .seconds(60)
            for client in clients {
                while await client.host.connections.first(where: { $0.peer != nil }) == nil {
                    guard ContinuousClock.now < connectDeadline else { throw LoadError.cannotConnect(url.description) }
                    try await Task.sleep(for: .milliseconds(20))
                }
            }

            let start = ContinuousClock.now
            let interval = Duration.milliseconds(Int64(1000 / rate))
            try await withThrowingTaskGroup(of: Void.self) { editors in
                for (index, client) in clients.enumerated() {
                    editors.addTask {
                        // Spread the clients over one interval so the edits do not arrive in waves.
                        let offset = interval * Double(index) / Double(clientCount)
                        var shape: ShapeID?
                        for k in 0..<editsPerClient {
                            try await Task.sleep(until: start + offset + interval * k, clock: .continuous)
                            let before = ContinuousClock.now
                            if let shape {
                                try client.live.update(shape) { $0.x = Double(k) }
                            } else {
                                shape = try client.live.addShape(.rectangle(x: 0, y: Double(index * 50), w: 40, h: 40))
                            }
                            client.log.record(counter: client.live.shared.read { $0.version[client.replica] }, at: before)
                        }
                    }
                }
                try await editors.waitForAll()
            }
            let editsDone = ContinuousClock.now

            // Convergence: every client has every operation, and all boards are equal.
            var expected = VersionVector()
            for client in clients { expected.formUnion(client.live.shared.read { $0.version }) }
            var converged = false
            while ContinuousClock.now < editsDone + timeout {
                if clients.allSatisfy({ client in client.live.shared.read { $0.version.dominates(expected) } }) {
                    converged = true
                    break
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            let convergedAt = ContinuousClock.now
            let reference = clients[0].live.shared.read { $0.materialize() }
            let identical = converged && clients.allSatisfy { client in client.live.shared.read { $0.materialize() } == reference }
            let serverNow = serverPID.flatMap { ProcessMemory.read(pid: $0) }
            // The recorders hand over their last samples when they end.
            group.cancelAll()
            try await group.waitForAll()
            return LoadReport(
                clients: clientCount, editsPerClient: editsPerClient, rate: rate, converged: identical,
                editingTime: start.duration(to: editsDone), convergenceTime: editsDone.duration(to: convergedAt),
                latenciesMicroseconds: measurements.latencies.withLock { $0 }, missingSamples: measurements.missing.load(ordering: .relaxed),
                serverRSS: serverNow?.current, serverPeakRSS: measurements.serverPeak.withLock { $0 } ?? serverNow?.peak,
                clientPeakRSS: ProcessMemory.read(pid: getpid())?.peak)
        }
    }
}

/// What the clients' tasks measure, shared between them.
final class Measurements: Sendable {
    /// Edit-to-remote-apply latencies, in microseconds.
    let latencies = Mutex<[UInt32]>([])
    /// Remote batches whose edits were not found in the senders' logs.
    let missing = Atomic<Int>(0)
    /// The relay's peak RSS seen so far.
    let serverPeak = Mutex<Int?>(nil)
}

enum LoadError: Error, CustomStringConvertible {
    case cannotConnect(String)

    var description: String {
        switch self {
        case .cannotConnect(let url): "could not connect every client to \(url) within 60 s"
        }
    }
}
