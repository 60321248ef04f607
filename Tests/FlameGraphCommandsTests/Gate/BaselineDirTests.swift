import FlameGraphTestSupport
import Foundation
import XCTest

@testable import FlameGraphCommands

/// Checked-in baselines (`--baseline-dir`) and baseline hygiene: a save from a dirty work tree is
/// warned about and recorded, the load and rounds are kept, and a comparison with a baseline from
/// another host says so; URL credentials never reach stored metadata.
final class BaselineDirTests: XCTestCase {
    func testSaveToADirectoryRecordsRoundsLoadAndDirtyTreeThenComparesWithHostWarning() throws {
        try RequiredTool.require("py-spy", install: "pip install py-spy")
        let dir = try makeTemporaryDirectory("baseline-dir")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try GateTestSupport.git(["init", "-q", "-b", "main"], in: dir)
        let port = Int.random(in: 20_000...40_000)
        try """
        version: 1
        services:
          - name: svc
            profiler: pdie
            command: python3 \(GateTestSupport.fixtures)/test_service.py --port \(port) --keep-alive
            url: http://127.0.0.1:\(port)
            load: {requests: [{path: /work}], concurrency: 2, warmup: 0s}
            duration: 3s
            rounds: 2

        """.write(toFile: dir + "/flame-graph.yml", atomically: true, encoding: .utf8)
        try "v1\n".write(toFile: dir + "/tracked.txt", atomically: true, encoding: .utf8)
        try GateTestSupport.git(["add", "-A"], in: dir)
        try GateTestSupport.git(["commit", "-qm", "A"], in: dir)
        try "v2, not committed\n".write(toFile: dir + "/tracked.txt", atomically: true, encoding: .utf8)

        let save = try GateTestSupport.run(
            ["gate", "--save-baseline", "--baseline-dir", "baselines", "--output-dir", "out"], in: dir)
        XCTAssertEqual(save.status, 0, save.stderr)
        XCTAssertTrue(save.stderr.contains("saved from a dirty work tree (tracked.txt)"), save.stderr)
        let folded = try String(contentsOfFile: dir + "/baselines/svc.folded", encoding: .utf8)
        XCTAssertTrue(folded.contains("work"), "the service's stacks: \(folded.prefix(300))")
        var json =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/baselines/svc.json")))
            as! [String: Any]
        let head = try GateTestSupport.git(["rev-parse", "HEAD"], in: dir)
        XCTAssertEqual(json["commit"] as? String, head)
        XCTAssertEqual((json["roundSamples"] as? [Double])?.count, 2)
        XCTAssertGreaterThan((json["load"] as? [String: Any])?["succeeded"] as? Int ?? 0, 0)
        var metadata = json["metadata"] as! [String: Any]
        XCTAssertTrue((metadata["notes"] as? [String])?.first?.contains("dirty work tree") == true, "\(metadata)")

        // The same baseline, as if captured elsewhere.
        metadata["hostFingerprint"] = "Some Other CPU; 64 cores; Linux aarch64"
        json["metadata"] = metadata
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: dir + "/baselines/svc.json"))
        let gate = try GateTestSupport.run(
            ["gate", "--baseline", "auto", "--baseline-dir", "baselines", "--output-dir", "out2"], in: dir)
        XCTAssertTrue([0, 1].contains(gate.status), gate.stderr)
        let md = try String(contentsOfFile: dir + "/out2/report.md", encoding: .utf8)
        XCTAssertTrue(md.contains("captured on a different host (Some Other CPU; 64 cores; Linux aarch64)"), md)
        XCTAssertTrue(md.contains(String(head.prefix(12))), "the report names the baseline's commit")
        XCTAssertTrue(
            gate.stderr.contains("svc vs baseline baselines/svc.folded (commit \(head.prefix(12)))"),
            "so does the terminal verdict: \(gate.stderr)")
        XCTAssertTrue(md.contains("throughput"), "the load is compared with the baseline's")
    }

    func testURLCredentialsAreScrubbed() {
        XCTAssertEqual(
            BaselineHygiene.scrubCredentials("gate --remote https://ci:t0ken@example.com/r.git --x http://a@b/c"),
            "gate --remote https://***@example.com/r.git --x http://***@b/c")
        XCTAssertEqual(BaselineHygiene.scrubCredentials("http://example.com/a@b"), "http://example.com/a@b")
    }

    func testAMissingCheckedInBaselineIs66BeforeAnythingStarts() throws {
        let dir = try makeTemporaryDirectory("baseline-dir-missing")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try GateTestSupport.git(["init", "-q", "-b", "main"], in: dir)
        try "version: 1\nservices:\n  - {name: svc, profiler: pdie, command: sleep 60, url: 'http://127.0.0.1:9'}\n"
            .write(toFile: dir + "/flame-graph.yml", atomically: true, encoding: .utf8)
        let r = try GateTestSupport.run(["gate", "--baseline", "auto", "--baseline-dir", "nowhere"], in: dir)
        XCTAssertEqual(r.status, 66, r.stderr)
        XCTAssertTrue(r.stderr.contains("no checked-in baseline for service 'svc'"), r.stderr)
    }
}
