import FlameGraphTestSupport
import Foundation
import XCTest

/// `--fail-on-inconclusive`, `--focus` and their config keys, on real py-spy rounds
/// (Tests/Fixtures/reports/inputs, captured on a heavily loaded machine: φ ≈ 3 between rounds): one round
/// a side of a +12 pp change is inconclusive there.
final class DiffVerdictFlagsTests: XCTestCase {
    var dir = ""
    let inputs = Fixtures.path("reports/inputs")

    override func setUpWithError() throws { dir = try makeTemporaryDirectory("fg-verdict-flags") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    func diff(_ extra: [String]) throws -> FlameGraphBinary.Result {
        try FlameGraphBinary.run(
            [
                "diff", "--before", "\(inputs)/pyspy-A-r1.folded", "--after", "\(inputs)/pyspy-B-r3.folded", "-o",
                dir + "/d.svg", "--json", dir + "/d.json",
            ] + extra)
    }

    func frames() throws -> [String] {
        let json =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/d.json")))
            as! [String: Any]
        let comparison = (json["comparisons"] as! [[String: Any]])[0]
        return (comparison["frames"] as! [[String: Any]]).map { $0["name"] as! String }
    }

    func testInconclusiveExitsZeroUnlessAskedAndFocusNarrowsTheGate() throws {
        let plain = try diff([])
        XCTAssertEqual(plain.status, 0, plain.stderr)
        XCTAssertTrue(plain.stderr.contains("INCONCLUSIVE"), plain.stderr)
        XCTAssertTrue(plain.stderr.contains("tokenize: +"), plain.stderr)
        XCTAssertTrue(plain.stderr.contains("to settle it:"), plain.stderr)
        XCTAssertEqual(try diff(["--fail-on-inconclusive"]).status, 1)
        try "fail_on_inconclusive: true\n".write(toFile: dir + "/strict.yml", atomically: true, encoding: .utf8)
        XCTAssertEqual(try diff(["--config", dir + "/strict.yml"]).status, 1)

        XCTAssertEqual(try diff(["--focus", "^parse$"]).status, 0)
        XCTAssertEqual(Set(try frames()), ["parse", "tokenize", "spin"])
        try "focus: \"^render$\"\n".write(toFile: dir + "/focus.yml", atomically: true, encoding: .utf8)
        XCTAssertEqual(try diff(["--config", dir + "/focus.yml"]).status, 0)
        XCTAssertEqual(Set(try frames()), ["render", "format_row", "spin"])

        let bad = try diff(["--focus", "(unclosed"])
        XCTAssertEqual(bad.status, 64)
        XCTAssertTrue(bad.stderr.contains("--focus"), bad.stderr)
    }
}
