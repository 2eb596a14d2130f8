import TesseraCore

/// The sync protocol for one connection, as a state machine: events in, actions out.
///
/// The session is a value with no I/O and no clock: every event carries the time, and every
/// method returns the ``SyncAction``s for the driver to perform (send a frame, integrate
/// envelopes, update presence, close). It reads the ``SyncSource`` it is given — a
/// document for a replica, an ``EnvelopeStore`` for a relay — but never mutates it.
///
/// The protocol:
/// 1. On connect both sides send `hello` (``start(now:source:)``).
/// 2. On the peer's hello, each side checks protocol version, document ID, replica ID and
///    sealing, then sends every envelope the peer's version vector lacks.
/// 3. Afterwards local changes stream as they happen, coalesced for ``SyncConfiguration/flushInterval``
///    or until ``SyncConfiguration/flushThreshold`` bytes are pending.
/// 4. The receiver acknowledges with its version vector; acknowledged bytes leave the
///    in-flight window. At most ``SyncConfiguration/maxBytesInFlight`` bytes are
///    unacknowledged: beyond that the session waits for an ack (backpressure).
/// 5. A reconnect is a new session: the hellos' version vectors make it resume exactly
///    where the peer stands, so nothing acknowledged is sent again.
///
/// Anything invalid — another protocol version or document, an oversized or malformed
/// frame, envelopes that fail to open — is answered with an `error` message and a close.
///
/// ```swift
/// var session = SyncSession(configuration: SyncConfiguration(documentID: "plan", replica: doc.replica))
/// var source = DocumentSource(doc)
/// var actions = session.handle(.start, now: now, source: &source)
/// // …send the frames in `actions`; for every frame received:
/// actions = session.handle(.frame(frame), now: now, source: &source)
/// ```
public struct SyncSession: Sendable {
    /// Where the session is in its life.
    public enum State: Hashable, Sendable {
        /// Not started yet.
        case idle
        /// Hello sent, waiting for the peer's.
        case handshaking
        /// Both hellos exchanged: changes flow.
        case established
        /// Ended; every further event is ignored.
        case closed
    }

    /// Counters for tests, metrics and logs.
    public struct Statistics: Hashable, Sendable {
        /// Frames sent, of any type.
        public var framesSent = 0
        /// Frames received, of any type.
        public var framesReceived = 0
        /// Envelopes sent in `changes` frames (including resends).
        public var envelopesSent = 0
        /// Encoded bytes of the envelopes sent.
        public var envelopeBytesSent = 0
        /// Envelopes received in `changes` frames.
        public var envelopesReceived = 0
        /// Times unacknowledged envelopes were sent again after ``SyncConfiguration/resendTimeout``.
        public var resends = 0
        /// Acks sent.
        public var acksSent = 0
    }

    /// A `changes` frame waiting for its acknowledgement.
    struct InFlight: Sendable {
        var bytes: Int
        /// The last operation of each replica the frame carried.
        var covers: VersionVector
    }

    /// The configuration.
    public let configuration: SyncConfiguration
    /// Where the session is.
    public private(set) var state = State.idle
    /// The peer's hello, once received.
    public private(set) var peer: Hello?
    /// What the peer has confirmed having: its hello's version vector joined with its acks.
    /// A driver may persist it to know which local changes a relay holds.
    public private(set) var acknowledgedVersion = VersionVector()
    /// What the peer certainly has: ``acknowledgedVersion`` joined with the operations the
    /// peer sent itself. When it dominates the source's version, the peer has everything
    /// this side has.
    public var peerVersion: VersionVector { peerHas }
    /// Encoded bytes of `changes` frames sent but not acknowledged.
    public private(set) var bytesInFlight = 0
    /// Counters.
    public private(set) var statistics = Statistics()

