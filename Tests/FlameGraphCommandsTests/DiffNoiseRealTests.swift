import FlameGraphTestSupport
import Foundation
import XCTest

/// The noise model on a real pair that broke the old one: 5 py-spy rounds a side of the calibration
/// workload with a CPU hog on core 0 (Tests/Fixtures/reports/inputs/pyspy-hog-*), A as written and B with
/// `tokenize` 50 % slower (+9 pp). Session B's non-blocking reads tore ~6× more stacks than A's
/// (`checksum;format_row;spin`, `render;spin`): counted equally, those small cells measured φ = 16 and
/// the +9 pp was inconclusive; weighted by share they are 4 % of the weight (docs/GATE.md).
final class DiffNoiseRealTests: XCTestCase {
    var dir = ""
    let inputs = Fixtures.path("reports/inputs")

    override func setUpWithError() throws { dir = try makeTemporaryDirectory("fg-noise-real") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    func rounds(_ side: String, _ variant: String, _ ks: ClosedRange<Int>) -> [String] {
        ks.flatMap { ["--\(side)", "\(inputs)/pyspy-hog-\(variant)-r\($0).folded"] }
    }

    func comparison(_ path: String) throws -> [String: Any] {
        let json =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        return (json["comparisons"] as! [[String: Any]])[0]
    }

    func testTornStacksDoNotHideANinePointRegression() throws {
        let r = try FlameGraphBinary.run(
            ["diff"] + rounds("before", "A", 1...5) + rounds("after", "B", 1...5) + [
                "-o", dir + "/d.svg", "--json", dir + "/d.json",
            ])
        XCTAssertEqual(r.status, 1, r.stderr)
        let c = try comparison(dir + "/d.json")
        XCTAssertEqual((c["root_causes"] as? [String])?.first, "tokenize", r.stderr)
        let noise = try XCTUnwrap(c["noise"] as? [String: Any])
        // Weighted: ~8 (the big cells of these two sessions do differ); counted equally: 16.
        let measured = try XCTUnwrap(noise["measured"] as? Double)
        XCTAssertLessThan(measured, 10, "\(noise)")
        XCTAssertEqual(noise["between_sides"] as? Bool, true)
        // The prior holds the session term for 1,900 samples a side; the dispersion used lies between
        // the prior and the measurement.
        let prior = try XCTUnwrap(noise["prior"] as? Double), used = try XCTUnwrap(noise["dispersion"] as? Double)
        XCTAssertEqual(prior, 1.6 + (noise["session_term"] as? Double ?? -1), accuracy: 1e-9)
        XCTAssertGreaterThan(used, min(prior, measured))
        XCTAssertLessThan(used, max(prior, measured))
    }

    func testRoundsOfOneHogSessionAgainstTheOthersAreNotARegression() throws {
        let r = try FlameGraphBinary.run(
            ["diff"] + rounds("before", "A", 1...2) + rounds("after", "A", 3...5) + [
                "-o", dir + "/d.svg", "--json", dir + "/d.json",
            ])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try comparison(dir + "/d.json")["regressions"] as? [String], [])
    }
}
