import FlameGraphCore
import FlameGraphTestSupport
import Foundation
import XCTest

final class SVGSafetyTests: XCTestCase {
    static let hostile = [
        "<script>alert(1)</script>", "a & b", "say \"hi\"", "it's", "semi;colon", "nul\u{0}byte", "esc\u{1B}[31mred",
        "]]>", "--><!--", "tab\tname", "\u{FFFE}\u{FFFF}odd",
        "std::map<" + String(repeating: "std::vector<int>, ", count: 220) + ">",
        "émoji 🔥", "<img src=x onerror=alert(1)>",
    ]

    func render(_ names: [String], options: RenderOptions = RenderOptions()) throws -> String {
        var p = Profile()
        for (i, n) in names.enumerated() { p.add(frames: ["main", n, "leaf\(i)"], weight: Double(i + 1) * 10) }
        return String(decoding: try FlameGraphSVG.render(p, options: options), as: UTF8.self)
    }

    func testHostileNamesRenderAsWellFormedInertXML() throws {
        for options in [
            RenderOptions(),
            {
                var o = RenderOptions(); o.inverted = true; o.coloring = .hotCold; return o
            }(),
        ] {
            let svg = try render(Self.hostile, options: options)
            assertWellFormedXML(svg)
            XCTAssertFalse(svg.contains("<script>alert"), "markup from a frame name leaked")
            XCTAssertFalse(svg.contains("<img"), "markup from a frame name leaked")
            XCTAssertFalse(svg.contains("\u{0}"))
            XCTAssertFalse(svg.contains("\u{1B}"))
            XCTAssertTrue(svg.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            // Exactly one CDATA section (the script) and it is closed once.
            XCTAssertEqual(svg.components(separatedBy: "]]>").count, 2)
        }
    }

    func testHostileTitleNotesAndCountNameAreEscaped() throws {
        var o = RenderOptions()
        o.title = "</text><script>x</script>"
        o.subtitle = "a <& ' \" b"
        o.notes = "--> <!-- & ]]>"
        o.countName = "<b>"
        o.nameType = "\"];alert(1);//"
        let svg = try render(["f"], options: o)
        assertWellFormedXML(svg)
        XCTAssertFalse(svg.contains("<script>x"))
        XCTAssertFalse(svg.contains("<b>"))
        XCTAssertEqual(svg.components(separatedBy: "]]>").count, 2)
    }

    func testLongLabelsAreTruncatedBeforeEscaping() throws {
        let long = String(repeating: "&", count: 500)
        let svg = try render([long])
        assertWellFormedXML(svg)
        // A truncated label ends with ".." and never splits an entity.
        XCTAssertTrue(svg.contains("&amp;..</text>"))
        XCTAssertFalse(svg.contains("&am..") || svg.contains("&a.."))
    }

    func testInteractiveScriptHasNoCDATATerminatorAndCSSNoMarkup() {
        XCTAssertTrue(RenderOptions().embedStacks)
        let svg = (try? render(["x"])) ?? ""
        let script = svg.components(separatedBy: "<![CDATA[").last?.components(separatedBy: "]]>").first ?? ""
        XCTAssertTrue(script.contains("function init"))
    }

    func testOutputIsDeterministic() throws {
        XCTAssertEqual(try render(Self.hostile), try render(Self.hostile))
    }

    func testEmptyProfileIsBadInput() {
        XCTAssertThrowsError(try FlameGraphSVG.render(Profile(), options: RenderOptions())) { error in
            XCTAssertEqual((error as? FlameGraphError)?.kind, .badInput)
        }
    }

    func testHotColdColoursRunFromBlueToRed() {
        let cold = HotColdColor.color(HotColdColor.heat(share: 0.0005))
        let hot = HotColdColor.color(HotColdColor.heat(share: 1))
        XCTAssertGreaterThan(cold.b, cold.r)
        XCTAssertGreaterThan(hot.r, hot.b)
        XCTAssertEqual(HotColdColor.heat(share: 0.01), 1.0 / 3, accuracy: 1e-9)
        XCTAssertEqual(HotColdColor.heat(share: 0.1), 2.0 / 3, accuracy: 1e-9)
    }
}
