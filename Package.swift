// swift-tools-version: 6.0
import PackageDescription

// Targets point down: the executable is a trampoline into FlameGraphCommands, which drives the pure
// FlameGraphCore (no files, network, processes, clocks or environment in there).
//
// Linux only (Glibc, /proc, perf, posix_spawn's closefrom): no `platforms:` entry, because that list
// names Apple platforms only and none of them builds this package.
let package = Package(
    name: "flame-graph",
    products: [
        .executable(name: "flame-graph", targets: ["flame-graph"]),
        .library(name: "FlameGraphCore", targets: ["FlameGraphCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        .executableTarget(
            name: "flame-graph",
            dependencies: ["FlameGraphCommands"],
            exclude: ["README.md"]
        ),
        .target(
            name: "FlameGraphCommands",
            dependencies: [
                "FlameGraphCore",
                "FlameGraphStore",
                "FlameGraphCapture",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
            ],
            exclude: ["README.md"]
        ),
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .target(
            name: "FlameGraphCore", dependencies: ["CZlib"], exclude: ["README.md"], plugins: ["EmbedText"]),
        // Turns the core's .js files into Swift string constants at build time (no run-time file I/O).
        .plugin(name: "EmbedText", capability: .buildTool(), dependencies: ["embed-text"], path: "Plugins/EmbedText"),
        .executableTarget(name: "embed-text", path: "Tools/embed-text"),
        .systemLibrary(
            name: "CLibGit2",
            pkgConfig: "libgit2",
            providers: [.apt(["libgit2-dev"])]
        ),
        .target(
            name: "FlameGraphStore",
            dependencies: ["CLibGit2", "FlameGraphCore"],
            exclude: ["README.md"]
        ),
        .target(name: "CFlameGraphCapture"),
        .target(
            name: "FlameGraphCapture",
            dependencies: ["FlameGraphCore", "CFlameGraphCapture"],
            exclude: ["README.md"]
        ),
        .executableTarget(
            name: "flame-graph-store-stress",
            dependencies: ["FlameGraphStore"],
            path: "Tests/StoreStress"
        ),
        .target(
            name: "FlameGraphTestSupport",
            dependencies: ["FlameGraphCore"],
            path: "Tests/FlameGraphTestSupport",
            exclude: ["README.md"]
        ),
        .testTarget(
            name: "FlameGraphCoreTests",
            dependencies: ["FlameGraphCore", "FlameGraphTestSupport"]
        ),
        .testTarget(
            name: "FlameGraphStoreTests",
            dependencies: ["FlameGraphStore", "FlameGraphCore", "FlameGraphTestSupport"]
        ),
        .testTarget(
            name: "FlameGraphCaptureTests",
            dependencies: ["FlameGraphCapture", "FlameGraphCore", "FlameGraphTestSupport"]
        ),
        .testTarget(
            name: "FlameGraphHostileTests",
            dependencies: ["FlameGraphCapture", "FlameGraphCore", "FlameGraphTestSupport"],
            exclude: ["hostile_server.py"]
        ),
        .testTarget(
            name: "FlameGraphCommandsTests",
            dependencies: ["FlameGraphCommands", "FlameGraphCore", "FlameGraphStore", "FlameGraphTestSupport"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
