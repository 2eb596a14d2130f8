import TesseraCore

/// Timing of the election: leases, renewals and the stagger between ranked candidates.
public struct ElectionPolicy: Hashable, Sendable {
    /// How long a claim holds without renewal.
    public var leaseDuration: Duration
    /// How often a running claimant renews its lease (well under ``leaseDuration``).
    public var renewalInterval: Duration
    /// How long the candidate ranked *k* waits, times *k*, before claiming a request that the
    /// better-ranked candidates left unclaimed (and after a lapsed lease). Rank 0 acts at once.
    public var claimStagger: Duration
    /// How long after an agent starts it trusts "absent from presence" to mean "gone": until
    /// then only a lapsed lease hands a request over, since a newcomer may simply not have
    /// heard from the claimant yet.
    public var presenceGrace: Duration

    /// Creates a policy.
    public init(
        leaseDuration: Duration = .seconds(30), renewalInterval: Duration = .seconds(10), claimStagger: Duration = .seconds(5),
        presenceGrace: Duration = .seconds(5)
    ) {
        self.leaseDuration = leaseDuration
        self.renewalInterval = renewalInterval
        self.claimStagger = claimStagger
        self.presenceGrace = presenceGrace
    }
}

/// Which replica answers an AI request, computed alike by every replica from the request and
/// who is present — no messages, no coordinator — and which answer counts when two did.
///
/// `RelayElection` is a pure value: ``decide(_:for:eligible:now:presenceSettled:running:)``
/// maps what this replica sees to what it should do, so every rule is tested without a
/// network or a clock.
///
/// **Who answers.** Candidates are the present replicas that can reach a model (an agent's
/// presence record has actor `.agent` and is not `.away`). They are ranked by rendezvous
/// (highest-random-weight) hashing of (request ID, replica ID): every replica computes the
/// same order, requests spread evenly over agents, and a replica joining or leaving moves
/// only the requests it wins or held. Rank 0 claims a pending request at once; rank *k*
/// claims only after *k* × ``ElectionPolicy/claimStagger`` without a claim.
///
/// **Leases and failover.** A claim carries a lease (wall-clock ms) renewed while the
/// claimant runs. When the claimant leaves (its presence is gone) the best-ranked remaining
/// candidate takes over at once; when its lease lapses, the candidates take over in rank
/// order, staggered from the lapse. A takeover is a new claim with `attempt + 1`, and the new
/// claimant first reverts every edit of earlier attempts, so it starts from a clean slate.
///
/// **One answer.** Answers are recorded per replica, so a merge after a partition shows
/// every answer. The one that counts is the one with the highest attempt — a takeover
/// supersedes the attempt it took over, whose edits it already reverted — and among equal
/// attempts (two sides of a partition each claimed attempt *n*) the one whose replica ranks
/// first for the request. Every replica computes the same answer to keep; the edits of every
/// other origin that worked on the request are reverted (see ``originsToDiscard(for:observed:)``),
/// and concurrent property writes they won are set back to the kept answer's values.
///
/// ```swift
/// let election = RelayElection()
/// switch election.decide(request, for: me, eligible: agentsPresent, now: clock.now(), presenceSettled: true, running: nil) {
/// case .claim(let attempt, _): …   // claim and run it
/// case .wait(let until): …         // someone else's turn; look again then
/// default: break
/// }
/// ```
public struct RelayElection: Hashable, Sendable {
    /// The timing.
    public var policy: ElectionPolicy

    /// Creates an election with `policy`.
    public init(policy: ElectionPolicy = ElectionPolicy()) {
        self.policy = policy
    }

    /// Why a running replica should stop.
    public enum StopReason: Hashable, Sendable {
        /// Someone rejected the request.
        case rejected
        /// Another replica's answer counts (it would beat this one).
        case answeredElsewhere(by: ReplicaID)
        /// Another replica holds a newer or better-ranked claim.
        case claimTaken(by: ReplicaID)
    }