    /// What the peer certainly has: acknowledged, or sent by the peer itself.
    private var peerHas = VersionVector()
    /// ``peerHas`` plus what was sent and is in flight: the session sends what this lacks.
    private var peerKnown = VersionVector()
    private var inFlight: [InFlight] = []
    /// The peer may lack something: set by local changes, cleared when a flush finds nothing.
    private var needsFlush = false
    /// When pending local changes must go out.
    private var flushDue: SyncInstant?
    /// Bytes announced with ``localChangesAvailable(now:source:addedBytes:)`` since the last flush.
    private var pendingBytes = 0
    /// When the pending acknowledgement must go out.
    private var ackDue: SyncInstant?
    private var startedAt = SyncInstant.zero
    private var lastSent = SyncInstant.zero
    private var lastReceived = SyncInstant.zero
    /// When the in-flight window last made progress (or became non-empty).
    private var progressAt = SyncInstant.zero
    private var nextPing: UInt64 = 1
    /// Presence to send once the handshake is done, latest per participant.
    private var pendingPresence: [ReplicaID: PresenceUpdate] = [:]
    /// Participants whose presence came through this session (dropped when it ends).
    private var presenceReplicas: Set<ReplicaID> = []

    /// A session in the ``State/idle`` state.
    public init(configuration: SyncConfiguration) {
        self.configuration = configuration
    }

    /// The earliest time at which ``tick(now:source:)`` has something to do, or `nil` if
    /// nothing is scheduled. A driver sleeps until then (or until a frame arrives).
    public var nextDeadline: SyncInstant? {
        switch state {
        case .idle, .closed:
            return nil
        case .handshaking:
            return startedAt + configuration.handshakeTimeout
        case .established:
            var deadline = min(lastReceived + configuration.idleTimeout, lastSent + configuration.pingInterval)
            if let flushDue, !isBlocked { deadline = min(deadline, flushDue) }
            if let ackDue { deadline = min(deadline, ackDue) }
            if !inFlight.isEmpty { deadline = min(deadline, progressAt + configuration.resendTimeout) }
            return deadline
        }
    }

    /// Whether the in-flight window is full (the session waits for an ack before sending more).
    public var isBlocked: Bool { bytesInFlight > 0 && bytesInFlight >= configuration.maxBytesInFlight }

    // MARK: - Events

    /// The connection is open: sends this side's hello.
    public mutating func start(now: SyncInstant, source: some SyncSource) -> [SyncAction] {
        guard state == .idle else { return [] }
        state = .handshaking
        startedAt = now
        lastReceived = now
        var actions: [SyncAction] = []
        send(.hello(Hello(
            documentID: configuration.documentID, replica: configuration.replica, version: source.version,
            capabilities: configuration.capabilities, maxFrameBytes: UInt32(clamping: configuration.limits.maxFrameBytes))),
             now: now, into: &actions)
        return actions
    }

    /// A frame arrived: checks its size, decodes it and handles the message.
    ///
    /// An oversized or malformed frame ends the session with an `error` message.
    public mutating func receive(frame: [UInt8], now: SyncInstant, source: some SyncSource) -> [SyncAction] {
        guard state != .closed else { return [] }
        guard frame.count <= configuration.limits.maxFrameBytes else {
            return fail(.frameTooLarge(size: frame.count, limit: configuration.limits.maxFrameBytes))
        }
        let message: Message
        do {
            message = try Message(decoding: frame, limits: configuration.limits)
        } catch {
            return fail(.malformedFrame(error))
        }
        return receive(message, now: now, source: source)
    }

    /// A message arrived.
    ///
    /// A session that was not started starts first (a listener may get the peer's hello
    /// before it says its own). Messages other than `hello`, `error` and `ping` that arrive
    /// before the peer's hello are ignored: only an unordered transport delivers them, and
    /// the resend timer recovers their content.
    public mutating func receive(_ message: Message, now: SyncInstant, source: some SyncSource) -> [SyncAction] {
        var actions = state == .idle ? start(now: now, source: source) : []
        guard state != .closed else { return actions }
        lastReceived = now
        statistics.framesReceived += 1
        switch message {
        case .hello(let hello):
            actions += receiveHello(hello, now: now, source: source)
        case .changes(let envelopes):
            guard state == .established else { break }
            actions += receiveChanges(envelopes, now: now)
        case .ack(let version):
            guard state == .established else { break }
            // An ack that reopens a full window resumes sending at once; otherwise pending
            // changes keep waiting for their coalescing deadline (a relay gets an ack from
            // every client every few tens of milliseconds).
            let wasBlocked = isBlocked
            acknowledge(version, now: now)
            if wasBlocked, !isBlocked, needsFlush || flushDue != nil { actions += flush(now: now, source: source) }
        case .presence(let update):
            guard state == .established else { break }
            actions += receivePresence(update)
        case .error(let code, let text):
            actions += close(with: .remote(code: code, message: text), notifyPeer: false)
        case .ping(let nonce):
            send(.pong(nonce), now: now, into: &actions)
        case .pong:
            break
        }
        return actions
    }

