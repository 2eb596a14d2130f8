import Benchmark
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Operations per second of the measured region, recorded by ``measure(_:operations:_:)``.
public let opsPerSecond = BenchmarkMetric.custom("ops/s", polarity: .prefersLarger, useScalingFactor: false)

/// Runs `body` as the measured region and records `operations / elapsed` as ``opsPerSecond``.
@inline(__always)
public func measure<R>(_ benchmark: Benchmark, operations: Int, _ body: () throws -> R) rethrows -> R {
    var start = timespec()
    var end = timespec()
    benchmark.startMeasurement()
    clock_gettime(CLOCK_MONOTONIC, &start)
    let result = try body()
    clock_gettime(CLOCK_MONOTONIC, &end)
    benchmark.stopMeasurement()
    let seconds = Double(end.tv_sec - start.tv_sec) + Double(end.tv_nsec - start.tv_nsec) / 1e9
    benchmark.measurement(opsPerSecond, Int(Double(operations) / max(seconds, 1e-9)))
    return result
}
