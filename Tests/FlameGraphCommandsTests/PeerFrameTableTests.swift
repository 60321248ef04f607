import FlameGraphTestSupport
import Foundation
import XCTest

/// The frame tables stand in for the peers' SVGs: every table the cases name loads, and the SVG redrawn
/// from a table parses back to the very same frames (so importer tests read exactly the peer's data).
final class PeerFrameTableTests: XCTestCase {
    static func tables() throws -> [String] {
        let cases = try PeerCases.load(kind: "flamegraph")
        return Set(cases.compactMap(\.expected).filter { $0.hasSuffix(".frames.tsv") }).sorted()
    }

    func testEveryTableLoadsAndRedrawsToTheSameFrames() throws {
        let tables = try Self.tables()
        XCTAssertGreaterThanOrEqual(tables.count, 25, "\(tables)")
        for relative in tables {
            let table = try PeerFrameTable.load(relative)
            XCTAssertFalse(table.frames.isEmpty, relative)
            XCTAssertEqual(table.frames.count, table.rects.count, relative)
            let geometry: SVGFrames.Geometry = table.usesSamples ? .samples : .pixels
            let again = SVGFrames.parse(table.svg(), geometry: geometry, inverted: table.meta["inverted"] == "true")
            XCTAssertEqual(again, table.frames, relative)
        }
    }

    func testTablesHoldThePeersTotals() throws {
        // inferno's root frame spans total_samples; flamegraph.pl's "all" frame spans the 1180-pixel graph.
        let inferno = try PeerFrameTable.load("inferno/tests/data/flamegraph/options/default.frames.tsv")
        XCTAssertEqual(inferno.meta["total_samples"], "513")
        XCTAssertEqual(inferno.frames.first { $0.depth == 0 }?.width, "513")
        let pl = try PeerFrameTable.load("generated/flamegraph-pl/diff.frames.tsv")
        XCTAssertEqual(pl.frames.first { $0.depth == 0 }.map { "\($0.name) \($0.count) \($0.width)" }, "all 513 1180.0")
    }

    func testMalformedTableIsAnError() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/short.frames.tsv"
        try "# geometry: samples\nname\tsamples\tx\twidth\tdepth\nmain\t5\t0\n".write(
            toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try PeerFrameTable.load(path)) { error in
            XCTAssertTrue("\(error)".contains("short.frames.tsv"), "\(error)")
        }
        XCTAssertThrowsError(try PeerFrameTable.load(dir + "/missing.frames.tsv"))
    }
}
