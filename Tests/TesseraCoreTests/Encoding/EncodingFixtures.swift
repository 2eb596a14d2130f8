import TesseraTestSupport
@testable import TesseraCore

/// Deterministic documents and change sets for the encoding tests.
enum EncodingFixtures {
    static let alice = ReplicaID(rawValue: 0x2F1A_3B4C_5D6E_7F81)!
    static let bob = ReplicaID(rawValue: 0x5E6D_7C8B_9AA9_B8C7)!
    static let carol = ReplicaID(rawValue: 0x0123_4567_89AB_CDEF)!

    /// A small document that uses every operation kind, every value kind, two replicas, an
    /// agent origin and a concurrent conflict, with fixed timestamps. Also returns Alice's
    /// version just before she merged Bob's edits (the base of ``sampleDelta()``).
    static func sample() throws -> (document: Document, aliceBeforeMerge: VersionVector) {
        var a = Document(replica: alice, origin: .human("Ada"))
        var shape = ObjectID.root
        var chat = ObjectID.root
        var title = ObjectID.root
        var likes = ObjectID.root
        try a.transact { doc in
            let shapes = try doc.makeObject(.map, forKey: "shapes")
            shape = try doc.makeObject(.map, forKey: "s00001", in: shapes)
            try doc.set("kind", to: "rectangle", in: shape)
            try doc.set("x", to: 3922.91, in: shape)
            try doc.set("y", to: .double(0.1 + 0.2), in: shape)  // not a short decimal: stored raw
            try doc.set("z", to: 7, in: shape)
            try doc.set("locked", to: false, in: shape)
            try doc.set("visible", to: true, in: shape)
            try doc.set("note", to: .null, in: shape)
            try doc.set("thumb", to: .bytes([0, 1, 2, 255]), in: shape)
            try doc.set("weight", to: -12.5, in: shape)
        }
        try a.transact { doc in
            chat = try doc.makeObject(.list, forKey: "chat")
            try doc.insert(contentsOf: ["hello", 42, 1.5], at: 0, in: chat)
            let message = try doc.appendObject(.map, to: chat)
            try doc.set("author", to: "Ada", in: message)
            let body = try doc.makeObject(.text, forKey: "body", in: message)
            try doc.insertText("Héllo 🙂 wörld", at: 0, in: body)
        }
        try a.transact { doc in
            likes = try doc.makeObject(.counter, forKey: "likes")
            try doc.increment(likes, by: 5)
            try doc.increment(likes, by: -2)
            title = try doc.makeObject(.text, forKey: "title")
            try doc.insertText("Tessera", at: 0, in: title)
        }
        try a.insertText(" notes", at: 7, in: title)
        try a.remove(at: 0, count: 1, in: title)
        try a.insertText("t", at: 0, in: title)

        var b = a.fork(replica: bob)
        b.origin = .agent("Claude", request: "req-1", onBehalfOf: "Ada")
        try b.transact { doc in
            try doc.set("x", to: 100.25, in: shape)
            try doc.delete("note", in: shape)
            try doc.insertText("!", at: 13, in: title)
            try doc.remove(at: 1, count: 1, in: chat)
            try doc.increment(likes, by: 10)
        }
        try a.set("x", to: 200.5, in: shape)  // concurrent with Bob's write: a conflict
        let aliceBeforeMerge = a.version
        try a.merge(b)
        try a.set("merged", to: true)
        return (try withFixedTimestamps(a), aliceBeforeMerge)
    }

    /// The changes Bob made that Alice lacked before merging, as a changes container.
    static func sampleDelta(compression: PayloadCompression = .none) throws -> [UInt8] {
        let (document, base) = try sample()
        return document.encodeChanges(since: base, compression: compression)
    }

    /// `document` rebuilt from its history with timestamps 1.7e12 + 1250·i ms, written by
    /// the same replica, so encodings do not depend on the clock.
    static func withFixedTimestamps(_ document: Document) throws -> Document {
        var changes = document.changes()
        for i in changes.indices { changes[i].timestamp = 1_700_000_000_000 + Int64(i) * 1_250 }
        var fixed = Document(replica: document.replica, origin: document.origin)
        try fixed.apply(changes)
        return fixed
    }

    // MARK: Random documents

    /// A random document written by three replicas that edit offline and merge in random
    /// order, using every operation and value kind.
    static func randomDocument(seed: UInt64, rounds: Int = 6) throws -> Document {
        var rng = SplitMix64(seed: seed)
        let origins: [Origin] = [.human("Ada"), .agent("Claude", request: "r\(seed)", onBehalfOf: "Ada"), .human("")]
        var docs = [alice, bob, carol].enumerated().map { Document(replica: $0.element, origin: origins[$0.offset]) }
        for i in 1..<docs.count { docs[i] = docs[0].fork(replica: docs[i].replica) }
        for _ in 0..<rounds {
            for i in docs.indices {
                for _ in 0..<(1 + rng.below(4)) {
                    try docs[i].transact { doc in
                        for _ in 0..<(1 + rng.below(4)) { try RandomEdits.randomEdit(&doc, &rng, vocabulary: arbitraryEdits) }
                    }
                }
            }
            let a = rng.below(docs.count)
            let b = rng.below(docs.count)
            if a != b { try docs[b].merge(docs[a]) }
        }
        for i in docs.indices where i != 0 { try docs[0].merge(docs[i]) }
        return docs[0]
    }

