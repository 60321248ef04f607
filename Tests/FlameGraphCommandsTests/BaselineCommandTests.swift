import FlameGraphTestSupport
import Foundation
import XCTest

/// `baseline save|show|list|delete` and `diff --baseline`, on real temporary git repositories.
final class BaselineCommandTests: XCTestCase {
    var repo = ""

    override func setUpWithError() throws {
        repo = try makeTemporaryDirectory("fg-baseline")
        try git("init", "-q", "-b", "main")
        try git("config", "user.email", "dev@example.com")
        try git("config", "user.name", "Dev")
        try git("commit", "-q", "--allow-empty", "-m", "A")
        try "app;main;hot 6000\napp;main;other 14000\n".write(
            toFile: repo + "/base.folded", atomically: true, encoding: .utf8)
        try "app;main;hot 7600\napp;main;other 12400\n".write(
            toFile: repo + "/worse.folded", atomically: true, encoding: .utf8)
        try "app;main;hot 6020\napp;main;other 13980\n".write(
            toFile: repo + "/same.folded", atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: repo) }

    @discardableResult
    func git(_ args: String...) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/git")
        p.arguments = args
        p.currentDirectoryURL = URL(fileURLWithPath: repo)
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw NSError(domain: "git \(args)", code: Int(p.terminationStatus)) }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func fg(_ args: [String]) throws -> FlameGraphBinary.Result { try FlameGraphBinary.run(args, in: repo) }

    func testSaveThenAutoFindsItThreeCommitsLaterAndFromABranch() throws {
        let a = try git("rev-parse", "HEAD")
        let refsBefore = try git("for-each-ref")
        XCTAssertEqual(try fg(["baseline", "save", "--service", "api", "--input", "base.folded"]).status, 0)
        XCTAssertEqual(
            try git("status", "--porcelain").split(separator: "\n").sorted(),
            ["?? base.folded", "?? same.folded", "?? worse.folded"])
        XCTAssertEqual(try git("rev-parse", "HEAD"), a, "HEAD untouched")
        XCTAssertEqual(
            try git("for-each-ref").replacingOccurrences(of: refsBefore, with: "").trimmingCharacters(
                in: .whitespacesAndNewlines
            )
            .split(separator: "\t").last.map(String.init),
            "refs/flame-graph/baselines", "the only new ref is the baselines ref")
        for m in ["B", "C", "D"] { try git("commit", "-q", "--allow-empty", "-m", m) }
        try git("checkout", "-q", "-b", "feature")
        try git("commit", "-q", "--allow-empty", "-m", "E")

        let fail = try fg([
            "diff", "--baseline", "auto", "--service", "api", "--after", "worse.folded", "-o", "d.svg", "--junit",
            "j.xml",
        ])
        XCTAssertEqual(fail.status, 1, fail.stderr)
        XCTAssertTrue(
            try String(contentsOfFile: repo + "/j.xml", encoding: .utf8).contains("commit \(a.prefix(12)) (api)"),
            "reports name the baseline commit")
        let pass = try fg(["diff", "--baseline", "auto", "--service", "api", "--after", "same.folded", "-o", "d.svg"])
        XCTAssertEqual(pass.status, 0, pass.stderr)
        // The plain git CLI reads what we stored.
        let shown = try git("show", "refs/flame-graph/baselines:\(a.prefix(2))/\(a.dropFirst(2))/api.folded")
        XCTAssertEqual(shown + "\n", try String(contentsOfFile: repo + "/base.folded", encoding: .utf8))
    }

    func testShowListDeleteAndForce() throws {
        XCTAssertEqual(try fg(["baseline", "save", "--service", "api", "-i", "base.folded"]).status, 0)
        XCTAssertEqual(try fg(["baseline", "save", "--service", "web", "-i", "worse.folded"]).status, 0)
        let again = try fg(["baseline", "save", "--service", "api", "-i", "worse.folded"])
        XCTAssertNotEqual(again.status, 0)
        XCTAssertTrue(again.stderr.contains("--force"))
        XCTAssertEqual(try fg(["baseline", "save", "--service", "api", "-i", "worse.folded", "--force"]).status, 0)
        let show = try fg(["baseline", "show", "--service", "api"])
        XCTAssertEqual(String(decoding: show.stdout, as: UTF8.self), "app;main;hot 7600\napp;main;other 12400\n")
        let list = String(decoding: try fg(["baseline", "list"]).stdout, as: UTF8.self)
        XCTAssertTrue(list.contains("api") && list.contains("web") && list.contains("20000"), list)
        XCTAssertEqual(try fg(["baseline", "delete", "--service", "api", "--commit", "HEAD"]).status, 0)
        XCTAssertEqual(try fg(["baseline", "show", "--service", "api"]).status, 66)
    }

    func testDirectoryStoreAndErrors() throws {
        let store = repo + "/store"
        XCTAssertEqual(
            try fg(["baseline", "save", "--service", "api", "-i", "base.folded", "--store", store]).status, 0)
        XCTAssertEqual(
            try fg([
                "diff", "--baseline", "HEAD", "--service", "api", "--store", store, "--after", "worse.folded", "-o",
                "d.svg",
            ]).status, 1)
        XCTAssertEqual(
            try fg(["diff", "--baseline", "HEAD", "--service", "nope", "--after", "worse.folded", "-o", "d.svg"])
                .status, 66)
        XCTAssertEqual(
            try fg(["diff", "--baseline", "no-such-rev", "--service", "api", "--after", "worse.folded"]).status, 66)
        XCTAssertEqual(
            try fg(["diff", "--baseline", "HEAD", "--after", "worse.folded"]).status, 64, "--service is required")
        let outside = try makeTemporaryDirectory("fg-not-a-repo")
        defer { try? FileManager.default.removeItem(atPath: outside) }
        let r = try FlameGraphBinary.run(["baseline", "list", "--repo", outside])
        XCTAssertEqual(r.status, 66)
        XCTAssertTrue(r.stderr.contains("not inside a git repository"), r.stderr)
    }

    func testShallowCloneGivesTheFix() throws {
        XCTAssertEqual(try fg(["baseline", "save", "--service", "api", "-i", "base.folded"]).status, 0)
        for m in ["B", "C"] { try git("commit", "-q", "--allow-empty", "-m", m) }
        let clone = try makeTemporaryDirectory("fg-shallow")
        defer { try? FileManager.default.removeItem(atPath: clone) }
        try git("clone", "-q", "--depth", "1", "file://" + repo, clone + "/c")
        let r = try FlameGraphBinary.run(
            [
                "diff", "--baseline", "auto", "--service", "api", "--after", repo + "/worse.folded", "-o",
                clone + "/d.svg",
            ],
            in: clone + "/c")
        XCTAssertEqual(r.status, 66, r.stderr)
        XCTAssertTrue(r.stderr.contains("refs/flame-graph/*"), r.stderr)
    }
}
