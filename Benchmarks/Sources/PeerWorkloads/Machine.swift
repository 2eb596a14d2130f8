import CPeerbenchSystem
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Facts about the machine and the process, for the result file's `machine` block.
enum Machine {
    /// `Linux-<release>-<arch>-with-glibc<version>`, like Python's `platform.platform()`.
    static var platform: String {
        var name = utsname()
        uname(&name)
        func field<T>(_ value: T) -> String {
            withUnsafeBytes(of: value) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
        }
        var text = "\(field(name.sysname))-\(field(name.release))-\(field(name.machine))"
        #if os(Linux)
        if let version = gnu_get_libc_version() { text += "-with-glibc" + String(cString: version) }
        #endif
        return text
    }

    /// The CPU model from `/proc/cpuinfo`.
    static var cpu: String {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "?" }
        for line in info.split(separator: "\n") where line.hasPrefix("model name") {
            if let colon = line.firstIndex(of: ":") {
                return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return "?"
    }

    static var cpuCount: Int { ProcessInfo.processInfo.activeProcessorCount }

    /// The 1, 5 and 15 minute load averages.
    static var loadAverage: [Double] {
        var values = [Double](repeating: 0, count: 3)
        let n = getloadavg(&values, 3)
        return n == 3 ? values : []
    }

    /// Linux PSI `cpu` "some" total: microseconds during which at least one runnable task
    /// waited for a CPU; `nil` where PSI is unavailable.
    static var pressureTotalMicroseconds: Int? {
        guard let text = try? String(contentsOfFile: "/proc/pressure/cpu", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("some") }),
            let field = line.split(separator: " ").first(where: { $0.hasPrefix("total=") })
        else { return nil }
        return Int(field.dropFirst("total=".count))
    }

    /// The aggregate CPU line of `/proc/stat`: jiffies the vCPUs spent stolen by the host
    /// (`steal`, time a vCPU was ready but the hypervisor ran something else) and in all
    /// states; `nil` where it is unavailable.
    ///
    /// PSI (``pressureTotalMicroseconds``) sees only tasks of this machine waiting for each
    /// other. On a shared VM the host can take the CPU away instead, and the guest sees that
    /// only as steal: in one all-engine run `vmstat` showed 13 to 39 % steal while Tessera
    /// ran, and PSI contention 2.7 %. Steal explains the worst runs, not the spread between
    /// quiet ones (Benchmarks/RESULTS.md, twelfth run).
    static var cpuTicks: (steal: Int, total: Int)? {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") })
        else { return nil }
        let fields = line.split(separator: " ").dropFirst().compactMap { Int($0) }
        // user nice system idle iowait irq softirq steal [guest guest_nice, already in user/nice]
        guard fields.count >= 8 else { return nil }
        return (fields[7], fields.prefix(8).reduce(0, +))
    }

    /// The share of all vCPU time between `start` and `end` (``cpuTicks``) that the host
    /// stole, in percent with one decimal, as `vmstat`'s `st` column; `nil` if nothing elapsed.
    static func stealPercent(from start: (steal: Int, total: Int), to end: (steal: Int, total: Int)) -> Double? {
        let total = end.total - start.total
        guard total > 0 else { return nil }
        return (1000 * Double(end.steal - start.steal) / Double(total)).rounded() / 10
    }

    /// The peak resident set size of this process, in MiB (`getrusage`).
    static var maxResidentMegabytes: Double {
        var usage = rusage()
        #if os(Linux)
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_maxrss) / 1024  // KiB on Linux
        #else
        getrusage(RUSAGE_SELF, &usage)
        return Double(usage.ru_maxrss) / 1024 / 1024  // bytes on Darwin
        #endif
    }

    /// Bytes the allocator has handed out and not yet taken back (glibc `mallinfo2`): the
    /// live heap, which unlike RSS falls when memory is freed.
    static var liveHeapBytes: Int {
        #if os(Linux)
        let info = mallinfo2()
        return Int(info.uordblks + info.hblkhd)
        #else
        return 0
        #endif
    }

    /// The toolchain that compiled the harness.
    static var swiftVersion: String {
        #if compiler(>=6.4)
        "6.4+"
        #elseif compiler(>=6.3.1)
        "6.3.1"
        #elseif compiler(>=6.3)
        "6.3"
        #else
        "<6.3"
        #endif
    }

    /// The short commit of the repository the harness runs in, `+dirty` if the main
    /// package's sources have uncommitted changes.
    static func repositoryVersion() -> String {
        guard let top = run(["git", "rev-parse", "--show-toplevel"])?.trimmingCharacters(in: .whitespacesAndNewlines),
            let commit = run(["git", "-C", top, "rev-parse", "--short", "HEAD"])?.trimmingCharacters(in: .whitespacesAndNewlines),
            !commit.isEmpty
        else { return "dev" }
        let dirty = run(["git", "-C", top, "status", "--porcelain", "--", "Sources", "Package.swift"])?.isEmpty == false
        return "git-" + commit + (dirty ? "+dirty" : "")
    }

    /// Runs a command and returns its standard output, or `nil` if it fails.
    static func run(_ arguments: [String]) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return process.terminationStatus == 0 ? String(decoding: data, as: UTF8.self) : nil
    }
}
