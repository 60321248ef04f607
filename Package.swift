// swift-tools-version: 6.0
import PackageDescription

// Targets point down: the executable is a trampoline into FlameGraphCommands, which drives the pure
// FlameGraphCore (no files, network, processes, clocks or environment in there).
let package = Package(
    name: "flame-graph",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "flame-graph", targets: ["flame-graph"]),
        .library(name: "FlameGraphCore", targets: ["FlameGraphCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2")
    ],
    targets: [
        .executableTarget(
            name: "flame-graph",
            dependencies: ["FlameGraphCommands"]
        ),
        .target(
            name: "FlameGraphCommands",
            dependencies: [
                "FlameGraphCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .target(name: "FlameGraphCore", dependencies: ["CZlib"]),
        .target(
            name: "FlameGraphTestSupport",
            path: "Tests/FlameGraphTestSupport"
        ),
        .testTarget(
            name: "FlameGraphCoreTests",
            dependencies: ["FlameGraphCore", "FlameGraphTestSupport"]
        ),
        .testTarget(
            name: "FlameGraphCommandsTests",
            dependencies: ["FlameGraphCommands", "FlameGraphCore", "FlameGraphTestSupport"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
