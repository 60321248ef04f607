import FlameGraphTestSupport
import Foundation
import XCTest

/// `baseline save` with several `--input` keeps rounds; `baseline show --round K` gives one; `diff
/// --baseline` then measures the noise from the rounds on both sides. Real py-spy rounds of the
/// calibration workload (Tests/Fixtures/reports/inputs).
final class BaselineRoundsCommandTests: XCTestCase {
    var dir = ""
    let inputs = Fixtures.path("reports/inputs")

    override func setUpWithError() throws { dir = try makeTemporaryDirectory("fg-rounds") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    /// Outside any git repository: the directory store takes full commit ids as given.
    func fg(_ args: [String]) throws -> FlameGraphBinary.Result { try FlameGraphBinary.run(args, in: dir) }

    func total(_ text: String) -> Double {
        text.split(separator: "\n").reduce(0) { $0 + (Double($1.split(separator: " ").last ?? "0") ?? 0) }
    }

    func testRoundsAreStoredShownAndUsedAsReplicates() throws {
        let store = dir + "/store"
        let commit = String(repeating: "e", count: 40)
        let a = (1...3).map { "\(inputs)/pyspy-A-r\($0).folded" }
        let b = (1...3).map { "\(inputs)/pyspy-B-r\($0).folded" }
        let save = try fg(
            ["baseline", "save", "--service", "api", "--store", store, "--commit", commit] + a.flatMap { ["-i", $0] })
        XCTAssertEqual(save.status, 0, save.stderr)
        let saved = String(decoding: save.stdout, as: UTF8.self)
        XCTAssertTrue(saved.contains("3 rounds"), saved)

        let totals = try a.map { total(try String(contentsOfFile: $0, encoding: .utf8)) }
        for k in 1...3 {
            let show = try fg(
                ["baseline", "show", "--service", "api", "--store", store, "--commit", commit, "--round", "\(k)"])
            XCTAssertEqual(show.status, 0, show.stderr)
            XCTAssertEqual(total(String(decoding: show.stdout, as: UTF8.self)), totals[k - 1])
        }
        let merged = try fg(
            ["baseline", "show", "--service", "api", "--store", store, "--commit", commit])
        XCTAssertEqual(total(String(decoding: merged.stdout, as: UTF8.self)), totals.reduce(0, +))
        let missing = try fg(
            ["baseline", "show", "--service", "api", "--store", store, "--commit", commit, "--round", "4"])
        XCTAssertEqual(missing.status, 66)
        XCTAssertTrue(missing.stderr.contains("has 3 rounds"), missing.stderr)

        let diff = try fg(
            [
                "diff", "--baseline", commit, "--service", "api", "--store", store, "-o", dir + "/d.svg", "--json",
                dir + "/d.json",
            ] + b.flatMap { ["--after", $0] })
        XCTAssertTrue([0, 1].contains(diff.status), diff.stderr)
        let json =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/d.json")))
            as! [String: Any]
        let comparison = (json["comparisons"] as! [[String: Any]])[0]
        let noise = comparison["noise"] as! [String: Any]
        XCTAssertEqual(noise["replicates"] as? [Int], [3, 3])
        XCTAssertNotNil(noise["measured"] as? Double, "\(noise)")
        XCTAssertEqual(comparison["captures_before"] as? Int, 3)
        XCTAssertTrue(["pass", "regression", "inconclusive"].contains(comparison["verdict"] as! String))
    }

    func testEarlierBaselinesOfTheServiceAreReplicatesForTheNoise() throws {
        let store = dir + "/store"
        let commits = ["1", "2", "3"].map { String(repeating: $0, count: 40) }
        for (k, commit) in commits.enumerated() {
            let r = try fg([
                "baseline", "save", "--service", "api", "--store", store, "--commit", commit, "-i",
                "\(inputs)/pyspy-A-r\(k + 1).folded",
            ])
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        let diff = try fg([
            "diff", "--baseline", commits[2], "--service", "api", "--store", store, "--after",
            "\(inputs)/pyspy-B-r1.folded", "-o", dir + "/d.svg", "--json", dir + "/d.json",
        ])
        XCTAssertTrue([0, 1].contains(diff.status), diff.stderr)
        let json =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/d.json")))
            as! [String: Any]
        let noise = ((json["comparisons"] as! [[String: Any]])[0])["noise"] as! [String: Any]
        // One capture a side, but the two earlier baselines are a replicate group: φ is measured.
        XCTAssertEqual(noise["replicates"] as? [Int], [2], "\(noise)")
        XCTAssertNotNil(noise["measured"] as? Double, "\(noise)")
    }
}
