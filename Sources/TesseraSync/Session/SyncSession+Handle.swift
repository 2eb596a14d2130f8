import TesseraCore

extension SyncSession {
    /// Handles one event and performs its ``SyncAction/apply(_:)`` actions on `source`,
    /// returning only what the transport must do (send, presence, close).
    ///
    /// This is the one call a driver needs per event:
    ///
    /// ```swift
    /// let actions = session.handle(.frame(frame), now: now, source: &source)
    /// for action in actions {
    ///     switch action {
    ///     case .send(let message): try await socket.send(message.encoded())
    ///     case .updatePresence(let update): try? presence.apply(update, openedWith: key, now: now)
    ///     case .removePresence(let replicas): replicas.forEach { presence.remove($0) }
    ///     case .close: try await socket.close()
    ///     case .apply: break  // already performed
    ///     }
    /// }
    /// ```
    ///
    /// If integrating fails (a tampered sealed payload, changes the document refuses), the
    /// session ends with an `error` message and a close, and the source is unchanged. A relay
    /// or a replica with several connections compares `source.version` before and after to
    /// know whether to tell its other sessions (``SyncEvent/localChangesAvailable``).
    public mutating func handle<Source: SyncSource>(_ event: SyncEvent, now: SyncInstant, source: inout Source) -> [SyncAction] {
        let actions: [SyncAction]
        switch event {
        case .start: actions = start(now: now, source: source)
        case .frame(let frame): actions = receive(frame: frame, now: now, source: source)
        case .message(let message): actions = receive(message, now: now, source: source)
        case .localChangesAvailable: actions = localChangesAvailable(now: now, source: source)
        case .tick: actions = tick(now: now, source: source)
        case .publishPresence(let update): actions = publishPresence(update, now: now)
        case .close: actions = close()
        case .disconnected: actions = disconnected()
        }
        var result: [SyncAction] = []
        result.reserveCapacity(actions.count)
        for action in actions {
            guard case .apply(let envelopes) = action else {
                result.append(action)
                continue
            }
            do {
                try source.integrate(envelopes)
                // An ack may be due at once (an ack delay of zero).
                result += tick(now: now, source: source)
            } catch {
                result += fail(.envelope(error))
                break
            }
        }
        return result
    }
}
