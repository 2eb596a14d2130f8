/// The shape-document vocabulary and generators of WORKLOADS.md §2–§4.
public enum ShapeVocabulary {
    /// `type` values, drawn with `below(5)`.
    public static let shapeTypes = ["rect", "ellipse", "diamond", "arrow", "text"]
    /// The 32 words of `text` fields and chat messages.
    public static let words = [
        "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel",
        "india", "juliet", "kilo", "lima", "mike", "november", "oscar", "papa",
        "quebec", "romeo", "sierra", "tango", "uniform", "victor", "whiskey", "xray",
        "yankee", "zulu", "red", "green", "blue", "box", "note", "todo",
    ]
    /// The fields of a created shape, in creation order.
    public static let fields = ["type", "x", "y", "w", "h", "fill", "text", "z"]
    /// The field an update writes, indexed by `below(16)`.
    public static let updateFieldTable = ["x", "x", "x", "x", "y", "y", "y", "y",
                                          "w", "w", "h", "h", "fill", "text", "z", "z"]

    /// `"s%05d"`.
    public static func shapeID(_ index: Int) -> String {
        let digits = String(index)
        return "s" + String(repeating: "0", count: max(0, 5 - digits.count)) + digits
    }

    /// `below(500000) / 100`: 0.00 … 4999.99.
    public static func coord(_ rng: inout SplitMix64) -> Double { Double(rng.below(500_000)) / 100 }

    /// `(1000 + below(49000)) / 100`: 10.00 … 499.99.
    public static func size(_ rng: inout SplitMix64) -> Double { Double(1_000 + rng.below(49_000)) / 100 }

    /// `"#"` + 6 lowercase hex digits of `below(2^24)`.
    public static func fill(_ rng: inout SplitMix64) -> String {
        let hex = String(rng.below(1 << 24), radix: 16)
        return "#" + String(repeating: "0", count: 6 - hex.count) + hex
    }

    /// The creation of shape `index` (draws in the order of §2).
    public static func create(_ rng: inout SplitMix64, index: Int) -> ShapeAction {
        let type = shapeTypes[rng.below(shapeTypes.count)]
        let x = coord(&rng)
        let y = coord(&rng)
        let w = size(&rng)
        let h = size(&rng)
        let fill = fill(&rng)
        let text = words[rng.below(32)]
        return .create(id: shapeID(index), fields: [
            ShapeField("type", .string(type)), ShapeField("x", .double(x)), ShapeField("y", .double(y)),
            ShapeField("w", .double(w)), ShapeField("h", .double(h)), ShapeField("fill", .string(fill)),
            ShapeField("text", .string(text)), ShapeField("z", .int(Int64(index))),
        ])
    }

    /// One random property update of one of `shapeCount` shapes (draws in the order of §2).
    public static func update(_ rng: inout SplitMix64, shapeCount: Int) -> ShapeAction {
        let index = rng.below(shapeCount)
        let key = updateFieldTable[rng.below(16)]
        let value: ShapeValue
        switch key {
        case "x", "y": value = .double(coord(&rng))
        case "w", "h": value = .double(size(&rng))
        case "fill": value = .string(fill(&rng))
        case "text":
            let a = words[rng.below(32)]
            let b = words[rng.below(32)]
            value = .string(a + " " + b)
        default: value = .int(Int64(rng.below(1_000_000)))
        }
        return .set(id: shapeID(index), key: key, value: value)
    }

    /// Creations of shapes `0 ..< count`.
    public static func creates(_ rng: inout SplitMix64, count: Int) -> [ShapeAction] {
        (0..<count).map { create(&rng, index: $0) }
    }
}

/// W1 `shapes-lww`: one replica creates `shapeCount` shapes, then makes `updateCount` random
/// updates (WORKLOADS.md §3).
public struct ShapesLWW: Sendable {
    /// The seed of the one SplitMix64 stream.
    public var seed: UInt64
    /// Shapes created.
    public var shapeCount: Int
    /// Updates after the creations.
    public var updateCount: Int
    /// The action stream.
    public var actions: [ShapeAction]

