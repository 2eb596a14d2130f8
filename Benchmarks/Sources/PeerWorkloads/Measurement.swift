#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The duration of one timed call: wall clock (`CLOCK_MONOTONIC`) and process CPU time
/// (`CLOCK_PROCESS_CPUTIME_ID`), in seconds (WORKLOADS.md §8).
struct Timing: Sendable {
    var wall: Double
    var cpu: Double

    /// A rate of `count` per second, computed separately from each clock.
    func rate(_ count: Int) -> Rate {
        Rate(wall: Double(count) / wall, cpu: cpu > 0 ? Double(count) / cpu : .infinity)
    }
}

/// Something per second, from the wall clock and from CPU time.
struct Rate: Sendable {
    var wall: Double
    var cpu: Double
}

enum Clock {
    @inline(__always)
    static func seconds(_ clock: clockid_t) -> Double {
        var ts = timespec()
        clock_gettime(clock, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Seconds on the monotonic clock.
    static var monotonic: Double { seconds(CLOCK_MONOTONIC) }

    /// Runs `body` once and times it. Everything `body` returns is handed back, so nothing
    /// is deallocated inside the timed region.
    @inline(__always)
    static func measure<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> (R, Timing) {
        let c0 = seconds(CLOCK_PROCESS_CPUTIME_ID)
        let t0 = seconds(CLOCK_MONOTONIC)
        let result = try body()
        let t1 = seconds(CLOCK_MONOTONIC)
        let c1 = seconds(CLOCK_PROCESS_CPUTIME_ID)
        return (result, Timing(wall: t1 - t0, cpu: c1 - c0))
    }
}

/// A check result as the reference records it: a flag, a count or a text.
enum CheckValue: Equatable, Sendable {
    case bool(Bool)
    case int(Int)
    case string(String)

    var json: JSONValue {
        switch self {
        case .bool(let b): .bool(b)
        case .int(let i): .int(i)
        case .string(let s): .string(s)
        }
    }
}

/// Collects per-repeat samples of each metric (wall clock and CPU time) and checks, and
/// summarises them as `bench.py`'s `Recorder` does.
struct Recorder {
    private var order: [String] = []
    private var wall: [String: [Double]] = [:]
    private var cpu: [String: [Double]] = [:]
    /// Metrics whose samples are counts (written as JSON integers).
    private var integral: Set<String> = []
    private var checkOrder: [String] = []
    private var checks: [String: [CheckValue]] = [:]
    /// The share of vCPU time the host stole during each repeat (``Machine/stealPercent(from:to:)``).
    private var steal: [Double] = []

    /// Records how much of the vCPUs' time the host stole during the last repeat.
    mutating func addSteal(_ percent: Double) { steal.append(percent) }

    private mutating func append(_ name: String, wall w: Double, cpu c: Double) {
        if wall[name] == nil { order.append(name) }
        wall[name, default: []].append(w)
        cpu[name, default: []].append(c)
    }

    mutating func add(_ name: String, _ timing: Timing) { append(name, wall: timing.wall, cpu: timing.cpu) }
    mutating func add(_ name: String, _ rate: Rate) { append(name, wall: rate.wall, cpu: rate.cpu) }
    mutating func add(_ name: String, count: Int) {
        integral.insert(name)
        append(name, wall: Double(count), cpu: Double(count))
    }

    mutating func check(_ name: String, _ value: Bool) { check(name, .bool(value)) }
    mutating func check(_ name: String, _ value: Int) { check(name, .int(value)) }
    mutating func check(_ name: String, _ value: CheckValue) {
        if checks[name] == nil { checkOrder.append(name) }
        checks[name, default: []].append(value)
    }

    /// Whether every boolean check recorded so far passed.
    var allChecksPass: Bool {
        checks.values.allSatisfy { $0.allSatisfy { $0 != .bool(false) } }
    }

    /// Failed boolean checks, for the console.
    var failedChecks: [String] {
        checkOrder.filter { checks[$0]?.contains(.bool(false)) == true }
    }

    /// The median of `name`'s wall-clock samples.
    func median(_ name: String, cpuTime: Bool = false) -> Double? {
        guard let samples = (cpuTime ? cpu : wall)[name] else { return nil }
        return Recorder.median(samples)
    }

    /// `statistics.median`: the middle sample, or the mean of the two middle ones.
    static func median(_ samples: [Double]) -> Double {
        let sorted = samples.sorted()
        let n = sorted.count
        guard n > 0 else { return .nan }
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
    }

    private func stats(_ samples: [String: [Double]]) -> JSONValue {
        .object(order.map { name in
            let values = samples[name] ?? []
            let isCount = integral.contains(name)
            func number(_ x: Double) -> JSONValue {
                isCount && x.rounded() == x && abs(x) < 9e15 ? .int(Int(x)) : .double(x)
            }
            return (name, .object([
                ("median", number(Recorder.median(values))),
                ("min", number(values.min() ?? .nan)),
                ("max", number(values.max() ?? .nan)),
                ("samples", .array(values.map(number))),
            ]))
        })
    }

    /// `metrics`, `metrics_cpu` and `checks`, in the reference's layout: a check that is a
    /// flag in every repeat is their conjunction; otherwise the common value, or all values.
    var summary: [(String, JSONValue)] {
        let checkEntries: [(String, JSONValue)] = checkOrder.map { name in
            let values = checks[name] ?? []
            if values.allSatisfy({ if case .bool = $0 { true } else { false } }) {
                return (name, .bool(!values.contains(.bool(false))))
            }
            if let first = values.first, values.allSatisfy({ $0 == first }) { return (name, first.json) }
            return (name, .array(values.map(\.json)))
        }
        var entries: [(String, JSONValue)] = [("metrics", stats(wall)), ("metrics_cpu", stats(cpu)), ("checks", .object(checkEntries))]
        // Not in bench.py's files (which ignore it): a repeat the host took the CPU away
        // from is slower for reasons the code does not control.
        if !steal.isEmpty { entries.append(("cpu_steal_pct_per_repeat", .array(steal.map(JSONValue.double)))) }
        return entries
    }
}
