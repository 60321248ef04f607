import FlameGraphCore
import FlameGraphStore
import Foundation
import XCTest

/// `findBaseline`: the `auto` walk and explicit revisions, in ordinary, detached, bare, worktree and
/// shallow repositories.
final class FindBaselineTests: XCTestCase {
    func testAutoFindsTheBaselineThreeCommitsBack() throws {
        let sandbox = try GitSandbox()
        let repo = try sandbox.makeRepository()
        let a = try sandbox.commit(repo)
        let store = try GitRefStore(discoveringFrom: repo)
        try store.save(service: "api", commit: a, folded: folded("main 1\n"), metadata: sampleMetadata())
        let later = try sandbox.commits(repo, 3)
        let match = try store.findBaseline(service: "api")
        XCTAssertEqual(match, BaselineMatch(service: "api", commit: a, distance: 3, start: later[2]))
        XCTAssertEqual(try store.findBaseline(service: "api", startingAt: BaselineRevision("auto")), match)
        // Saved on the start commit itself: distance 0.
        try store.save(service: "api", commit: later[2], folded: folded("main 2\n"), metadata: sampleMetadata())
        XCTAssertEqual(try store.findBaseline(service: "api").distance, 0)
    }

    func testABranchFindsItsMergeBasesBaseline() throws {
        let sandbox = try GitSandbox()
        let repo = try sandbox.makeRepository()
        _ = try sandbox.commit(repo)
        let base = try sandbox.commit(repo)
        let store = try GitRefStore(discoveringFrom: repo)
        try store.save(service: "api", commit: base, folded: folded("base 1\n"), metadata: sampleMetadata())
        try sandbox.git("checkout", "--quiet", "-b", "feature", in: repo)
        let feature = try sandbox.commits(repo, 2)
        // The branch's own baseline and main's newer one are both ignored: auto starts at the merge-base.
        try store.save(service: "api", commit: feature[0], folded: folded("feature 1\n"), metadata: sampleMetadata())
        try sandbox.git("checkout", "--quiet", "main", in: repo)
        let mainTip = try sandbox.commits(repo, 2)[1]
        try store.save(service: "api", commit: mainTip, folded: folded("main 1\n"), metadata: sampleMetadata())
        try sandbox.git("checkout", "--quiet", "feature", in: repo)

        let match = try store.findBaseline(service: "api")
        XCTAssertEqual(match.commit, base)
        XCTAssertEqual(match.start, base)
        XCTAssertEqual(match.distance, 0)
        // An explicit revision looks exactly there.
        XCTAssertEqual(try store.findBaseline(service: "api", startingAt: .revision("feature~1")).commit, feature[0])
        XCTAssertEqual(try store.findBaseline(service: "api", startingAt: .revision("main")).commit, mainTip)
    }

    func testOnlyFirstParentsAreSearched() throws {
        let sandbox = try GitSandbox()
        let repo = try sandbox.makeRepository()
        let a = try sandbox.commit(repo)
        let store = try GitRefStore(discoveringFrom: repo)
        try store.save(service: "api", commit: a, folded: folded("a 1\n"), metadata: sampleMetadata())
        try sandbox.commit(repo)
        try sandbox.git("checkout", "--quiet", "-b", "side", in: repo)
        let side = try sandbox.commit(repo)
        try store.save(service: "api", commit: side, folded: folded("side 1\n"), metadata: sampleMetadata())
        try sandbox.git("checkout", "--quiet", "main", in: repo)
        try sandbox.commit(repo)
        try sandbox.git("merge", "--quiet", "--no-ff", "-m", "merge side", "side", in: repo)
        // HEAD = merge → main's commit → its parent → a; the side branch is the merge's second parent.
        let match = try store.findBaseline(service: "api")
        XCTAssertEqual(match.commit, a)
        XCTAssertEqual(match.distance, 3)
    }

    func testDetachedHead() throws {
        let sandbox = try GitSandbox()
        let repo = try sandbox.makeRepository()
        let a = try sandbox.commit(repo)
        let b = try sandbox.commit(repo)
        try sandbox.commit(repo)
        let store = try GitRefStore(discoveringFrom: repo)
        try store.save(service: "api", commit: a, folded: folded("a 1\n"), metadata: sampleMetadata())
        try sandbox.git("checkout", "--quiet", "--detach", b, in: repo)
        XCTAssertThrowsError(try sandbox.git("symbolic-ref", "-q", "HEAD", in: repo), "HEAD is detached")
        XCTAssertEqual(try store.repository.headCommit(), b)
        XCTAssertEqual(
            try store.findBaseline(service: "api"), BaselineMatch(service: "api", commit: a, distance: 1, start: b))
        XCTAssertEqual(try store.findBaseline(service: "api", startingAt: .revision("HEAD~1")).commit, a)
        let message = assertFlameGraphError(.notFound) {
            try store.findBaseline(service: "api", startingAt: .revision("HEAD"))
        }
        XCTAssertTrue(message.contains("No baseline for service 'api' at commit \(b.prefix(12)) ('HEAD')"), message)
    }

