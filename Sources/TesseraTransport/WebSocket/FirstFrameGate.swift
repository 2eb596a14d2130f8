import Synchronization

/// Holds a server-side connection's first outgoing frame until the client's first frame has
/// arrived.
///
/// Why: the WebSocket client we use (swift-websocket over NIO's typed HTTP upgrade handler)
/// can lose the frames that arrive in the same read as the `101 Switching Protocols`
/// response, and then stop reading altogether — it then sees neither those frames nor the
/// connection closing. A client that has sent a frame has finished its upgrade, so writing
/// after that is safe. Every Tessera peer sends its hello first thing; for a client that
/// sends nothing the frames go out after ``timeout`` anyway.
final class FirstFrameGate: Sendable {
    /// The longest a first frame is held back.
    static let timeout = Duration.seconds(5)

    private let isOpen = Atomic<Bool>(false)

    /// The client's first frame arrived (or its inbound side ended).
    func open() {
        isOpen.store(true, ordering: .releasing)
    }

    /// Returns once the gate is open or ``timeout`` passed. Polls: it waits once per
    /// connection, usually for less than a millisecond.
    func wait() async {
        let deadline = ContinuousClock.now + Self.timeout
        while !isOpen.load(ordering: .acquiring), ContinuousClock.now < deadline, !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(1))
        }
        open()
    }

    /// Whether the first frame has arrived.
    var isOpened: Bool { isOpen.load(ordering: .acquiring) }
}
