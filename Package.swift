// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Tessera",
    platforms: [.macOS(.v14), .iOS(.v17)],
    products: [
        .library(name: "TesseraCore", targets: ["TesseraCore"]),
        .library(name: "TesseraCanvas", targets: ["TesseraCanvas"]),
        .executable(name: "tessera", targets: ["tessera"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]),
        .target(name: "TesseraCore", dependencies: ["CZlib"], exclude: ["Encoding/FORMAT.md"]),
        .target(name: "TesseraCanvas", dependencies: ["TesseraCore"]),
        .executableTarget(
            name: "tessera",
            dependencies: [
                "TesseraCore", "TesseraCanvas",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "TesseraCoreTests", dependencies: ["TesseraCore"], exclude: ["Resources", "Encoding/Golden"]),
        .testTarget(name: "TesseraCanvasTests", dependencies: ["TesseraCanvas", "TesseraCore"]),
    ],
    swiftLanguageModes: [.v6]
)
