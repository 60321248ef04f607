import FlameGraphTestSupport
import Foundation
import XCTest

/// `flame-graph gate` with real services started by the gate, in real git repositories: readiness
/// failures and error pages are exit 69 with the service's log in the reports, a slowed function is
/// exit 1 naming it, and no service process is ever left running.
final class GateRunTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws {
        dir = try makeTemporaryDirectory("gate-run")
        try GateTestSupport.git(["init", "-q", "-b", "main"], in: dir)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    /// Processes whose command line contains `marker` (the test's own temp dir), for leak checks.
    func running(_ marker: String) throws -> [String] {
        let r = try TestProcess.run("/usr/bin/pgrep", ["-af", marker])
        return r.stdout.split(separator: "\n").map(String.init).filter { !$0.contains("pgrep") }
    }

    func commitAll(_ message: String) throws {
        try GateTestSupport.git(["add", "-A"], in: dir)
        try GateTestSupport.git(["commit", "-qm", message], in: dir)
    }

    func writeConfig(_ services: String) throws {
        try "version: 1\nservices:\n\(services)".write(
            toFile: dir + "/flame-graph.yml", atomically: true, encoding: .utf8)
    }

    func testAServiceThatNeverBecomesReadyIs69WithItsLogInTheReports() throws {
        let port = Loopback.freePort()
        let script = GateTestSupport.fixtures + "/test_service.py"
        try writeConfig(
            """
              - name: slow-boot
                profiler: pdie
                command: python3 \(script) --port \(port) --boot-delay 30 --tag \(dir)
                ready: http://127.0.0.1:\(port)/health
                ready_timeout: 2s
                url: http://127.0.0.1:\(port)
              - name: crashes
                profiler: pdie
                command: python3 \(script) --crash --tag \(dir)
                url: http://127.0.0.1:\(Loopback.freePort())

            """)
        try commitAll("A")
        let began = Date()
        let r = try GateTestSupport.run(["gate", "--save-baseline", "--output-dir", "out"], in: dir)
        XCTAssertEqual(r.status, 69, r.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(began), 20, "the crash is noticed at once, the timeout after 2 s")
        let md = try String(contentsOfFile: dir + "/out/report.md", encoding: .utf8)
        XCTAssertTrue(md.contains("did not answer 2xx within 2 s"), md)
        XCTAssertTrue(md.contains("exited before it was ready (exit status 3)"), md)
        XCTAssertTrue(md.contains("fatal: cannot open the database"), "the log's tail is in the report")
        let junit = try String(contentsOfFile: dir + "/out/junit.xml", encoding: .utf8)
        XCTAssertEqual(junit.components(separatedBy: "<testsuite ").count - 1, 2)
        XCTAssertTrue(junit.contains("type=\"ServiceUnavailable\""))
        XCTAssertEqual(try running(dir), [], "nothing left running")
    }

    func testErrorPagesAboveTheLimitFailTheRunInsteadOfBeingProfiled() throws {
        try RequiredTool.require("py-spy", install: "pip install py-spy")
        let port = Loopback.freePort()
        try writeConfig(
            """
              - name: flaky
                profiler: pdie
                command: python3 \(GateTestSupport.fixtures)/test_service.py --port \(port) --keep-alive --fail-ratio 0.5 --tag \(dir)
                url: http://127.0.0.1:\(port)
                duration: 1s
                load: {requests: [{path: /work}], concurrency: 2, warmup: 0s, max_error_ratio: 0.05}

            """)
        try commitAll("A")
        let r = try GateTestSupport.run(["gate", "--save-baseline", "--output-dir", "out"], in: dir)
        XCTAssertEqual(r.status, 69, r.stderr)
        let json =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/out/report.json")))
            as! [String: Any]
        let service = (json["services"] as! [[String: Any]])[0]
        let message = (service["error"] as! [String: Any])["message"] as! String
        XCTAssertTrue(message.contains("over max_error_ratio 5.0%: not comparing a profile of error pages"), message)
        XCTAssertTrue(message.contains("HTTP 500 ×"), message)
        XCTAssertNotNil(service["load"] as? [String: Any], "the load statistics are reported")
        XCTAssertEqual(try running(dir), [])
    }

    func testASlowerFunctionAtTheNextCommitIsARegressionNamingIt() throws {
        try RequiredTool.require("py-spy", install: "pip install py-spy")
        let demo = GateTestSupport.packageRoot + "/ci/demo_service/service.py"
        try FileManager.default.copyItem(atPath: demo, toPath: dir + "/service.py")
        let port = Loopback.freePort()
        try writeConfig(
            """
              - name: orders
                profiler: pdie
                command: python3 service.py --port \(port)
                ready: http://127.0.0.1:\(port)/health
                url: http://127.0.0.1:\(port)
                load: {requests: [{path: /work}], concurrency: 2, warmup: 1s}
                duration: 6s
                rounds: 3

            """)
        try commitAll("A")
        let save = try GateTestSupport.run(["gate", "--save-baseline", "--output-dir", "a"], in: dir)
        XCTAssertEqual(save.status, 0, save.stderr)
        let source = try String(contentsOfFile: dir + "/service.py", encoding: .utf8)
        try source.replacingOccurrences(of: "CHECKSUM_ROUNDS = 2\n", with: "CHECKSUM_ROUNDS = 8\n")
            .write(toFile: dir + "/service.py", atomically: true, encoding: .utf8)
        try commitAll("B")
        let gate = try GateTestSupport.run(["gate", "--baseline", "auto", "--output-dir", "b"], in: dir)
        XCTAssertEqual(gate.status, 1, gate.stderr)
        let a = try GateTestSupport.git(["rev-parse", "HEAD~1"], in: dir)
        XCTAssertTrue(
            gate.stderr.contains("orders vs baseline commit \(a.prefix(12))"), "names the baseline: \(gate.stderr)")
        XCTAssertTrue(gate.stderr.contains("checksum: +"), gate.stderr)
        let md = try String(contentsOfFile: dir + "/b/report.md", encoding: .utf8)
        XCTAssertTrue(
            md.hasPrefix("<!-- flame-graph-report -->\n## ❌ flame-graph gate: CPU regression in `orders`"), md)
        XCTAssertTrue(md.contains("req/s"), "load statistics beside the verdict")
        let svg = try TestProcess.run("/usr/bin/xmllint", ["--noout", dir + "/b/orders.diff.svg"])
        XCTAssertEqual(svg.status, 0, svg.stderr)
        XCTAssertEqual(try running("service.py --port \(port)"), [])
    }

    func testCtrlCDuringTheCaptureStopsTheServiceAndExits130() throws {
        try RequiredTool.require("py-spy", install: "pip install py-spy")
        let port = Loopback.freePort()
        try writeConfig(
            """
              - name: busy
                profiler: pdie
                command: python3 \(GateTestSupport.fixtures)/test_service.py --port \(port) --keep-alive --tag \(dir)
                url: http://127.0.0.1:\(port)
                duration: 30s
                load: {requests: [{path: /work}], concurrency: 2, warmup: 0s}

            """)
        try commitAll("A")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: FlameGraphBinary.path)
        process.arguments = ["gate", "--save-baseline", "--output-dir", "out", "--quiet"]
        process.currentDirectoryURL = URL(fileURLWithPath: dir)
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Wait until the capture runs (py-spy attached), then Ctrl-C.
        for _ in 0..<100 where try running("py-spy record").isEmpty { usleep(100_000) }
        sleep(1)
        process.interrupt()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 130)
        XCTAssertEqual(try running(dir), [], "the service is gone")
    }
}