    /// The source has changes the peer may lack: local edits, or changes that arrived on
    /// another connection (or on this one, which the session then does not echo).
    ///
    /// Changes are coalesced: they go out when ``SyncConfiguration/flushInterval`` has passed
    /// since the first pending one (at a ``tick(now:source:)``), or at once when
    /// ``SyncConfiguration/flushThreshold`` bytes are pending.
    ///
    /// - Parameter addedBytes: the encoded size of what the source just gained, when the
    ///   caller knows it (a room fanning out envelopes it integrated). The session then
    ///   counts pending bytes itself instead of asking the source for an estimate, which a
    ///   relay would otherwise compute for every connection on every incoming frame.
    public mutating func localChangesAvailable(now: SyncInstant, source: some SyncSource, addedBytes: Int? = nil) -> [SyncAction] {
        guard state != .closed else { return [] }
        needsFlush = true
        guard state == .established else { return [] }  // the handshake sends everything anyway
        let due = flushDue ?? now + configuration.flushInterval
        flushDue = due
        let pending: Int
        if let addedBytes {
            pendingBytes += addedBytes
            pending = pendingBytes
        } else {
            pending = source.estimatedByteCount(missingFrom: peerKnown)
        }
        if now >= due || pending >= configuration.flushThreshold {
            return flush(now: now, source: source)
        }
        return []
    }

    /// Time passed: flushes coalesced changes and acks that are due, resends unacknowledged
    /// changes after ``SyncConfiguration/resendTimeout`` without progress, pings an idle
    /// connection and gives up on a silent one.
    public mutating func tick(now: SyncInstant, source: some SyncSource) -> [SyncAction] {
        switch state {
        case .idle, .closed:
            return []
        case .handshaking:
            guard now - startedAt >= configuration.handshakeTimeout else { return [] }
            return fail(.timedOut("no hello within \(configuration.handshakeTimeout)"))
        case .established:
            break
        }
        if now - lastReceived >= configuration.idleTimeout {
            return fail(.timedOut("nothing received for \(configuration.idleTimeout)"))
        }
        var actions: [SyncAction] = []
        if !inFlight.isEmpty, now - progressAt >= configuration.resendTimeout {
            // Frames went missing without the connection closing (an unreliable transport):
            // forget what was sent and start again from what the peer confirmed.
            statistics.resends += 1
            inFlight.removeAll()
            bytesInFlight = 0
            peerKnown = peerHas
            needsFlush = true
            flushDue = now
        }
        if let ackDue, now >= ackDue { sendAck(now: now, source: source, into: &actions) }
        if let flushDue, now >= flushDue { actions += flush(now: now, source: source) }
        if now - lastSent >= configuration.pingInterval {
            send(.ping(nextPing), now: now, into: &actions)
            nextPing &+= 1
        }
        return actions
    }

    /// Sends this participant's presence (or another's, on a relay). Before the handshake
    /// is done the latest update per participant is kept and sent afterwards; a peer's own
    /// presence is never sent back to it.
    public mutating func publishPresence(_ update: PresenceUpdate, now: SyncInstant) -> [SyncAction] {
        switch state {
        case .closed:
            return []
        case .idle, .handshaking:
            if let queued = pendingPresence[update.replica], queued.clock > update.clock { return [] }
            pendingPresence[update.replica] = update
            return []
        case .established:
            guard update.replica != peer?.replica else { return [] }
            var actions: [SyncAction] = []
            send(.presence(update), now: now, into: &actions)
            return actions
        }
    }

    /// Ends the session with `error`: sends an `error` message to the peer, then closes.
    ///
    /// Drivers call it when performing an action fails, e.g. when ``SyncSource/integrate(_:)``
    /// throws, or when a presence update fails to open.
    public mutating func fail(_ error: SyncError) -> [SyncAction] {
        close(with: error, notifyPeer: true)
    }

