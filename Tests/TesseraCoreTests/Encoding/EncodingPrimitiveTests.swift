import CZlib
import TesseraTestSupport
import Testing
@testable import TesseraCore

@Suite("Encoding primitives")
struct EncodingPrimitiveTests {
    @Test("LEB128 round-trips boundary values with the expected lengths")
    func leb128() throws {
        let cases: [(UInt64, Int)] = [(0, 1), (127, 1), (128, 2), (16_383, 2), (16_384, 3), (UInt64(UInt32.max), 5),
                                      (1 << 63, 10), (UInt64.max, 10)]
        for (value, length) in cases {
            var writer = ByteWriter()
            writer.writeULEB128(value)
            #expect(writer.count == length, "\(value)")
            var reader = ByteReader(writer.bytes)
            #expect(try reader.readULEB128() == value)
            #expect(reader.isAtEnd)
        }
        for value: Int64 in [0, -1, 1, -64, 63, -65, .min, .max] {
            #expect(ZigZag.decode(ZigZag.encode(value)) == value)
            var writer = ByteWriter()
            writer.writeSLEB128(value)
            var reader = ByteReader(writer.bytes)
            #expect(try reader.readSLEB128() == value)
        }
        #expect(ZigZag.encode(-1) == 1 && ZigZag.encode(1) == 2)
    }

