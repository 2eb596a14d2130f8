import TesseraTestSupport
import Testing
@testable import TesseraCore

/// Every bad input ends in a typed ``EncodingError`` — never a trap, never a half-applied
/// change — and allocation stays bounded by the input size.
@Suite("Hostile input")
struct EncodingHostileInputTests {
    /// The sample document, and a replica that has its first half (so applying the full
    /// snapshot really changes it when it succeeds).
    static func fixtures() throws -> (sample: Document, half: Document) {
        let sample = try EncodingFixtures.sample().document
        let changes = sample.changes()
        var half = Document(replica: EncodingFixtures.carol)
        try half.apply(Array(changes.prefix(changes.count / 2)))
        return (sample, half)
    }

    static func isTruncation(_ error: EncodingError) -> Bool {
        if case .truncated = error { return true }
        return false
    }

    @Test("every truncation of every sample is reported as truncated", arguments: [PayloadCompression.none, .automatic])
    func truncation(compression: PayloadCompression) throws {
        let (sample, half) = try Self.fixtures()
        let inputs = [
            sample.encodeSnapshot(compression: compression),
            try EncodingFixtures.sampleDelta(compression: compression),
            sample.version.encoded(),
        ]
        for bytes in inputs {
            for length in 0..<bytes.count {
                let prefix = Array(bytes.prefix(length))
                do {
                    _ = try Container.decode(prefix)
                    Issue.record("prefix of length \(length) decoded")
                } catch {
                    #expect(Self.isTruncation(error), "length \(length): \(error)")
                }
                #expect(throws: EncodingError.self) { try Change.decode(prefix) }
                #expect(throws: EncodingError.self) { try VersionVector(decoding: prefix) }
                #expect(applyAtomically(prefix, to: half) != nil)
            }
        }
    }

    @Test("random bit flips are caught by the CRC", arguments: 0..<20)
    func bitFlips(seed: UInt64) throws {
        let (sample, half) = try Self.fixtures()
        var rng = SplitMix64(seed: seed)
        for compression in [PayloadCompression.none, .automatic] {
            let bytes = sample.encodeSnapshot(compression: compression)
            for _ in 0..<50 {
                var corrupted = bytes
                for _ in 0..<(1 + rng.below(3)) { corrupted[rng.below(corrupted.count)] ^= 1 << UInt8(rng.below(8)) }
                guard corrupted != bytes else { continue }
                #expect(throws: EncodingError.self, "seed \(seed)") { try Change.decode(corrupted) }
                #expect(applyAtomically(corrupted, to: half) != nil)
            }
        }
    }

    @Test("bit flips behind a valid CRC never trap and never half-apply", arguments: 0..<40)
    func bitFlipsWithValidCRC(seed: UInt64) throws {
        let (sample, half) = try Self.fixtures()
        var rng = SplitMix64(seed: seed)
        var rejected = 0
        var attempts = 0
        for compression in [PayloadCompression.none, .automatic] {
            let bytes = sample.encodeSnapshot(compression: compression)
            for _ in 0..<50 {
                var corrupted = bytes
                // Flip bits after the header's CRC field, then make the CRC valid again.
                for _ in 0..<(1 + rng.below(3)) { corrupted[11 + rng.below(corrupted.count - 11)] ^= 1 << UInt8(rng.below(8)) }
                corrupted = withValidCRC(corrupted)
                attempts += 1
                if applyAtomically(corrupted, to: half) != nil { rejected += 1 }
                // Whatever decodes must re-encode and decode to the same changes.
                if let changes = try? Change.decode(corrupted) {
                    #expect(try Change.decode(Change.encode(changes)) == changes, "seed \(seed)")
                }
            }
        }
        #expect(rejected > attempts / 2, "seed \(seed): only \(rejected) of \(attempts) corruptions were rejected")
    }

