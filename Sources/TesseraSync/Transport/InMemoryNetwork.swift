/// A simulated network for tests and simulations: endpoints, connections between them, and
/// frames delivered after a delay — or dropped, duplicated, reordered, or cut off by a
/// partition — all decided by a seeded random generator, so a run is reproducible from its seed.
///
/// The network is a value with virtual time: the caller sends frames at a time, and asks
/// for the events due up to a time (``nextEvent(upTo:)``) in delivery order. It moves bytes
/// only; ``SyncRoom``s or ``SyncSession``s on each endpoint make sense of them.
///
/// ```swift
/// var network = InMemoryNetwork(seed: 42, faults: .init(dropRate: 0.05, maximumDelay: .milliseconds(80)))
/// let link = network.connect(alice, relay, now: now)!
/// network.send(frame, on: link, from: alice, now: now)
/// while let event = network.nextEvent(upTo: now) { … }
/// ```
///
/// Faults model an unreliable datagram path (or a broken proxy): a real WebSocket either
/// delivers every frame in order or closes. A partition silently drops every frame between
/// its sides, like a cable pulled out, so sessions notice only through their timeouts; new
/// connections across it are refused until ``heal()``.
public struct InMemoryNetwork: Sendable {
    /// One participant on the network.
    public struct Endpoint: Hashable, Comparable, Sendable, CustomStringConvertible {
        /// The raw value.
        public let rawValue: Int
        /// Wraps a raw value.
        public init(_ rawValue: Int) { self.rawValue = rawValue }
        public static func < (lhs: Endpoint, rhs: Endpoint) -> Bool { lhs.rawValue < rhs.rawValue }
        public var description: String { "endpoint \(rawValue)" }
    }

    /// What can go wrong, and how slow the network is.
    public struct Faults: Hashable, Sendable {
        /// The probability that a frame is lost.
        public var dropRate: Double
        /// The probability that a frame arrives twice.
        public var duplicateRate: Double
        /// The shortest delivery delay.
        public var minimumDelay: Duration
        /// The longest delivery delay; each frame's delay is uniform in between.
        public var maximumDelay: Duration
        /// Whether frames on one connection may overtake each other (otherwise each direction
        /// of a connection is first-in first-out, whatever the delays).
        public var reorders: Bool

        /// Creates a fault model.
        public init(
            dropRate: Double = 0, duplicateRate: Double = 0, minimumDelay: Duration = .milliseconds(1),
            maximumDelay: Duration = .milliseconds(1), reorders: Bool = false
        ) {
            self.dropRate = dropRate
            self.duplicateRate = duplicateRate
            self.minimumDelay = minimumDelay
            self.maximumDelay = max(maximumDelay, minimumDelay)
            self.reorders = reorders
        }

        /// A perfect network with a 1 ms delay.
        public static let none = Faults()
    }

    /// Something that happens at an endpoint.
    public enum Event: Hashable, Sendable {
        /// `frame` arrives at `endpoint` on `connection`.
        case frame([UInt8], connection: ConnectionID, endpoint: Endpoint)
        /// The other side closed `connection`; `endpoint` learns it now.
        case closed(connection: ConnectionID, endpoint: Endpoint)
    }

    /// Counters, to check what a run went through.
    public struct Statistics: Hashable, Sendable {
        /// Frames handed to ``send(_:on:from:now:)``.
        public var framesSent = 0
        /// Frames delivered (duplicates included).
        public var framesDelivered = 0
        /// Frames lost to ``Faults/dropRate``.
        public var framesDropped = 0
        /// Extra copies made by ``Faults/duplicateRate``.
        public var framesDuplicated = 0
        /// Frames lost to a partition.
        public var framesPartitioned = 0
        /// Bytes handed to ``send(_:on:from:now:)``.
        public var bytesSent = 0
    }

    private struct Connection: Sendable {
        var a: Endpoint
        var b: Endpoint
        var isOpen = true
        /// The latest delivery time scheduled per direction (for first-in first-out delivery).
        var lastDeliveryToA = SyncInstant.zero
        var lastDeliveryToB = SyncInstant.zero
    }

    private struct Scheduled: Sendable {
        var time: SyncInstant
        var sequence: UInt64
        var event: Event
        var from: Endpoint?

        func precedes(_ other: Scheduled) -> Bool { (time, sequence) < (other.time, other.sequence) }
    }

    /// The fault model; may be changed between steps (e.g. faults off to let a run settle).
    public var faults: Faults
    /// Counters.
    public private(set) var statistics = Statistics()

    private var random: SplitMix64
    private var connections: [ConnectionID: Connection] = [:]
    private var nextConnection: UInt64 = 1
    private var nextSequence: UInt64 = 0
    /// A binary min-heap of pending events by (time, sequence).
    private var queue: [Scheduled] = []
    /// Endpoint → partition group; endpoints in different groups cannot reach each other.
    private var groups: [Endpoint: Int] = [:]

    /// A network whose every random decision derives from `seed`.
    public init(seed: UInt64, faults: Faults = .none) {
        random = SplitMix64(seed: seed)
        self.faults = faults
    }

    // MARK: - Connections

    /// Opens a connection between `a` and `b`, or returns `nil` if a partition separates them.
    public mutating func connect(_ a: Endpoint, _ b: Endpoint, now: SyncInstant) -> ConnectionID? {
        guard canReach(a, b) else { return nil }
        let id = ConnectionID(nextConnection)
        nextConnection += 1
        connections[id] = Connection(a: a, b: b, lastDeliveryToA: now, lastDeliveryToB: now)
        return id
    }