    func testBareRepository() throws {
        let sandbox = try GitSandbox()
        let origin = try sandbox.makeRepository("origin")
        let a = try sandbox.commit(origin)
        let b = try sandbox.commit(origin)
        try GitRefStore(discoveringFrom: origin).save(
            service: "api", commit: a, folded: folded("a 1\n"), metadata: sampleMetadata())
        try sandbox.git("clone", "--quiet", "--bare", origin, sandbox.root + "/bare.git", in: sandbox.root)
        let bare = sandbox.root + "/bare.git"

        let store = try GitRefStore(discoveringFrom: bare)
        XCTAssertTrue(store.repository.isBare)
        XCTAssertNil(store.repository.workingDirectory)
        // Custom refs are not cloned: the message says how to fetch them.
        let message = assertFlameGraphError(.notFound) { try store.findBaseline(service: "api") }
        XCTAssertTrue(message.contains("git fetch origin 'refs/flame-graph/*:refs/flame-graph/*'"), message)

        try sandbox.git("fetch", "--quiet", "origin", "refs/flame-graph/*:refs/flame-graph/*", in: bare)
        XCTAssertEqual(
            try store.findBaseline(service: "api"), BaselineMatch(service: "api", commit: a, distance: 1, start: b))
        try store.save(service: "web", commit: b, folded: folded("b 1\n"), metadata: sampleMetadata())
        XCTAssertEqual(try store.findBaseline(service: "web").commit, b)
        XCTAssertEqual(
            try sandbox.git("show", "refs/flame-graph/baselines:\(b.prefix(2))/\(b.dropFirst(2))/web.folded", in: bare),
            "b 1")
        // Pushing shares them back.
        try sandbox.git("push", "--quiet", "origin", "refs/flame-graph/baselines", in: bare)
        XCTAssertEqual(
            try GitRefStore(discoveringFrom: origin).findBaseline(service: "web", startingAt: .revision(b)).commit, b)
    }

    func testLinkedWorktree() throws {
        let sandbox = try GitSandbox()
        let repo = try sandbox.makeRepository()
        let a = try sandbox.commit(repo)
        let b = try sandbox.commit(repo)
        try GitRefStore(discoveringFrom: repo).save(
            service: "api", commit: a, folded: folded("a 1\n"), metadata: sampleMetadata())
        let worktree = sandbox.root + "/wt"
        try sandbox.git("worktree", "add", "--quiet", "-b", "feature", worktree, in: repo)
        let f = try sandbox.commit(worktree)
        let statusBefore = try sandbox.git("status", "--porcelain", in: worktree)

        let store = try GitRefStore(discoveringFrom: worktree)
        XCTAssertTrue(store.repository.gitDirectory.contains("/worktrees/"), store.repository.gitDirectory)
        XCTAssertEqual(try store.repository.headCommit(), f)
        XCTAssertEqual(
            try store.findBaseline(service: "api"), BaselineMatch(service: "api", commit: a, distance: 1, start: b))
        // Saved from the worktree, visible from the main checkout: refs are shared.
        try store.save(service: "api", commit: f, folded: folded("f 1\n"), metadata: sampleMetadata())
        XCTAssertEqual(
            try GitRefStore(discoveringFrom: repo).findBaseline(service: "api", startingAt: .revision("feature"))
                .commit, f)
        XCTAssertEqual(try sandbox.git("status", "--porcelain", in: worktree), statusBefore)
        XCTAssertEqual(try sandbox.git("rev-parse", "HEAD", in: repo), b)
    }

