import FlameGraphCore
import FlameGraphStore
import Foundation
import XCTest

/// Many CI jobs saving into one repository at once, as separate processes: none may lose another's save.
final class ConcurrentSaveTests: XCTestCase {
    /// The `flame-graph-store-stress` helper, built next to the test bundle.
    static var helper: String? {
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        while url.path != "/" {
            let candidate = url.deletingLastPathComponent().appendingPathComponent("flame-graph-store-stress")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate.path }
            url.deleteLastPathComponent()
        }
        return nil
    }

    func testSixteenProcessesSavingAtOnceAllLand() throws {
        let helper = try XCTUnwrap(Self.helper, "build flame-graph-store-stress first (swift build)")
        let sandbox = try GitSandbox()
        let repo = try sandbox.makeRepository()
        let commits = try sandbox.commits(repo, 8)
        let refsBefore = try sandbox.git("for-each-ref", in: repo)
        // A baseline already there: the racing saves must build on it, not replace it.
        try GitRefStore(discoveringFrom: repo).save(
            service: "seed", commit: commits[0], folded: folded("seed 1\n"), metadata: sampleMetadata())

        // 16 jobs: 8 commits × 2 services, so jobs also share commit folders and fan-out trees.
        let jobs = (0..<16).map { (service: "svc-\($0 % 2)", commit: commits[$0 / 2]) }
        let start = sandbox.root + "/go"
        var processes: [(Process, Pipe, Pipe)] = []
        for job in jobs {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: helper)
            process.arguments = [repo, job.service, job.commit, start]
            let out = Pipe(), err = Pipe()
            process.standardOutput = out
            process.standardError = err
            try process.run()
            processes.append((process, out, err))
        }
        XCTAssertTrue(FileManager.default.createFile(atPath: start, contents: Data()))  // release them all at once
        var attempts: [Int] = []
        for (process, out, err) in processes {
            let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 0, errors)
            attempts.append(Int(output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1)
        }
        print("attempts per save: \(attempts) (total \(attempts.reduce(0, +)) for \(jobs.count) saves)")

        let store = try GitRefStore(discoveringFrom: repo)
        let stored = Set(try store.list().map { "\($0.service)@\($0.commit)" })
        XCTAssertEqual(stored, Set(jobs.map { "\($0.service)@\($0.commit)" } + ["seed@\(commits[0])"]))
        for job in jobs {
            XCTAssertEqual(
                try store.load(service: job.service, commit: job.commit).folded,
                folded("main;\(job.service);work \(job.commit.prefix(6))\nmain;idle 7\n"))
        }

        // The chain is linear (one parent each, no merges) and every commit adds exactly one baseline.
        let chain = try sandbox.git("rev-list", "--reverse", "--parents", "refs/flame-graph/baselines", in: repo)
            .split(separator: "\n").map { $0.split(separator: " ") }
        XCTAssertEqual(chain.count, 17)
        XCTAssertEqual(chain.first?.count, 1, "the chain starts with a root commit")
        for (index, entry) in chain.enumerated().dropFirst() {
            XCTAssertEqual(entry.count, 2)
            XCTAssertEqual(entry[1], chain[index - 1][0], "each commit's parent is the one before it")
        }
        XCTAssertEqual(
            try sandbox.git("rev-list", "--count", "--first-parent", "refs/flame-graph/baselines", in: repo), "17")
        for (index, entry) in chain.enumerated() {
            let files = try sandbox.git("ls-tree", "-r", "--name-only", String(entry[0]), in: repo).split(
                separator: "\n")
            XCTAssertEqual(files.count, 2 * (index + 1), "commit \(index) of the chain holds \(index + 1) baselines")
        }
        try sandbox.git("fsck", "--strict", "--no-dangling", in: repo)
        // Only the baseline ref was added.
        XCTAssertEqual(
            try sandbox.git("for-each-ref", in: repo).split(separator: "\n").filter {
                !$0.hasSuffix("refs/flame-graph/baselines")
            },
            refsBefore.split(separator: "\n"))
    }
}