    /// Generates the stream (`seed = 42`, 10,000 shapes, 100,000 updates by default).
    public init(seed: UInt64 = 42, shapeCount: Int = 10_000, updateCount: Int = 100_000) {
        self.seed = seed
        self.shapeCount = shapeCount
        self.updateCount = updateCount
        var rng = SplitMix64(seed: seed)
        var actions = ShapeVocabulary.creates(&rng, count: shapeCount)
        actions.reserveCapacity(shapeCount + updateCount)
        for _ in 0..<updateCount { actions.append(ShapeVocabulary.update(&rng, shapeCount: shapeCount)) }
        self.actions = actions
    }

    /// Primitive CRDT operations: 9 per shape, 1 per update (190,000 by default).
    public var totalOperations: Int { shapeCount * (1 + ShapeVocabulary.fields.count) + updateCount }
}

/// W2 `divergent-sessions`: a common base, then an offline session per replica
/// (WORKLOADS.md §4).
public struct DivergentSessions: Sendable {
    /// The base seed (`seed` for the base, `seed + 1` for A, `seed + 2` for B).
    public var seed: UInt64
    /// Shapes in the base.
    public var baseCount: Int
    /// Updates per side.
    public var updateCount: Int
    /// Chat appends per side.
    public var chatCount: Int
    /// The base stream (the first `baseCount` creations of W1).
    public var base: [ShapeAction]
    /// Replica A's session.
    public var sessionA: [ShapeAction]
    /// Replica B's session.
    public var sessionB: [ShapeAction]

    /// Generates the streams (`seed = 42`, 1,000 shapes, 50,000 updates and 500 messages per side by default).
    public init(seed: UInt64 = 42, baseCount: Int = 1_000, updateCount: Int = 50_000, chatCount: Int = 500) {
        precondition(chatCount > 0 && updateCount % chatCount == 0, "updateCount must be a multiple of chatCount")
        self.seed = seed
        self.baseCount = baseCount
        self.updateCount = updateCount
        self.chatCount = chatCount
        var rng = SplitMix64(seed: seed)
        base = ShapeVocabulary.creates(&rng, count: baseCount)
        let perMessage = updateCount / chatCount
        func session(_ name: String, _ seed: UInt64) -> [ShapeAction] {
            var rng = SplitMix64(seed: seed)
            var actions: [ShapeAction] = []
            actions.reserveCapacity(updateCount + chatCount)
            for round in 0..<chatCount {
                for _ in 0..<perMessage { actions.append(ShapeVocabulary.update(&rng, shapeCount: baseCount)) }
                let words = (0..<4).map { _ in ShapeVocabulary.words[rng.below(32)] }.joined(separator: " ")
                let number = String(round)
                let padded = String(repeating: "0", count: max(0, 4 - number.count)) + number
                actions.append(.append(list: "chat", value: .string("\(name)#\(padded): \(words)")))
            }
            return actions
        }
        sessionA = session("A", seed &+ 1)
        sessionB = session("B", seed &+ 2)
    }

    /// Operations per side (50,500 by default), the numerator of W2 ops/s.
    public var operationsPerSide: Int { updateCount + chatCount }
}

/// The fingerprints of the default streams (WORKLOADS.md §6), to prove a replay is identical.
public enum SpecFingerprints {
    /// W1 with seed 42.
    public static let w1 = "7db8bba9e7352ddb7a69c8bef5ac348cf5930b1e8f7f8d2efb4549f2bbb75df7"
    /// W2 base with seed 42.
    public static let w2Base = "6083ae3cc310a15ca98412ef4703d90bcf2ba675888de0f3c93fbb6eb5eea0b4"
    /// W2 session A with seed 42.
    public static let w2A = "45ad9180dd785cbe0ed98a465be5b1038337b75f9def0dd09cdc2af367921b1e"
    /// W2 session B with seed 42.
    public static let w2B = "f4270c68dc884d20264c601cb18f7069839a90bfe5f6102012b8a5ee001e5d83"
}
