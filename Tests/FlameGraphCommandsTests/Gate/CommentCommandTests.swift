import FlameGraphTestSupport
import Foundation
import XCTest

/// `flame-graph comment` against a local server that answers like GitHub's and GitLab's APIs
/// (Tests/GateFixtures/fake_forge.py): pagination, create-or-update by marker, trimming, errors.
final class CommentCommandTests: XCTestCase {
    let token = "ghp_s3cret-token-value"
    var dir = ""
    var log = ""

    override func setUpWithError() throws {
        dir = try makeTemporaryDirectory("comment")
        log = dir + "/requests.jsonl"
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    func forge(seed: [String] = [], rateLimit: Int = 0) throws -> GateTestSupport.Server {
        let seedJSON = String(decoding: try JSONSerialization.data(withJSONObject: seed), as: UTF8.self)
        return try GateTestSupport.Server(
            python: GateTestSupport.fixtures + "/fake_forge.py",
            ["--token", token, "--log", log, "--seed", seedJSON, "--rate-limit", String(rateLimit)])
    }

    func report(_ text: String) throws -> String {
        let path = dir + "/report.md"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func github(_ server: GateTestSupport.Server, token: String? = nil, pr: String = "7") -> [String: String] {
        [
            "GITHUB_TOKEN": token ?? self.token, "GITHUB_REPOSITORY": "o/r",
            "GITHUB_API_URL": "http://127.0.0.1:\(server.port)", "GITHUB_EVENT_PATH": eventFile(pr),
        ]
    }

    func eventFile(_ pr: String) -> String {
        let path = dir + "/event.json"
        try? "{\"action\": \"synchronize\", \"pull_request\": {\"number\": \(pr)}}".write(
            toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func dump(_ server: GateTestSupport.Server) throws -> [[String: Any]] {
        let data = try Data(contentsOf: URL(string: "http://127.0.0.1:\(server.port)/dump")!)
        return try JSONSerialization.jsonObject(with: data) as! [[String: Any]]
    }

    func requests() throws -> [[String: Any]] {
        try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
    }

    func testGitHubUpdatesTheMarkedCommentOnALaterPage() throws {
        let server = try forge(seed: ["LGTM", "nit: typo", "<!-- flame-graph-report -->\nold report", "thanks"])
        defer { server.stop() }
        let r = try GateTestSupport.run(
            ["comment", "--markdown", try report("<!-- flame-graph-report -->\n## new report\n")],
            environment: github(server))
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("updated comment 102 on o/r#7"), r.stdout)
        let comments = try dump(server)
        XCTAssertEqual(comments.count, 4, "updated, not added")
        XCTAssertEqual(comments[2]["body"] as? String, "<!-- flame-graph-report -->\n## new report\n")
        let sent = try requests()
        XCTAssertEqual(
            sent.map { $0["method"] as! String }, ["GET", "GET", "PATCH"], "followed the Link header to page 2")
        XCTAssertTrue(sent.allSatisfy { $0["auth_ok"] as? Bool == true && $0["auth"] as? String == "Authorization" })
        XCTAssertEqual(sent.first?["accept"] as? String, "application/vnd.github+json")
        XCTAssertFalse((r.stdout + r.stderr).contains(token))
    }

    func testGitHubCreatesWhenNoCommentCarriesTheMarkerAndTrimsToTheLimit() throws {
        let server = try forge(seed: ["first"])
        defer { server.stop() }
        let rows = (0..<4000).map { "| frame_\($0) | 1.00% | 2.00% |" }.joined(separator: "\n")
        let text = "## report\n<details><summary>all</summary>\n\n<pre>\n\(rows)\n"
        XCTAssertGreaterThan(text.count, 65_536)
        let r = try GateTestSupport.run(["comment", "--markdown", try report(text)], environment: github(server))
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("trimmed"), r.stderr)
        let comments = try dump(server)
        XCTAssertEqual(comments.count, 2)
        let body = try XCTUnwrap(comments[1]["body"] as? String)
        XCTAssertTrue(body.hasPrefix("<!-- flame-graph-report -->\n## report"), "marker added first")
        XCTAssertLessThanOrEqual(body.unicodeScalars.count, 65_536)
        XCTAssertTrue(body.contains("</pre>\n</details>\n"), "open blocks closed")
        XCTAssertTrue(body.hasSuffix("the full report is in the job's artifacts.*\n"))
    }

    func testGitLabNotesArePagedAndUpdatedWithThePrivateToken() throws {
        let server = try forge(seed: ["a", "b", "c", "<!-- flame-graph-report -->\nold"])
        defer { server.stop() }
        let env = [
            "GITLAB_TOKEN": token, "CI_PROJECT_ID": "42", "CI_MERGE_REQUEST_IID": "7",
            "CI_API_V4_URL": "http://127.0.0.1:\(server.port)/api/v4",
        ]
        let r = try GateTestSupport.run(
            ["comment", "--markdown", try report("<!-- flame-graph-report -->\nnew\n")], environment: env)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try dump(server)[3]["body"] as? String, "<!-- flame-graph-report -->\nnew\n")
        let sent = try requests()
        XCTAssertEqual(sent.map { $0["method"] as! String }, ["GET", "GET", "PUT"])
        XCTAssertTrue(sent.allSatisfy { $0["auth"] as? String == "PRIVATE-TOKEN" && $0["auth_ok"] as? Bool == true })
    }

    func testRateLimitIsWaitedOutThenTheCommentIsPosted() throws {
        let server = try forge(rateLimit: 1)
        defer { server.stop() }
        let r = try GateTestSupport.run(["comment", "--markdown", try report("x\n")], environment: github(server))
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("rate limited (HTTP 403); retrying in 1 s"), r.stderr)
        XCTAssertEqual(try dump(server).count, 1)
    }

