import FlameGraphCore
import FlameGraphStore
import Foundation
import XCTest

/// Saving, loading, listing and deleting in `refs/flame-graph/baselines`, checked with the plain git CLI.
final class GitRefStoreTests: XCTestCase {
    func testGitShowReadsBackWhatWasStoredByteForByte() throws {
        let sandbox = try GitSandbox()
        let repo = try sandbox.makeRepository()
        let a = try sandbox.commit(repo)
        let store = try GitRefStore(discoveringFrom: repo)
        // Non-ASCII frames, a fractional count, CRLF and no final newline: all kept as they are.
        let bytes = folded("main;parse;lex 3\nmain;ünïcödé;帧 5\r\nmain;x 1.5\nmain;y 2")
        let record = try store.save(service: "api", commit: a, folded: bytes, metadata: sampleMetadata())
        XCTAssertEqual(record, BaselineRecord(service: "api", commit: a, metadata: sampleMetadata()))

        let folder = "\(a.prefix(2))/\(a.dropFirst(2))"
        let shown = try sandbox.gitData(["show", "refs/flame-graph/baselines:\(folder)/api.folded"], in: repo)
        XCTAssertEqual([UInt8](shown), bytes)
        XCTAssertEqual(
            try sandbox.git("ls-tree", "-r", "--name-only", "refs/flame-graph/baselines", in: repo),
            "\(folder)/api.folded\n\(folder)/api.json")

        let json = try sandbox.gitData(["show", "refs/flame-graph/baselines:\(folder)/api.json"], in: repo)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        XCTAssertEqual(object["service"] as? String, "api")
        XCTAssertEqual(object["commit"] as? String, a)
        XCTAssertEqual(object["format"] as? Int, 1)
        let metadata = try XCTUnwrap(object["metadata"] as? [String: Any])
        XCTAssertEqual(metadata["unit"] as? String, "samples")
        XCTAssertEqual(metadata["sampleCount"] as? Int, 10)
        XCTAssertEqual(metadata["samplingRate"] as? Double, 99)
        XCTAssertEqual(metadata["savedAt"] as? String, "2023-11-14T22:13:20Z")
        XCTAssertEqual(metadata["captureCommand"] as? String, "flame-graph api --duration 30")

        // The chain's commit says what happened, dated by the caller's date, not the clock.
        XCTAssertEqual(
            try sandbox.git("log", "-1", "--format=%s|%an|%ct", "refs/flame-graph/baselines", in: repo),
            "save api \(a)|flame-graph|1700000000")

        let loaded = try store.load(service: "api", commit: a)
        XCTAssertEqual(loaded.folded, bytes)
        XCTAssertEqual(loaded.record, record)
        // Upper-case ids name the same baseline.
        XCTAssertEqual(try store.load(service: "api", commit: a.uppercased()).folded, bytes)
    }

    func testProfilesRoundTripThroughFoldedText() throws {
        let sandbox = try GitSandbox()
        let repo = try sandbox.makeRepository()
        let a = try sandbox.commit(repo)
        let store = try GitRefStore(discoveringFrom: repo)
        var profile = Profile()
        profile.unit = .nanoseconds
        profile.add(frames: ["main", "serve", "parse"], weight: 300)
        profile.add(frames: ["main", "idle"], weight: 50)
        var metadata = sampleMetadata()
        metadata.unit = .nanoseconds
        try store.save(service: "api", commit: a, profile: profile, metadata: metadata)
        let (loaded, record, diagnostics) = try store.loadProfile(service: "api", commit: a)
        XCTAssertEqual(loaded.unit, .nanoseconds)
        XCTAssertEqual(record.metadata.unit, .nanoseconds)
        XCTAssertEqual(loaded.totalWeight, 350)
        XCTAssertEqual(FoldedWriter.write(loaded), FoldedWriter.write(profile))
        XCTAssertTrue(diagnostics.warnings.isEmpty)
    }