    @Test("LEB128 values of one to five bytes read back to back, up to a reader's end that is not its array's")
    func leb128ShortValues() throws {
        // Two- and three-byte values last, so some end one and two bytes before the reader's end.
        let values: [UInt64] = [0, 1, 127, 128, 300, 16_383, 16_384, 1 << 20, (1 << 21) - 1, 1 << 21, 1 << 28,
                                UInt64(UInt32.max), 5, 300, 16_384, 200, 7]
        var writer = ByteWriter()
        for value in values { writer.writeULEB128(value) }
        let encoded = writer.bytes
        // The same bytes, then continuation bytes the reader's range leaves out.
        for bytes in [encoded, encoded + [0x80, 0x80, 0x80]] {
            var reader = ByteReader(bytes, range: 0..<encoded.count)
            for value in values { #expect(try reader.readULEB128() == value) }
            #expect(reader.isAtEnd)
        }
        // A value the reader's end cuts off is truncated there, whatever the array holds next.
        var cut = ByteReader([0x80, 0x80, 0x01], range: 0..<2)
        #expect(throws: EncodingError.truncated(offset: 2, needed: 1)) { try cut.readULEB128() }
        // Redundant zero groups read as the value they pad.
        var padded = ByteReader([0x80, 0x00, 0x81, 0x80, 0x00, 0x7F])
        #expect(try padded.readULEB128() == 0)
        #expect(try padded.readULEB128() == 1)
        #expect(try padded.readULEB128() == 127)
    }

    @Test("strings count and decode to the scalars the standard library sees, at every UTF-8 width")
    func scalarsOfStrings() {
        // One, two, three and four UTF-8 bytes per scalar, their boundaries, a combining
        // sequence (two scalars, one character), a bridged-looking substring and empty.
        let texts = ["", "a", "hello", "\u{7F}\u{80}", "é", "\u{7FF}\u{800}", "€uro", "\u{FFFF}\u{10000}", "🙂 ok",
                     "\u{10FFFF}", "e\u{301}", "mixed ascii, ü, 中文, 🇨🇭 and more", String("slice of text".dropFirst(3))]
        var scalars: [Unicode.Scalar] = ["x"]
        var expected: [Unicode.Scalar] = ["x"]
        for text in texts {
            #expect(text.scalarCount == text.unicodeScalars.count, "\(text)")
            scalars.append(scalarsOf: text)
            expected.append(contentsOf: text.unicodeScalars)
            #expect(scalars == expected, "\(text)")
        }
        // Many short appends to one array (one keystroke at a time) keep every scalar.
        var typed: [Unicode.Scalar] = []
        for _ in 0..<1_000 { typed.append(scalarsOf: "ü") }
        #expect(typed.count == 1_000 && typed.allSatisfy { $0 == "ü" })
    }

    @Test("the ASCII prefix of a reader's next bytes stops at the first non-ASCII byte, the limit and the reader's end")
    func asciiPrefix() {
        // Every start, limit and first non-ASCII position around the eight-byte steps, in a
        // reader over part of its buffer (its end before the buffer's).
        for length in [0, 1, 7, 8, 9, 16, 17, 40] {
            for bad in [nil] + Array(0..<length) as [Int?] {
                var bytes = [UInt8](repeating: 0x61, count: length + 3)
                if let bad { bytes[bad + 1] = 0xC3 }
                bytes[length + 1] = 0xFF  // past the reader's end: never looked at
                for skip in [0, 1, 3] where skip <= length {
                    var reader = ByteReader(bytes, range: 1..<(length + 1))
                    _ = try? reader.readRange(skip)
                    for limit in [0, 1, 5, 8, 9, 100] {
                        var expected = 0
                        while expected < min(limit, length - skip), bytes[1 + skip + expected] < 0x80 { expected += 1 }
                        #expect(reader.asciiPrefix(upTo: limit) == expected, "length \(length) bad \(String(describing: bad)) skip \(skip) limit \(limit)")
                    }
                }
            }
        }
        // ASCII bytes append as one scalar each, after what the array holds.
        let text = Array("typed at the cursor, ~!".utf8)
        var scalars: [Unicode.Scalar] = ["é"]
        text.withUnsafeBufferPointer { scalars.append(ascii: $0) }
        #expect(scalars == ["é"] + text.map { Unicode.Scalar($0) })
    }

    /// The string table's cache matches a string by its two words; equal bytes in other
    /// instances (heap strings built apart, small strings), and many strings contending for
    /// its slots, must still resolve as the byte-keyed table alone would.
    @Test("the string table gives equal bytes one index, whatever the instance")
    func stringTableCache() {
        var table = StringTableEncoder()
        var expected: [String: UInt64] = [:]
        var rng = SplitMix64(seed: 11)
        for step in 0..<5_000 {
            let n = Int(rng.next() % 700)
            // Small (≤ 15 bytes) and heap strings, each built afresh from its number.
            let string = n % 2 == 0 ? "k\(n)" : String(repeating: "long-key-", count: 3) + String(n)
            let (code, index) = table.reference(string)
            if let known = expected[string] {
                #expect(code == known + 1 && index == known, "step \(step): \(string)")
            } else {
                #expect(code == 0 && index == UInt64(expected.count), "step \(step): \(string)")
                expected[string] = index
            }
        }
        #expect(table.count == expected.count)
    }

    @Test("LEB128 rejects values beyond 64 bits and truncated varints")
    func leb128Hostile() {
        var overflow = ByteReader([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02])
        #expect(throws: EncodingError.invalid(offset: 0, reason: "varint overflows 64 bits")) { try overflow.readULEB128() }
        var endless = ByteReader([UInt8](repeating: 0x80, count: 20))
        #expect(throws: EncodingError.self) { try endless.readULEB128() }
        var truncated = ByteReader([0x80, 0x80])
        #expect(throws: EncodingError.truncated(offset: 2, needed: 1)) { try truncated.readULEB128() }
        var count = ByteReader([0x05])
        #expect(throws: EncodingError.self) { try count.readCount(limit: 4, "things") }
    }

    @Test("run-length columns round-trip random sequences", arguments: 0..<40)
    func runLength(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        var values: [UInt64] = []
        for _ in 0..<rng.below(300) {
            let value = rng.chance(50) ? UInt64(rng.below(4)) : rng.next() >> UInt64(rng.below(64))
            values += Array(repeating: value, count: rng.chance(70) ? 1 : 1 + rng.below(20))
        }
        var writer = RunLengthWriter()
        for value in values { writer.append(value) }
        let bytes = writer.finish()
        var reader = RunLengthReader(ByteReader(bytes), column: .opKind)
        for value in values { #expect(try reader.next() == value) }
        try reader.finish()
        if values.count > 1 {
            var short = RunLengthReader(ByteReader(bytes), column: .opKind)
            _ = try short.next()
            #expect(throws: EncodingError.self) { try short.finish() }
        }
    }

    @Test("looking ahead at a run reads nothing it cannot give back", arguments: [false, true])
    func runLengthLookAhead(truncated: Bool) throws {
        var writer = ByteWriter()
        writer.writeSLEB128(3)  // a repeat run: 3 × 9
        writer.writeULEB128(9)
        writer.writeSLEB128(-1)  // a literal run of one
        writer.writeULEB128(5)
        writer.writeSLEB128(4)  // a repeat run: 4 × 7, or its header cut short
        if !truncated { writer.writeULEB128(7) }
        var reader = RunLengthReader(ByteReader(writer.bytes), column: .opKind)
        #expect(reader.repeatedRun()! == (9, 3))
        #expect(reader.repeatedRun()! == (9, 3), "a second look reads nothing more")
        reader.skip(2)
        #expect(try reader.next() == 9)
        let literal = reader.offset
        #expect(reader.repeatedRun() == nil, "a literal run is no repeat")
        #expect(reader.offset == literal)
        #expect(try reader.next() == 5)
        let header = reader.offset
        if truncated {
            // The failed look ahead leaves the reader where it was: reading reports the
            // header, at its offset.
            #expect(reader.repeatedRun() == nil)
            #expect(reader.offset == header)
            #expect(throws: EncodingError.truncated(offset: header + 1, needed: 1)) { try reader.next() }
        } else {
            #expect(reader.repeatedRun()! == (7, 4))
            #expect(reader.offset == header, "a header read ahead still counts as unread")
            for _ in 0..<4 { #expect(try reader.next() == 7) }
            try reader.finish()
        }
    }

    @Test("long runs cost a couple of bytes")
    func runLengthCompactness() {
        var writer = RunLengthWriter()
        for _ in 0..<100_000 { writer.append(7) }
        #expect(writer.finish().count == 4)
    }

    @Test("run-length readers reject zero-length runs and missing entries")
    func runLengthHostile() {
        var zero = RunLengthReader(ByteReader([0x00, 0x01]), column: .opKind)
        #expect(throws: EncodingError.invalid(offset: 0, reason: "op.kind column has a run of length 0")) { try zero.next() }
        var empty = RunLengthReader(ByteReader([]), column: .opKind)
        #expect(throws: EncodingError.self) { try empty.next() }
        // A literal run that promises 2^62 values but holds one.
        var writer = ByteWriter()
        writer.writeSLEB128(-(1 << 62))
        writer.writeULEB128(5)
        var lying = RunLengthReader(ByteReader(writer.bytes), column: .opKind)
        #expect(throws: Never.self) { try lying.next() }
        #expect(throws: EncodingError.self) { try lying.next() }
    }

    @Test("register writers answer as a plain table does, across the move from blocks to hashing")
    func registerWriters() {
        var writers = RegisterWriters()
        var kept = RegisterWriters()
        var heads = [RegisterWriters.Head](repeating: 0, count: 31)
        var model: [String: OpID] = [:]
        var rng = SplitMix64(seed: 11)
        let replica = ReplicaID(rawValue: 7)!
        // Objects with 1 to 40 keys: small ones keep a block, large ones move to the hash table.
        let objects = (-1..<30).map { index in
            ListedObject(id: index < 0 ? .root : ObjectID(OpID(replica: replica, counter: UInt64(1_000 + index))), index: index)
        }
        for counter in 1...20_000 {
            let object = objects[rng.below(objects.count)]
            let key = UInt64(rng.below(object.index < 0 ? 3 : 1 + (object.index + 1) * 40 / 31))
            let id = OpID(replica: replica, counter: UInt64(counter))
            let name = "\(object.index)/\(key)"
            let expected = model[name] ?? object.id.creator ?? id
            #expect(writers.base(object: object, key: key, id: id) == expected, "write \(counter) of \(name)")
            // Heads kept by the caller (as the decoder keeps them beside each listed map).
            #expect(kept.base(object: object, key: key, id: id, head: &heads[object.index + 1]) == expected,
                    "write \(counter) of \(name), heads kept outside")
            model[name] = id
        }
        #expect(model.keys.filter { $0.hasPrefix("29/") }.count > 8, "some object moved to the hash table")
        #expect(model.keys.filter { $0.hasPrefix("3/") }.count > 1, "some object kept a block of several keys")
    }

    @Test("the object index lists each object once, as a dictionary does, across its growth")
    func objectIndex() {
        var index = ObjectIndex()
        var model: [ObjectID: Int] = [:]
        var rng = SplitMix64(seed: 3)
        // Few replicas and counters that collide in their low bits, so probes run into each other.
        let replicas = (0..<3).map { ReplicaID(rawValue: 0x1000 + UInt64($0) << 32)! }
        for _ in 0..<5_000 {
            let object = ObjectID(OpID(replica: replicas[rng.below(3)], counter: UInt64(rng.below(2_000)) << 8))
            let expected = model[object] ?? model.count
            #expect(index.insert(object, at: model.count) == expected)
            if model[object] == nil { model[object] = expected }
            #expect(index[object] == expected)
        }
        #expect(model.count > 1_000, "the table grew several times")
        for (object, position) in model { #expect(index[object] == position) }
        #expect(index[ObjectID(OpID(replica: replicas[0], counter: 1))] == nil)
        #expect(index[.root] == nil)
    }

    @Test("CRC-32 matches the standard check value")
    func crc32() {
        #expect(CRC32.checksum(Array("123456789".utf8)[...]) == 0xCBF4_3926)
        #expect(CRC32.checksum([][...]) == 0)
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        #expect(CRC32.checksum(bytes[500...], continuing: CRC32.checksum(bytes[..<500])) == CRC32.checksum(bytes[...]))
    }

    @Test("deflate round-trips and inflate enforces the declared size")
    func deflate() throws {
        let input = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 % 17) }
        let compressed = try #require(Deflate.compress(input))
        #expect(compressed.count < input.count / 10)
        #expect(try Deflate.decompress(compressed[...], expectedCount: input.count, offset: 0) == input)
        #expect(throws: EncodingError.self) { try Deflate.decompress(compressed[...], expectedCount: input.count - 1, offset: 0) }
        #expect(throws: EncodingError.self) { try Deflate.decompress(compressed[...], expectedCount: input.count + 1, offset: 0) }
        #expect(throws: EncodingError.self) { try Deflate.decompress(compressed.dropLast(3), expectedCount: input.count, offset: 0) }
        #expect(throws: EncodingError.self) { try Deflate.decompress((compressed + [1, 2, 3])[...], expectedCount: input.count, offset: 0) }
        #expect(throws: EncodingError.self) { try Deflate.decompress([0xFF, 0xFF, 0xFF][...], expectedCount: 10, offset: 0) }
    }

    @Test("deflate stores a near-random chunk that compresses by less than an eighth, and any mix inflates back")
    func deflateStoresNearRandomChunks() throws {
        var rng = SplitMix64(seed: 11)
        let chunk = Deflate.chunkSize
        // Bytes from 160 values: 7.3 bits of entropy each, so Huffman coding saves about 8 %.
        let skewed = (0..<(3 * chunk + 5_000)).map { _ in UInt8(rng.below(160)) }
        let plain = try #require(Self.deflateInOneCall(skewed))
        #expect(plain.count < skewed.count * 15 / 16, "plain deflate does shrink it")
        let stored = try #require(Deflate.compress(skewed))
        #expect(stored.count >= skewed.count, "stored: three chunks and the tail")
        #expect(stored.count <= skewed.count + 4 * 5 + 8, "a block header per chunk and the end")
        #expect(try Deflate.decompress(stored[...], expectedCount: skewed.count, offset: 0) == skewed)

        // Random bytes repeated within each chunk: order-0 entropy says random, the trial says
        // not, and the chunks are compressed in the one stream (matching across chunks).
        let block = (0..<2_048).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let repeated = Array(repeatElement(block, count: 3 * chunk / block.count).joined())
        #expect(repeated.withUnsafeBufferPointer { Deflate.isNearRandom(UnsafeBufferPointer(rebasing: $0[..<chunk])) })
        let deflatedRepeats = try #require(Deflate.compress(repeated))
        #expect(deflatedRepeats.count < block.count + 1_000)
        #expect(try Deflate.decompress(deflatedRepeats[...], expectedCount: repeated.count, offset: 0) == repeated)

        // Compressible text on both sides of stored chunks, boundaries inside and across
        // chunks, and short near-random stretches that are compressed with their neighbours.
        let text = (0..<50_000).map { UInt8(truncatingIfNeeded: 65 + $0 % 17) }
        let mixes: [[UInt8]] = [
            text + skewed + Array(text[..<1_000]) + repeated + Array(skewed[..<100]),
            Array(skewed[..<(chunk - 1)]) + text,
            Array(skewed[..<(chunk + 1)]),
            Array(skewed[..<(Deflate.minimumStoredCount - 1)]) + text + skewed,
            Array(repeated[..<chunk]) + skewed + skewed + text,
        ]
        for mix in mixes {
            let deflated = try #require(Deflate.compress(mix))
            #expect(try Deflate.decompress(deflated[...], expectedCount: mix.count, offset: 0) == mix)
            #expect(deflated.count <= (try #require(Self.deflateInOneCall(mix))).count * 9 / 8 + 64)
        }
        let first = try #require(Deflate.compress(mixes[0]))
        // The repeated chunks go through the stream as if never judged: their block is spelled
        // out once. The text compresses to almost nothing.
        #expect(first.count < skewed.count + block.count + 1_000, "everything but the skewed bytes still compresses")
    }

    @Test("deflate with restart points inflates in parallel segments, and only at true restart points")
    func deflateRestartPoints() throws {
        var rng = SplitMix64(seed: 12)
        let interval = Deflate.restartInterval
        // Text, a stored chunk right at a restart point, more text: segments of either kind.
        let text = (0..<(interval + 40_000)).map { _ in UInt8(65 + rng.below(20)) }
        let random = (0..<(interval / 2)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        for input in [text + random + text, text, Array(text[..<(interval + 1)])] {
            let (bytes, restarts) = try #require(Deflate.compress(input, restartEvery: interval))
            #expect(restarts.map(\.raw) == Array(stride(from: interval, to: input.count, by: interval)))
            #expect(try Deflate.decompress(bytes[...], expectedCount: input.count, offset: 0, restarts: restarts) == input)
            // Still one ordinary stream, read from the start.
            #expect(try Deflate.decompress(bytes[...], expectedCount: input.count, offset: 0) == input)
            // A point anywhere but where the stream restarts is refused, never misread.
            let first = restarts[0]
            for (dc, dr) in [(1, 0), (-1, 0), (0, 1), (0, -1), (-5, -7), (7, 0)] {
                var moved = restarts
                moved[0] = Deflate.RestartPoint(compressed: first.compressed + dc, raw: first.raw + dr)
                #expect(throws: EncodingError.self, "moved by \(dc), \(dr)") {
                    try Deflate.decompress(bytes[...], expectedCount: input.count, offset: 0, restarts: moved)
                }
            }
        }
        // Below the interval, no restart point: one segment.
        #expect(try #require(Deflate.compress(Array(text[..<interval]), restartEvery: interval)).restarts.isEmpty)
        // A stream without a flush cannot be split: the second segment refers back past its start.
        let plain = try #require(Self.deflateInOneCall(text))
        let middle = Deflate.RestartPoint(compressed: plain.count / 2, raw: text.count / 2)
        #expect(throws: EncodingError.self) {
            try Deflate.decompress(plain[...], expectedCount: text.count, offset: 0, restarts: [middle])
        }
    }