    /// Closes the session normally.
    public mutating func close() -> [SyncAction] {
        close(with: nil, notifyPeer: false)
    }

    /// The transport closed (or failed): the session ends.
    public mutating func disconnected() -> [SyncAction] {
        guard state != .closed else { return [] }
        state = .closed
        return presenceRemoval()
    }

    // MARK: - Handling messages

    private mutating func receiveHello(_ hello: Hello, now: SyncInstant, source: some SyncSource) -> [SyncAction] {
        if let peer {
            // A duplicate (an unordered transport may deliver one late): it only adds knowledge.
            guard hello.replica == peer.replica, hello.documentID == peer.documentID,
                hello.capabilities == peer.capabilities, hello.protocolVersion == peer.protocolVersion
            else { return fail(.unexpectedMessage("a second hello that differs from the first")) }
            acknowledge(hello.version, now: now)
            return []
        }
        guard hello.protocolVersion == Hello.currentProtocolVersion else {
            return fail(.unsupportedProtocolVersion(local: Hello.currentProtocolVersion, remote: hello.protocolVersion))
        }
        guard hello.documentID == configuration.documentID else {
            return fail(.wrongDocument(expected: configuration.documentID, found: hello.documentID))
        }
        guard hello.replica != configuration.replica else { return fail(.duplicateReplica(hello.replica)) }
        guard hello.capabilities.contains(.sealed) == configuration.isSealed else {
            return fail(.sealingMismatch(local: configuration.isSealed, remote: hello.capabilities.contains(.sealed)))
        }
        peer = hello
        state = .established
        acknowledgedVersion = hello.version
        peerHas = hello.version
        peerKnown = hello.version
        progressAt = now
        var actions: [SyncAction] = []
        for update in pendingPresence.values.sorted(by: { $0.replica < $1.replica }) where update.replica != hello.replica {
            send(.presence(update), now: now, into: &actions)
        }
        pendingPresence = [:]
        needsFlush = true
        actions += flush(now: now, source: source)
        return actions
    }

    private mutating func receiveChanges(_ envelopes: [ChangeEnvelope], now: SyncInstant) -> [SyncAction] {
        statistics.envelopesReceived += envelopes.count
        // Decoded frames always have valid headers; messages built by a caller may not.
        for envelope in envelopes where !envelope.header.isValid { return fail(.envelope(.invalidHeader(envelope.header))) }
        for envelope in envelopes where envelope.header.isSealed != configuration.isSealed {
            // Checked here, not only when opening, so a relay (which cannot open) refuses
            // cleartext in a sealed room too.
            return fail(.envelope(envelope.header.isSealed ? .missingKey(envelope.header) : .notSealed(envelope.header)))
        }
        for envelope in envelopes {
            let header = envelope.header
            // The peer has what it sends — if it is contiguous with what it is known to have.
            if header.startCounter <= peerHas[header.replica] &+ 1, header.endCounter - 1 > peerHas[header.replica] {
                peerHas[header.replica] = header.endCounter - 1
            }
        }
        peerKnown.formUnion(peerHas)
        if ackDue == nil { ackDue = now + configuration.ackDelay }
        return envelopes.isEmpty ? [] : [.apply(envelopes)]
    }

    private mutating func acknowledge(_ version: VersionVector, now: SyncInstant) {
        acknowledgedVersion.formUnion(version)
        peerHas.formUnion(version)
        peerKnown.formUnion(version)
        let before = inFlight.count
        inFlight.removeAll { acknowledgedVersion.dominates($0.covers) }
        if inFlight.count != before || inFlight.isEmpty { progressAt = now }
        bytesInFlight = inFlight.reduce(0) { $0 + $1.bytes }
    }

    private mutating func receivePresence(_ update: PresenceUpdate) -> [SyncAction] {
        switch update.content {
        case .record where configuration.isSealed:
            return fail(.presence(.notSealed(update.replica)))
        case .sealedRecord where !configuration.isSealed:
            return fail(.presence(.missingKey(update.replica)))
        case .left:
            presenceReplicas.remove(update.replica)
        case .record, .sealedRecord:
            guard update.replica != configuration.replica else { return [] }  // our own, echoed
            presenceReplicas.insert(update.replica)
        }
        return [.updatePresence(update)]
    }

