import TesseraTestSupport
import Foundation
import Logging
import ServiceLifecycle
import TesseraServer
import TesseraStore
import TesseraSync
import TesseraTransport

/// A relay server running in this process on 127.0.0.1, with its store in a directory.
final class TestRelay: Sendable {
    let store: SQLiteStore
    let server: RelayServer
    let port: Int
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    private init(store: SQLiteStore, server: RelayServer, port: Int, group: ServiceGroup, task: Task<Void, any Error>) {
        self.store = store
        self.server = server
        self.port = port
        self.group = group
        self.task = task
    }

    /// Starts a relay storing into `directory` on `port` (0: a free one).
    static func start(
        directory: String, port: Int = 0, serverToken: AccessToken? = nil, limits: RelayLimits = RelayLimits()
    ) async throws -> TestRelay {
        let store = try SQLiteStore(path: (directory as NSString).appendingPathComponent("tessera.sqlite"))
        var logger = Logger(label: "test.relay")
        // TESSERA_TEST_LOG=debug shows the relay's logs when a test needs explaining.
        logger.logLevel = ProcessInfo.processInfo.environment["TESSERA_TEST_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let server = RelayServer(
            configuration: RelayConfiguration(host: "127.0.0.1", port: port, serverToken: serverToken, limits: limits),
            store: store, logger: logger, onListening: { bound in continuation.yield(bound) })
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [server], logger: logger))
        let task = Task { try await group.run() }
        let bound = try await withTimeout(.seconds(20)) { () async -> Int? in
            for await port in ports { return port }
            return nil
        }
        guard let bound else { throw TestFailure("the relay did not start") }
        return TestRelay(store: store, server: server, port: bound, group: group, task: task)
    }

    /// The URL of `room` on this relay.
    func url(_ room: String) -> RoomURL { RoomURL(host: "127.0.0.1", port: port, room: room) }

    /// Graceful shutdown, then closes the store.
    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
        try? store.close()
    }
}

/// Runs `body`, or fails after `timeout`.
func withTimeout<T: Sendable>(_ timeout: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: timeout)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw TestFailure("timed out after \(timeout)") }
        return value
    }
}

/// Polls `condition` every 20 ms until it holds, for at most `timeout` worth of polls (see
/// ``pollUntil(every:atMost:_:)``, which counts polls rather than wall-clock time).
func eventually(timeout: Duration = .seconds(30), _ condition: () async throws -> Bool) async rethrows -> Bool {
    try await pollUntil(every: .milliseconds(20), atMost: timeout, condition)
}
