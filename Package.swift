// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Tessera",
    platforms: [.macOS(.v14), .iOS(.v17)],
    products: [
        .library(name: "TesseraCore", targets: ["TesseraCore"]),
        .library(name: "TesseraCanvas", targets: ["TesseraCanvas"]),
        .library(name: "TesseraSync", targets: ["TesseraSync"]),
        .library(name: "TesseraAgent", targets: ["TesseraAgent"]),
        .library(name: "TesseraStore", targets: ["TesseraStore"]),
        .library(name: "TesseraTransport", targets: ["TesseraTransport"]),
        .library(name: "TesseraServer", targets: ["TesseraServer"]),
        .executable(name: "tessera", targets: ["tessera"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]),
        .target(name: "TesseraCore", dependencies: ["CZlib"], exclude: ["Encoding/FORMAT.md"]),
        .target(name: "TesseraCanvas", dependencies: ["TesseraCore"]),
        .target(
            name: "TesseraSync",
            dependencies: ["TesseraCore", .product(name: "Crypto", package: "swift-crypto")],
            exclude: ["Protocol/PROTOCOL.md"]
        ),
        .target(
            name: "TesseraAgent",
            dependencies: [
                "TesseraCore", "TesseraCanvas", "TesseraSync",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .target(
            name: "TesseraStore",
            dependencies: ["TesseraCore", "TesseraSync", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .target(
            name: "TesseraTransport",
            dependencies: [
                "TesseraCore", "TesseraSync",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "TesseraServer",
            dependencies: [
                "TesseraCore", "TesseraSync", "TesseraStore", "TesseraTransport", "TesseraAgent",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "tessera",
            dependencies: [
                "TesseraCore", "TesseraCanvas",
                "TesseraSync", "TesseraStore", "TesseraTransport", "TesseraServer", "TesseraAgent",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Helpers shared by the test targets: seeded randomness and random edits, temporary
        // directories, the `tessera` executable as a child process.
        .target(name: "TesseraTestSupport", dependencies: ["TesseraCanvas"], path: "Tests/TesseraTestSupport"),
        .testTarget(name: "TesseraCoreTests", dependencies: ["TesseraCore", "TesseraTestSupport"], exclude: ["Resources", "Encoding/Golden"]),
        .testTarget(name: "TesseraCanvasTests", dependencies: ["TesseraCanvas", "TesseraCore", "TesseraTestSupport"]),
        .testTarget(name: "TesseraSyncTests", dependencies: ["TesseraSync", "TesseraCore", "TesseraTestSupport"]),
        .testTarget(
            name: "TesseraStoreTests",
            dependencies: ["TesseraStore", "TesseraSync", "TesseraCore", "TesseraTestSupport", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(
            name: "TesseraServerTests",
            dependencies: [
                "TesseraServer", "TesseraTransport", "TesseraStore", "TesseraSync", "TesseraCanvas", "TesseraCore", "TesseraTestSupport",
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "TesseraAgentTests",
            dependencies: [
                "TesseraAgent", "TesseraCanvas", "TesseraSync", "TesseraCore", "TesseraTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