    func testForceIsNeededToReplaceABaseline() throws {
        let sandbox = try GitSandbox()
        let repo = try sandbox.makeRepository()
        let a = try sandbox.commit(repo)
        let store = try GitRefStore(discoveringFrom: repo)
        try store.save(service: "api", commit: a, folded: folded("a 1\n"), metadata: sampleMetadata(samples: 1))
        let message = assertFlameGraphError(.usage) {
            try store.save(service: "api", commit: a, folded: folded("b 2\n"), metadata: sampleMetadata(samples: 2))
        }
        XCTAssertTrue(message.contains("already exists") && message.contains("--force"), message)
        XCTAssertEqual(try store.load(service: "api", commit: a).folded, folded("a 1\n"))
        XCTAssertEqual(try sandbox.git("rev-list", "--count", "refs/flame-graph/baselines", in: repo), "1")

        try store.save(
            service: "api", commit: a, folded: folded("b 2\n"), metadata: sampleMetadata(samples: 2), force: true)
        let replaced = try store.load(service: "api", commit: a)
        XCTAssertEqual(replaced.folded, folded("b 2\n"))
        XCTAssertEqual(replaced.record.samples, 2)
        XCTAssertEqual(try sandbox.git("rev-list", "--count", "refs/flame-graph/baselines", in: repo), "2")
        // Another service at the same commit is not a replacement.
        try store.save(service: "web", commit: a, folded: folded("c 3\n"), metadata: sampleMetadata())
        XCTAssertEqual(try store.list().count, 2)
    }

    func testListAndDeleteKeepTheTreeTidy() throws {
        let sandbox = try GitSandbox()
        let repo = try sandbox.makeRepository()
        let (a, b) = (try sandbox.commit(repo), try sandbox.commit(repo))
        let store = try GitRefStore(discoveringFrom: repo)
        XCTAssertEqual(try store.list(), [])
        try store.save(
            service: "api", commit: a, folded: folded("x 1\n"), metadata: sampleMetadata(samples: 1, at: 1_000))
        try store.save(
            service: "web", commit: a, folded: folded("x 2\n"), metadata: sampleMetadata(samples: 2, at: 2_000))
        try store.save(
            service: "api", commit: b, folded: folded("x 3\n"), metadata: sampleMetadata(samples: 3, at: 3_000))

        let all = try store.list()
        XCTAssertEqual(all.map { "\($0.service)@\($0.commit)" }, ["api@\(b)", "web@\(a)", "api@\(a)"])
        XCTAssertEqual(all.map(\.samples), [3, 2, 1])
        XCTAssertEqual(all.first?.savedAt, Date(timeIntervalSince1970: 3_000))
        XCTAssertEqual(try store.list(service: "api").map(\.commit), [b, a])
        XCTAssertEqual(try store.list(service: "nothing"), [])

        try store.delete(service: "api", commit: a)
        XCTAssertEqual(try store.list().map { "\($0.service)@\($0.commit)" }, ["api@\(b)", "web@\(a)"])
        try store.delete(service: "web", commit: a)
        let paths = try sandbox.git("ls-tree", "-r", "-t", "--name-only", "refs/flame-graph/baselines", in: repo)
        XCTAssertFalse(paths.contains(String(a.dropFirst(2))), "an emptied commit folder is removed:\n\(paths)")
        if a.prefix(2) != b.prefix(2) {
            XCTAssertFalse(
                paths.split(separator: "\n").contains(Substring(a.prefix(2))), "an emptied fan-out folder is removed")
        }
        XCTAssertEqual(
            try sandbox.git("log", "-1", "--format=%s|%ct", "refs/flame-graph/baselines", in: repo),
            "delete web \(a)|3000")

        try store.delete(service: "api", commit: b)
        XCTAssertEqual(try store.list(), [])
        XCTAssertEqual(try sandbox.git("ls-tree", "-r", "refs/flame-graph/baselines", in: repo), "")
        assertFlameGraphError(.notFound) { try store.delete(service: "api", commit: b) }
    }

    func testMalformedKeysAreUsageErrors() throws {
        let sandbox = try GitSandbox()
        let repo = try sandbox.makeRepository()
        let a = try sandbox.commit(repo)
        let store = try GitRefStore(discoveringFrom: repo)
        for service in ["", "../x", "a/b", ".hidden", "-flag", "sp ace", String(repeating: "s", count: 101)] {
            assertFlameGraphError(.usage) {
                try store.save(service: service, commit: a, folded: folded("x 1\n"), metadata: sampleMetadata())
            }
        }
        assertFlameGraphError(.usage) {
            try store.save(service: "api", commit: "HEAD", folded: folded("x 1\n"), metadata: sampleMetadata())
        }
        assertFlameGraphError(.usage) { try store.load(service: "api", commit: String(a.prefix(12))) }
        XCTAssertEqual(try sandbox.git("for-each-ref", "refs/flame-graph", in: repo), "")
    }