    // MARK: - Sending

    /// Sends what the peer lacks, in frames within the peer's limit, until nothing is
    /// missing or the in-flight window is full.
    private mutating func flush(now: SyncInstant, source: some SyncSource) -> [SyncAction] {
        guard state == .established, let peer else { return [] }
        flushDue = nil
        pendingBytes = 0
        var actions: [SyncAction] = []
        let frameLimit = min(configuration.limits.maxFrameBytes, Int(peer.maxFrameBytes))
        while needsFlush {
            let window = configuration.maxBytesInFlight - bytesInFlight
            if bytesInFlight > 0, window <= 0 { break }  // blocked: the next ack resumes
            let envelopes: [ChangeEnvelope]
            do {
                envelopes = try source.envelopes(missingFrom: peerKnown, byteLimit: max(1, min(window, frameLimit - 16)))
            } catch {
                return actions + fail(.source(error))
            }
            guard !envelopes.isEmpty else {
                needsFlush = false
                break
            }
            let before = peerKnown
            var batch: [ChangeEnvelope] = []
            var batchBytes = 0
            for envelope in envelopes {
                guard envelope.header.isValid else { return actions + fail(.source(.invalidHeader(envelope.header))) }
                let size = envelope.encodedByteCount
                guard Message.changesFrameSize(envelopeBytes: size, count: 1) <= frameLimit else {
                    return actions + fail(.envelopeTooLarge(envelope.header, size: size, limit: frameLimit))
                }
                if !batch.isEmpty, Message.changesFrameSize(envelopeBytes: batchBytes + size, count: batch.count + 1) > frameLimit {
                    sendChanges(batch, bytes: batchBytes, now: now, into: &actions)
                    batch.removeAll(keepingCapacity: true)
                    batchBytes = 0
                }
                batch.append(envelope)
                batchBytes += size
            }
            sendChanges(batch, bytes: batchBytes, now: now, into: &actions)
            // A source that keeps returning what the peer is known to have would loop forever.
            if peerKnown == before {
                needsFlush = false
                break
            }
        }
        return actions
    }

    private mutating func sendChanges(_ envelopes: [ChangeEnvelope], bytes: Int, now: SyncInstant, into actions: inout [SyncAction]) {
        guard !envelopes.isEmpty else { return }
        var covers = VersionVector()
        for envelope in envelopes {
            let header = envelope.header
            covers[header.replica] = max(covers[header.replica], header.endCounter - 1)
            if header.startCounter <= peerKnown[header.replica] &+ 1, header.endCounter - 1 > peerKnown[header.replica] {
                peerKnown[header.replica] = header.endCounter - 1
            }
        }
        let frameBytes = Message.changesFrameSize(envelopeBytes: bytes, count: envelopes.count)
        if inFlight.isEmpty { progressAt = now }
        inFlight.append(InFlight(bytes: frameBytes, covers: covers))
        bytesInFlight += frameBytes
        statistics.envelopesSent += envelopes.count
        statistics.envelopeBytesSent += bytes
        send(.changes(envelopes), now: now, into: &actions)
    }

    private mutating func sendAck(now: SyncInstant, source: some SyncSource, into actions: inout [SyncAction]) {
        ackDue = nil
        statistics.acksSent += 1
        send(.ack(source.version), now: now, into: &actions)
    }

    private mutating func send(_ message: Message, now: SyncInstant, into actions: inout [SyncAction]) {
        lastSent = now
        statistics.framesSent += 1
        actions.append(.send(message))
    }

    // MARK: - Closing

    private mutating func close(with error: SyncError?, notifyPeer: Bool) -> [SyncAction] {
        guard state != .closed else { return [] }
        var actions: [SyncAction] = []
        if notifyPeer, let error {
            statistics.framesSent += 1
            actions.append(.send(.error(code: error.code, message: error.description)))
        }
        state = .closed
        actions += presenceRemoval()
        actions.append(.close(error))
        return actions
    }

    private mutating func presenceRemoval() -> [SyncAction] {
        let replicas = presenceReplicas.sorted()
        presenceReplicas = []
        inFlight = []
        bytesInFlight = 0
        return replicas.isEmpty ? [] : [.removePresence(replicas)]
    }
}
