import FlameGraphTestSupport
import Foundation
import XCTest

/// `report.json`'s `exit_status` and `passed` are the process's: an inconclusive comparison fails the
/// run under `--fail-on-inconclusive`, in the JSON too.
/// The service is a real HTTP server on loopback handing out real py-spy rounds as its `/admin/profile`
/// (Tests/Fixtures/reports/inputs: A-r1 against B-r3, one round a side of a +12 pp change, is inconclusive).
final class GateExitStatusTests: XCTestCase {
    let inputs = Fixtures.path("reports/inputs")

    func testReportJSONExitStatusFollowsFailOnInconclusive() throws {
        let python = try RequiredTool.require("python3", install: "apt-get install python3")
        let dir = try makeTemporaryDirectory("gate-exit-status")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try GateTestSupport.git(["init", "-q", "-b", "main"], in: dir)
        try GateTestSupport.git(
            ["-c", "user.email=d@e.f", "-c", "user.name=D", "commit", "-q", "--allow-empty", "-m", "A"], in: dir)
        try FileManager.default.createDirectory(atPath: dir + "/www/admin", withIntermediateDirectories: true)
        func serve(_ round: String) throws {
            try? FileManager.default.removeItem(atPath: dir + "/www/admin/profile")
            try FileManager.default.copyItem(atPath: "\(inputs)/\(round).folded", toPath: dir + "/www/admin/profile")
        }
        let port = Loopback.freePort()
        try """
        version: 1
        services:
          - name: svc
            profiler: api
            command: \(python) -m http.server \(port) --bind 127.0.0.1 --directory \(dir)/www
            url: http://127.0.0.1:\(port)
            duration: 1s

        """.write(toFile: dir + "/flame-graph.yml", atomically: true, encoding: .utf8)
        try serve("pyspy-A-r1")
        let save = try GateTestSupport.run(
            ["gate", "--save-baseline", "--baseline-dir", "baselines", "--output-dir", "out0"], in: dir)
        XCTAssertEqual(save.status, 0, save.stderr)

        try serve("pyspy-B-r3")
        func gate(_ out: String, _ extra: [String] = []) throws -> (status: Int32, json: [String: Any], stderr: String)
        {
            let r = try GateTestSupport.run(
                ["gate", "--baseline", "auto", "--baseline-dir", "baselines", "--output-dir", out] + extra, in: dir)
            let data = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/\(out)/report.json"))
            return (r.status, try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:], r.stderr)
        }
        let plain = try gate("out1")
        let verdicts = (plain.json["services"] as? [[String: Any]])?.map { $0["verdict"] as? String }
        XCTAssertEqual(verdicts, ["inconclusive"], plain.stderr)
        XCTAssertEqual(plain.status, 0, plain.stderr)
        XCTAssertEqual(plain.json["exit_status"] as? Int, 0)
        XCTAssertEqual(plain.json["passed"] as? Bool, true)

        let flagged = try gate("out2", ["--fail-on-inconclusive"])
        XCTAssertEqual(flagged.status, 1, flagged.stderr)
        XCTAssertEqual(flagged.json["exit_status"] as? Int, 1, "the JSON says what the process did")
        XCTAssertEqual(flagged.json["passed"] as? Bool, false)
    }
}
