import FlameGraphTestSupport
import Foundation
import XCTest

/// The gate on real captures: `perf record` of a compiled workload whose hot function's share is set
/// by its arguments. A/A must pass, +5 pp must fail or be inconclusive with that function on top of
/// every report, and a change under the threshold must pass.
final class DiffAccuracyTests: XCTestCase {
    static let workload = """
        #include <stdlib.h>
        volatile unsigned long sink;
        void spin(unsigned long n) { unsigned long x = 0; for (unsigned long i = 0; i < n; i++) x += i * i; sink = x; }
        void target(unsigned long n) { spin(n); }
        void other(unsigned long n) { spin(n); }
        int main(int argc, char **argv) {
            unsigned long t = strtoul(argv[1], 0, 10), o = strtoul(argv[2], 0, 10);
            /* Interleaved, so that anything that slows the machine down slows both alike. */
            for (int r = 0; r < 400; r++) { target(t / 400); other(o / 400); }
            return 0;
        }
        """

    var dir = ""

    override func setUpWithError() throws {
        dir = try makeTemporaryDirectory("fg-accuracy")
        try Self.workload.write(toFile: dir + "/w.c", atomically: true, encoding: .utf8)
        let build = try TestProcess.run(
            "/usr/bin/gcc", ["-O0", "-fno-omit-frame-pointer", "-o", dir + "/w", dir + "/w.c"])
        XCTAssertEqual(build.status, 0, "gcc: \(build.stderr.suffix(400))")
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    /// A `perf script` capture of the workload with `target` at `share` of 2e9 iterations.
    func capture(_ name: String, share: Double) throws -> String {
        let total = 2_000_000_000.0
        let t = String(UInt64(total * share)), o = String(UInt64(total * (1 - share)))
        let record = try TestProcess.run(
            "/usr/bin/perf", ["record", "-q", "-F", "4999", "-g", "-o", "\(dir)/\(name).data", "--", dir + "/w", t, o],
            timeout: 600)
        XCTAssertEqual(record.status, 0, "perf record: \(record.stderr.suffix(400))")
        let script = try TestProcess.run("/usr/bin/perf", ["script", "-i", "\(dir)/\(name).data"], timeout: 600)
        XCTAssertEqual(script.status, 0, "perf script: \(script.stderr.suffix(400))")
        try script.stdoutData.write(to: URL(fileURLWithPath: "\(dir)/\(name).perf"))
        return "\(dir)/\(name).perf"
    }

    func diff(_ before: String, _ after: String, _ tag: String) throws -> FlameGraphBinary.Result {
        try FlameGraphBinary.run([
            "diff", "--before", before, "--after", after, "-o", "\(dir)/\(tag).svg", "--json", "\(dir)/\(tag).json",
            "--markdown", "\(dir)/\(tag).md", "--junit", "\(dir)/\(tag).xml",
        ])
    }

    func testAAPassesABFailsWithTheSlowedFunctionOnTopAndSmallChangePasses() throws {
        let a1 = try capture("a1", share: 0.20)
        let a2 = try capture("a2", share: 0.20)
        let b = try capture("b", share: 0.25)
        let small = try capture("small", share: 0.204)

        let aa = try diff(a1, a2, "aa")
        XCTAssertEqual(aa.status, 0, "A/A must pass: \(aa.stderr)")

        // One capture a side of ~7,000 samples: +5 pp is near what φ₀ lets these samples detect, so the
        // verdict is a regression or — honestly — inconclusive; either way `target` leads every report.
        let ab = try diff(a1, b, "ab")
        XCTAssertTrue([0, 1].contains(ab.status), ab.stderr)
        let json =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/ab.json")))
            as! [String: Any]
        let comparison = (json["comparisons"] as! [[String: Any]])[0]
        let verdict = comparison["verdict"] as! String
        XCTAssertEqual(ab.status == 1, verdict == "regression", ab.stderr)
        XCTAssertTrue(
            ["regression", "inconclusive"].contains(verdict), "A/B (+5 pp in target) must not pass: \(ab.stderr)")
        let named = comparison[verdict == "regression" ? "regressions" : "inconclusive"] as! [String]
        XCTAssertEqual(named.first, "target", "\(named)")
        let top = (comparison["frames"] as! [[String: Any]]).first { $0["name"] as? String == "target" }!
        XCTAssertEqual(top["total_delta_pp"] as! Double, 5, accuracy: 1.5, "measured change close to the real +5 pp")
        let md = try String(contentsOfFile: dir + "/ab.md", encoding: .utf8)
        let heading = verdict == "regression" ? "#### Regressions" : "#### Inconclusive"
        let firstRow = md.components(separatedBy: heading)[1].split(separator: "\n").first {
            $0.hasPrefix("| <code>")
        }
        XCTAssertTrue(firstRow?.contains("<code>target</code>") ?? false, "\(firstRow ?? "no row")")
        let junit = try String(contentsOfFile: dir + "/ab.xml", encoding: .utf8)
        let marker = verdict == "regression" ? "<failure" : "<skipped message=\"inconclusive"
        let firstMarked = junit.components(separatedBy: marker)[0].components(separatedBy: "<testcase").last ?? ""
        XCTAssertTrue(firstMarked.contains("name=\"target\""), firstMarked)
        XCTAssertTrue(ab.stderr.contains("target: +"), ab.stderr)

        let sm = try diff(a1, small, "small")
        XCTAssertEqual(sm.status, 0, "+0.4 pp is under the 1 pp threshold: \(sm.stderr)")
    }
}
