import FlameGraphTestSupport
import Foundation
import XCTest

/// One statistic everywhere: the same comparison from folded stacks and from our SVGs of them gives
/// the same verdict and frames; the terminal, JSON and the differential SVG's tooltips agree; idle
/// frames are not gated on SVG input either. Real py-spy rounds (Tests/Fixtures/reports/inputs).
final class DiffVerdictConsistencyTests: XCTestCase {
    var dir = ""
    let inputs = Fixtures.path("reports/inputs")

    override func setUpWithError() throws { dir = try makeTemporaryDirectory("fg-verdicts") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    func comparison(_ path: String) throws -> [String: Any] {
        let json =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        return (json["comparisons"] as! [[String: Any]])[0]
    }

    func testFoldedAndSVGInputsGiveTheSameVerdictEverywhere() throws {
        // Two real rounds each, with idle samples added to the after side (not CPU: never gated).
        var after = try String(contentsOfFile: "\(inputs)/pyspy-B-r1.folded", encoding: .utf8)
        after += "(root);(idle) 900\n"
        try after.write(toFile: dir + "/b.folded", atomically: true, encoding: .utf8)
        let before = "\(inputs)/pyspy-A-r1.folded"
        for (name, path) in [("a", before), ("b", dir + "/b.folded")] {
            let r = try FlameGraphBinary.run(["file", "--input", path, "--output", "\(dir)/\(name).svg"])
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        let folded = try FlameGraphBinary.run([
            "diff", "--before", before, "--after", dir + "/b.folded", "-o", dir + "/f.svg", "--json", dir + "/f.json",
        ])
        let svg = try FlameGraphBinary.run([
            "diff", "--before", dir + "/a.svg", "--after", dir + "/b.svg", "-o", dir + "/s.svg", "--json",
            dir + "/s.json",
        ])
        XCTAssertEqual(folded.status, svg.status, folded.stderr + svg.stderr)
        let f = try comparison(dir + "/f.json"), s = try comparison(dir + "/s.json")
        for key in ["verdict", "regressions", "inconclusive", "samples_before", "samples_after"] {
            XCTAssertEqual("\(f[key]!)", "\(s[key]!)", key)
        }
        XCTAssertEqual(f["samples_before"] as? Double, 375)  // pyspy-A-r1: 375 samples
        let cpu = try String(contentsOfFile: "\(inputs)/pyspy-B-r1.folded", encoding: .utf8).split(separator: "\n")
            .reduce(0.0) { $0 + Double($1.split(separator: " ").last!)! }
        XCTAssertEqual(f["samples_after"] as? Double, cpu, "the 900 idle samples are not counted")
        let names = (f["frames"] as! [[String: Any]]).map { $0["name"] as! String }
        XCTAssertFalse(names.contains("(idle)") || names.contains("(root)"), "\(names)")

        // The tooltips of the differential SVG say the gate's verdict for each frame.
        let drawn = try String(contentsOfFile: dir + "/f.svg", encoding: .utf8)
        for frame in f["frames"] as! [[String: Any]] where (frame["total_share_after"] as! Double) > 0.05 {
            let name = (frame["name"] as! String).replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;")
            let expected: String
            switch frame["verdict"] as! String {
            case "regression": expected = "gate: REGRESSION"
            case "inconclusive": expected = "gate: inconclusive"
            default: expected = "gate: "
            }
            let titles = drawn.components(separatedBy: "<title>\(name) — ").dropFirst()
                .map { $0.components(separatedBy: "</title>")[0] }
            XCTAssertFalse(titles.isEmpty, name)
            for t in titles { XCTAssertTrue(t.contains(expected), "\(name): \(t) should say \(expected)") }
        }
        let inconclusive = f["inconclusive"] as! [String]
        if !inconclusive.isEmpty {
            XCTAssertTrue(drawn.contains("stroke=\"rgb(150,60,200)\""), "inconclusive frames are outlined")
        }
        XCTAssertTrue(drawn.contains("outlined = significant"), "the legend says which is which")
    }
}