    /// What a replica should do about one request.
    public enum Decision: Hashable, Sendable {
        /// Nothing, now or later (finished, failed, or not this replica's business).
        case idle
        /// Another replica's turn; look again at `until` (wall-clock ms) if given.
        case wait(until: Int64?)
        /// Claim the request as attempt `attempt` (replacing `replacing`, if any) and run it.
        case claim(attempt: Int, replacing: AgentRequest.Claim?)
        /// Keep running; renew the lease to `leaseExpires`.
        case renew(leaseExpires: Int64)
        /// Keep running; the lease is fresh.
        case keepRunning
        /// Stop running and take back this replica's edits for the request.
        case stop(StopReason)
    }

    // MARK: Ranking

    /// The rendezvous weight of `replica` for `request`: FNV-1a over the request ID's UTF-8
    /// and the replica's 8 big-endian bytes, finished with SplitMix64's mixer so that
    /// similar IDs still spread. Fixed forever: every replica, every version, every platform
    /// must compute the same value.
    public static func weight(of replica: ReplicaID, for request: RequestID) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in request.rawValue.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        hash = (hash ^ 0xFF) &* 0x0000_0100_0000_01B3
        var raw = replica.rawValue.bigEndian
        withUnsafeBytes(of: &raw) { bytes in
            for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        }
        var z = hash &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// `candidates` in election order for `request`: highest weight first, ties (a 2⁻⁶⁴
    /// event) by replica ID. Complexity: O(n log n).
    public static func ranking(of candidates: some Sequence<ReplicaID>, for request: RequestID) -> [ReplicaID] {
        Set(candidates).map { (replica: $0, weight: weight(of: $0, for: request)) }
            .sorted { $0.weight != $1.weight ? $0.weight > $1.weight : $0.replica < $1.replica }
            .map(\.replica)
    }

    /// The replica `candidates` elect for `request`, if any.
    public static func elected(among candidates: some Sequence<ReplicaID>, for request: RequestID) -> ReplicaID? {
        ranking(of: candidates, for: request).first
    }

    // MARK: Answers

    /// Whether answer `a` takes precedence over `b` for `request`: higher attempt first, then
    /// the better-ranked replica.
    public static func precedes(_ a: AgentRequest.Answer, _ b: AgentRequest.Answer, for request: RequestID) -> Bool {
        precedes(attempt: a.attempt, replica: a.replica, over: b.attempt, b.replica, for: request)
    }

    static func precedes(attempt a: Int, replica ra: ReplicaID, over b: Int, _ rb: ReplicaID, for request: RequestID) -> Bool {
        if a != b { return a > b }
        let wa = weight(of: ra, for: request)
        let wb = weight(of: rb, for: request)
        return wa != wb ? wa > wb : ra < rb
    }

    /// The answer that counts among `answers`: the one that precedes all others.
    public static func answerToKeep(among answers: [AgentRequest.Answer], for request: RequestID) -> AgentRequest.Answer? {
        answers.max { precedes($1, $0, for: request) }
    }

    /// The origin names whose edits for `request` must be reverted, among those `observed`
    /// to have edited for it: all of them for a rejected request; all but the kept answer's
    /// for an answered one; none otherwise (a new claimant reverts earlier attempts itself).
    public static func originsToDiscard(for request: AgentRequest, observed: Set<String>) -> Set<String> {
        switch request.status {
        case .rejected:
            return observed
        default:
            guard let kept = request.keptAnswer else { return [] }
            return observed.subtracting([kept.origin])
        }
    }

    // MARK: Deciding

