import TesseraTestSupport
import Testing
@testable import TesseraCanvas

private func zeros(_ count: Int) -> String { String(repeating: "0", count: count) }

@Suite("Fractional indices")
struct FractionalIndexTests {
    private func key(_ string: String) throws -> FractionalIndex { try #require(FractionalIndex(string)) }

    @Test("matches rocicorp/fractional-indexing's reference outputs", arguments: [
        (nil, nil, "a0"), (nil, "a0", "Zz"), (nil, "Zz", "Zy"), ("a0", nil, "a1"), ("a1", nil, "a2"),
        ("a0", "a1", "a0V"), ("a1", "a2", "a1V"), ("a0V", "a1", "a0l"), ("Zz", "a0", "ZzV"), ("Zz", "a1", "a0"),
        (nil, "Y00", "Xzzz"), ("bzz", nil, "c000"), ("a0", "a0V", "a0G"), ("a0", "a0G", "a08"), ("b125", "b129", "b127"),
        ("a0", "a1V", "a1"), ("Zz", "a01", "a0"), (nil, "a0V", "a0"), (nil, "b999", "b99"),
        (nil, "A" + zeros(26) + "1", "A" + zeros(27) + "V"), ("z" + String(repeating: "z", count: 26), nil, "z" + String(repeating: "z", count: 26) + "V"),
    ] as [(String?, String?, String)])
    func referenceVectors(lower: String?, upper: String?, expected: String) throws {
        let a = try lower.map(key)
        let b = try upper.map(key)
        let result = try FractionalIndex.between(a, b)
        #expect(result.rawValue == expected)
        if let a { #expect(a < result) }
        if let b { #expect(result < b) }
    }

    @Test("rejects malformed keys", arguments: ["", "a", "a00", "a0 ", "!0", "A" + zeros(26), "b1", "é0"])
    func rejectsMalformed(string: String) {
        #expect(FractionalIndex(string) == nil)
    }

    @Test("out-of-order bounds throw a typed error")
    func outOfOrder() throws {
        let a = try key("a1"), b = try key("a0")
        #expect(throws: FractionalIndexError.outOfOrder(lower: a, upper: b)) { try FractionalIndex.between(a, b) }
        #expect(throws: FractionalIndexError.self) { try FractionalIndex.between(a, a) }
    }

    @Test("random inserts between neighbours stay strictly ordered", arguments: [1, 2, 3, 42, 2024] as [UInt64])
    func randomInsertsStayOrdered(seed: UInt64) throws {
        var generator = SplitMix64(seed: seed)
        var keys: [FractionalIndex] = []
        for _ in 0..<2_000 {
            let position = Int.random(in: 0...keys.count, using: &generator)
            let lower = position > 0 ? keys[position - 1] : nil
            let upper = position < keys.count ? keys[position] : nil
            let new = try FractionalIndex.between(lower, upper)
            #expect(FractionalIndex(new.rawValue) == new, "seed \(seed): generated invalid key \(new)")
            keys.insert(new, at: position)
        }
        for (a, b) in zip(keys, keys.dropFirst()) {
            #expect(a < b, "seed \(seed): \(a) !< \(b)")
        }
    }

    @Test("appends and prepends keep keys short")
    func appendsStayShort() throws {
        var last: FractionalIndex? = nil
        var first: FractionalIndex? = nil
        for _ in 0..<3_000 {
            last = try FractionalIndex.between(last, nil)
            first = try FractionalIndex.between(nil, first)
        }
        // 62 keys of two characters, then 3 844 of three.
        #expect(try #require(last).rawValue.count <= 3)
        #expect(try #require(first).rawValue.count <= 3)
    }

    @Test("repeatedly inserting at the same spot grows keys by about one character per six inserts")
    func sameSpotGrowth() throws {
        let low = try key("a0")
        var high = try key("a1")
        for _ in 0..<60 { high = try FractionalIndex.between(low, high) }
        #expect(high.rawValue.count <= 2 + 60 / 5)
    }

    @Test("keys(count:between:and:) spreads ascending keys inside the bounds", arguments: [
        (nil, nil), ("a0", nil), (nil, "a0"), ("a0", "a1"), ("a0V", "a0W"),
    ] as [(String?, String?)])
    func bulkKeys(lower: String?, upper: String?) throws {
        let a = try lower.map(key), b = try upper.map(key)
        let keys = try FractionalIndex.keys(count: 100, between: a, and: b)
        #expect(keys.count == 100)
        for (x, y) in zip(keys, keys.dropFirst()) { #expect(x < y) }
        if let a { #expect(a < keys[0]) }
        if let b, let last = keys.last { #expect(last < b) }
        // Bisection keeps them short: about log62(100) extra characters.
        #expect(keys.allSatisfy { $0.rawValue.count <= (a?.rawValue.count ?? 2) + (b?.rawValue.count ?? 2) + 3 })
    }
}
