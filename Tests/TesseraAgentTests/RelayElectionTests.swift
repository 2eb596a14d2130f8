import Testing
import TesseraAgent
import TesseraCanvas
import TesseraCore

/// The election as a pure function: no network, no clock.
@Suite("Relay election")
struct RelayElectionTests {
    let a = ReplicaID(rawValue: 0xA)!
    let b = ReplicaID(rawValue: 0xB)!
    let c = ReplicaID(rawValue: 0xC)!
    let election = RelayElection(policy: ElectionPolicy(leaseDuration: .seconds(30), renewalInterval: .seconds(10), claimStagger: .seconds(5)))
    let t0: Int64 = 1_000_000

    func request(_ id: RequestID = "7@00000000000000aa", status: AgentRequest.Status = .pending, claim: AgentRequest.Claim? = nil, answers: [AgentRequest.Answer] = []) -> AgentRequest {
        AgentRequest(id: id, prompt: "p", author: "Ada", createdAt: t0, status: status, claim: claim, answers: answers)
    }

    @Test("weights are fixed forever: the same on every replica, platform and version")
    func weightsAreStable() {
        // Golden values: changing the hash would make replicas of different versions elect
        // different relays.
        // (Cross-checked against an independent implementation of the documented algorithm.)
        let golden = RelayElection.weight(of: ReplicaID(rawValue: 0x2f1a_3b4c_5d6e_7f81)!, for: "12@2f1a3b4c5d6e7f81")
        #expect(golden == 0xce29_79ab_2345_6f7f, "weight changed: \(String(golden, radix: 16))")
    }

    @Test("every replica computes the same ranking, whatever order it lists the candidates in; requests spread over agents")
    func rankingIsDeterministic() {
        var firsts: [ReplicaID: Int] = [:]
        for n in 0..<300 {
            let id = RequestID("\(n)@00000000000000aa")
            let one = RelayElection.ranking(of: [a, b, c], for: id)
            #expect(one == RelayElection.ranking(of: [c, a, b], for: id))
            #expect(Set(one) == [a, b, c])
            firsts[one[0], default: 0] += 1
            // Removing someone who is not first does not change who is first.
            let second = one[1]
            #expect(RelayElection.elected(among: Set([a, b, c]).subtracting([second]), for: id) == one[0])
        }
        #expect(firsts.values.allSatisfy { $0 > 60 }, "rendezvous hashing spreads requests: \(firsts)")
    }

    @Test("a pending request: rank 0 claims at once, rank k after k staggers, the ineligible never")
    func pendingClaims() {
        let r = request()
        let order = RelayElection.ranking(of: [a, b, c], for: r.id)
        let eligible: Set = [a, b, c]
        #expect(election.decide(r, for: order[0], eligible: eligible, now: t0, presenceSettled: true, running: nil) == .claim(attempt: 1, replacing: nil))
        #expect(election.decide(r, for: order[1], eligible: eligible, now: t0, presenceSettled: true, running: nil) == .wait(until: t0 + 5_000))
        #expect(election.decide(r, for: order[2], eligible: eligible, now: t0 + 9_999, presenceSettled: true, running: nil) == .wait(until: t0 + 10_000))
        #expect(election.decide(r, for: order[2], eligible: eligible, now: t0 + 10_000, presenceSettled: true, running: nil) == .claim(attempt: 1, replacing: nil))
        #expect(election.decide(r, for: order[0], eligible: [order[1]], now: t0, presenceSettled: true, running: nil) == .wait(until: nil))
        for status in [AgentRequest.Status.answered, .failed, .rejected] {
            #expect(election.decide(request(status: status), for: order[0], eligible: eligible, now: t0, presenceSettled: true, running: nil) == .idle)
        }
    }

    @Test("a claim holds while its claimant is present and its lease runs; then the next elected takes over")
    func failover() {
        let r0 = request()
        let order = RelayElection.ranking(of: [a, b, c], for: r0.id)
        let (holder, next, last) = (order[0], order[1], order[2])
        let claim = AgentRequest.Claim(replica: holder, attempt: 1, leaseExpires: t0 + 30_000, origin: "T@\(holder)")
        let r = request(status: .claimed, claim: claim)
        let all: Set = [a, b, c]
        #expect(election.decide(r, for: next, eligible: all, now: t0 + 1_000, presenceSettled: true, running: nil) == .wait(until: t0 + 30_000))
        // The claimant left: the best-ranked remaining candidate takes over at once …
        let without = all.subtracting([holder])
        #expect(election.decide(r, for: next, eligible: without, now: t0 + 1_000, presenceSettled: true, running: nil) == .claim(attempt: 2, replacing: claim))
        #expect(election.decide(r, for: last, eligible: without, now: t0 + 1_000, presenceSettled: true, running: nil) == .wait(until: t0 + 35_000))
        // … unless presence cannot be trusted yet (this replica just started).
        #expect(election.decide(r, for: next, eligible: without, now: t0 + 1_000, presenceSettled: false, running: nil) == .wait(until: t0 + 30_000))
        // The lease lapsed while the claimant still shows as present: staggered by rank.
        #expect(election.decide(r, for: next, eligible: all, now: t0 + 30_000, presenceSettled: true, running: nil) == .claim(attempt: 2, replacing: claim))
        #expect(election.decide(r, for: last, eligible: all, now: t0 + 30_000, presenceSettled: true, running: nil) == .wait(until: t0 + 35_000))
        #expect(election.decide(r, for: last, eligible: all, now: t0 + 35_000, presenceSettled: true, running: nil) == .claim(attempt: 2, replacing: claim))
        // A replica that finds its own claim but no run (it restarted) starts over.
        #expect(election.decide(r, for: holder, eligible: all, now: t0 + 1_000, presenceSettled: true, running: nil) == .claim(attempt: 2, replacing: claim))
    }

