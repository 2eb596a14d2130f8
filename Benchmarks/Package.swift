// swift-tools-version: 6.1
import PackageDescription

/// Tessera's benchmarks, kept in their own package so that the main package never depends
/// on package-benchmark (and a benchmark build never compiles anything but Core and Canvas).
///
/// - `Benchmarks/<Name>/`: package-benchmark suites, run with `swift package benchmark`.
/// - `PeerWorkloads`: replays the peerbench workloads W1–W3 (`../../shared/peerbench`) and
///   writes `results-tessera.json` for `bench.py --table`.
/// - `Peerbench`: the engine-independent workload definitions (SplitMix64 streams, canonical
///   JSON, SHA-256, trace and op-stream readers, reference checks).
/// - `Fixtures`: deterministic Tessera documents for the suites.
let package = Package(
    name: "TesseraBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "Tessera", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.6.0"),
    ],
    targets: [
        .systemLibrary(name: "CPeerbenchSystem", path: "Sources/CPeerbenchSystem", pkgConfig: "zlib"),
        .target(name: "Peerbench", dependencies: ["CPeerbenchSystem"]),
        .target(name: "Fixtures", dependencies: [
            "Peerbench", .product(name: "TesseraCore", package: "Tessera"), .product(name: "Benchmark", package: "benchmark"),
        ]),
        .executableTarget(
            name: "PeerWorkloads",
            dependencies: [
                "Peerbench",
                "CPeerbenchSystem",
                .product(name: "TesseraCore", package: "Tessera"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "PeerbenchTests", dependencies: ["Peerbench"]),
        .executableTarget(
            name: "Editing",
            dependencies: [
                "Fixtures",
                "Peerbench",
                .product(name: "TesseraCore", package: "Tessera"),
                .product(name: "TesseraCanvas", package: "Tessera"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/Editing",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "Encoding",
            dependencies: [
                "Fixtures",
                "Peerbench",
                .product(name: "TesseraCore", package: "Tessera"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/Encoding",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "Merging",
            dependencies: [
                "Fixtures",
                "Peerbench",
                .product(name: "TesseraCore", package: "Tessera"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/Merging",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
