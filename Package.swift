// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Tessera",
    platforms: [.macOS(.v14), .iOS(.v17)],
    products: [
        .library(name: "TesseraCore", targets: ["TesseraCore"]),
        .library(name: "TesseraCanvas", targets: ["TesseraCanvas"]),
        .library(name: "TesseraSync", targets: ["TesseraSync"]),
        .executable(name: "tessera", targets: ["tessera"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
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
        .executableTarget(
            name: "tessera",
            dependencies: [
                "TesseraCore", "TesseraCanvas",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "TesseraCoreTests", dependencies: ["TesseraCore"], exclude: ["Resources", "Encoding/Golden"]),
        .testTarget(name: "TesseraCanvasTests", dependencies: ["TesseraCanvas", "TesseraCore"]),
        .testTarget(name: "TesseraSyncTests", dependencies: ["TesseraSync", "TesseraCore"]),
    ],
    swiftLanguageModes: [.v6]
)
