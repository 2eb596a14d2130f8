// libFuzzer entry point for the TesseraCore decoders.
//
// Not part of the package: run-fuzz.sh compiles this file together with
// Sources/TesseraCore as one module (`-module-name TesseraCore`), so internal helpers such
// as `Container` are visible. Built with `-D FUZZ_LOOP` (no libFuzzer available), `@main`
// below runs an equivalent randomised mutation loop instead.
//
// The first input byte picks how the rest is used, so the fuzzer can reach the column
// decoder without having to forge CRC-32s and deflate streams:
//   0: the rest is a container, decoded as is;
//   1: the rest is a change payload, wrapped in a valid uncompressed `changes` container;
//   2: the rest is a change payload, wrapped in a valid (deflated if smaller) `snapshot` container;
//   3: the rest is a version-vector payload, wrapped in a valid container.
//
// Oracles (a violation traps, which libFuzzer reports with the input):
//   - decoding never traps and never exceeds the sanitizer's memory limit;
//   - whatever decodes re-encodes to bytes that decode and re-encode identically;
//   - applying decoded changes to a document either succeeds or leaves its state and
//     version exactly as they were.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

enum FuzzDecode {
    static let alice = ReplicaID(rawValue: 0x2F1A_3B4C_5D6E_7F81) ?? .random()
    static let bob = ReplicaID(rawValue: 0x5E6D_7C8B_9AA9_B8C7) ?? .random()

    /// A small document with a map, a list and a text for decoded changes to land in.
    static let base: Document = {
        var doc = Document(replica: alice, origin: .human("Ada"))
        _ = try? doc.transact { doc in
            let shapes = try doc.makeObject(.map, forKey: "shapes")
            try doc.set("x", to: 12.5, in: shapes)
            let text = try doc.makeObject(.text, forKey: "title")
            try doc.insertText("hello", at: 0, in: text)
            let list = try doc.makeObject(.list, forKey: "chat")
            try doc.insert(contentsOf: ["a", 1, true], at: 0, in: list)
            let counter = try doc.makeObject(.counter, forKey: "likes")
            try doc.increment(counter, by: 3)
        }
        return doc
    }()

    static func check(_ condition: Bool, _ message: String) {
        if !condition {
            print("fuzz oracle violated: \(message)")
            abort()
        }
    }

    static func run(_ input: [UInt8]) {
        guard let mode = input.first else { return }
        let body = Array(input.dropFirst())
        let bytes: [UInt8]
        switch mode % 4 {
        case 0: bytes = body
        case 1: bytes = Container.encode(kind: .changes, payload: body, compression: .none)
        case 2: bytes = Container.encode(kind: .snapshot, payload: body, compression: .automatic)
        default: bytes = Container.encode(kind: .versionVector, payload: body, compression: .none)
        }

        if let version = try? VersionVector(decoding: bytes) {
            check((try? VersionVector(decoding: version.encoded())) == version, "version vector round trip")
        }

        guard let changes = try? Change.decode(bytes) else { return }
        let encoded = Change.encode(changes, compression: .none)
        guard let again = try? Change.decode(encoded) else {
            check(false, "re-encoded changes do not decode")
            return
        }
        check(Change.encode(again, compression: .none) == encoded, "re-encoding is not stable")

        var document = base
        let state = document.materialize()
        let version = document.version
        do {
            try document.apply(encoded: bytes)
        } catch {
            check(document.materialize() == state && document.version == version, "failed apply changed the document")
        }
        _ = try? Document(decoding: bytes, replica: bob)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDecode(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    FuzzDecode.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

#if FUZZ_LOOP
/// The fallback when libFuzzer is unavailable: mutate seed files at random for a given time.
/// Usage: fuzz-decode-loop SECONDS SEED_FILE...
@main
struct FuzzLoop {
    static func main() {
        let arguments = CommandLine.arguments
        let seconds = arguments.count > 1 ? Double(arguments[1]) ?? 60 : 60
        var seeds: [[UInt8]] = []
        for path in arguments.dropFirst(2) {
            guard let file = fopen(path, "rb") else { continue }
            var bytes: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = fread(&buffer, 1, buffer.count, file)
                if n <= 0 { break }
                bytes += buffer[0..<n]
            }
            fclose(file)
            seeds.append(bytes)
        }
        if seeds.isEmpty { seeds = [[0]] }
        var rng = SystemRandomNumberGenerator()
        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(Int64(seconds * 1000))
        var executions = 0
        while clock.now < deadline {
            var input = seeds[Int.random(in: 0..<seeds.count, using: &rng)]
            for _ in 0..<Int.random(in: 1...8, using: &rng) {
                switch Int.random(in: 0..<5, using: &rng) {
                case 0 where !input.isEmpty: input[Int.random(in: 0..<input.count, using: &rng)] ^= UInt8(1 << Int.random(in: 0..<8, using: &rng))
                case 1 where !input.isEmpty: input[Int.random(in: 0..<input.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                case 2 where !input.isEmpty: input.removeSubrange(Int.random(in: 0..<input.count, using: &rng)...)
                case 3: input.insert(UInt8.random(in: 0...255, using: &rng), at: Int.random(in: 0...input.count, using: &rng))
                default: input[0] = UInt8.random(in: 0...3, using: &rng)
                }
                if input.isEmpty { input = [0] }
            }
            FuzzDecode.run(input)
            executions += 1
        }
        print("fuzz loop: \(executions) executions in \(seconds) s, no oracle violations")
    }
}
#endif
