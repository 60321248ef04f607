import Foundation

/// Files under `Tests/Fixtures`, kept in the repository.
public enum Fixtures {
    public static let root = PeerCases.packageRoot + "/Tests/Fixtures"

    /// The absolute path of `relative` (e.g. `importers/workload.js`).
    public static func path(_ relative: String) -> String { root + "/" + relative }

    /// The bytes of a fixture; a missing fixture is an error (it is part of the repository).
    public static func bytes(_ relative: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path(relative))))
    }

    /// The Python workload of the profiler tests (`workloads/hot_warm.py`): `hot()` does twice
    /// `warm()`'s work (`--ratio R`: R times); `--ready FILE` is created once it runs, `--seconds N`
    /// bounds it (default 60).
    public static var pythonWorkload: String { path("workloads/hot_warm.py") }
}