    func testRefusedTokenUnknownPullRequestAndMissingSettingsFailWithoutLeakingTheToken() throws {
        let server = try forge()
        defer { server.stop() }
        let md = try report("x\n")
        let wrong = "ghp_wrong-but-still-secret"
        let refused = try GateTestSupport.run(["comment", "--markdown", md], environment: github(server, token: wrong))
        XCTAssertEqual(refused.status, 69)
        XCTAssertTrue(refused.stderr.contains("token was refused (HTTP 401): Bad credentials"), refused.stderr)
        XCTAssertFalse((refused.stdout + refused.stderr).contains(wrong))

        let missingPR = try GateTestSupport.run(["comment", "--markdown", md], environment: github(server, pr: "9"))
        XCTAssertEqual(missingPR.status, 66, missingPR.stderr)
        XCTAssertTrue(missingPR.stderr.contains("HTTP 404"), missingPR.stderr)

        var noToken = github(server)
        noToken["GITHUB_TOKEN"] = nil
        let usage = try GateTestSupport.run(["comment", "--markdown", md], environment: noToken)
        XCTAssertEqual(usage.status, 64)
        XCTAssertTrue(usage.stderr.contains("GITHUB_TOKEN is not set"), usage.stderr)
    }

    func testOverlongBodyRejectedByTheServerIsA422Error() throws {
        let server = try forge()
        defer { server.stop() }
        // GitLab allows a million characters, so nothing is trimmed; this server holds it to GitHub's limit.
        let env = [
            "GITLAB_TOKEN": token, "CI_PROJECT_ID": "42", "CI_MERGE_REQUEST_IID": "7",
            "CI_API_V4_URL": "http://127.0.0.1:\(server.port)/api/v4",
        ]
        let r = try GateTestSupport.run(
            ["comment", "--markdown", try report(String(repeating: "a", count: 70_000))], environment: env)
        XCTAssertEqual(r.status, 65, r.stderr)
        XCTAssertTrue(r.stderr.contains("rejected (HTTP 422): Validation Failed"), r.stderr)
    }
}
