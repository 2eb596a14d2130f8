import Logging
import TesseraCanvas
import TesseraCore
import TesseraSync

/// The AI as a participant: a replica with its own ID, name and presence that watches the
/// board's `ai` map, takes part in the relay election, and answers the requests it wins.
///
/// Attach one to a ``TesseraCanvas/LiveBoard`` whose document is the agent's *own* replica
/// (a fork with a fresh ID, synced with the room like any peer) and to a
/// ``PresenceChannel``; `tessera join --agent` and `tessera serve --agent` do exactly that.
///
/// ```swift
/// let agentBoard = LiveBoard(roomBoard.fork(origin: .agent("Tessa")))   // its own replica
/// let presence = LocalPresenceChannel(replica: agentBoard.board.replica)
/// let model = try ChatCompletionsClient(configuration: .fromEnvironment())
/// let agent = AgentParticipant(board: agentBoard, identity: AgentIdentity(name: "Tessa"),
///                              model: model, presence: presence)
/// await agent.start()
/// …
/// await agent.stop()
/// await model.shutdown()
/// ```
///
/// On every tick (each second, and whenever remote changes arrive) the participant:
/// 1. reads who is present — the candidates are agents (`actor == .agent`) not `away`, plus
///    itself while its model is reachable;
/// 2. asks the ``RelayElection`` what to do about each request: claim it (reverting what
///    earlier attempts did, then running an ``AgentRunner``), renew its lease, stop a run
///    that lost, or wait;
/// 3. discards the edits of answers that do not count (after a partition, or from an
///    abandoned attempt), when it is the request's elected replica or the author of those
///    edits.
///
/// While it runs a request its presence says `working on "<prompt>"` and its cursor follows
/// the shape it last touched.
public actor AgentParticipant {
    /// The board the agent edits (its own replica).
    public nonisolated let board: LiveBoard
    /// Its name and colour.
    public nonisolated let identity: AgentIdentity
    /// Its replica ID.
    public nonisolated let replica: ReplicaID
    /// The origin name its edits carry (`name@replica`).
    public nonisolated let originName: String
    /// How it works.
    public nonisolated let settings: AgentSettings

    private let model: any ChatModel
    private let presence: any PresenceChannel
    private let clock: any AgentClock
    private let election: RelayElection
    private let logger: Logger

    private struct Run {
        var attempt: Int
        var task: Task<Void, Never>
        var prompt: String
    }

    private var runs: [RequestID: Run] = [:]
    /// Agent origin names seen editing for each request (from the document's history).
    private var observed: [RequestID: Set<String>] = [:]
    /// How many agent changes were seen per request (so late edits trigger a new check).
    private var editCounts: [RequestID: Int] = [:]
    /// What each request looked like when it was last checked for edits to discard.
    private var checked: [RequestID: DiscardCheck] = [:]

    /// The inputs of a discard decision: when none changed, checking again is pointless.
    private struct DiscardCheck: Hashable {
        var status: AgentRequest.Status
        var kept: AgentRequest.Answer?
        var answerMessage: MessageID?
        var edits: Int
        var elected: Bool
    }
    /// How far the history has been scanned for agent origins.
    private var scanned = VersionVector()
    private var startedAt: Int64?
    private var unreachableUntil: Int64?
    private var cursor: ShapeID?
    private var lastRecord: PresenceRecord?
    private var lastPublishedAt: Int64?
    private var loop: Task<Void, Never>?
    private var listener: Task<Void, Never>?

    /// Creates a participant; it does nothing until ``start()`` or ``tick()``.
    public init(
        board: LiveBoard, identity: AgentIdentity = AgentIdentity(), model: any ChatModel, presence: any PresenceChannel,
        settings: AgentSettings = AgentSettings(), clock: any AgentClock = SystemAgentClock(),
        logger: Logger = Logger(label: "tessera.agent")
    ) {
        self.board = board
        self.identity = identity
        self.model = model
        self.presence = presence
        self.settings = settings
        self.clock = clock
        self.logger = logger
        let replica = board.shared.read { $0.replica }
        self.replica = replica
        originName = identity.originName(on: replica)
        election = RelayElection(policy: settings.election)
    }

    /// The origin of the agent's bookkeeping writes (claims, answers, discards): an agent
    /// origin with no request, so rejecting a request never reverts its record.
    public nonisolated var bookkeepingOrigin: Origin { Origin(actor: .agent, name: originName) }

    // MARK: Lifecycle

    /// Starts ticking: every ``AgentSettings/tickInterval`` and whenever remote changes arrive.
    public func start() {
        guard loop == nil else { return }
        let interval = settings.tickInterval
        let clock = self.clock
        loop = Task { [weak self] in
            while !Task.isCancelled {
                await self?.tick()
                do { try await clock.sleep(for: interval) } catch { return }
            }
        }
        let events = board.shared.events(bufferLimit: 64)
        listener = Task { [weak self] in
            for await batch in events where !batch.isLocal {
                guard let self else { return }
                await self.tick()
            }
        }
    }

    /// Stops ticking, cancels running requests (their claims lapse and another agent takes
    /// over), and announces the agent as away.
    public func stop() async {
        loop?.cancel()
        listener?.cancel()
        loop = nil
        listener = nil
        let tasks = runs.values.map(\.task)
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
        runs.removeAll()
        await publishPresence(status: .away)
    }

    /// Waits until every running request has finished.
    public func waitUntilIdle() async {
        while let (id, run) = runs.first {
            await run.task.value
            // `finish` has removed it by now; never spin on a run that somehow was not.
            if runs[id]?.task == run.task { runs[id] = nil }
        }
    }

    /// The requests running now.
    public var runningRequests: [RequestID] { runs.keys.sorted() }

    /// Rejects request `id` as this agent (see ``AgentRequests/reject(_:in:as:)``); a person
    /// rejects from their own board with ``TesseraCanvas/LiveBoard/rejectRequest(_:as:)``.
    public func rejectRequest(_ id: RequestID) throws(AgentError) {
        runs[id]?.task.cancel()
        try AgentRequests.reject(id, in: board, as: bookkeepingOrigin)
    }

    // MARK: Ticking

    /// Looks at every request once and acts: claims, renews, stops, discards. Called by the
    /// started loop; call it directly to drive the agent step by step (tests, simulations).
    public func tick() async {
        let now = clock.now()
        if startedAt == nil {
            startedAt = now
            await publishPresence(status: .idle)
        }
        if let last = lastPublishedAt, now - last >= milliseconds(settings.presenceRefreshInterval) {
            await publishPresence(status: lastStatus, refresh: true)
        }
        let entries = await presence.participants().filter { $0.replica != replica }
        let healthy = unreachableUntil.map { now >= $0 } ?? true
        if healthy, unreachableUntil != nil {
            unreachableUntil = nil
            await publishPresence(status: runs.isEmpty ? .idle : lastStatus)
        }
        var eligible = Set(entries.filter { $0.record.actor == .agent && $0.record.status != .away }.map(\.replica))
        if healthy { eligible.insert(replica) }
        let settled = now - (startedAt ?? now) >= milliseconds(settings.election.presenceGrace)
        scanHistory()
        let document = board.shared.document
        for request in AgentRequests.all(in: document) {
            let decision = election.decide(
                request, for: replica, eligible: eligible, now: now, presenceSettled: settled, running: runs[request.id]?.attempt)
            switch decision {
            case .claim(let attempt, let replacing):
                claim(request, attempt: attempt, replacing: replacing, now: now, participants: entries.map(\.record))
            case .renew(let leaseExpires):
                renew(request.id, to: leaseExpires)
            case .stop(let reason):
                stopRun(request.id, reason: reason)
            case .idle, .wait, .keepRunning:
                break
            }
            discardIfResponsible(request, eligible: eligible)
        }
    }

    /// Records which agent origins edited for which request since the last scan.
    private func scanHistory() {
        let (changes, version) = board.shared.read { ($0.changes(since: scanned), $0.version) }
        scanned = version
        for change in changes where change.origin.actor == .agent {
            guard let request = change.origin.request else { continue }
            let id = RequestID(request)
            observed[id, default: []].insert(change.origin.name)
            editCounts[id, default: 0] += 1
        }
    }

    // MARK: Claiming and running

    private func claim(_ request: AgentRequest, attempt: Int, replacing: AgentRequest.Claim?, now: Int64, participants: [PresenceRecord]) {
        let claim = AgentRequest.Claim(
            replica: replica, attempt: attempt, leaseExpires: now.saturatingAdd(milliseconds(settings.election.leaseDuration)), origin: originName)
        let origin = bookkeepingOrigin
        let id = request.id
        let claimed: Bool = board.shared.mutate { doc in
            // Re-read under the lock: a merge may have changed the request since the tick read it.
            guard let current = AgentRequests.request(id, in: doc), current.status == request.status,
                current.claim == request.claim
            else { return (false, nil) }
            do {
                // A fresh attempt starts from a clean slate: whatever earlier attempts did
                // (a crashed claimant's half-finished edits, a failed try) is taken back.
                let reverted = try doc.revert(where: { $0.request == id.rawValue }, as: origin)
                let commit = try doc.transact(origin: origin) { (doc: inout Document) throws(DocumentError) in
                    try AgentRequests.writeClaim(claim, for: id, in: &doc)
                }
                return (true, DocumentEvents(isLocal: true, origins: [origin], events: reverted.events + commit.events))
            } catch {
                return (false, nil)
            }
        }
        guard claimed else { return }
        logger.info("claimed request", metadata: ["request": "\(id)", "attempt": "\(attempt)", "replacing": "\(replacing?.replica.description ?? "-")"])
        var current = request
        current.claim = claim
        current.status = .claimed
        let runner = AgentRunner(board: board, model: model, identity: identity, settings: settings)
        let hooks = AgentRunner.Hooks(
            shouldContinue: { [weak self] in await self?.checkpoint(id, attempt: attempt) ?? false },
            touched: { [weak self] shape in await self?.touched(shape) })
        let task = Task { [weak self, current] in
            let outcome = await runner.run(current, participants: participants, hooks: hooks)
            await self?.finish(id, attempt: attempt, outcome: outcome)
        }
        runs[id] = Run(attempt: attempt, task: task, prompt: request.prompt)
        Task { await publishPresence(status: lastStatus) }
    }

    /// Asked by a run before each step: renews the lease when due; `false` when the run lost.
    private func checkpoint(_ id: RequestID, attempt: Int) -> Bool {
        guard !Task.isCancelled, runs[id]?.attempt == attempt else { return false }
        guard let request = AgentRequests.request(id, in: board.shared.document) else { return false }
        let now = clock.now()
        switch election.decide(request, for: replica, eligible: [replica], now: now, presenceSettled: false, running: attempt) {
        case .stop(let reason):
            logger.info("stopping request", metadata: ["request": "\(id)", "reason": "\(reason)"])
            return false
        case .renew(let leaseExpires):
            renew(id, to: leaseExpires)
            return true
        default:
            return true
        }
    }

    private func renew(_ id: RequestID, to leaseExpires: Int64) {
        guard let attempt = runs[id]?.attempt else { return }
        let replica = replica
        _ = try? board.shared.transact(origin: bookkeepingOrigin) { (doc: inout Document) throws(DocumentError) in
            try AgentRequests.renewLease(to: leaseExpires, replica: replica, attempt: attempt, for: id, in: &doc)
        }
    }

    private func stopRun(_ id: RequestID, reason: RelayElection.StopReason) {
        guard let run = runs[id] else { return }
        logger.info("stopping request", metadata: ["request": "\(id)", "reason": "\(reason)"])
        run.task.cancel()
    }

    private func touched(_ shape: ShapeID) async {
        cursor = shape
        await publishPresence(status: lastStatus)
    }

    private func finish(_ id: RequestID, attempt: Int, outcome: AgentRunner.Outcome) async {
        guard runs[id]?.attempt == attempt else { return }
        runs[id] = nil
        let origin = bookkeepingOrigin
        let now = clock.now()
        let replica = replica
        let originName = originName
        switch outcome {
        case .answered(let message):
            let answer = AgentRequest.Answer(replica: replica, attempt: attempt, message: message, origin: originName, answeredAt: now)
            let recorded: Bool = board.shared.mutate { doc in
                // Still ours? A reject or a better answer may have arrived during the last step.
                guard let request = AgentRequests.request(id, in: doc),
                    election.decide(request, for: replica, eligible: [replica], now: now, presenceSettled: false, running: attempt) != .stop(.rejected),
                    !(request.keptAnswer.map { RelayElection.precedes($0, answer, for: id) } ?? false)
                else { return (false, nil) }
                guard let commit = try? doc.transact(origin: origin, { (doc: inout Document) throws(DocumentError) in
                    try AgentRequests.writeAnswer(answer, for: id, in: &doc)
                }) else { return (false, nil) }
                return (true, DocumentEvents(isLocal: true, origins: [origin], events: commit.events))
            }
            if recorded {
                logger.info("answered request", metadata: ["request": "\(id)", "attempt": "\(attempt)"])
            } else {
                takeBackOwnEdits(for: id)
            }
        case .failed(_, let reason, let unreachable):
            logger.warning("request failed", metadata: ["request": "\(id)", "reason": "\(reason)"])
            _ = try? board.shared.transact(origin: origin) { (doc: inout Document) throws(DocumentError) in
                guard let request = AgentRequests.request(id, in: doc), request.status == .claimed, request.claim?.replica == replica else { return }
                try AgentRequests.writeFailure(reason, for: id, in: &doc)
            }
            if unreachable { unreachableUntil = now.saturatingAdd(milliseconds(settings.unreachableCooldown)) }
        case .stopped:
            takeBackOwnEdits(for: id)
        }
        await publishPresence(status: lastStatus)
    }

    /// Reverts this agent's edits for a request it lost or abandoned.
    private func takeBackOwnEdits(for id: RequestID) {
        let origin = bookkeepingOrigin
        let originName = originName
        board.shared.mutate { doc in
            let events = (try? AgentRequests.discard(origins: [originName], of: id, in: &doc, as: origin)) ?? []
            return ((), DocumentEvents(isLocal: true, origins: [origin], events: events))
        }
    }

    // MARK: Discarding answers that do not count

    private func discardIfResponsible(_ request: AgentRequest, eligible: Set<ReplicaID>) {
        let kept = request.keptAnswer
        let elected = RelayElection.elected(among: eligible, for: request.id) == replica
        // Checked again whenever an input changes: new edits arrive late, an answer is merged
        // in, or this replica becomes the elected one (e.g. the others left).
        let check = DiscardCheck(
            status: request.status, kept: kept, answerMessage: request.answerMessage, edits: editCounts[request.id] ?? 0, elected: elected)
        guard checked[request.id] != check else { return }
        checked[request.id] = check
        let discard = RelayElection.originsToDiscard(for: request, observed: observed[request.id] ?? [])
        let repointAnswer = request.status == .answered && kept != nil && request.answerMessage != kept?.message
        guard !discard.isEmpty || repointAnswer else { return }
        // The request's elected replica does it, or the author of discarded edits itself;
        // if both act, the second finds nothing left to do.
        guard elected || discard.contains(originName) else { return }
        let origin = bookkeepingOrigin
        let id = request.id
        logger.info("discarding edits of answers that do not count", metadata: ["request": "\(id)", "origins": "\(discard.sorted())"])
        board.shared.mutate { doc in
            var events = (try? AgentRequests.discard(origins: discard, of: id, in: &doc, as: origin)) ?? []
            if repointAnswer, let kept, let commit = try? doc.transact(origin: origin, { (doc: inout Document) throws(DocumentError) in
                try AgentRequests.writeKeptAnswer(kept.message, for: id, in: &doc)
            }) {
                events += commit.events
            }
            return ((), DocumentEvents(isLocal: true, origins: [origin], events: events))
        }
    }

    // MARK: Presence

    private var lastStatus: PresenceRecord.Status {
        if let unreachableUntil, clock.now() < unreachableUntil { return .away }
        guard let run = runs.values.first else { return .idle }
        return .working(on: "\"\(AgentContext.excerpt(run.prompt, limit: 60))\"")
    }

    private func publishPresence(status: PresenceRecord.Status, refresh: Bool = false) async {
        let record = PresenceRecord(
            displayName: identity.name, color: identity.color, actor: .agent, cursor: cursor.map { .shape($0.rawValue) }, status: status)
        guard refresh || record != lastRecord else { return }
        lastRecord = record
        lastPublishedAt = clock.now()
        await presence.publish(record)
    }
}

extension LiveBoard {
    /// Rejects AI request `id`: reverts everything it did, keeping later edits by others,
    /// and marks it rejected (see ``AgentRequests/reject(_:in:as:)``).
    ///
    /// ```swift
    /// try live.rejectRequest("12@2f1a3b4c5d6e7f81")
    /// ```
    public func rejectRequest(_ id: RequestID, as origin: Origin? = nil) throws(AgentError) {
        try AgentRequests.reject(id, in: self, as: origin)
    }
}

extension Board {
    /// Rejects AI request `id` on a board value (see ``TesseraCanvas/LiveBoard/rejectRequest(_:as:)``).
    public mutating func rejectRequest(_ id: RequestID, as origin: Origin? = nil) throws(AgentError) {
        try AgentRequests.reject(id, in: &self, as: origin)
    }
}
