/// Polls `condition` every `interval` until it holds, giving up after `timeout` worth of
/// polls; returns whether it held. Tests assert on what they observe afterwards, never on
/// how long it took.
///
/// The limit counts polls, not wall-clock time. Under `swift test` the whole run shares a
/// cooperative pool of one thread per core, and on two cores the CPU-bound suites (trace
/// replays, seeded histories) held it for 120–290 s at a time: a real-time deadline then
/// expired while neither the test nor the replicas it waits for could run at all. Counted in
/// polls, only the time the test itself got is spent.
public func pollUntil(every interval: Duration, atMost timeout: Duration, _ condition: () async throws -> Bool) async rethrows -> Bool {
    for _ in 0..<Int(timeout / interval) {
        if try await condition() { return true }
        try? await Task.sleep(for: interval)
    }
    return try await condition()
}
