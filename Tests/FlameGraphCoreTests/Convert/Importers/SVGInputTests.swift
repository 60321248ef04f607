import FlameGraphCore
import FlameGraphTestSupport
import Foundation
import XCTest

/// Flame-graph SVGs as inputs: inferno's (fg:x/fg:w) and flamegraph.pl's (pixels + tooltip counts) are
/// read back from their frame geometry; every frame of these graphs is drawn, so the stacks come back
/// exactly (less the `_[k]`-style annotations, which both peers hide). The peers' frames are redrawn in
/// their own markup from the frame tables of their SVGs (`Tests/Fixtures/peers/*.frames.tsv`).
final class SVGInputTests: XCTestCase {
    static func expected() throws -> [String] {
        let text = try String(
            contentsOfFile: PeerCases.root + "/FlameGraph/test/results/perf-vertx-stacks-01-collapsed-all.txt",
            encoding: .utf8)
        let decoded = try ProfileReader.decode(Array(text.utf8), sourceName: "expected")
        return normalized(decoded.profile)
    }

    static func normalized(_ p: Profile) -> [String] {
        // flamegraph.pl shows an empty frame name as " "; compare it as empty.
        foldedText(p).split(separator: "\n").map {
            $0.replacingOccurrences(of: #"_\[[kjiw]\]"#, with: "", options: .regularExpression)
                .replacingOccurrences(of: ";  ", with: "; ")
        }.sorted()
    }

    func read(_ relative: String) throws -> DecodedProfile {
        let bytes = Array(try PeerFrameTable.load(relative).svg().utf8)
        return try ProfileReader.decode(bytes, sourceName: relative)
    }

    func testInfernoSVGReadsBackFromFgAttributes() throws {
        let d = try read(
            "inferno/tests/data/flamegraph/perf-vertx-stacks/perf-vertx-stacks-01-collapsed-all.frames.tsv")
        XCTAssertEqual(d.format, .svg)
        XCTAssertEqual(Self.normalized(d.profile), try Self.expected())
        XCTAssertTrue(d.diagnostics.warnings.contains { $0.contains("approximate") })
    }

    func testFlamegraphPlSVGReadsBackFromPixelsAndTooltips() throws {
        let d = try read("generated/flamegraph-pl/vertx-hash.frames.tsv")
        XCTAssertEqual(Self.normalized(d.profile), try Self.expected())
    }

    func testInvertedGraphsReadBackToo() throws {
        let d = try read("generated/flamegraph-pl/vertx-reverse-hash.frames.tsv")
        XCTAssertEqual(d.profile.totalWeight, 286)
    }

    func testNotAFlameGraphIsBadInput() {
        let svg = Array("<svg xmlns=\"http://www.w3.org/2000/svg\"><rect x=\"1\" y=\"2\"/></svg>".utf8)
        XCTAssertThrowsError(try ProfileReader.decode(svg, sourceName: "pic.svg")) { e in
            XCTAssertEqual((e as? FlameGraphError)?.kind, .badInput)
            XCTAssertTrue((e as? FlameGraphError)?.message.contains("pic.svg") ?? false)
        }
    }
}
