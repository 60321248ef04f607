import FlameGraphCore
import FlameGraphStore
import FlameGraphTestSupport
import Foundation
import XCTest

/// Real repositories in a temporary folder, driven by the `git` CLI, removed when the sandbox goes.
final class GitSandbox {
    let root: String

    init() throws {
        root = URL(fileURLWithPath: try makeTemporaryDirectory("flame-graph-store")).resolvingSymlinksInPath().path
    }

    deinit {
        try? FileManager.default.removeItem(atPath: root)
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs git in `directory` and returns its standard output; throws if it fails.
    @discardableResult
    func gitData(_ arguments: [String], in directory: String) throws -> Data {
        var environment = ProcessInfo.processInfo.environment
        // Only the sandbox's own configuration counts.
        environment["HOME"] = root
        environment["GIT_CONFIG_NOSYSTEM"] = "1"
        environment["GIT_CEILING_DIRECTORIES"] = (root as NSString).deletingLastPathComponent
        for key in ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY"] { environment[key] = nil }
        let r = try TestProcess.run("/usr/bin/git", arguments, in: directory, timeout: 120, environment: environment)
        guard r.status == 0 else {
            throw Failure(description: "git \(arguments.joined(separator: " ")) failed (\(r.status)): \(r.stderr)")
        }
        return r.stdoutData
    }

    /// Runs git and returns its output as text without the final newline.
    @discardableResult
    func git(_ arguments: String..., in directory: String) throws -> String {
        var text = String(decoding: try gitData(arguments, in: directory), as: UTF8.self)
        if text.hasSuffix("\n") { text.removeLast() }
        return text
    }

    /// A fresh repository on branch `main` with its own identity.
    func makeRepository(_ name: String = "repo") throws -> String {
        let path = root + "/" + name
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try git("init", "--quiet", "--initial-branch=main", in: path)
        try git("config", "user.name", "Sandbox Tester", in: path)
        try git("config", "user.email", "tester@example.invalid", in: path)
        try git("config", "commit.gpgsign", "false", in: path)
        return path
    }

    private var commitCounter = 0

    /// Commits a change in `repo` (a working tree) and returns the new commit's sha.
    @discardableResult
    func commit(_ repo: String, _ message: String? = nil) throws -> String {
        commitCounter += 1
        let text = message ?? "change \(commitCounter)"
        try Data("\(text)\n".utf8).write(to: URL(fileURLWithPath: repo + "/log-\(commitCounter).txt"))
        try git("add", "-A", in: repo)
        try git("commit", "--quiet", "-m", text, in: repo)
        return try git("rev-parse", "HEAD", in: repo)
    }

    /// `count` commits in a row; their shas, oldest first.
    func commits(_ repo: String, _ count: Int) throws -> [String] {
        try (0..<count).map { _ in try commit(repo) }
    }
}

/// Metadata with a fixed date (the store reads no clock).
func sampleMetadata(samples: Int = 10, at seconds: TimeInterval = 1_700_000_000) -> BaselineMetadata {
    BaselineMetadata(
        unit: .samples, sampleCount: samples, totalWeight: Double(samples), samplingRate: 99, duration: 30,
        toolVersion: "0.1.0-test", captureCommand: "flame-graph api --duration 30",
        hostFingerprint: "x86_64 2 cores Debian 12", savedAt: Date(timeIntervalSince1970: seconds))
}

func folded(_ text: String) -> [UInt8] { Array(text.utf8) }

/// Asserts that `body` throws a `FlameGraphError` of `kind` and returns its message.
@discardableResult
func assertFlameGraphError<T>(
    _ kind: FlameGraphError.Kind, file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> T
) -> String {
    do {
        let value = try body()
        XCTFail("expected a \(kind) error, got \(value)", file: file, line: line)
    } catch let error as FlameGraphError {
        XCTAssertEqual(error.kind, kind, "message: \(error.message)", file: file, line: line)
        return error.message
    } catch {
        XCTFail("expected a FlameGraphError, got \(error)", file: file, line: line)
    }
    return ""
}
