import FlameGraphTestSupport
import Foundation
import XCTest

/// The CI switch works: with the tools gone from PATH, a test that needs one skips with the install
/// command on a developer's machine and fails with a clear message under `FLAME_GRAPH_REQUIRE_TOOLS=1`
/// (`ci/test`). The test bundle runs its own probe test in a child process, as `swift test` would.
final class RequiredToolTests: XCTestCase {
    static let probeVariable = "FLAME_GRAPH_REQUIRED_TOOL_PROBE"
    static let probe = "FlameGraphCommandsTests.RequiredToolTests/testProbeNeedingPySpy"

    /// The probe: only does something in the child started below (it passes trivially otherwise).
    func testProbeNeedingPySpy() throws {
        guard ProcessInfo.processInfo.environment[Self.probeVariable] == "1" else { return }
        try RequiredTool.require("py-spy", install: "pip install py-spy")
        XCTFail("py-spy was found on PATH=\(ProcessInfo.processInfo.environment["PATH"] ?? "")")
    }

    /// This environment with no usable PATH, with or without the CI switch.
    static func withoutTools(strict: Bool) -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["PATH"] = "/nonexistent"
        env["FLAME_GRAPH_REQUIRE_TOOLS"] = strict ? "1" : nil
        return env
    }

    /// Runs the probe in a child with no usable PATH.
    func runProbe(strict: Bool) throws -> ToolResult {
        var env = Self.withoutTools(strict: strict)
        env[Self.probeVariable] = "1"
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().path
        return try TestProcess.run(bundle, [Self.probe], timeout: 120, environment: env)
    }

    func testUnderTheCISwitchAMissingToolFailsTheRun() throws {
        let r = try runProbe(strict: true)
        XCTAssertNotEqual(r.status, 0, r.summary)
        XCTAssertTrue(r.output.contains("required by CI: py-spy is not installed (pip install py-spy)"), r.summary)
        XCTAssertTrue(r.output.contains("Executed 1 test, with"), r.summary)
        XCTAssertFalse(r.output.contains("with 0 failures"), r.summary)
    }

    func testOutsideCIAMissingToolSkipsSayingWhatToInstall() throws {
        let r = try runProbe(strict: false)
        XCTAssertEqual(r.status, 0, r.summary)
        XCTAssertTrue(r.output.contains("py-spy is not installed (pip install py-spy)"), r.summary)
        XCTAssertTrue(r.output.contains("skipped"), r.summary)
        XCTAssertFalse(r.output.contains("required by CI"), r.summary)
    }

    /// The browser checks (`Tests/Browser/run_all.sh`) follow the same switch.
    func testBrowserChecksFailUnderTheCISwitchWithoutABrowser() throws {
        let script = PeerCases.packageRoot + "/Tests/Browser/run_all.sh"
        let dir = try makeTemporaryDirectory()
        defer { removeTemporaryDirectory(dir) }
        for strict in [true, false] {
            let r = try TestProcess.run(
                "/bin/bash", [script, FlameGraphBinary.path, dir + "/out"], timeout: 60,
                environment: Self.withoutTools(strict: strict))
            if strict {
                XCTAssertEqual(r.status, 1, r.summary)
                XCTAssertTrue(r.stderr.contains("required by CI: python3 is not installed"), r.summary)
            } else {
                XCTAssertEqual(r.status, 0, r.summary)
                XCTAssertTrue(r.stdout.contains("skipped: python3 is not installed"), r.summary)
            }
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/out"), "nothing rendered")
        }
    }
}
