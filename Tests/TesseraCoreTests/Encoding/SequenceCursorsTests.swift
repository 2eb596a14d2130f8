import Testing
@testable import TesseraCore
import TesseraTestSupport

/// `SequenceCursors.recordRemoveRun` takes a backspacing or forward-deleting run in one step
/// where it can (see its documentation); it must predict exactly what recording the removes
/// one at a time predicts, or the run and change-by-change decoders would disagree.
@Suite struct SequenceCursorsTests {
    private static let primary = ReplicaID(rawValue: 0x2F1A_3B4C_5D6E_7F81)!
    private static let other = ReplicaID(rawValue: 0x5E6D_7C8B_9AA9_B8C7)!
    private static let text = ListedObject(id: ObjectID(OpID(replica: primary, counter: 1)), index: 0)

    /// The run as the model defines it: each target predicted from the state the one before left.
    private static func referenceRun(
        _ cursors: inout SequenceCursors, code: Int, limit: UInt64
    ) -> (first: OpID, last: OpID, count: UInt64, descending: Bool) {
        var first = OpID(replica: primary, counter: 0)
        var last = first
        var taken: UInt64 = 0
        var direction: Int64 = 0
        while taken < limit {
            let state = cursors.state(of: text)
            let next: OpID
            if code == SequenceCursors.removeAtCursor, case .element(let id) = state.cursor {
                next = id
            } else if code == SequenceCursors.removeNext, let removed = state.previousRemove {
                next = removed.next
            } else {
                break
            }
            if taken > 0 {
                let delta = Int64(bitPattern: next.counter &- last.counter)
                guard next.replica == last.replica, delta == 1 || delta == -1, direction == 0 || direction == delta else { break }
                direction = delta
            } else {
                first = next
            }
            last = next
            taken += 1
            cursors.recordRemove(in: text, first: next)
        }
        return (first, last, taken, direction < 0)
    }

    @Test(arguments: 0..<40)
    func runsMatchRemovesOneAtATime(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        var cursors = SequenceCursors()
        // Counters handed out so far, per replica; the primary starts somewhere past 1 (a delta).
        var next: [ReplicaID: UInt64] = [Self.primary: UInt64(1 + random.below(3) * 1000), Self.other: 1]
        var inserted: [OpID] = []
        func anyID() -> OpID {
            if inserted.isEmpty || random.chance(5) {
                // Sometimes an ID the payload never made (older than it, or another replica's).
                return OpID(replica: random.chance(50) ? Self.primary : Self.other, counter: UInt64(random.below(1200)))
            }
            return inserted[random.below(inserted.count)]
        }
        for step in 0..<400 {
            switch random.below(10) {
            case 0..<4:
                // Typing: a run of one-element inserts, each after the one before, the first
                // after the cursor's element or anywhere.
                let replica = random.chance(85) ? Self.primary : Self.other
                let first = OpID(replica: replica, counter: next[replica]!)
                let count = UInt64(1 + random.below(40))
                next[replica]! += count + (random.chance(10) ? UInt64(random.below(5)) : 0)
                var after: OpID?
                if case .element(let id) = cursors.state(of: Self.text).cursor, random.chance(60) {
                    after = id
                } else if random.chance(90) {
                    after = anyID()
                }
                cursors.recordTyping(in: Self.text, first: first, count: count, after: after, before: random.chance(50) ? anyID() : nil)
                for k in 0..<count { inserted.append(OpID(replica: replica, counter: first.counter + k)) }
            case 4:
                // One multi-element insert, placed anywhere.
                let replica = random.chance(85) ? Self.primary : Self.other
                let first = OpID(replica: replica, counter: next[replica]!)
                let width = UInt64(1 + random.below(5))
                next[replica]! += width
                cursors.recordInsert(in: Self.text, first: first, width: width, after: random.chance(90) ? anyID() : nil, before: nil)
                for k in 0..<width { inserted.append(OpID(replica: replica, counter: first.counter + k)) }
            case 5:
                cursors.recordRemove(in: Self.text, first: anyID())
            default:
                let code = random.chance(75) ? SequenceCursors.removeAtCursor : SequenceCursors.removeNext
                let limit = UInt64(1 + random.below(random.chance(20) ? 3000 : 60))
                var expected = cursors
                let want = Self.referenceRun(&expected, code: code, limit: limit)
                let got = cursors.recordRemoveRun(in: Self.text, code: code, limit: limit)
                #expect(got.count == want.count, "seed \(seed) step \(step): count")
                if got.count > 0 {
                    #expect(got.first == want.first && got.last == want.last && got.descending == want.descending,
                            "seed \(seed) step \(step): \(got) against \(want)")
                }
                let (a, b) = (cursors.state(of: Self.text), expected.state(of: Self.text))
                #expect(a.cursor == b.cursor && a.previousRemove == b.previousRemove, "seed \(seed) step \(step): state")
                cursors = expected
            }
        }
    }
}