    func testNothingOutsideTheBaselineRefChanges() throws {
        let sandbox = try GitSandbox()
        let repo = try sandbox.makeRepository()
        let shas = try sandbox.commits(repo, 3)
        try sandbox.git("branch", "feature", shas[1], in: repo)
        try sandbox.git("tag", "v1", shas[0], in: repo)
        // A dirty working tree: modified, staged, untracked.
        try Data("modified\n".utf8).write(to: URL(fileURLWithPath: repo + "/log-1.txt"))
        try Data("staged\n".utf8).write(to: URL(fileURLWithPath: repo + "/staged.txt"))
        try sandbox.git("add", "staged.txt", in: repo)
        try Data("untracked\n".utf8).write(to: URL(fileURLWithPath: repo + "/untracked.txt"))

        func snapshot() throws -> [String] {
            [
                try sandbox.git("status", "--porcelain=v1", "--untracked-files=all", in: repo),
                try sandbox.git("for-each-ref", "--format=%(refname) %(objectname)", in: repo)
                    .split(separator: "\n").filter { !$0.hasPrefix("refs/flame-graph/") }.joined(separator: "\n"),
                try sandbox.git("symbolic-ref", "HEAD", in: repo),
                try sandbox.git("rev-parse", "HEAD", in: repo),
                try sandbox.git("ls-files", "--stage", in: repo),
                try Data(contentsOf: URL(fileURLWithPath: repo + "/.git/index")).base64EncodedString(),
                try String(contentsOfFile: repo + "/log-1.txt", encoding: .utf8),
                try sandbox.git("stash", "list", in: repo),
            ]
        }
        let before = try snapshot()
        let store = try GitRefStore(discoveringFrom: repo + "/")
        try store.save(service: "api", commit: shas[0], folded: folded("a 1\n"), metadata: sampleMetadata())
        try store.save(
            service: "api", commit: shas[0], folded: folded("a 2\n"), metadata: sampleMetadata(), force: true)
        try store.save(service: "web", commit: shas[2], folded: folded("w 1\n"), metadata: sampleMetadata())
        _ = try store.load(service: "api", commit: shas[0])
        _ = try store.list()
        XCTAssertEqual(try store.findBaseline(service: "api").commit, shas[0])
        try store.delete(service: "web", commit: shas[2])
        XCTAssertEqual(try snapshot(), before)
        XCTAssertEqual(
            try sandbox.git("for-each-ref", "--format=%(refname)", "refs/flame-graph", in: repo),
            "refs/flame-graph/baselines")
        try sandbox.git("fsck", "--strict", "--no-dangling", in: repo)
    }

    func testNotARepository() throws {
        let sandbox = try GitSandbox()
        let plain = sandbox.root + "/plain/sub"
        try FileManager.default.createDirectory(atPath: plain, withIntermediateDirectories: true)
        let ceiling = (sandbox.root as NSString).deletingLastPathComponent
        let message = assertFlameGraphError(.notFound) {
            try Repository(discoveringFrom: plain, ceilingDirectories: [ceiling])
        }
        XCTAssertTrue(message.contains(plain) && message.contains("not inside a git repository"), message)
        assertFlameGraphError(.notFound) { try Repository(discoveringFrom: sandbox.root + "/does-not-exist") }
    }

    func testDiscoveryFromASubfolder() throws {
        let sandbox = try GitSandbox()
        let repo = try sandbox.makeRepository()
        let a = try sandbox.commit(repo)
        try FileManager.default.createDirectory(atPath: repo + "/deep/er", withIntermediateDirectories: true)
        let repository = try Repository(discoveringFrom: repo + "/deep/er")
        XCTAssertEqual(repository.workingDirectory, repo + "/")
        XCTAssertFalse(repository.isBare)
        XCTAssertFalse(repository.isShallow)
        XCTAssertEqual(try repository.headCommit(), a)
        XCTAssertEqual(try repository.resolveCommit(String(a.prefix(7))), a)
        XCTAssertEqual(try repository.resolveCommit("main"), a)
        XCTAssertEqual(try repository.firstParent(of: a), .noParent)
        let b = try sandbox.commit(repo)
        XCTAssertEqual(try repository.firstParent(of: b), .parent(a))
        XCTAssertEqual(try repository.resolveCommit("HEAD~1"), a)
        let message = assertFlameGraphError(.notFound) { try repository.resolveCommit("main^{tree}") }
        XCTAssertTrue(message.contains("does not name a commit"), message)
    }
}
