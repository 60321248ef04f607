import FlameGraphCore
import FlameGraphStore
import Foundation
import XCTest

/// A baseline keeps its rounds (replicates for the gate's noise model) in both stores, beside the
/// merged profile that older readers use; baselines saved before rounds existed load as one round.
final class BaselineRoundsTests: XCTestCase {
    func rounds() -> [Profile] {
        (1...3).map { k in
            var p = Profile()
            p.add(frames: ["main", "parse"], weight: Double(100 + 10 * k))
            p.add(frames: ["main", "render"], weight: Double(300 - 10 * k))
            return p
        }
    }

    func exercise(_ store: any BaselineStore, commit: String, files: () throws -> [String]) throws {
        let saved = try store.save(service: "api", commit: commit, rounds: rounds(), metadata: sampleMetadata())
        XCTAssertEqual(saved.metadata.rounds, 3)
        let baseline = try store.load(service: "api", commit: commit)
        XCTAssertEqual(baseline.rounds.count, 3)
        XCTAssertEqual(baseline.rounds[1], FoldedWriter.write(rounds()[1]))
        // The merged profile is what a reader without rounds sees: the sum of the rounds.
        XCTAssertEqual(String(decoding: baseline.folded, as: UTF8.self), "main;parse 360\nmain;render 840\n")
        let (loaded, record) = try store.loadRounds(service: "api", commit: commit)
        XCTAssertEqual(loaded.map(\.totalWeight), [400, 400, 400])
        XCTAssertEqual(record.metadata.rounds, 3)
        XCTAssertEqual(
            try files(), ["api.folded", "api.json", "api.round-1.folded", "api.round-2.folded", "api.round-3.folded"])
        // Replacing it with a single profile leaves no stale rounds behind.
        try store.save(service: "api", commit: commit, rounds: [rounds()[0]], metadata: sampleMetadata(), force: true)
        XCTAssertEqual(try store.load(service: "api", commit: commit).rounds, [])
        XCTAssertEqual(try store.loadRounds(service: "api", commit: commit).rounds.count, 1)
        XCTAssertNil(try store.load(service: "api", commit: commit).record.metadata.rounds)
        XCTAssertEqual(try files(), ["api.folded", "api.json"])
        try store.save(service: "api", commit: commit, rounds: rounds(), metadata: sampleMetadata(), force: true)
        try store.delete(service: "api", commit: commit)
        XCTAssertEqual(try files().filter { $0.hasPrefix("api.") }, [])
    }

    func testDirectoryStoreKeepsRounds() throws {
        let sandbox = try GitSandbox()
        let store = DirectoryStore(directory: sandbox.root + "/store")
        let commit = String(repeating: "c", count: 40)
        try exercise(store, commit: commit) {
            ((try? FileManager.default.contentsOfDirectory(atPath: "\(store.directory)/\(commit)")) ?? []).sorted()
        }
    }

    func testGitRefStoreKeepsRounds() throws {
        let sandbox = try GitSandbox()
        let repo = try sandbox.makeRepository()
        let commit = try sandbox.commit(repo)
        let store = try GitRefStore(discoveringFrom: repo)
        try exercise(store, commit: commit) {
            let listing = try sandbox.git("ls-tree", "-r", "--name-only", "refs/flame-graph/baselines", in: repo)
            let folder = "\(commit.prefix(2))/\(commit.dropFirst(2))/"
            return listing.split(separator: "\n").filter { $0.hasPrefix(folder) }.map {
                String($0.dropFirst(folder.count))
            }
            .sorted()
        }
    }

    func testABaselineSavedBeforeRoundsLoadsAsOneRound() throws {
        let sandbox = try GitSandbox()
        let store = DirectoryStore(directory: sandbox.root + "/store")
        let commit = String(repeating: "d", count: 40)
        // The metadata document as stores wrote it before rounds: no "rounds" key.
        try FileManager.default.createDirectory(
            atPath: "\(store.directory)/\(commit)", withIntermediateDirectories: true)
        try "main;x 7\n".write(toFile: "\(store.directory)/\(commit)/api.folded", atomically: true, encoding: .utf8)
        let json = """
            {"commit":"\(commit)","format":1,"metadata":{"savedAt":"2026-01-01T00:00:00Z","sampleCount":7,\
            "toolVersion":"flame-graph 0.9","totalWeight":7,"unit":"samples"},"service":"api"}
            """
        try json.write(toFile: "\(store.directory)/\(commit)/api.json", atomically: true, encoding: .utf8)
        let (loaded, record) = try store.loadRounds(service: "api", commit: commit)
        XCTAssertEqual(loaded.map(\.totalWeight), [7])
        XCTAssertNil(record.metadata.rounds)
    }
}
