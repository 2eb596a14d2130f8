import TesseraCore
@testable import TesseraSync

/// Two sessions wired back to back, each with its own source, delivering frames in order
/// (optionally losing some) at a virtual time the test controls.
struct SessionPair<A: SyncSource, B: SyncSource> {
    var a: SyncSession
    var b: SyncSession
    var sourceA: A
    var sourceB: B
    var now = SyncInstant.zero
    /// Frames in flight: `true` for frames going to B.
    var wire: [(toB: Bool, frame: [UInt8])] = []
    /// Every action either side produced, for inspection.
    var actionsA: [SyncAction] = []
    var actionsB: [SyncAction] = []
    /// Frames from A that the test wants lost (by index of A's `changes` frames).
    var dropChangesFromA: Set<Int> = []
    var changesFramesFromA = 0

    init(a: SyncConfiguration, sourceA: A, b: SyncConfiguration, sourceB: B) {
        self.a = SyncSession(configuration: a)
        self.b = SyncSession(configuration: b)
        self.sourceA = sourceA
        self.sourceB = sourceB
    }

    mutating func start() {
        emitA(a.handle(.start, now: now, source: &sourceA))
        emitB(b.handle(.start, now: now, source: &sourceB))
    }

    mutating func emitA(_ actions: [SyncAction]) {
        actionsA += actions
        for case .send(let message) in actions {
            if case .changes = message {
                defer { changesFramesFromA += 1 }
                if dropChangesFromA.contains(changesFramesFromA) { continue }
            }
            wire.append((true, message.encoded()))
        }
    }

    mutating func emitB(_ actions: [SyncAction]) {
        actionsB += actions
        for case .send(let message) in actions { wire.append((false, message.encoded())) }
    }

    /// Delivers frames until none is in flight (at most `limit` frames).
    mutating func pump(limit: Int = 10_000) {
        var count = 0
        while !wire.isEmpty, count < limit {
            let (toB, frame) = wire.removeFirst()
            if toB { emitB(b.handle(.frame(frame), now: now, source: &sourceB)) } else { emitA(a.handle(.frame(frame), now: now, source: &sourceA)) }
            count += 1
        }
    }

    /// Advances time to `instant`, ticking both sessions, and pumps.
    mutating func advance(to instant: SyncInstant) {
        now = instant
        emitA(a.handle(.tick, now: now, source: &sourceA))
        emitB(b.handle(.tick, now: now, source: &sourceB))
        pump()
    }

    /// Ticks at every deadline until `end`.
    mutating func run(until end: SyncInstant) {
        pump()
        while true {
            let next = [a.nextDeadline, b.nextDeadline].compactMap { $0 }.filter { $0 > now }.min()
            guard let next, next <= end else { break }
            advance(to: next)
        }
        advance(to: end)
    }

    /// The messages A sent, in order.
    var sentByA: [Message] { actionsA.compactMap { if case .send(let m) = $0 { m } else { nil } } }
    var sentByB: [Message] { actionsB.compactMap { if case .send(let m) = $0 { m } else { nil } } }
}

extension SyncSession {
    /// A test shorthand.
    static func config(_ replica: ReplicaID, document: String = "doc", sealed: Bool = false) -> SyncConfiguration {
        SyncConfiguration(documentID: document, replica: replica, capabilities: sealed ? [.presence, .sealed] : [.presence])
    }
}

func millis(_ value: Int64) -> SyncInstant { SyncInstant(.milliseconds(value)) }