    @Test("random bytes are rejected", arguments: 0..<10)
    func randomBytes(seed: UInt64) throws {
        let (_, half) = try Self.fixtures()
        var rng = SplitMix64(seed: seed)
        for _ in 0..<200 {
            let length = rng.below(300)
            var bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            if rng.chance(50), bytes.count > 11 {
                // A plausible header (magic, version, known kind) so decoding gets further.
                bytes.replaceSubrange(0..<6, with: Container.magic + [1, UInt8(1 + rng.below(3))])
                if rng.chance(70) { bytes = withValidCRC(bytes) }
            }
            #expect(throws: EncodingError.self, "seed \(seed)") { try Change.decode(bytes) }
            #expect(throws: EncodingError.self, "seed \(seed)") { try VersionVector(decoding: bytes) }
            #expect(applyAtomically(bytes, to: half) != nil)
        }
    }

    @Test("random payloads in valid containers never trap", arguments: 0..<10)
    func randomPayloads(seed: UInt64) throws {
        let (_, half) = try Self.fixtures()
        var rng = SplitMix64(seed: seed)
        for _ in 0..<300 {
            // Small numbers make plausible counts, indices and tags.
            let payload = (0..<rng.below(200)).map { _ in UInt8(rng.chance(70) ? rng.below(8) : rng.below(256)) }
            let kind = ContainerKind(rawValue: UInt8(1 + rng.below(3)))!
            let bytes = Container.encode(kind: kind, payload: payload, compression: rng.chance(50) ? .automatic : .none)
            _ = try? Change.decode(bytes)
            _ = try? VersionVector(decoding: bytes)
            applyAtomically(bytes, to: half)
        }
    }

    @Test("lying section lengths are rejected")
    func lyingSectionLengths() throws {
        let (sample, half) = try Self.fixtures()
        let payload = try EditablePayload(container: sample.encodeSnapshot(compression: .none))
        for section in payload.sections {
            for lie in [UInt64(section.bytes.count) + 1, UInt64(section.bytes.count) &- 1, 1 << 40, UInt64.max] {
                let bytes = payload.container(kind: .snapshot, lengths: [section.id: lie])
                #expect(throws: EncodingError.self, "section \(section.id) length \(lie)") { try Change.decode(bytes) }
                #expect(applyAtomically(bytes, to: half) != nil)
            }
        }
    }

    @Test("lying counts in the payload header are rejected")
    func lyingCounts() throws {
        let payload = try EditablePayload(container: EncodingFixtures.sample().document.encodeSnapshot(compression: .none))
        for (changes, operations) in [(payload.changeCount + 1, payload.operationCount), (payload.changeCount - 1, payload.operationCount),
                                      (payload.changeCount, payload.operationCount + 1), (payload.changeCount, payload.operationCount - 1)] {
            var edited = payload
            edited.changeCount = changes
            edited.operationCount = operations
            #expect(throws: EncodingError.self) { try Change.decode(edited.container()) }
        }
    }

