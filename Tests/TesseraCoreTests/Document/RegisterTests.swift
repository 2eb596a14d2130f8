import TesseraTestSupport
import Testing
@testable import TesseraCore

@Suite("Register")
struct RegisterTests {
    /// The register's rule, written plainly: the live entries, in order, are the winner
    /// (unless overwritten), the others not overwritten, then the new entry; the first
    /// greatest wins and the rest, in that order, become the others.
    private static func reference(
        _ live: [RegisterEntry], adding entry: RegisterEntry, overwriting pred: Set<UInt64>,
        beats: (RegisterEntry, RegisterEntry) -> Bool
    ) -> [RegisterEntry] {
        var kept = live.filter { !pred.contains($0.id.raw) }
        kept.append(entry)
        var best = 0
        for i in kept.indices.dropFirst() where beats(kept[i], kept[best]) { best = i }
        let winner = kept.remove(at: best)
        return [winner] + kept
    }

    @Test("random writes over up to four live entries agree with the plain rule", arguments: 0..<24)
    func agreesWithTheRule(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        // Lamport ties are common (a small range), broken by the replica as the document does.
        let beats = { (a: RegisterEntry, b: RegisterEntry) -> Bool in
            a.lamport != b.lamport ? a.lamport > b.lamport : a.id.replica > b.id.replica
        }
        var counter: UInt32 = 0
        func entry() -> RegisterEntry {
            counter += 1
            return RegisterEntry(id: ItemID(replica: UInt32(random.next(upperBound: UInt64(4))), counter: counter),
                                 lamport: random.next(upperBound: UInt64(6)), value: counter)
        }
        let first = entry()
        var register = Register(first)
        var live = [first]
        for step in 0..<400 {
            let new = entry()
            // Overwrite any subset of the live entries (each with probability 1/2), now and
            // then an ID that is not live at all.
            var pred = live.filter { _ in random.next(upperBound: UInt64(2)) == 0 }.map(\.id)
            if random.next(upperBound: UInt64(8)) == 0 { pred.append(ItemID(replica: 7, counter: counter + 100)) }
            if live.count >= 4, pred.isEmpty { pred.append(live[0].id) }
            let expected = Self.reference(live, adding: new, overwriting: Set(pred.map(\.raw)), beats: beats)
            let changed = register.write(new, overwriting: pred, beats: beats)
            let actual = [register.winner] + register.others
            #expect(actual.map(\.id.raw) == expected.map(\.id.raw), "step \(step)")
            #expect(changed == (expected[0].id != live[0].id), "step \(step)")
            live = expected
        }
    }
}
