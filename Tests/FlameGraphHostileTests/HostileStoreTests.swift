import FlameGraphTestSupport
import Foundation
import XCTest

/// Baselines in git, against a repository someone tampered with, and URL credentials on the way in.
final class HostileStoreTests: HostileTestCase {
    private func git(_ args: String...) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try RequiredTool.require("git", install: "apt-get install git"))
        p.arguments = ["-C", dir + "/repo"] + args
        p.environment = ProcessInfo.processInfo.environment.merging([
            "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@example.com",
        ]) { $1 }
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, "git \(args.joined(separator: " "))")
    }

    private func makeRepository() throws {
        try FileManager.default.createDirectory(atPath: dir + "/repo", withIntermediateDirectories: true)
        try git("init", "-q")
        try "code\n".write(toFile: dir + "/repo/main.c", atomically: true, encoding: .utf8)
        try git("add", "main.c")
        try git("commit", "-q", "-m", "code")
        try "a;b 3\n".write(toFile: dir + "/in.folded", atomically: true, encoding: .utf8)
    }

    func testBaselinesRefOnACodeCommitIsRefused() throws {
        try makeRepository()
        try git("update-ref", "refs/flame-graph/baselines", "HEAD")
        let r = try run(["baseline", "save", "--service", "api", "--input", "in.folded", "--repo", "repo"])
        XCTAssertEqual(r.status, 65, r.stderr)
        XCTAssertTrue(r.stderr.contains("does not point at a baseline store"), r.stderr)
        XCTAssertTrue(r.stderr.contains("main.c"), r.stderr)
    }

    func testAnExistingBaselineIsAUsageConflictNamingTheFlag() throws {
        try makeRepository()
        let save = ["baseline", "save", "--service", "api", "--input", "in.folded", "--repo", "repo"]
        XCTAssertEqual(try run(save).status, 0)
        let again = try run(save)
        XCTAssertEqual(again.status, 64, again.stderr)
        XCTAssertTrue(again.stderr.contains("--force"), again.stderr)
        XCTAssertEqual(try run(save + ["--force"]).status, 0)
    }
}
