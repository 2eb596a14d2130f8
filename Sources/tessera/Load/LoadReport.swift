import Foundation

/// What `tessera loadtest` measured.
struct LoadReport {
    let clients: Int
    let editsPerClient: Int
    let rate: Double
    let converged: Bool
    let editingTime: Duration
    let convergenceTime: Duration
    let latenciesMicroseconds: [UInt32]
    let missingSamples: Int
    let serverRSS: Int?
    let serverPeakRSS: Int?
    let clientPeakRSS: Int?

    private var sorted: [UInt32] { latenciesMicroseconds.sorted() }

    private func percentile(_ p: Double, of sorted: [UInt32]) -> Double {
        guard !sorted.isEmpty else { return .nan }
        let index = min(sorted.count - 1, Int((p * Double(sorted.count - 1)).rounded()))
        return Double(sorted[index]) / 1000
    }

    private static func megabytes(_ bytes: Int?) -> String {
        bytes.map { String(format: "%.1f MiB", Double($0) / 1_048_576) } ?? "n/a"
    }

    var text: String {
        let sorted = self.sorted
        return """
            clients: \(clients), edits per client: \(editsPerClient) at \(rate)/s, total edits: \(clients * editsPerClient)
            converged: \(converged ? "yes (every client has every edit; all boards equal)" : "NO")
            editing took \(editingTime); convergence \(convergenceTime) after the last edit
            latency edit → applied on another client (\(sorted.count) samples, \(missingSamples) unmatched batches):
              p50 \(String(format: "%.1f", percentile(0.5, of: sorted))) ms, p90 \(String(format: "%.1f", percentile(0.9, of: sorted))) ms, \
            p99 \(String(format: "%.1f", percentile(0.99, of: sorted))) ms, max \(String(format: "%.1f", percentile(1, of: sorted))) ms
            relay RSS: \(Self.megabytes(serverRSS)) now, \(Self.megabytes(serverPeakRSS)) peak; load driver peak RSS: \(Self.megabytes(clientPeakRSS))
            """
    }

    var json: String {
        let sorted = self.sorted
        func number(_ value: Double) -> String { value.isFinite ? String(format: "%.3f", value) : "null" }
        func optional(_ value: Int?) -> String { value.map(String.init) ?? "null" }
        return """
            {"clients":\(clients),"editsPerClient":\(editsPerClient),"rate":\(rate),"converged":\(converged),\
            "editingSeconds":\(number(editingTime.seconds)),"convergenceSeconds":\(number(convergenceTime.seconds)),\
            "latencySamples":\(sorted.count),"p50Ms":\(number(percentile(0.5, of: sorted))),"p90Ms":\(number(percentile(0.9, of: sorted))),\
            "p99Ms":\(number(percentile(0.99, of: sorted))),"maxMs":\(number(percentile(1, of: sorted))),\
            "serverRSSBytes":\(optional(serverRSS)),"serverPeakRSSBytes":\(optional(serverPeakRSS)),"driverPeakRSSBytes":\(optional(clientPeakRSS))}
            """
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}

/// Resident memory of a process, from `/proc/<pid>/status` (Linux).
enum ProcessMemory {
    /// `VmRSS` (now) and `VmHWM` (peak), in bytes.
    static func read(pid: Int32) -> (current: Int, peak: Int)? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        func field(_ name: String) -> Int? {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }) else { return nil }
            let digits = line.split(separator: " ").compactMap { Int($0) }.first
            return digits.map { $0 * 1024 }
        }
        guard let current = field("VmRSS"), let peak = field("VmHWM") else { return nil }
        return (current, peak)
    }
}
