import TesseraCore

/// What happens to an outgoing link kept up by ``SyncHost/maintainLink(backoff:onEvent:dial:)``.
public enum LinkEvent: Sendable, CustomStringConvertible {
    /// Dialling, for the `attempt`-th time since the last successful handshake.
    case dialling(attempt: Int)
    /// The connection ended (after or before its handshake).
    case ended(ConnectionOutcome)
    /// The transport could not connect or failed.
    case failed(String)
    /// Waiting before the next attempt.
    case waiting(Duration)
    /// The peer refused for a reason retrying cannot fix; the link gives up.
    case gaveUp(SyncError)

    public var description: String {
        switch self {
        case .dialling(let attempt): attempt == 1 ? "connecting" : "reconnecting (attempt \(attempt))"
        case .ended(let outcome):
            if let error = outcome.error { "disconnected: \(error)" } else { "disconnected" }
        case .failed(let reason): "connection failed: \(reason)"
        case .waiting(let delay): "retrying in \(delay)"
        case .gaveUp(let error): "giving up: \(error)"
        }
    }
}

extension SyncHost {
    /// Keeps one outgoing connection up until the task is cancelled: dials, serves the
    /// connection until it ends, waits with ``Backoff``, dials again.
    ///
    /// A reconnect is a new session whose hello carries this side's version vector, so
    /// everything the peer lacks — edits made while offline, kept in the source — flows at
    /// once, and nothing it acknowledged is sent again.
    ///
    /// ```swift
    /// let error = await host.maintainLink { event in log(event) } dial: {
    ///     try await WebSocketDialer(url: url).connect(host)
    /// }
    /// ```
    ///
    /// - Parameter dial: connects and serves one connection (with ``serve(frames:sink:policy:)``),
    ///   returning its outcome, or throws if the transport could not connect.
    /// - Returns: the fatal error that made the link give up (``ConnectionOutcome/isFatal``),
    ///   or `nil` once the task is cancelled.
    public nonisolated func maintainLink(
        backoff: Backoff = Backoff(), onEvent: @Sendable (LinkEvent) -> Void = { _ in },
        dial: @Sendable () async throws -> ConnectionOutcome
    ) async -> SyncError? {
        var failures = 0
        while !Task.isCancelled {
            onEvent(.dialling(attempt: failures + 1))
            do {
                let outcome = try await dial()
                onEvent(.ended(outcome))
                if let error = outcome.error, outcome.isFatal {
                    onEvent(.gaveUp(error))
                    return error
                }
                // A session that got through its handshake proves the path works: start over.
                failures = outcome.peer == nil ? failures + 1 : 1
            } catch {
                if Task.isCancelled { break }
                onEvent(.failed("\(error)"))
                failures += 1
            }
            let delay = backoff.delay(afterFailures: failures)
            onEvent(.waiting(delay))
            do {
                try await Task.sleep(for: delay)
            } catch {
                break
            }
        }
        return nil
    }

    /// Tells the host about every local edit of `shared` until the task is cancelled.
    ///
    /// Remote changes applied through the host's own source are not local and are fanned out
    /// by the room itself.
    public nonisolated func forwardLocalChanges(of shared: SharedDocument) async {
        let batches = shared.events()
        // Edits made before the subscription existed would otherwise wait for the next one.
        await localChangesAvailable()
        for await batch in batches where batch.isLocal {
            await localChangesAvailable()
        }
    }
}