    @Test("values a peer wrote are untrusted: extreme leases, attempts and timestamps never trap")
    func hostileValues() {
        let claim = AgentRequest.Claim(replica: b, attempt: .max, leaseExpires: .max, origin: "x")
        var r = request(status: .claimed, claim: claim)
        r.createdAt = .max
        #expect(election.decide(r, for: a, eligible: [a, c], now: .min, presenceSettled: true, running: nil) != .idle)
        #expect(election.decide(r, for: a, eligible: [a, c], now: .max, presenceSettled: true, running: nil) == .claim(attempt: .max, replacing: claim))
        r.claim = AgentRequest.Claim(replica: a, attempt: .min, leaseExpires: .min, origin: "x")
        #expect(election.decide(r, for: a, eligible: [a], now: .max, presenceSettled: true, running: .min) == .renew(leaseExpires: .max))
        var pending = request()
        pending.retriedAt = .max
        pending.claim = AgentRequest.Claim(replica: b, attempt: -5, leaseExpires: .min, origin: "x")
        let order = RelayElection.ranking(of: [a, b, c], for: pending.id)
        #expect(election.decide(pending, for: order[2], eligible: [a, b, c], now: 0, presenceSettled: true, running: nil) == .wait(until: .max))
        #expect(election.decide(pending, for: order[0], eligible: [a, b, c], now: 0, presenceSettled: true, running: nil) == .claim(attempt: 1, replacing: pending.claim))
    }

    @Test("a running claimant renews its lease each renewal interval and stops when it loses")
    func whileRunning() {
        let claim = AgentRequest.Claim(replica: a, attempt: 2, leaseExpires: t0 + 30_000, origin: "T@a")
        let r = request(status: .claimed, claim: claim)
        #expect(election.decide(r, for: a, eligible: [a], now: t0 + 9_999, presenceSettled: true, running: 2) == .keepRunning)
        #expect(election.decide(r, for: a, eligible: [a], now: t0 + 10_000, presenceSettled: true, running: 2) == .renew(leaseExpires: t0 + 40_000))
        // Taken over (a newer attempt by someone else).
        var taken = r
        taken.claim = AgentRequest.Claim(replica: b, attempt: 3, leaseExpires: t0 + 60_000, origin: "T@b")
        #expect(election.decide(taken, for: a, eligible: [a], now: t0, presenceSettled: true, running: 2) == .stop(.claimTaken(by: b)))
        // Rejected.
        var rejected = r
        rejected.status = .rejected
        #expect(election.decide(rejected, for: a, eligible: [a], now: t0, presenceSettled: true, running: 2) == .stop(.rejected))
        // An older attempt's answer does not stop a newer run; a newer one does.
        var old = r
        old.answers = [AgentRequest.Answer(replica: b, attempt: 1, message: "1@b", origin: "T@b", answeredAt: t0)]
        #expect(election.decide(old, for: a, eligible: [a], now: t0, presenceSettled: true, running: 2) == .keepRunning)
        var newer = r
        newer.answers = [AgentRequest.Answer(replica: b, attempt: 3, message: "1@b", origin: "T@b", answeredAt: t0)]
        #expect(election.decide(newer, for: a, eligible: [a], now: t0, presenceSettled: true, running: 2) == .stop(.answeredElsewhere(by: b)))
    }

    @Test("the answer to keep: highest attempt, then the better-ranked replica; the others' origins are discarded")
    func answerToKeep() {
        let id: RequestID = "7@00000000000000aa"
        let order = RelayElection.ranking(of: [a, b], for: id)
        func answer(_ replica: ReplicaID, _ attempt: Int) -> AgentRequest.Answer {
            AgentRequest.Answer(replica: replica, attempt: attempt, message: MessageID("1@\(replica)"), origin: "T@\(replica)", answeredAt: 0)
        }
        // Same attempt (a partition): the replica ranked first for the request.
        let tie = [answer(order[1], 1), answer(order[0], 1)]
        #expect(RelayElection.answerToKeep(among: tie, for: id)?.replica == order[0])
        #expect(RelayElection.answerToKeep(among: tie.reversed(), for: id)?.replica == order[0])
        // A takeover supersedes the attempt it replaced.
        #expect(RelayElection.answerToKeep(among: [answer(order[0], 1), answer(order[1], 2)], for: id)?.replica == order[1])
        var r = request(id, status: .answered, answers: tie)
        #expect(RelayElection.originsToDiscard(for: r, observed: ["T@\(order[0])", "T@\(order[1])"]) == ["T@\(order[1])"])
        r.status = .rejected
        #expect(RelayElection.originsToDiscard(for: r, observed: ["T@\(order[0])", "T@\(order[1])"]) == ["T@\(order[0])", "T@\(order[1])"])
        r.status = .claimed
        r.answers = []
        #expect(RelayElection.originsToDiscard(for: r, observed: ["T@\(order[0])"]).isEmpty)
    }
}
