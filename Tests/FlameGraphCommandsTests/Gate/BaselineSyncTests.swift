import FlameGraphTestSupport
import Foundation
import XCTest

/// `flame-graph baseline sync` with real git repositories: two clones of one bare remote save
/// baselines and sync at the same time; both baselines must end up on the remote.
final class BaselineSyncTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws { dir = try makeTemporaryDirectory("sync") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    func makeRemoteAndClones(_ names: [String]) throws -> [String] {
        let seed = dir + "/seed"
        try FileManager.default.createDirectory(atPath: seed, withIntermediateDirectories: true)
        try GateTestSupport.git(["init", "-q", "-b", "main"], in: seed)
        try "x\n".write(toFile: seed + "/a.txt", atomically: true, encoding: .utf8)
        try GateTestSupport.git(["add", "a.txt"], in: seed)
        try GateTestSupport.git(["commit", "-qm", "A"], in: seed)
        try GateTestSupport.git(["clone", "-q", "--bare", seed, dir + "/remote.git"], in: dir)
        return try names.map { name in
            try GateTestSupport.git(["clone", "-q", dir + "/remote.git", dir + "/" + name], in: dir)
            return dir + "/" + name
        }
    }

    func save(_ service: String, _ stacks: String, in clone: String, extra: [String] = []) throws {
        let input = clone + "/\(service).folded"
        try stacks.write(toFile: input, atomically: true, encoding: .utf8)
        let r = try GateTestSupport.run(
            ["baseline", "save", "--service", service, "--input", input] + extra, in: clone)
        XCTAssertEqual(r.status, 0, r.stderr)
    }

    func remoteServices() throws -> [String] {
        let check = dir + "/check-\(UUID().uuidString)"
        try GateTestSupport.git(["clone", "-q", dir + "/remote.git", check], in: dir)
        try GateTestSupport.git(["fetch", "-q", "origin", "refs/flame-graph/*:refs/flame-graph/*"], in: check)
        let list = try GateTestSupport.run(["baseline", "list"], in: check)
        XCTAssertEqual(list.status, 0, list.stderr)
        return list.stdout.split(separator: "\n").dropFirst().map {
            String($0.split(separator: " ", omittingEmptySubsequences: true)[1])
        }
        .sorted()
    }

    func testConcurrentSyncsFromTwoClonesKeepBothBaselines() throws {
        let clones = try makeRemoteAndClones(["runner-a", "runner-b"])
        try save("orders", "main;checkout 90\nmain;search 10\n", in: clones[0])
        try save("catalog", "main;list 70\nmain;render 30\n", in: clones[1])
        // Both runners sync at the same moment: one push wins, the other must fetch, merge and retry.
        nonisolated(unsafe) var results: [ToolResult?] = [nil, nil]
        DispatchQueue.concurrentPerform(iterations: 2) { i in
            results[i] = try? GateTestSupport.run(["baseline", "sync", "--remote", "origin"], in: clones[i])
        }
        for r in results {
            let r = try XCTUnwrap(r)
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        XCTAssertEqual(try remoteServices(), ["catalog", "orders"])

        // A later sync of either runner brings the other's baseline home.
        let again = try GateTestSupport.run(["baseline", "sync"], in: clones[0])
        XCTAssertEqual(again.status, 0, again.stderr)
        let list = try GateTestSupport.run(["baseline", "list"], in: clones[0])
        XCTAssertTrue(list.stdout.contains("catalog") && list.stdout.contains("orders"), list.stdout)
    }

    func testDivergedHistoriesMergeAndTheLaterSaveOfTheSameBaselineWins() throws {
        let clones = try makeRemoteAndClones(["a", "b"])
        try save("api", "main;old 10\n", in: clones[0])
        XCTAssertEqual(try GateTestSupport.run(["baseline", "sync"], in: clones[0]).status, 0)
        sleep(1)  // savedAt is stored to the second
        try save("api", "main;new 20\n", in: clones[1])
        try save("web", "main;w 5\n", in: clones[1])
        let r = try GateTestSupport.run(["baseline", "sync"], in: clones[1])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("merged with the remote's"), r.stdout)
        let parents = try GateTestSupport.git(
            ["rev-list", "--parents", "-n", "1", "refs/flame-graph/baselines"], in: clones[1])
        XCTAssertEqual(parents.split(separator: " ").count, 3, "a merge commit with two parents")
        let shown = try GateTestSupport.run(["baseline", "show", "--service", "api"], in: clones[1])
        XCTAssertEqual(shown.stdout, "main;new 20\n")
        XCTAssertEqual(try remoteServices(), ["api", "web"])
    }

    func testAnUnreachableRemoteIsError69WithoutCredentialsInTheMessage() throws {
        let clones = try makeRemoteAndClones(["a"])
        try save("api", "main;x 1\n", in: clones[0])
        let r = try GateTestSupport.run(
            ["baseline", "sync", "--remote", "http://user:hunter2@127.0.0.1:9/repo.git"], in: clones[0])
        XCTAssertEqual(r.status, 69, r.stderr)
        XCTAssertFalse(r.stderr.contains("hunter2"), r.stderr)
    }
}
