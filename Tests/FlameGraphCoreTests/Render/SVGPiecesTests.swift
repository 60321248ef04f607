import FlameGraphTestSupport
import Foundation
import XCTest

@testable import FlameGraphCore

/// A large graph is written on both cores in pieces (issue 14's speed): the bytes must be exactly
/// those one lane writes, whatever the palette, the palette map or the embedded stacks.
final class SVGPiecesTests: XCTestCase {
    /// A real async-profiler capture, its stacks repeated under 120 distinct roots: ~30,000 frames.
    func largeProfile() throws -> Profile {
        let lines = try RenderFidelityTests.fixture("async-profiler-collapsed-part.txt").split(separator: 0x0A)
        var text: [UInt8] = []
        for copy in 0..<120 {
            for line in lines {
                text += Array("worker-\(copy);".utf8) + line + [0x0A]
            }
        }
        return try ProfileReader.decode(text, sourceName: "large.folded").profile
    }

    func testPiecesGiveTheBytesOneLaneWrites() throws {
        let profile = try largeProfile()
        for palette in [Palette.hot, .java] {
            var options = RenderOptions()
            options.palette = palette
            options.minWidth = .pixels(0)
            options.paletteMap = ["worker-3": Palette.RGB(1, 2, 3)]
            var usedPieces: [String: Palette.RGB] = [:]
            var usedOne: [String: Palette.RGB] = [:]
            let pieces = try FlameGraphSVG.renderParts(profile, options: options, usedColors: &usedPieces)
            let one = try FlameGraphSVG.renderParts(
                profile, options: options, usedColors: &usedOne, piecesFrom: .max)
            XCTAssertGreaterThan(pieces.count, 8, "a graph this large is written in pieces")
            XCTAssertEqual(one.count, 1)
            XCTAssertEqual(Array(pieces.joined()), one[0], "\(palette): the pieces differ from one lane")
            XCTAssertEqual(usedPieces, usedOne)
            XCTAssertGreaterThan(usedOne.count, 200)
            let svg = try FlameGraphSVG.render(profile, options: options)
            XCTAssertEqual(svg, one[0])
            XCTAssertGreaterThan(svg.count(where: { $0 == 0x0A }), 25_000, "~30,000 frames drawn")
            let back = try ProfileReader.decode(svg, sourceName: "large.svg").profile
            XCTAssertEqual(foldedText(back), foldedText(profile), "the embedded stacks read back exactly")
        }
    }
}