    /// What replica `me` should do about `request`.
    ///
    /// - Parameters:
    ///   - eligible: the replicas that can answer, as this replica sees presence; include
    ///     `me` only if this replica can reach its model.
    ///   - now: wall-clock ms.
    ///   - presenceSettled: whether absence from presence can be trusted (see
    ///     ``ElectionPolicy/presenceGrace``).
    ///   - running: the attempt this replica is running for the request, if any.
    public func decide(
        _ request: AgentRequest, for me: ReplicaID, eligible: Set<ReplicaID>, now: Int64, presenceSettled: Bool, running: Int?
    ) -> Decision {
        if let running { return decideWhileRunning(request, me: me, attempt: running, now: now) }
        switch request.status {
        case .rejected, .answered, .failed:
            return .idle
        case .pending:
            return decidePending(request, me: me, eligible: eligible, now: now)
        case .claimed:
            guard let claim = request.claim else { return decidePending(request, me: me, eligible: eligible, now: now) }
            // Claimed by this replica but not running here: a restart lost the run. Start over.
            let next = claim.attempt.nextAttempt
            if claim.replica == me { return eligible.contains(me) ? .claim(attempt: next, replacing: claim) : .idle }
            let gone = presenceSettled && !eligible.contains(claim.replica)
            let lapsed = now >= claim.leaseExpires
            guard gone || lapsed else { return .wait(until: claim.leaseExpires) }
            let order = RelayElection.ranking(of: eligible.subtracting([claim.replica]), for: request.id)
            guard let rank = order.firstIndex(of: me) else { return .wait(until: lapsed ? nil : claim.leaseExpires) }
            if gone && rank == 0 { return .claim(attempt: next, replacing: claim) }
            let due = claim.leaseExpires.saturatingAdd(milliseconds(policy.claimStagger).saturatingMultiply(Int64(rank)))
            return now >= due ? .claim(attempt: next, replacing: claim) : .wait(until: due)
        }
    }

    private func decidePending(_ request: AgentRequest, me: ReplicaID, eligible: Set<ReplicaID>, now: Int64) -> Decision {
        let order = RelayElection.ranking(of: eligible, for: request.id)
        guard let rank = order.firstIndex(of: me) else { return .wait(until: nil) }
        let due = request.pendingSince.saturatingAdd(milliseconds(policy.claimStagger).saturatingMultiply(Int64(rank)))
        return rank == 0 || now >= due ? .claim(attempt: (request.claim?.attempt ?? 0).nextAttempt, replacing: request.claim) : .wait(until: due)
    }

    private func decideWhileRunning(_ request: AgentRequest, me: ReplicaID, attempt: Int, now: Int64) -> Decision {
        if request.status == .rejected { return .stop(.rejected) }
        if let kept = request.keptAnswer, kept.replica != me,
            RelayElection.precedes(attempt: kept.attempt, replica: kept.replica, over: attempt, me, for: request.id)
        {
            return .stop(.answeredElsewhere(by: kept.replica))
        }
        guard let claim = request.claim else { return .keepRunning }
        if claim.replica != me {
            // Our claim lost the register to another. Stop if that one is newer, or the same
            // attempt by a better-ranked replica — exactly when its answer would beat ours.
            if RelayElection.precedes(attempt: claim.attempt, replica: claim.replica, over: attempt, me, for: request.id) {
                return .stop(.claimTaken(by: claim.replica))
            }
            return .keepRunning
        }
        guard claim.attempt == attempt else {
            return claim.attempt > attempt ? .stop(.claimTaken(by: me)) : .keepRunning
        }
        // Values read from the document may be anything a peer wrote: saturate, never trap.
        let renewAt = claim.leaseExpires.saturatingAdd(milliseconds(policy.renewalInterval) - milliseconds(policy.leaseDuration))
        return now >= renewAt ? .renew(leaseExpires: now.saturatingAdd(milliseconds(policy.leaseDuration))) : .keepRunning
    }
}

/// A duration in whole milliseconds (rounded down, saturating), for wall-clock arithmetic.
func milliseconds(_ duration: Duration) -> Int64 {
    let (seconds, attoseconds) = duration.components
    return seconds.saturatingMultiply(1000).saturatingAdd(attoseconds / 1_000_000_000_000_000)
}

extension Int64 {
    /// `self + other`, clamped to the representable range.
    func saturatingAdd(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : sum
    }

    /// `self * other`, clamped to the representable range.
    func saturatingMultiply(_ other: Int64) -> Int64 {
        let (product, overflow) = multipliedReportingOverflow(by: other)
        return overflow ? ((self < 0) == (other < 0) ? .max : .min) : product
    }
}

extension Int {
    /// The attempt after this one (a peer may have written any number; never trap).
    var nextAttempt: Int { self == .max ? .max : Swift.max(self, 0) + 1 }
}