    func testShallowCloneSaysHowToFetchMore() throws {
        let sandbox = try GitSandbox()
        let origin = try sandbox.makeRepository("origin")
        let a = try sandbox.commit(origin)
        try GitRefStore(discoveringFrom: origin).save(
            service: "api", commit: a, folded: folded("a 1\n"), metadata: sampleMetadata())
        let tip = try sandbox.commits(origin, 3)[2]
        let shallow = sandbox.root + "/shallow"
        try sandbox.git("clone", "--quiet", "--depth", "1", "file://" + origin, shallow, in: sandbox.root)

        let store = try GitRefStore(discoveringFrom: shallow)
        XCTAssertTrue(store.repository.isShallow)
        XCTAssertEqual(store.repository.shallowBoundary(), [tip])
        func assertShallowMessage(file: StaticString = #filePath, line: UInt = #line) {
            let message = assertFlameGraphError(.notFound, file: file, line: line) {
                try store.findBaseline(service: "api")
            }
            for fix in [
                "shallow clone", "git fetch --unshallow", "git fetch origin 'refs/flame-graph/*:refs/flame-graph/*'",
                "--baseline",
            ] {
                XCTAssertTrue(message.contains(fix), "missing \(fix) in: \(message)", file: file, line: line)
            }
        }
        assertShallowMessage()
        // With the baselines fetched, the walk still stops at the shallow boundary before reaching a.
        try sandbox.git("fetch", "--quiet", "origin", "refs/flame-graph/*:refs/flame-graph/*", in: shallow)
        assertShallowMessage()
        // A full sha names a baseline even though that commit is not in the shallow history.
        XCTAssertThrowsError(try sandbox.git("cat-file", "-e", a, in: shallow))
        XCTAssertEqual(try store.findBaseline(service: "api", startingAt: .revision(a)).commit, a)
        XCTAssertEqual(try store.load(service: "api", commit: a).folded, folded("a 1\n"))
        // Deepening fixes auto.
        try sandbox.git("fetch", "--quiet", "--unshallow", "origin", in: shallow)
        XCTAssertEqual(try GitRefStore(discoveringFrom: shallow).findBaseline(service: "api").distance, 3)
    }

    func testUnknownRevision() throws {
        let sandbox = try GitSandbox()
        let repo = try sandbox.makeRepository()
        try sandbox.commit(repo)
        let store = try GitRefStore(discoveringFrom: repo)
        let message = assertFlameGraphError(.notFound) {
            try store.findBaseline(service: "api", startingAt: .revision("no-such-branch"))
        }
        XCTAssertTrue(message.hasPrefix("Unknown revision 'no-such-branch'"), message)
        assertFlameGraphError(.notFound) { try store.findBaseline(service: "api", startingAt: .revision("HEAD~5")) }
    }

    func testMissingBaselines() throws {
        let sandbox = try GitSandbox()
        let repo = try sandbox.makeRepository()
        let store = try GitRefStore(discoveringFrom: repo)
        let unborn = assertFlameGraphError(.notFound) { try store.findBaseline(service: "api") }
        XCTAssertTrue(unborn.contains("HEAD does not point to a commit"), unborn)

        let shas = try sandbox.commits(repo, 4)
        // No ref at all: say so and how to fetch it.
        let empty = assertFlameGraphError(.notFound) { try store.findBaseline(service: "api") }
        XCTAssertTrue(empty.contains("holds no baselines at all") && empty.contains("git fetch origin"), empty)
        assertFlameGraphError(.notFound) { try store.load(service: "api", commit: shas[0]) }

        try store.save(service: "api", commit: shas[0], folded: folded("a 1\n"), metadata: sampleMetadata())
        let other = assertFlameGraphError(.notFound) { try store.findBaseline(service: "web") }
        XCTAssertEqual(
            other,
            "No baseline for service 'web' at \(shas[3].prefix(12)) (the merge-base of HEAD and main) or any of its 3 first-parent ancestors (the walk reached the root commit)."
        )
        let shallowSearch = assertFlameGraphError(.notFound) { try store.findBaseline(service: "api", maxDepth: 2) }
        XCTAssertTrue(shallowSearch.contains("or its 2 first-parent ancestors"), shallowSearch)
        XCTAssertEqual(try store.findBaseline(service: "api", maxDepth: 3).commit, shas[0])
        assertFlameGraphError(.notFound) { try store.load(service: "web", commit: shas[0]) }
        assertFlameGraphError(.notFound) { try store.load(service: "api", commit: shas[1]) }
        assertFlameGraphError(.notFound) { try store.delete(service: "web", commit: shas[0]) }
        assertFlameGraphError(.usage) { try store.findBaseline(service: "api", maxDepth: -1) }
    }

    func testDefaultBranchPrefersOriginHead() throws {
        let sandbox = try GitSandbox()
        let origin = try sandbox.makeRepository("origin")
        let a = try sandbox.commit(origin)
        try sandbox.git("checkout", "--quiet", "-b", "trunk", in: origin)
        let t = try sandbox.commit(origin)
        let clone = sandbox.root + "/clone"
        try sandbox.git("clone", "--quiet", "file://" + origin, clone, in: sandbox.root)
        let repository = try Repository(discoveringFrom: clone)
        // origin/HEAD → origin/trunk wins over the local main that the clone does not have.
        XCTAssertEqual(repository.defaultBranch()?.name, "origin/trunk")
        XCTAssertEqual(repository.defaultBranch()?.commit, t)
        try sandbox.git("remote", "set-head", "origin", "--delete", in: clone)
        XCTAssertEqual(repository.defaultBranch()?.name, "origin/main")
        XCTAssertEqual(repository.defaultBranch()?.commit, a)
        XCTAssertEqual(try repository.mergeBase(t, a), a)
    }
}