    @Test("lying container lengths are rejected")
    func lyingContainerLengths() throws {
        let sample = try EncodingFixtures.sample().document
        let plain = sample.encodeSnapshot(compression: .none)
        let stored = Array(try Container.decode(plain).payload.bytes[11...].dropFirst(2))  // after the 2-byte length
        #expect(stored.count + 13 == plain.count)
        #expect(throws: EncodingError.self) { try Change.decode(rawContainer(kind: 2, stored: stored.dropLast(1) + [])) }
        let longer = rawContainer(kind: 2, stored: stored + [0])
        #expect(throws: EncodingError.self) { try Change.decode(longer) }
        // Declared length beyond the input: truncated; short of it: trailing bytes.
        var tooLong = rawContainer(kind: 2, stored: stored)
        tooLong[11] &+= 1
        #expect(throws: EncodingError.truncated(offset: 13, needed: 1)) { try Change.decode(withValidCRC(tooLong)) }
        var tooShort = rawContainer(kind: 2, stored: stored)
        tooShort[11] &-= 1
        #expect(throws: EncodingError.invalid(offset: tooShort.count - 1, reason: "1 byte(s) after the payload")) {
            try Change.decode(withValidCRC(tooShort))
        }
        // A deflated container whose inflated length is off by one either way.
        let deflated = sample.encodeSnapshot()
        let container = try Container.decode(deflated)
        #expect(container.flags.contains(.deflated))
        var reader = ByteReader(deflated)
        _ = try reader.readBytes(11)
        let storedCount = Int(try reader.readULEB128())
        let rawCount = try reader.readULEB128()
        let compressed = try reader.readBytes(storedCount)
        for lie in [rawCount - 1, rawCount + 1] {
            let bytes = rawContainer(kind: 2, flags: 1, stored: compressed, rawLength: lie)
            #expect(throws: EncodingError.self) { try Change.decode(bytes) }
            do {
                _ = try Change.decode(bytes)
            } catch {
                guard case .decompressionFailed = error else {
                    Issue.record("expected decompressionFailed, got \(error)")
                    return
                }
            }
        }
        #expect(try Change.decode(rawContainer(kind: 2, flags: 1, stored: compressed, rawLength: rawCount)) == sample.changes())
    }

    /// A history long enough for restart points: 40,000 shapes' worth of text and numbers.
    static func longHistory() throws -> (document: Document, bytes: [UInt8]) {
        var rng = SplitMix64(seed: 21)
        var document = Document(replica: EncodingFixtures.carol)
        let text = try document.makeObject(.text, forKey: "notes")
        for i in 0..<6_000 {
            try document.transact { doc in
                try doc.insertText("note \(i) \(rng.below(1_000_000)); ", at: try doc.count(of: text), in: text)
                try doc.set("k\(rng.below(500))", to: .double(Double(rng.below(1_000_000)) / 100))
            }
        }
        return (document, document.encodeChanges(since: VersionVector()))
    }

    @Test("restart points that lie, or are flagged without deflate, are refused; the rest decodes the same")
    func restartPoints() throws {
        let (document, bytes) = try Self.longHistory()
        let envelope = try ContainerEnvelope(bytes, limits: .standard)
        #expect(envelope.flags.contains(.restartPoints) && !envelope.restarts.isEmpty, "the history is long enough")
        let expected = document.changes()
        #expect(try Change.decode(bytes) == expected)

        var reader = ByteReader(bytes)
        _ = try reader.readBytes(11)
        let storedCount = try reader.readCount(limit: Int.max, "")
        let rawCount = try reader.readULEB128()
        let indexStart = reader.position
        let compressed = Array(bytes[(bytes.count - storedCount)...])
        let index = Array(bytes[indexStart..<(bytes.count - storedCount)])
        let flags = bytes[6]
        #expect(rawContainer(flags: flags, stored: compressed, rawLength: rawCount, restartIndex: index) == bytes)

        // The same stream without its index: one segment, the same changes.
        #expect(try Change.decode(rawContainer(flags: 1, stored: compressed, rawLength: rawCount)) == expected)
        // Flagged without deflate, or with no point listed.
        #expect(throws: EncodingError.unsupportedFlags(found: 4)) {
            try Change.decode(rawContainer(flags: 4, stored: compressed, restartIndex: index))
        }
        #expect(throws: EncodingError.self) { try Change.decode(rawContainer(flags: flags, stored: compressed, rawLength: rawCount, restartIndex: [0])) }
        // Every single-byte change of the index decodes the same changes or is refused.
        for position in index.indices {
            for value: UInt8 in [0, 1, 0x7F, 0x80, 0xFF, index[position] &+ 1, index[position] &- 1] where value != index[position] {
                var lying = index
                lying[position] = value
                let container = rawContainer(flags: flags, stored: compressed, rawLength: rawCount, restartIndex: lying)
                if let decoded = try? Change.decode(container) { #expect(decoded == expected, "byte \(position) = \(value)") }
            }
        }
        // Points out of order, or past the end of the stream or of its output.
        var writer = ByteWriter()
        writer.writeCount(2)
        for _ in 0..<2 {
            writer.writeCount(envelope.restarts[0].compressed)
            writer.writeCount(envelope.restarts[0].raw)
        }
        writer.writeCount(1)
        writer.writeCount(storedCount)
        writer.writeCount(1)
        #expect(throws: EncodingError.self) {
            try Change.decode(rawContainer(flags: flags, stored: compressed, rawLength: rawCount, restartIndex: writer.bytes))
        }
    }

    @Test("a format version from the future, unknown kinds and flags are refused before anything else")
    func headerChecks() throws {
        let bytes = try EncodingFixtures.sample().document.encodeSnapshot()
        for version: UInt8 in [0, 2, 255] {
            var future = bytes
            future[4] = version
            #expect(throws: EncodingError.unsupportedVersion(found: version)) { try Change.decode(future) }
            #expect(throws: EncodingError.unsupportedVersion(found: version)) { try Change.decode(withValidCRC(future)) }
        }
        var kind = bytes
        kind[5] = 9
        #expect(throws: EncodingError.unsupportedKind(found: 9)) { try Change.decode(withValidCRC(kind)) }
        var flags = bytes
        flags[6] |= 0x80
        #expect(throws: EncodingError.unsupportedFlags(found: flags[6])) { try Change.decode(withValidCRC(flags)) }
        var magic = bytes
        magic[1] = UInt8(ascii: "X")
        #expect(throws: EncodingError.badMagic) { try Change.decode(magic) }
        var crc = bytes
        crc[8] ^= 0x10
        #expect(throws: EncodingError.self) { try Change.decode(crc) }
        let changesWithState = rawContainer(kind: 1, flags: 2, stored: Change.encode([], compression: .none).suffix(3))
        #expect(throws: EncodingError.unsupportedFlags(found: 2)) { try Change.decode(changesWithState) }
    }

    @Test("unknown optional sections are skipped; a broken state section is an error, or replaced by the history")
    func materializedStateIsOptional() throws {
        let sample = try EncodingFixtures.sample().document
        var payload = try EditablePayload(container: sample.encodeSnapshot(compression: .none))
        #expect(payload.sections.contains { $0.id == StateSection.id })
        payload.sections.append((id: 200, bytes: [9]))
        let future = Container.encode(kind: .snapshot, payload: payload.payload(), compression: .none, flags: .materializedState)
        #expect(try Document(decoding: future).materialize() == sample.materialize())
        // A state section that does not decode.
        var broken = payload
        broken.sections = broken.sections.map { $0.id == StateSection.id ? (id: StateSection.id, bytes: [1, 2, 3, 4]) : $0 }
        let brokenBytes = Container.encode(kind: .snapshot, payload: broken.payload(), compression: .none, flags: .materializedState)
        #expect(throws: EncodingError.self) { try Document(decoding: brokenBytes, loading: .materializedState) }
        #expect(try Document(decoding: brokenBytes, loading: .replayHistory).materialize() == sample.materialize())
        let lazy = try Document(decoding: brokenBytes)
        #expect(lazy.materialize() == sample.materialize() && lazy.loadError == nil, "opened lazily, the history stands in")
        // Without the flag the state section is an unknown extension, and the history is replayed.
        let unflagged = Container.encode(kind: .snapshot, payload: broken.payload(), compression: .none)
        #expect(try Document(decoding: unflagged).materialize() == sample.materialize())
        // Unknown ids below the optional range are errors.
        payload.sections.insert((id: 63, bytes: [0]), at: payload.sections.count - 2)
        #expect(throws: EncodingError.self) { try Change.decode(Container.encode(kind: .snapshot, payload: payload.payload(), compression: .none)) }
    }

    @Test("structurally invalid contents behind a valid CRC are rejected with a reason")
    func invalidContents() throws {
        let sample = try EncodingFixtures.sample().document
        let payload = try EditablePayload(container: sample.encodeSnapshot(compression: .none))
        var edits: [(String, EditablePayload)] = []
        func edit(_ name: String, _ body: (inout EditablePayload) -> Void) {
            var copy = payload
            body(&copy)
            edits.append((name, copy))
        }
        edit("unknown op kind") { $0[.opKind] = runLengthColumn(Array(repeating: 9, count: Int(payload.operationCount))) }
        edit("unknown value tag") {
            var values = Array(repeating: UInt64(0), count: 40)
            values[0] = 99
            $0[.valueTag] = runLengthColumn(values)
        }
        edit("replica index out of range") { $0[.changeReplica] = runLengthColumn(Array(repeating: 7, count: Int(payload.changeCount))) }
        edit("string index out of range") { $0[.opKey] = runLengthColumn(Array(repeating: 10_000, count: 40)) }
        edit("reserved replica 0") { $0[.replicas] = [2] + [UInt8](repeating: 0, count: 16) }
        edit("ill-formed UTF-8") { $0[.strings] = [1, 2, 0xC3, 0x28] }
        edit("unknown origin actor") { $0[.origins] = [1, 9, 0, 0, 0] }
        edit("trailing column bytes") { $0[.opKind] = ($0[.opKind] ?? []) + [2, 1] }
        edit("trailing raw bytes") { $0[.textUTF8] = ($0[.textUTF8] ?? []) + [0x41] }
        edit("missing column") { $0[.opKind] = nil }
        edit("zero-length run") { $0[.opKind] = [0, 0] }
        edit("decreasing section ids") { $0.sections.swapAt(0, 1) }
        edit("unknown section id") { $0.sections.insert((id: 5, bytes: [0]), at: 3) }
        edit("object kind out of range") { $0[.objectKind] = runLengthColumn(Array(repeating: 4, count: 20)) }
        for (name, edited) in edits {
            let bytes = edited.container(kind: .snapshot)
            do {
                _ = try Change.decode(bytes)
                Issue.record("\(name): decoded")
            } catch {
                switch error {
                case .invalid, .truncated: break
                default: Issue.record("\(name): unexpected \(error)")
                }
            }
        }
    }

    @Test("semantically invalid changes are rejected by the document, which stays unchanged")
    func rejectedChanges() throws {
        let (sample, half) = try Self.fixtures()
        let next = half.nextOperationID
        let good = Change(
            replica: half.replica, startCounter: next.counter, startLamport: half.lamport + 1, dependencies: half.frontier,
            origin: .human("Eve"), timestamp: 0,
            operations: [Operation(object: .root, action: .set(key: "fine", value: 1, pred: []))])
        let bad = Change(
            replica: half.replica, startCounter: next.counter + 1, startLamport: half.lamport + 2, dependencies: [],
            origin: .human("Eve"), timestamp: 0,
            operations: [Operation(object: ObjectID(OpID(replica: EncodingFixtures.bob, counter: 999)), action: .increment(delta: 1))])
        let error = applyAtomically(Change.encode([good, bad]), to: half)
        #expect(error == .rejected(.unknownObject(ObjectID(OpID(replica: EncodingFixtures.bob, counter: 999)))))
        var orphan = bad
        orphan.replica = EncodingFixtures.bob
        orphan.startCounter = 1
        #expect(throws: EncodingError.rejected(.unknownObject(ObjectID(OpID(replica: EncodingFixtures.bob, counter: 999))))) {
            try Document(decoding: Change.encode([orphan]))
        }
        // Overflowing counters and Lamport times are refused by the decoder, before the document sees them.
        for change in [
            Change(replica: EncodingFixtures.bob, startCounter: .max, startLamport: 1, dependencies: [], origin: .anonymous,
                   timestamp: 0, operations: [Operation(object: .root, action: .set(key: "k", value: 1, pred: []))]),
            Change(replica: EncodingFixtures.bob, startCounter: 1, startLamport: .max, dependencies: [], origin: .anonymous,
                   timestamp: 0, operations: [Operation(object: .root, action: .insertText(after: nil, before: nil, text: "ab"))]),
        ] {
            #expect(throws: EncodingError.self) { try Change.decode(Change.encode([change])) }
            #expect(applyAtomically(Change.encode([change]), to: sample) != nil)
        }
        // Counters beyond what the document can store are refused by the document.
        let far = Change(replica: EncodingFixtures.bob, startCounter: UInt64(UInt32.max) + 5, startLamport: 1, dependencies: [],
                         origin: .anonymous, timestamp: 0, operations: [Operation(object: .root, action: .increment(delta: 1))])
        #expect(applyAtomically(Change.encode([far]), to: sample) == .rejected(.counterOverflow))
    }

    @Test("huge counts are refused before allocating")
    func hugeCounts() throws {
        let payload = try EditablePayload(container: EncodingFixtures.sample().document.encodeSnapshot(compression: .none))
        func decodes(_ edited: EditablePayload) -> EncodingError? {
            do {
                _ = try Change.decode(edited.container())
                return nil
            } catch {
                return error
            }
        }
        for huge: UInt64 in [1 << 32, 1 << 62, UInt64(Int.max), UInt64.max] {
            var changes = payload
            changes.changeCount = huge
            #expect(decodes(changes) != nil)
            var operations = payload
            operations.operationCount = huge
            #expect(decodes(operations) != nil)
        }
        var limit = payload
        limit.changeCount = 1 << 40
        guard case .limitExceeded = decodes(limit) else {
            Issue.record("expected limitExceeded")
            return
        }
        // Run-length columns make huge counts cheap to write: the element budget stops them.
        for column in [ColumnID.changeDepCount, .predCount, .insertCount] {
            var edited = payload
            var writer = ByteWriter()
            writer.writeSLEB128(Int64(1) << 60)
            writer.writeULEB128(1 << 50)
            edited[column] = writer.bytes
            #expect(decodes(edited) != nil, "\(column)")
        }
        var strings = payload
        strings[.strings] = [0xFF, 0xFF, 0xFF, 0xFF, 0x0F]
        #expect(decodes(strings) != nil)
        var replicas = payload
        replicas[.replicas] = [0x80, 0x80, 0x80, 0x80, 0x01] + [UInt8](repeating: 1, count: 8)
        #expect(decodes(replicas) != nil)
        var textLength = payload
        textLength[.textLength] = runLengthColumn(Array(repeating: 1 << 40, count: 10))
        #expect(decodes(textLength) != nil)
        var sectionCount = ByteWriter()
        sectionCount.writeULEB128(0)
        sectionCount.writeULEB128(0)
        sectionCount.writeULEB128(1 << 40)
        #expect(throws: EncodingError.self) { try Change.decode(Container.encode(kind: .changes, payload: sectionCount.bytes, compression: .none)) }
        var vv = ByteWriter()
        vv.writeULEB128(1 << 40)
        #expect(throws: EncodingError.self) { try VersionVector(decoding: Container.encode(kind: .versionVector, payload: vv.bytes)) }
    }

    @Test("deflate bombs and lying inflated lengths are refused without inflating them")
    func deflateBombs() throws {
        let zeros = [UInt8](repeating: 0, count: 32 << 20)
        let bomb = try #require(Deflate.compress(zeros))
        #expect(bomb.count < 64 << 10)
        // Honest header: the ratio alone refuses it.
        let honest = rawContainer(kind: 1, flags: 1, stored: bomb, rawLength: UInt64(zeros.count))
        #expect(throws: EncodingError.limitExceeded(
            offset: 14, reason: "declared inflated length \(zeros.count) exceeds \(bomb.count * 64) for \(bomb.count) compressed bytes")) {
            try Change.decode(honest)
        }
        // Lying header: inflation stops one byte past the declared size.
        let lying = rawContainer(kind: 1, flags: 1, stored: bomb, rawLength: 1000)
        do {
            _ = try Change.decode(lying)
            Issue.record("bomb decoded")
        } catch {
            guard case .decompressionFailed = error else {
                Issue.record("unexpected \(error)")
                return
            }
        }
        // Absurd declared lengths, garbage streams, and a caller's tighter limit.
        #expect(throws: EncodingError.self) { try Change.decode(rawContainer(kind: 1, flags: 1, stored: [1, 2, 3], rawLength: .max)) }
        #expect(throws: EncodingError.self) { try Change.decode(rawContainer(kind: 1, flags: 1, stored: [0xFF, 0xFE, 0xFD, 0xFC], rawLength: 10)) }
        let snapshot = try EncodingFixtures.randomDocument(seed: 3, rounds: 30).encodeSnapshot()
        #expect(try Container.decode(snapshot).flags.contains(.deflated))
        #expect(throws: EncodingError.self) { try Change.decode(snapshot, limits: DecodingLimits(maxPayloadBytes: 100)) }
        #expect(throws: EncodingError.self) { try Change.decode(snapshot, limits: DecodingLimits(maxElementsPerInputByte: 0, elementAllowance: 10)) }
    }
}
