import FlameGraphCore
import Foundation
import XCTest

/// The Markdown, JUnit and JSON reports, byte for byte, for three verdicts computed from real py-spy
/// captures (rounds of the calibration workload, `Tests/Fixtures/reports/inputs`: A as written, B with
/// `tokenize` 50 % slower). Expected outputs live in `Tests/Fixtures/reports/`; to refresh them after
/// an intended change run with `FLAME_GRAPH_RECORD_GOLDEN=1` (recording fails the test, so a
/// refresh is never mistaken for a pass), then review the diff.
final class ReportGoldenTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/reports")

    func rounds(_ variant: String, _ count: Int, quiet: Bool = false) throws -> [Profile] {
        try (1...count).map { k in
            let bytes = try [UInt8](
                Data(
                    contentsOf: Self.fixtures.appendingPathComponent(
                        "inputs/pyspy-\(quiet ? "quiet-" : "")\(variant)-r\(k).folded")))
            return FoldedParser.parse(bytes, sourceName: "r\(k)").profile
        }
    }

    func compare(_ before: [Profile], _ after: [Profile], _ label: String) -> DiffResult {
        DiffEngine.compare(
            before: before, after: after, settings: GateSettings(), normalizer: FrameNormalizer(), today: "2026-12-02",
            baselineLabel: "A (\(before.count) rounds)", afterLabel: label)
    }

    func check(_ name: String, _ text: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let url = Self.fixtures.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["FLAME_GRAPH_RECORD_GOLDEN"] == "1" {
            try text.write(to: url, atomically: true, encoding: .utf8)
            XCTFail(
                "recorded \(url.path): review it, then run again without FLAME_GRAPH_RECORD_GOLDEN", file: file,
                line: line)
            return
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        XCTAssertEqual(
            text, expected, "\(name) differs; refresh with FLAME_GRAPH_RECORD_GOLDEN=1 if intended", file: file,
            line: line)
    }

    func testReportsMatchTheirGoldenFiles() throws {
        let a = try rounds("A", 3), b = try rounds("B", 3)
        // 3 rounds a side of real captures on a loaded machine (too noisy to settle +9 pp); 5 rounds a side
        // captured on a quiet machine, which settle it; and one round a side.
        let cases: [(String, DiffResult)] = [
            ("rounds", compare(a, b, "B (3 rounds)")),
            ("long", compare(try rounds("A", 5, quiet: true), try rounds("B", 5, quiet: true), "B (5 quiet rounds)")),
            ("single", compare([a[0]], [a[1]], "A again (1 round)")),
        ]
        XCTAssertEqual(Set(cases.map(\.1.verdict)), [.regression, .inconclusive], "\(cases.map(\.1.verdict))")
        for (name, result) in cases {
            let named = [(name: "workload", result: result)]
            try check("\(name).md", MarkdownReport.render(named))
            try check("\(name).junit.xml", JUnitReport.render(named))
            try check("\(name).json", JSONReport.render(named))
        }
    }
}
