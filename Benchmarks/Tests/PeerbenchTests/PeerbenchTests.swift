import Foundation
import Peerbench
import Testing

@Suite struct SHA256Tests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func knownDigests(input: String, digest: String) {
        var hash = SHA256()
        hash.update(Array(input.utf8))
        #expect(hash.hexDigest() == digest)
    }

    @Test func incrementalEqualsOneShot() {
        let bytes = (0..<1_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var oneShot = SHA256()
        oneShot.update(bytes)
        var pieces = SHA256()
        var i = 0
        for size in [1, 63, 64, 65, 7, 300] {
            pieces.update(Array(bytes[i..<(i + size)]))
            i += size
        }
        pieces.update(bytes[i...])
        #expect(pieces.hexDigest() == oneShot.hexDigest())
    }
}

@Suite struct CanonicalJSONTests {
    /// Python's `repr(float)` for each value.
    @Test(arguments: [
        (3922.91, "3922.91"), (12.0, "12.0"), (142.5, "142.5"), (0.1, "0.1"), (4999.99, "4999.99"),
        (1e16, "1e+16"), (9.5e15, "9500000000000000.0"), (1e-5, "1e-05"), (0.0001, "0.0001"),
        (123456789.0, "123456789.0"), (-2.5, "-2.5"), (0.0, "0.0"), (1.5e300, "1.5e+300"), (5e-324, "5e-324"),
    ])
    func doublesLikePythonRepr(value: Double, text: String) {
        #expect(CanonicalJSON.double(value) == text)
    }

    @Test func firstW1Action() {
        let w1 = ShapesLWW(shapeCount: 10_000, updateCount: 0)
        #expect(CanonicalJSON.line(w1.actions[0]) ==
            ##"{"op":"create","id":"s00000","fields":[["type","arrow"],["x",3922.91],["y",2638.58],["w",217.64],["h",142.5],["fill","#80db06"],["text","box"],["z",0]]}"##)
    }

    @Test func asciiEscaping() {
        let line = CanonicalJSON.line(.append(list: "chat", value: .string("é \"q\" \\ \n 😀")))
        #expect(line == #"{"op":"append","list":"chat","value":"\u00e9 \"q\" \\ \n \ud83d\ude00"}"#)
    }
}

@Suite struct WorkloadFingerprintTests {
    @Test func w1MatchesSpec() {
        #expect(fingerprint(ShapesLWW().actions) == SpecFingerprints.w1)
    }

    @Test func w2MatchesSpec() {
        let w2 = DivergentSessions()
        #expect(fingerprint(w2.base) == SpecFingerprints.w2Base)
        #expect(fingerprint(w2.sessionA) == SpecFingerprints.w2A)
        #expect(fingerprint(w2.sessionB) == SpecFingerprints.w2B)
        #expect(w2.operationsPerSide == 50_500)
    }
}

@Suite struct InputTests {
    static let hello: [UInt8] = [0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xcb, 0x48, 0xcd, 0xc9, 0xc9,
                                 0x57, 0x00, 0x00, 0xf6, 0xf9, 0x81, 0xed, 0x06, 0x00, 0x00, 0x00]
    static let world: [UInt8] = [0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0x2b, 0xcf, 0x2f, 0xca, 0x49,
                                 0xe1, 0x02, 0x00, 0xa8, 0x61, 0x38, 0xdd, 0x06, 0x00, 0x00, 0x00]

    @Test func gunzipSeveralMembers() throws {
        #expect(try Zlib.gunzip(Self.hello + Self.world) == Array("hello world\n".utf8))
    }

    @Test func gunzipRejectsTruncatedData() {
        #expect(throws: GzipError.self) { try Zlib.gunzip(Array(Self.hello.dropLast(6))) }
    }

    @Test func traceLoadsAndReplays() throws {
        let json = #"{"startContent":"","endContent":"hallo!","txns":[{"patches":[[0,0,"hello"]]},{"patches":[[1,1,"a"],[5,0,"!"]]}]}"#
        let path = NSTemporaryDirectory() + "peerbench-trace-\(UInt32.random(in: 0...UInt32.max)).json"
        try Data(json.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let trace = try EditingTrace(contentsOf: path)
        #expect(trace.transactionCount == 2)
        #expect(trace.patchCount == 3)
        #expect(trace.insertedCount == 7 && trace.deletedCount == 1)
        #expect(trace.isASCII)
        #expect(trace.replayPlain() == trace.endContent)
        #expect(trace.transaction(0).map(\.insert) == ["hello"])
        #expect(trace.transaction(1).map(\.insert) == ["a", "!"])
        let first = trace.prefix(1)
        #expect(first.transactionCount == 1 && first.patchCount == 1)
        #expect(first.endContent == "hello")
    }

    @Test func opStreamReportsTheBadLine() throws {
        let lines = #"{"op":"create","id":"s00000","fields":[["x",1.5],["z",0]]}"# + "\n" + #"{"op":"set","id":"s00000"}"# + "\n"
        let path = NSTemporaryDirectory() + "peerbench-ops-\(UInt32.random(in: 0...UInt32.max)).jsonl"
        try Data(lines.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: InputError.malformedLine(path: path, line: 2, reason: "missing \"key\"")) {
            try OpStream(contentsOf: path)
        }
    }

    @Test func opStreamRoundTripsCanonicalLines() throws {
        let actions = Array(ShapesLWW(shapeCount: 20, updateCount: 50).actions)
        let text = actions.map(CanonicalJSON.line).joined(separator: "\n") + "\n"
        let path = NSTemporaryDirectory() + "peerbench-ops-\(UInt32.random(in: 0...UInt32.max)).jsonl"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let stream = try OpStream(contentsOf: path)
        #expect(stream.actions == actions)
        #expect(stream.nonCanonicalLines == 0)
        #expect(stream.fingerprint == fingerprint(actions))
    }
}