    /// `input` deflated by zlib in one call at the default level, as before chunks were judged.
    private static func deflateInOneCall(_ input: [UInt8]) -> [UInt8]? {
        var stream = z_stream()
        guard deflateInit2_(&stream, Deflate.level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY, zlibVersion(),
                            Int32(MemoryLayout<z_stream>.size)) == Z_OK
        else { return nil }
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, uLong(input.count)))
        var status = Z_STREAM_ERROR
        let output = [UInt8](unsafeUninitializedCapacity: bound) { buffer, initialized in
            input.withUnsafeBufferPointer { source in
                stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
                stream.avail_in = uInt(source.count)
                stream.next_out = buffer.baseAddress
                stream.avail_out = uInt(bound)
                status = CZlib.deflate(&stream, Z_FINISH)
            }
            initialized = status == Z_STREAM_END ? Int(stream.total_out) : 0
        }
        return status == Z_STREAM_END ? output : nil
    }

    @Test("short decimals are split exactly and everything else is refused", arguments: 0..<20)
    func decimalDoubles(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        for _ in 0..<2_000 {
            let hundredths = Double(rng.below(500_000)) / 100
            let split = DecimalDouble.split(hundredths, preferred: 2)
            #expect(split?.scale == 2)
            if let split { #expect(DecimalDouble.join(mantissa: split.mantissa, scale: split.scale).bitPattern == hundredths.bitPattern) }
            let arbitrary = Double(bitPattern: rng.next())
            if let split = DecimalDouble.split(arbitrary, preferred: rng.below(16)) {
                #expect(DecimalDouble.join(mantissa: split.mantissa, scale: split.scale).bitPattern == arbitrary.bitPattern)
            }
        }
        #expect(DecimalDouble.split(-0.0, preferred: 0) == nil)
        #expect(DecimalDouble.split(.nan, preferred: 0) == nil)
        #expect(DecimalDouble.split(.infinity, preferred: 0) == nil)
        #expect(DecimalDouble.split(0.1 + 0.2, preferred: 0) == nil)
    }
}