    static func randomValue(_ rng: inout SplitMix64) -> Value {
        switch rng.below(9) {
        case 0: return .null
        case 1: return .bool(rng.chance(50))
        case 2: return .int(Int64(bitPattern: rng.next()) >> Int64(rng.below(64)))
        case 3: return .double(Double(rng.below(1_000_000)) / 100)
        case 4: return .double(Double(bitPattern: rng.next() & 0x7FEF_FFFF_FFFF_FFFF))  // finite, arbitrary
        case 5: return .string(randomString(&rng))
        case 6: return .bytes((0..<rng.below(6)).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
        case 7: return .double([0, -0.0, .infinity, -.infinity, 1e300, .leastNonzeroMagnitude][rng.below(6)])
        default: return .string(["rect", "ellipse", "#ff0000"][rng.below(3)])
        }
    }

    static func randomString(_ rng: inout SplitMix64) -> String {
        let pieces = ["a", "bc", "é", "e\u{301}", "🙂", "日本", " ", "\u{0}", "x"]
        return (0..<rng.below(5)).map { _ in pieces[rng.below(pieces.count)] }.joined()
    }

    /// Edits with every kind of value, including awkward doubles, strings and bytes.
    static let arbitraryEdits = EditVocabulary(
        keys: ["a", "b", "fill", "x", "shapes"], mapDraws: 8,
        mapValue: { _, rng in randomValue(&rng) },
        listObjectKinds: [.map, .text, .counter],
        listValue: { rng in randomValue(&rng) },
        text: { rng in randomString(&rng) },
        counterSpan: 1000)

    // MARK: Arbitrary changes

    /// Changes with arbitrary field values (not necessarily valid for any document): the
    /// codec must carry them exactly. Doubles are never NaN, so `==` can compare them.
    static func arbitraryChanges(seed: UInt64) -> [Change] {
        var rng = SplitMix64(seed: seed)
        let replicas = [alice, bob, carol, ReplicaID(rawValue: UInt64.max)!, ReplicaID(rawValue: 1)!]
        func replica() -> ReplicaID { replicas[rng.below(replicas.count)] }
        func counter() -> UInt64 {
            switch rng.below(4) {
            case 0: UInt64(rng.below(10))
            case 1: rng.next()
            default: UInt64(rng.below(100_000))
            }
        }
        func opID() -> OpID { OpID(replica: replica(), counter: counter()) }
        func optionalOpID() -> OpID? { rng.chance(30) ? nil : opID() }
        func object() -> ObjectID { rng.chance(30) ? .root : ObjectID(opID()) }
        func kind() -> ObjectKind { ObjectKind.allCases[rng.below(4)] }
        func value() -> Value { rng.chance(10) ? .object(object()) : randomValue(&rng) }
        func key() -> String { rng.chance(50) ? ["x", "y", "fill"][rng.below(3)] : randomString(&rng) }
        func origin() -> Origin {
            switch rng.below(4) {
            case 0: .anonymous
            case 1: .human("Ada")
            case 2: .agent("Claude", request: randomString(&rng), onBehalfOf: rng.chance(50) ? nil : "Ada")
            default: Origin(actor: .system, name: randomString(&rng), request: nil, onBehalfOf: randomString(&rng))
            }
        }
        var changes: [Change] = []
        for _ in 0..<rng.below(40) {
            var operations: [Operation] = []
            for _ in 0..<rng.below(8) {
                let action: Operation.Action
                switch rng.below(8) {
                case 0: action = .set(key: key(), value: value(), pred: (0..<rng.below(3)).map { _ in opID() })
                case 1: action = .make(key: key(), kind: kind(), pred: (0..<rng.below(2)).map { _ in opID() })
                case 2: action = .delete(key: key(), pred: (0..<rng.below(3)).map { _ in opID() })
                case 3: action = .insert(after: optionalOpID(), before: optionalOpID(), values: (0..<rng.below(4)).map { _ in value() })
                case 4: action = .insertObject(after: optionalOpID(), before: optionalOpID(), kind: kind())
                case 5: action = .insertText(after: optionalOpID(), before: optionalOpID(), text: randomString(&rng))
                case 6: action = .remove(first: opID(), count: rng.chance(90) ? 1 + rng.below(5) : Int(truncatingIfNeeded: rng.next()))
                default: action = .increment(delta: Int64(bitPattern: rng.next()) >> Int64(rng.below(64)))
                }
                operations.append(Operation(object: object(), action: action))
            }
            changes.append(Change(
                replica: replica(), startCounter: counter() >> 2, startLamport: counter() >> 2,
                dependencies: (0..<rng.below(3)).map { _ in opID() }, origin: origin(),
                timestamp: Int64(bitPattern: rng.next()) >> Int64(rng.below(64)), operations: operations))
        }
        return changes
    }
}
