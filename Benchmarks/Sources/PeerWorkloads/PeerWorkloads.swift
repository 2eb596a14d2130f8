import ArgumentParser
import Foundation
import Peerbench
import TesseraCore

/// Replays the peerbench workloads (W1 shapes-lww, W2 divergent-sessions, W3 editing-trace)
/// on Tessera exactly as `../../shared/peerbench/WORKLOADS.md` specifies, and writes
/// `results-tessera.json` in the `peerbench/1` schema so `bench.py --table` shows Tessera
/// beside Yrs, Loro and Automerge.
@main
struct PeerWorkloads: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "PeerWorkloads",
        abstract: "Replay the peerbench workloads W1-W3 (or op-stream files) on Tessera and write results-tessera.json.",
        discussion: """
            Run from the Benchmarks/ directory (default paths are relative to it):
              swift run -c release PeerWorkloads --out results
              python3 ../../shared/peerbench/bench.py --table results
            Op streams written by `bench.py --dump-workloads DIR` replay without new code:
              swift run -c release PeerWorkloads --ops DIR/w1-ops.jsonl.gz --ops-name W1
              swift run -c release PeerWorkloads --ops DIR/w2-base-ops.jsonl.gz --ops DIR/w2-A-ops.jsonl.gz --ops DIR/w2-B-ops.jsonl.gz --ops-name W2
            """
    )

    @Option(help: "Directory for results-tessera.json (created if needed).")
    var out = "results"

    @Option(help: "Full repetitions; metrics are the median (min/max/samples kept).")
    var repeats = 5

    @Option(help: "Logical actions (W3: trace transactions) per Tessera transaction.")
    var batch = 1

    @Option(help: "SplitMix64 seed of the generated streams.")
    var seed: UInt64 = 42

    @Option(help: "The editing trace of W3.")
    var trace = "../../shared/data/editing-traces/sequential_traces/automerge-paper.json.gz"

    @Option(help: "Generated workloads to run (default W1,W2,W3; none when --ops is given).")
    var workloads: String?

    @Flag(help: "10x smaller workloads (smoke test), as bench.py --quick.")
    var quick = false

    @Option(help: """
        An op stream in the canonical JSON-lines format (plain or gzip). One file: the W1 \
        protocol (single writer). Three files (repeat the option): base, A session, B session \
        for the W2 protocol.
        """)
    var ops: [String] = []

    @Option(help: "The workload key for --ops results (e.g. W1 or W2 so bench.py --table shows them).")
    var opsName: String?

    @Option(help: "Copy the peers' results-*.json from this directory into --out, so the table shows them side by side.")
    var peers = "../../shared/peerbench/results"

    @Flag(help: "Do not copy the peers' result files.")
    var noPeers = false

    @Option(help: "bench.py, run with --table on --out after the run (skipped if absent).")
    var benchPy = "../../shared/peerbench/bench.py"

    @Flag(help: "Do not print the table at the end.")
    var noTable = false

    @Option(help: "The engine name (result file results-<engine>.json).")
    var engine = "tessera"

    mutating func validate() throws {
        guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1") }
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1") }
        guard ops.count == 0 || ops.count == 1 || ops.count == 3 else {
            throw ValidationError("--ops takes one file (single writer) or three (base, A, B)")
        }
        for name in selectedWorkloads where !["W1", "W2", "W3"].contains(name) {
            throw ValidationError("unknown workload \(name) (expected W1, W2 or W3)")
        }
    }

    var selectedWorkloads: [String] {
        let list = workloads ?? (ops.isEmpty ? "W1,W2,W3" : "")
        return list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    mutating func run() throws {
        let started = Clock.monotonic
        let pressureAtStart = Machine.pressureTotalMicroseconds
        let ticksAtStart = Machine.cpuTicks
        let loadAtStart = Machine.loadAverage
        // Taken before the run: the repository may move on while a long run is in progress.
        let version = Machine.repositoryVersion()
        let timestamp = Self.timestamp()
        let scale = quick ? 10 : 1
        var results: [(String, JSONValue)] = []
        var failedWorkloads = 0

        for name in selectedWorkloads {
            switch name {
            case "W1":
                let w1 = ShapesLWW(seed: seed, shapeCount: 10_000 / scale, updateCount: 100_000 / scale)
                let fp = fingerprint(w1.actions)
                let isDefault = seed == 42 && !quick
                Console.log("W1 shapes-lww: \(w1.actions.count) actions, \(w1.totalOperations) ops, fingerprint \(fp)")
                let workload = SingleWriterWorkload(
                    actions: w1.actions, expected: try ReferenceState(replaying: w1.actions),
                    totalOperations: w1.totalOperations, batch: batch)
                var rec = Recorder()
                if isDefault { rec.check("fingerprint_matches_spec", fp == SpecFingerprints.w1) }
                let passed = try repeatRuns("W1", &rec) { rec in try workload.runOnce(&rec) }
                if !passed { failedWorkloads += 1 }
                results.append(("W1", .object([
                    ("name", .string("shapes-lww")),
                    ("params", .object([("seed", .int(Int(seed))), ("n_shapes", .int(w1.shapeCount)), ("n_updates", .int(w1.updateCount))])),
                    ("total_ops", .int(w1.totalOperations)),
                    ("fingerprint", .string(fp)),
                ] + rec.summary)))
            case "W2":
                let w2 = DivergentSessions(seed: seed, baseCount: 1_000 / scale, updateCount: 50_000 / scale, chatCount: 500 / scale)
                let fps = (fingerprint(w2.base), fingerprint(w2.sessionA), fingerprint(w2.sessionB))
                Console.log("W2 divergent-sessions: base \(fps.0), A \(fps.1), B \(fps.2)")
                let workload = DivergentWorkload(base: w2.base, sessionA: w2.sessionA, sessionB: w2.sessionB, batch: batch)
                var rec = Recorder()
                if seed == 42 && !quick {
                    rec.check("fingerprint_matches_spec",
                              fps == (SpecFingerprints.w2Base, SpecFingerprints.w2A, SpecFingerprints.w2B))
                }
                let passed = try repeatRuns("W2", &rec) { rec in try workload.runOnce(&rec) }
                if !passed { failedWorkloads += 1 }
                results.append(("W2", .object([
                    ("name", .string("divergent-sessions")),
                    ("params", .object([("seed", .int(Int(seed))), ("n_base", .int(w2.baseCount)),
                                        ("n_updates_per_side", .int(w2.updateCount)), ("n_chat_per_side", .int(w2.chatCount))])),
                    ("ops_per_side", .int(w2.operationsPerSide)),
                    ("fingerprint", .object([("base", .string(fps.0)), ("A", .string(fps.1)), ("B", .string(fps.2))])),
                ] + rec.summary)))
            case "W3":
                var loaded = try EditingTrace(contentsOf: trace)
                if quick { loaded = loaded.prefix(loaded.transactionCount / scale) }
                Console.log("W3 editing-trace \(loaded.name): \(loaded.transactionCount) txns, \(loaded.patchCount) patches, sha256 \(loaded.sha256), peak RSS so far \(Int(Machine.maxResidentMegabytes)) MB")
                let workload = TraceWorkload(trace: loaded, batch: batch)
                var rec = Recorder()
                let passed = try repeatRuns("W3", &rec) { rec in try workload.runOnce(&rec) }
                if !passed { failedWorkloads += 1 }
                results.append(("W3", .object([
                    ("name", .string("editing-trace")),
                    ("params", .object([
                        ("trace", .string(loaded.name)), ("trace_sha256", .string(loaded.sha256)),
                        ("n_txns", .int(loaded.transactionCount)), ("n_patches", .int(loaded.patchCount)),
                        ("n_inserted_chars", .int(loaded.insertedCount)), ("n_deleted_chars", .int(loaded.deletedCount)),
                        ("end_length", .int(loaded.endContent.unicodeScalars.count)), ("ascii_only", .bool(loaded.isASCII)),
                    ])),
                ] + rec.summary)))
            default:
                break
            }
        }
        if !ops.isEmpty {
            let (key, value, passed) = try runOpStreams()
            results.append((key, value))
            if !passed { failedWorkloads += 1 }
        }

        let wallTotal = Clock.monotonic - started
        var machine: [(String, JSONValue)] = [
            ("platform", .string(Machine.platform)), ("swift", .string(Machine.swiftVersion)),
            ("cpu", .string(Machine.cpu)), ("cpu_count", .int(Machine.cpuCount)),
            ("loadavg_at_start", .array(loadAtStart.map(JSONValue.double))),
            ("loadavg_at_end", .array(Machine.loadAverage.map(JSONValue.double))),
        ]
        if let p0 = pressureAtStart, let p1 = Machine.pressureTotalMicroseconds {
            // % of the run's wall time during which some task waited for a CPU (as bench.py).
            let percent = (100 * Double(p1 - p0) / 1e6 / wallTotal * 10).rounded() / 10
            machine.append(("cpu_contention_pct", .double(percent)))
        }
        if let t0 = ticksAtStart, let t1 = Machine.cpuTicks, let steal = Machine.stealPercent(from: t0, to: t1) {
            // Not in bench.py's files: the host taking the vCPUs away, which PSI does not see.
            machine.append(("cpu_steal_pct", .double(steal)))
            if steal >= 5 {
                Console.log("warning: the host stole \(steal) % of the vCPUs' time during this run; its timings are not comparable")
            }
        }
        let result: JSONValue = .object([
            ("schema", .string("peerbench/1")), ("engine", .string(engine)), ("package", .string("TesseraCore")),
            ("package_version", .string(version)), ("core", .string("TesseraCore \(version) (Swift \(Machine.swiftVersion), release)")),
            ("harness", .string("swift")), ("machine", .object(machine)),
            ("timestamp_utc", .string(timestamp)),
            ("repeats", .int(repeats)), ("batch", .int(batch)), ("quick", .bool(quick)),
            ("command", .string((["PeerWorkloads"] + CommandLine.arguments.dropFirst()).joined(separator: " "))),
            ("workloads", .object(results)),
            ("max_rss_mb", .double(Machine.maxResidentMegabytes)),
            ("wall_s_total", .double(wallTotal)),
        ])
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let path = (out as NSString).appendingPathComponent("results-\(engine).json")
        try Data((result.rendered() + "\n").utf8).write(to: URL(fileURLWithPath: path))
        Console.log("wrote \(path) (\(String(format: "%.1f", wallTotal)) s)")
        if !noPeers { copyPeers() }
        if !noTable, FileManager.default.fileExists(atPath: benchPy),
            let table = Machine.run(["python3", benchPy, "--table", out])
        {
            print(table, terminator: "")
        }
        // The results are written either way; a failed check still fails the command.
        if failedWorkloads > 0 { throw ExitCode(2) }
    }

    /// Runs `once` `repeats` times; returns whether every check passed.
    @discardableResult
    func repeatRuns(_ name: String, _ rec: inout Recorder, _ once: (inout Recorder) throws -> Void) throws -> Bool {
        for r in 0..<repeats {
            let ticks = Machine.cpuTicks
            try once(&rec)
            var line = "\(name) repeat \(r + 1)/\(repeats)"
            for metric in ["local_s", "import_s", "updates.import_s", "import_into_B_s"] {
                if let m = rec.median(metric) { line += "  \(metric) \(String(format: "%.2f", m * 1e3)) ms" }
            }
            if let t0 = ticks, let t1 = Machine.cpuTicks, let steal = Machine.stealPercent(from: t0, to: t1) {
                rec.addSteal(steal)
                line += "  steal \(steal) %"
            }
            Console.log(line + "  peak RSS \(Int(Machine.maxResidentMegabytes)) MB")
        }
        if !rec.allChecksPass {
            Console.warn("\(name): failed checks: \(rec.failedChecks.joined(separator: ", "))")
        }
        return rec.allChecksPass
    }

    /// Replays op-stream files: one file with the W1 protocol, three with the W2 protocol.
    func runOpStreams() throws -> (String, JSONValue, Bool) {
        let streams = try ops.map { path throws(InputError) in try OpStream(contentsOf: path) }
        var rec = Recorder()
        var fingerprints: [(String, JSONValue)] = []
        for (role, stream) in zip(streams.count == 1 ? ["stream"] : ["base", "A", "B"], streams) {
            Console.log("\(stream.path): \(stream.actions.count) actions, fingerprint \(stream.fingerprint)")
            fingerprints.append((role, .string(stream.fingerprint)))
            rec.check("\(role)_canonical_lines", stream.nonCanonicalLines == 0)
            if let expected = OpStreamManifest(besides: stream.path)?.fingerprint(of: stream.path) {
                rec.check("\(role)_fingerprint_matches_manifest", expected == stream.fingerprint)
                if expected != stream.fingerprint { Console.warn("\(stream.path): fingerprint differs from manifest.json (\(expected))") }
            }
        }
        let stem = ((ops[0] as NSString).lastPathComponent).split(separator: ".").first.map(String.init) ?? "ops"
        let key = opsName ?? "OPS-" + stem
        if streams.count == 1 {
            let actions = streams[0].actions
            let total = actions.reduce(0) { $0 + $1.primitiveOperationCount }
            let workload = SingleWriterWorkload(actions: actions, expected: try ReferenceState(replaying: actions),
                                                totalOperations: total, batch: batch)
            let passed = try repeatRuns(key, &rec) { rec in try workload.runOnce(&rec) }
            return (key, .object([
                ("name", .string("op-stream:" + stem)),
                ("params", .object([("files", .array(ops.map(JSONValue.string))), ("n_actions", .int(actions.count))])),
                ("total_ops", .int(total)),
                ("fingerprint", fingerprints[0].1),
            ] + rec.summary), passed)
        }
        let workload = DivergentWorkload(base: streams[0].actions, sessionA: streams[1].actions,
                                         sessionB: streams[2].actions, batch: batch)
        let passed = try repeatRuns(key, &rec) { rec in try workload.runOnce(&rec) }
        return (key, .object([
            ("name", .string("op-streams:" + stem)),
            ("params", .object([("files", .array(ops.map(JSONValue.string)))])),
            ("ops_per_side", .int(workload.operationsPerSide)),
            ("fingerprint", .object(fingerprints)),
        ] + rec.summary), passed)
    }

    /// Copies the peers' result files next to ours (never overwriting our own).
    func copyPeers() {
        let manager = FileManager.default
        guard let names = try? manager.contentsOfDirectory(atPath: peers) else {
            Console.warn("no peer results in \(peers) (use --peers DIR)")
            return
        }
        for name in names.sorted() where name.hasPrefix("results-") && name.hasSuffix(".json") && name != "results-\(engine).json" {
            let source = (peers as NSString).appendingPathComponent(name)
            let target = (out as NSString).appendingPathComponent(name)
            if manager.contentsEqual(atPath: source, andPath: target) { continue }
            try? manager.removeItem(atPath: target)
            do { try manager.copyItem(atPath: source, toPath: target) } catch { Console.warn("cannot copy \(source): \(error)") }
        }
    }

    static func timestamp() -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'"
        return formatter.string(from: Date())
    }
}
