import TesseraTestSupport
import Testing
@testable import TesseraCore

@Suite("PackedMap")
struct PackedMapTests {
    @Test("random inserts, updates, removals and in-place edits agree with Dictionary", arguments: 0..<40)
    func agreesWithDictionary(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        var map = PackedMap<ItemID, [Int]>()
        var reference: [UInt64: [Int]] = [:]
        // Small key spaces force collisions, long probe runs and removals in the middle of them.
        let keySpace = UInt64([8, 64, 1_000, 1 << 40][Int(seed % 4)])
        for step in 0..<2_000 {
            let key = random.next(upperBound: keySpace) << (seed % 3 == 0 ? 32 : 0)
            let id = ItemID(raw: key)
            switch random.next(upperBound: UInt64(7)) {
            case 0, 1:
                map[id] = [step]
                reference[key] = [step]
            case 2:
                #expect(map.removeValue(forKey: id) == reference.removeValue(forKey: key))
            case 3:
                // In place through optional chaining, as the core edits object slots.
                map[id]?.append(step)
                reference[key]?.append(step)
            case 4:
                map[id, default: []].append(-step)
                reference[key, default: []].append(-step)
            case 5:
                // In place through `withValue`: edits what is there, adds what is not.
                let count = map.withValue(forKey: id) { (value: inout [Int]?) -> Int in
                    if value == nil { value = [] }
                    value!.append(step * 10)
                    return value!.count
                }
                reference[key, default: []].append(step * 10)
                #expect(count == reference[key]!.count)
            default:
                // A value `withValue` leaves nil is removed; nil on an absent key adds nothing.
                let existed = map.withValue(forKey: id) { (value: inout [Int]?) -> Bool in
                    defer { value = nil }
                    return value != nil
                }
                #expect(existed == (reference.removeValue(forKey: key) != nil))
            }
            #expect(map.count == reference.count)
        }
        for (key, value) in reference { #expect(map[ItemID(raw: key)] == value) }
        #expect(Set(map.map(\.key.raw)) == Set(reference.keys))
        for probe in 0..<200 {
            let key = random.next(upperBound: keySpace)
            #expect(map[ItemID(raw: key)] == reference[key], "probe \(probe)")
        }
    }

    @Test("a map growing past the linear limit and shrinking again keeps every entry", arguments: 0..<8)
    func acrossTheLinearLimit(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        var map = PackedMap<UInt32, Int>()
        var reference: [UInt32: Int] = [:]
        let limit = PackedMap<UInt32, Int>.linearLimit
        // Fill to just under, at and just over the limit, then empty out, several times.
        for round in 0..<6 {
            let target = limit - 1 + round % 3
            while reference.count < target {
                let key = UInt32(random.next(upperBound: UInt64(limit * 3)))
                map[key] = round
                reference[key] = round
            }
            while reference.count > round % 2 {
                let key = UInt32(random.next(upperBound: UInt64(limit * 3)))
                #expect(map.removeValue(forKey: key) == reference.removeValue(forKey: key))
            }
            #expect(map.count == reference.count)
            for key in 0..<UInt32(limit * 3) { #expect(map[key] == reference[key], "round \(round), key \(key)") }
        }
    }

    @Test("iteration follows insertion order until something is removed")
    func insertionOrder() {
        var map = PackedMap<UInt32, String>()
        for k in [5, 1, 9, 3] as [UInt32] { map[k] = "\(k)" }
        #expect(map.map(\.key) == [5, 1, 9, 3])
        map[1] = nil
        #expect(map.map(\.key).sorted() == [3, 5, 9])
        #expect(map[1] == nil && map[3] == "3")
    }

    @Test("a value edited in place stays uniquely referenced (no copy of its storage)")
    func inPlace() {
        var map = PackedMap<UInt32, [Int]>()
        map[7] = Array(0..<1000)
        let before = map[7]!.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
        map[7]?[0] = 42
        let after = map[7]!.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
        #expect(before == after)
        #expect(map[7]?[0] == 42)
        map.withValue(forKey: 7) { $0![1] = 43 }
        #expect(map[7]!.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) } == before)
        #expect(map[7]?[1] == 43)
    }

    @Test("the key table finds every interned key, short or long, past the scanned size and across growth")
    func keyTable() {
        var table = KeyTable()
        var keys: [String] = ["", "x", "fill", "ü", "☕️ coffee", String(repeating: "k", count: 8), String(repeating: "k", count: 9)]
        for i in 0..<2_000 { keys.append(i.isMultiple(of: 3) ? "s\(i)" : "shape-\(i)-with-a-longer-name-\(i * 7)") }
        for (i, key) in keys.enumerated() {
            #expect(table.index(of: key) == UInt32(i))
            #expect(table.index(of: key) == UInt32(i), "interning again gives the same index")
        }
        for (i, key) in keys.enumerated() { #expect(table.existingIndex(of: key) == UInt32(i)) }
        #expect(table.strings == keys)
        for missing in ["s1", "shape-0-with-a-longer-name-1", "kkkkkkkkkk", "y"] { #expect(table.existingIndex(of: missing) == nil) }
    }
}