    /// The two endpoints of `connection`.
    public func endpoints(of connection: ConnectionID) -> (Endpoint, Endpoint)? {
        connections[connection].map { ($0.a, $0.b) }
    }

    /// The other endpoint of `connection`, seen from `endpoint`.
    public func peer(of endpoint: Endpoint, on connection: ConnectionID) -> Endpoint? {
        guard let c = connections[connection] else { return nil }
        return c.a == endpoint ? c.b : c.a
    }

    /// Whether `connection` is open (neither side closed it).
    public func isOpen(_ connection: ConnectionID) -> Bool { connections[connection]?.isOpen ?? false }

    /// The open connections, sorted.
    public var openConnections: [ConnectionID] { connections.filter(\.value.isOpen).keys.sorted() }

    /// `endpoint` closes `connection`: frames in flight are still delivered, then the other
    /// side learns of the close (if no partition is in the way — then only its timeout tells).
    public mutating func close(_ connection: ConnectionID, from endpoint: Endpoint, now: SyncInstant) {
        guard var c = connections[connection], c.isOpen else { return }
        c.isOpen = false
        let other = c.a == endpoint ? c.b : c.a
        let time = max(now + faults.maximumDelay, other == c.a ? c.lastDeliveryToA : c.lastDeliveryToB)
        connections[connection] = c
        schedule(Scheduled(time: time, sequence: 0, event: .closed(connection: connection, endpoint: other), from: endpoint))
    }

    // MARK: - Partitions

    /// Splits the network: endpoints in different groups cannot reach each other. Endpoints
    /// not listed form one more group together.
    public mutating func partition(_ groups: [[Endpoint]]) {
        self.groups = [:]
        for (index, group) in groups.enumerated() {
            for endpoint in group { self.groups[endpoint] = index + 1 }
        }
    }

    /// Ends every partition.
    public mutating func heal() { groups = [:] }

    /// Whether frames can pass between `a` and `b`.
    public func canReach(_ a: Endpoint, _ b: Endpoint) -> Bool { groups[a, default: 0] == groups[b, default: 0] }

    // MARK: - Frames

    /// Sends `frame` from `endpoint` on `connection`; it arrives after a random delay, unless
    /// it is dropped (and perhaps twice). Frames on a closed connection vanish.
    public mutating func send(_ frame: [UInt8], on connection: ConnectionID, from endpoint: Endpoint, now: SyncInstant) {
        guard var c = connections[connection], c.isOpen else { return }
        statistics.framesSent += 1
        statistics.bytesSent += frame.count
        let destination = c.a == endpoint ? c.b : c.a
        guard canReach(endpoint, destination) else {
            statistics.framesPartitioned += 1
            return
        }
        if chance(faults.dropRate) {
            statistics.framesDropped += 1
            return
        }
        let copies = chance(faults.duplicateRate) ? 2 : 1
        statistics.framesDuplicated += copies - 1
        for _ in 0..<copies {
            var time = now + delay()
            if !faults.reorders {
                let last = destination == c.a ? c.lastDeliveryToA : c.lastDeliveryToB
                time = max(time, last)
            }
            if destination == c.a { c.lastDeliveryToA = max(c.lastDeliveryToA, time) } else { c.lastDeliveryToB = max(c.lastDeliveryToB, time) }
            schedule(Scheduled(time: time, sequence: 0, event: .frame(frame, connection: connection, endpoint: destination), from: endpoint))
        }
        connections[connection] = c
    }

    /// When the next event is due, if any.
    public var nextEventTime: SyncInstant? { queue.first?.time }

    /// The number of events in flight.
    public var pendingEventCount: Int { queue.count }

    /// Removes and returns the earliest event due at or before `now`. Frames whose path a
    /// partition cut while they were in flight are dropped on the way.
    public mutating func nextEvent(upTo now: SyncInstant) -> Event? {
        while let first = queue.first, first.time <= now {
            let scheduled = popFirst()
            let endpoint: Endpoint
            switch scheduled.event {
            case .frame(_, _, let to), .closed(_, let to): endpoint = to
            }
            if let from = scheduled.from, !canReach(from, endpoint) {
                statistics.framesPartitioned += 1
                continue
            }
            if case .frame = scheduled.event { statistics.framesDelivered += 1 }
            return scheduled.event
        }
        return nil
    }

    // MARK: - Internals

    private mutating func chance(_ probability: Double) -> Bool {
        guard probability > 0 else { return false }
        return Double(random.next() >> 11) * 0x1p-53 < probability
    }

    private mutating func delay() -> Duration {
        let low = faults.minimumDelay
        let spread = faults.maximumDelay - low
        guard spread > .zero else { return low }
        let unit = Double(random.next() >> 11) * 0x1p-53
        return low + spread * unit
    }

    private mutating func schedule(_ item: Scheduled) {
        var item = item
        item.sequence = nextSequence
        nextSequence += 1
        queue.append(item)
        var child = queue.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard queue[child].precedes(queue[parent]) else { break }
            queue.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func popFirst() -> Scheduled {
        let first = queue[0]
        let last = queue.removeLast()
        guard !queue.isEmpty else { return first }
        queue[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < queue.count, queue[left].precedes(queue[smallest]) { smallest = left }
            if right < queue.count, queue[right].precedes(queue[smallest]) { smallest = right }
            if smallest == parent { break }
            queue.swapAt(parent, smallest)
            parent = smallest
        }
        return first
    }
}

/// SplitMix64: a tiny, fast, seedable generator (not cryptographic), so simulated faults
/// are reproducible from a seed.
struct SplitMix64: RandomNumberGenerator, Sendable {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
