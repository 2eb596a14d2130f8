import TesseraTestSupport
import TesseraCore

/// Random edits over every kind of object, for convergence runs.
enum Edits {
    /// A document every replica of a test starts from (so they share the `t` and `l` objects).
    static func base(seed: UInt64) throws -> Document {
        var base = Document(replica: ReplicaID(rawValue: 0xB0_0000 + seed)!, origin: .human("base"))
        try base.transact { doc in
            _ = try doc.makeObject(.text, forKey: "t")
            _ = try doc.makeObject(.list, forKey: "l")
            _ = try doc.makeObject(.map, forKey: "shapes")
        }
        return base
    }

    /// One transaction of 1–3 random edits.
    static func randomTransaction(_ doc: inout Document, _ rng: inout SplitMix64) throws {
        let count = 1 + rng.below(3)
        try doc.transact { doc in
            for _ in 0..<count { try randomEdit(&doc, &rng) }
        }
    }

    static func randomEdit(_ doc: inout Document, _ rng: inout SplitMix64) throws {
        try RandomEdits.randomEdit(&doc, &rng)
    }
}
