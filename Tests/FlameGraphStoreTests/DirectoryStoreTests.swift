import FlameGraphCore
import FlameGraphStore
import Foundation
import XCTest

/// `--store DIR`: the same protocol in plain folders.
final class DirectoryStoreTests: XCTestCase {
    let a = String(repeating: "a", count: 40)
    let b = "0123456789abcdef0123456789abcdef01234567"

    func testSaveLoadListDelete() throws {
        let sandbox = try GitSandbox()
        let store = DirectoryStore(directory: sandbox.root + "/store/nested")
        XCTAssertEqual(try store.list(), [])
        let bytes = folded("main;ünï 3\nmain;x 1.5")
        let record = try store.save(
            service: "api", commit: a.uppercased(), folded: bytes, metadata: sampleMetadata(at: 1_000.75))
        XCTAssertEqual(record.commit, a)
        XCTAssertEqual(record.savedAt, Date(timeIntervalSince1970: 1_000), "stored to the second")
        try store.save(service: "web", commit: b, folded: folded("w 1\n"), metadata: sampleMetadata(at: 2_000))

        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: "\(store.directory)/\(a)/api.folded")), Data(bytes))
        XCTAssertEqual(try store.load(service: "api", commit: a), Baseline(record: record, folded: bytes))
        XCTAssertEqual(try store.list().map(\.service), ["web", "api"])
        XCTAssertEqual(try store.list(service: "api"), [record])
        // No temporary files are left behind.
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: "\(store.directory)/\(a)").sorted(),
            ["api.folded", "api.json"])

        assertFlameGraphError(.usage) {
            try store.save(service: "api", commit: a, folded: folded("y 1\n"), metadata: sampleMetadata())
        }
        try store.save(service: "api", commit: a, folded: folded("y 1\n"), metadata: sampleMetadata(), force: true)
        XCTAssertEqual(try store.load(service: "api", commit: a).folded, folded("y 1\n"))

        try store.delete(service: "api", commit: a)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(store.directory)/\(a)"))
        assertFlameGraphError(.notFound) { try store.load(service: "api", commit: a) }
        assertFlameGraphError(.notFound) { try store.delete(service: "api", commit: a) }
        assertFlameGraphError(.usage) { try store.load(service: "a/b", commit: a) }
        assertFlameGraphError(.usage) { try store.load(service: "api", commit: "main") }
        XCTAssertEqual(try store.list().map(\.commit), [b])
    }

    func testFindBaselineWalksTheRepositoryHistory() throws {
        let sandbox = try GitSandbox()
        let repo = try sandbox.makeRepository()
        let first = try sandbox.commit(repo)
        let later = try sandbox.commits(repo, 2)
        let store = DirectoryStore(directory: sandbox.root + "/baselines")
        let repository = try Repository(discoveringFrom: repo)
        let empty = assertFlameGraphError(.notFound) { try store.findBaseline(service: "api", in: repository) }
        XCTAssertTrue(empty.contains("holds no baselines"), empty)
        try store.save(service: "api", commit: first, folded: folded("a 1\n"), metadata: sampleMetadata())
        XCTAssertEqual(
            try store.findBaseline(service: "api", in: repository),
            BaselineMatch(service: "api", commit: first, distance: 2, start: later[1]))
        XCTAssertEqual(
            try store.findBaseline(service: "api", startingAt: .revision("HEAD~2"), in: repository).commit, first)
        XCTAssertEqual(try sandbox.git("status", "--porcelain", in: repo), "")
    }
}
