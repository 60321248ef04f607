import Foundation
import XCTest

/// Tests that need a real profiler, runtime or browser ask for it here, once.
///
/// Outside CI a missing tool skips the test with the command that installs it. In CI (`ci/test` sets
/// `FLAME_GRAPH_REQUIRE_TOOLS=1`) a missing tool is a failure: a profiler that vanished from the image
/// must turn the build red, not quietly shrink the suite.
public enum RequiredTool {
    /// Whether a missing tool fails the test instead of skipping it.
    public static var isStrict: Bool {
        ProcessInfo.processInfo.environment["FLAME_GRAPH_REQUIRE_TOOLS"] == "1"
    }

    /// The absolute path of `name` on PATH, or nil.
    public static func which(_ name: String) -> String? {
        if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// The path of `name`, or a skip (a failure under `FLAME_GRAPH_REQUIRE_TOOLS=1`) saying how to
    /// install it.
    @discardableResult
    public static func require(
        _ name: String, install: String, file: StaticString = #filePath, line: UInt = #line
    ) throws -> String {
        if let found = which(name) { return found }
        try missing("\(name) is not installed (\(install))", file: file, line: line)
        return ""  // not reached: missing always throws
    }

    /// Reports a missing prerequisite that is not a single executable (a capability, a library, a
    /// second CPU): a skip outside CI, a failure in CI.
    public static func missing(_ message: String, file: StaticString = #filePath, line: UInt = #line) throws -> Never {
        if isStrict {
            XCTFail("required by CI: \(message)", file: file, line: line)
            throw RequiredToolMissing(message: message)
        }
        throw XCTSkip(message, file: file, line: line)
    }
}

/// Thrown after the failure is recorded, to stop the test there.
public struct RequiredToolMissing: Error, CustomStringConvertible {
    public var message: String
    public var description: String { "required by CI: \(message)" }
}
