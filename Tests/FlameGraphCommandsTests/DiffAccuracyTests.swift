import FlameGraphTestSupport
import Foundation
import XCTest

/// The gate on real captures: `perf record` of a compiled workload whose hot function's share is set
/// by its arguments. A/A must pass, +5 pp must fail with that function on top of every report, and a
/// change under the threshold must pass.
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
        try run("/usr/bin/gcc", ["-O0", "-fno-omit-frame-pointer", "-o", dir + "/w", dir + "/w.c"])
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    @discardableResult
    func run(_ tool: String, _ args: [String], stdout: String? = nil, expectSuccess: Bool = true) throws -> Int32 {
        let r = try TestProcess.run(tool, args, timeout: 600)
        if let stdout { try r.stdout.write(toFile: stdout, atomically: true, encoding: .utf8) }
        if expectSuccess { XCTAssertEqual(r.status, 0, "\(tool) \(args): \(r.stderr.suffix(400))") }
        return r.status
    }

    /// A `perf script` capture of the workload with `target` at `share` of 2e9 iterations.
    func capture(_ name: String, share: Double) throws -> String {
        let total = 2_000_000_000.0
        let t = String(UInt64(total * share)), o = String(UInt64(total * (1 - share)))
        try run(
            "/usr/bin/perf", ["record", "-q", "-F", "4999", "-g", "-o", "\(dir)/\(name).data", "--", dir + "/w", t, o])
        try run("/usr/bin/perf", ["script", "-i", "\(dir)/\(name).data"], stdout: "\(dir)/\(name).perf")
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

        let ab = try diff(a1, b, "ab")
        XCTAssertEqual(ab.status, 1, "A/B (+5 pp in target) must fail: \(ab.stderr)")
        let json =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/ab.json")))
            as! [String: Any]
        let comparison = (json["comparisons"] as! [[String: Any]])[0]
        let regressions = comparison["regressions"] as! [String]
        XCTAssertEqual(regressions.first, "target", "\(regressions)")
        let top = (comparison["frames"] as! [[String: Any]]).first { $0["name"] as? String == "target" }!
        XCTAssertEqual(top["total_delta_pp"] as! Double, 5, accuracy: 1.5, "measured change close to the real +5 pp")
        let md = try String(contentsOfFile: dir + "/ab.md", encoding: .utf8)
        let firstRow = md.components(separatedBy: "#### Regressions")[1].split(separator: "\n").first {
            $0.hasPrefix("| <code>")
        }
        XCTAssertTrue(firstRow?.contains("<code>target</code>") ?? false, "\(firstRow ?? "no row")")
        let junit = try String(contentsOfFile: dir + "/ab.xml", encoding: .utf8)
        let firstFailure = junit.components(separatedBy: "<failure")[0].components(separatedBy: "<testcase").last ?? ""
        XCTAssertTrue(firstFailure.contains("name=\"target\""), firstFailure)
        XCTAssertTrue(ab.stderr.contains("target: +"), ab.stderr)

        let sm = try diff(a1, small, "small")
        XCTAssertEqual(sm.status, 0, "+0.4 pp is under the 1 pp threshold: \(sm.stderr)")
    }
}
