import FlameGraphTestSupport
import Foundation
import XCTest

@testable import FlameGraphCore

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Issue 14's render fidelity, on real inputs (Tests/Fixtures/render): inferno's Java hues, separator
/// greys, `--nameattr` and palette-map files, weights in their unit.
final class RenderFidelityTests: XCTestCase {
    static func fixture(_ name: String) throws -> [UInt8] {
        try Fixtures.bytes("render/" + name)
    }

    static func load(_ name: String) throws -> Profile {
        try ProfileReader.decode(try fixture(name), sourceName: name).profile
    }

    static func render(_ p: Profile, _ configure: (inout RenderOptions) -> Void = { _ in }) throws -> String {
        var o = RenderOptions()
        configure(&o)
        return String(decoding: try FlameGraphSVG.render(p, options: o), as: UTF8.self)
    }

    /// The hue family of a fill, by the shape of the palette's formulas.
    static func hue(_ fill: String) -> String {
        let n = fill.dropFirst(4).dropLast().split(separator: ",").compactMap { Int($0) }
        guard n.count == 3 else { return "?" }
        let (r, g, b) = (n[0], n[1], n[2])
        if r == g && g == b { return "grey\(r)" }
        if g > r && g > b { return "green" }
        if r >= 200 && g == b { return "red" }
        if r == g { return "yellow" }
        if b == 0 { return "orange" }
        if g == b { return "aqua" }
        return "other"
    }

    func testJavaPaletteGivesInfernosHueToEveryFrameOfTheAsyncProfilerCase() throws {
        let svg = try Self.render(try Self.load("async-profiler-collapsed-part.txt")) { $0.palette = .java }
        var ours: [String: String] = [:]
        for f in SVGFrames.parse(svg, geometry: .samples) { ours[f.name] = Self.hue(f.fill) }
        let expected = String(decoding: try Self.fixture("async-profiler-java-hues.tsv"), as: UTF8.self)
            .split(separator: "\n").filter { !$0.hasPrefix("#") }
            .map { $0.split(separator: "\t", maxSplits: 1).map(String.init) }
        XCTAssertEqual(expected.count, 170)
        let wrong = expected.filter { ours[$0[1]] != $0[0] }.map {
            "\($0[1]): inferno \($0[0]), ours \(ours[$0[1]] ?? "missing")"
        }
        XCTAssertEqual(wrong, [], "\(wrong.count) of \(expected.count) frames differ in hue from inferno")
        XCTAssertTrue(ours.values.contains("green") && ours.values.contains("yellow"))
    }

    func testSeparatorFramesAreGreyAndASpaceFrameIsKept() throws {
        // Real stacks with flamegraph.pl-style separators and a frame named " " inserted.
        let lines = String(decoding: try Self.fixture("async-profiler-collapsed-part.txt"), as: UTF8.self)
            .split(separator: "\n").prefix(40)
        var text = ""
        for (i, line) in lines.enumerated() {
            let marker = ["-", "--", " "][i % 3]
            text += line.replacingOccurrences(of: ";", with: ";\(marker);", options: [], range: nil) + "\n"
        }
        let profile = try ProfileReader.decode(Array(text.utf8), sourceName: "separators").profile
        for palette in [Palette.hot, .java, .js] {
            let frames = SVGFrames.parse(try Self.render(profile) { $0.palette = palette }, geometry: .samples)
            XCTAssertEqual(Set(frames.filter { $0.name == "--" }.map(\.fill)), ["rgb(160,160,160)"], "\(palette)")
            XCTAssertEqual(Set(frames.filter { $0.name == "-" }.map(\.fill)), ["rgb(200,200,200)"], "\(palette)")
            XCTAssertFalse(frames.filter { $0.name == " " }.isEmpty, "the ' ' frame is drawn (\(palette))")
        }
        // …and read back from the SVG exactly.
        let back = try ProfileReader.decode(Array(try Self.render(profile).utf8), sourceName: "svg").profile
        XCTAssertEqual(FoldedWriter.write(back), FoldedWriter.write(profile))
        XCTAssertTrue(foldedText(back).contains("; ;"))
    }

    func testNameAttrFrameListedTwiceWritesEachAttributeOnceLastWinsAndWarns() throws {
        let profile = try Self.load("async-profiler-collapsed-part.txt")
        let name = "java.lang.Thread.run"
        let file = """
            \(name)\tid=first\tclass=a\ttitle=one
            \(name)\tid=second\tg_extra=id="third" stroke="red"\ttitle=two

            org.scalatest.Suite.run\tnot-a-pair\tbad key=x\tg_extra=stroke=unquoted
            a line without any tab
            org.scalatest.Suite.run\thref=https://example.com/a\txlink:href=https://example.com/b
            """
        var diagnostics = Diagnostics()
        let attrs = NameAttributesFile.parse(file, source: "--nameattr attrs.txt", diagnostics: &diagnostics)
        XCTAssertEqual(attrs[name]?.attributes.map(\.0), ["id", "class", "stroke"])
        XCTAssertEqual(attrs[name]?.attributes.first?.1, "third")
        XCTAssertEqual(attrs[name]?.title, "two")
        XCTAssertEqual(attrs["org.scalatest.Suite.run"]?.href, "https://example.com/b")
        XCTAssertEqual(
            diagnostics.warnings.count, 5, "one warning per kind of problem: \(diagnostics.warnings)")
        XCTAssertTrue(diagnostics.warnings.contains { $0.contains("listed again") && $0.contains("2 lines") })
        XCTAssertTrue(diagnostics.warnings.allSatisfy { $0.hasPrefix("--nameattr attrs.txt: ") })

        let svg = try Self.render(profile) { $0.nameAttributes = attrs }
        assertWellFormedXML(svg, "duplicate attributes make the SVG ill-formed")
        XCTAssertTrue(svg.contains("<g id=\"third\" class=\"a\" stroke=\"red\"><title>two</title>"))
        XCTAssertTrue(svg.contains("xlink:href=\"https://example.com/b\""))
    }

    func testPaletteMapBadLinesWarnOnceAndAreSkipped() {
        var diagnostics = Diagnostics()
        let map = PaletteMapFile.parse(
            "->rgb(255,230,55)\nmain->rgb(1,2,3)\nbad\nworse->rgb(1,2)\nhuge->rgb(1,2,999)\nalso bad\n",
            diagnostics: &diagnostics)
        XCTAssertEqual(map, ["": Palette.RGB(255, 230, 55), "main": Palette.RGB(1, 2, 3)])
        XCTAssertEqual(diagnostics.warnings.count, 2, "\(diagnostics.warnings)")
        XCTAssertTrue(
            diagnostics.warnings.contains { $0.contains("not NAME->rgb") && $0.contains("on 2 lines, first line 3") })
        XCTAssertTrue(
            diagnostics.warnings.contains { $0.contains("colour outside") && $0.contains("on 2 lines, first line 4") })
    }

    func testWeightsAreLabelledInTheirUnitAndReadForPeople() throws {
        var profile = try Self.load("async-profiler-collapsed-part.txt")
        XCTAssertTrue(try Self.render(profile).contains(" samples, "))
        // One real stack seen once: "1 sample", not "1 samples".
        let first = String(decoding: try Self.fixture("async-profiler-collapsed-part.txt"), as: UTF8.self)
            .split(separator: "\n")[0]
        let once = String(first[..<first.lastIndex(of: " ")!]) + " 1\n"
        let single = try ProfileReader.decode(Array(once.utf8), sourceName: "once").profile
        XCTAssertTrue(try Self.render(single).contains("(1 sample, "), "a single sample is singular")
        XCTAssertFalse(try Self.render(single).contains("1 samples"))
        // The same stacks as a Go CPU profile would weigh them: nanoseconds.
        profile = profile.scaled(by: 10_000_000)
        profile.unit = .nanoseconds
        let titles = SVGFrames.parse(try Self.render(profile), geometry: .samples).map(\.title)
        XCTAssertFalse(titles.contains { $0.contains(" ns, ") || $0.contains(" samples") }, "raw ns or samples")
        XCTAssertTrue(titles.contains { $0.contains(" s, ") }, "seconds for people: \(titles.prefix(3))")
        XCTAssertTrue(titles.contains { $0.contains(" ms, ") }, "milliseconds for people")
        XCTAssertEqual(WeightFormat.describe(2_880_000_000, unit: .nanoseconds), "2.88 s")
        XCTAssertEqual(WeightFormat.describe(1_585_858_570, unit: .count), "1,585,858,570 events")
        XCTAssertEqual(WeightFormat.describe(1_572_864, unit: .bytes), "1.50 MiB")
        XCTAssertEqual(WeightFormat.describe(340, unit: .microseconds), "340 µs")
        XCTAssertEqual(WeightFormat.describe(3, unit: .samples, countName: "test-samples"), "3 test-samples")
    }

    func testEveryLabelContrastsAtLeast4Point5WithItsFillInEveryPaletteAndHotCold() throws {
        let profile = try Self.load("async-profiler-collapsed-part.txt")
        var configurations: [(String, (inout RenderOptions) -> Void)] = Palette.allCases.map { palette in
            (palette.rawValue, { $0.palette = palette })
        }
        configurations.append(("hot/cold", { $0.coloring = .hotCold }))
        configurations.append(("diffusion", { $0.coloring = .widthDiffusion }))
        let frame = try NSRegularExpression(
            pattern: #"fill="rgb\((\d+),(\d+),(\d+)\)"[^>]*/><text [^>]*?(class="l")?>"#)
        for (what, configure) in configurations {
            let svg = try Self.render(profile, configure)
            let ns = svg as NSString
            var checked = 0
            for m in frame.matches(in: svg, range: NSRange(location: 0, length: ns.length)) {
                let fill = Palette.RGB(
                    Int(ns.substring(with: m.range(at: 1)))!, Int(ns.substring(with: m.range(at: 2)))!,
                    Int(ns.substring(with: m.range(at: 3)))!)
                let ink = m.range(at: 4).location != NSNotFound ? Palette.RGB(255, 255, 255) : Palette.RGB(0, 0, 0)
                XCTAssertGreaterThanOrEqual(TextContrast.ratio(fill, ink), 4.5, "\(what): text on \(fill)")
                checked += 1
            }
            XCTAssertGreaterThan(checked, 100, what)
        }
        // The hottest hot/cold red took black text at 2.9:1 before; now it gets white.
        XCTAssertTrue(TextContrast.prefersLightText(on: HotColdColor.color(1)))
        XCTAssertGreaterThan(TextContrast.ratio(HotColdColor.color(1), Palette.RGB(255, 255, 255)), 4.5)
    }

    func testDifferentialTooltipsReadBeforeThenAfter() throws {
        // Real stacks as "stack before after": every third stack doubled after.
        let lines = String(decoding: try Self.fixture("async-profiler-collapsed-part.txt"), as: UTF8.self)
            .split(separator: "\n")
        var text = ""
        for (i, line) in lines.enumerated() {
            let cut = line.lastIndex(of: " ")!
            let count = Int(line[line.index(after: cut)...])!
            text += "\(line[..<cut]) \(count) \(i % 3 == 0 ? count * 2 : count)\n"
        }
        let profile = try ProfileReader.decode(Array(text.utf8), sourceName: "diff").profile
        XCTAssertTrue(profile.isDifferential)
        let titles = SVGFrames.parse(try Self.render(profile) { $0.coloring = .differential }, geometry: .samples)
            .map(\.title)
        let grown = try XCTUnwrap(titles.first { $0.contains("; self ") && $0.contains(", +") })
        // "NAME (AFTER samples, P%; self BEFORE → AFTER, +D%)": the after count is twice the before.
        let selfPart = grown[grown.range(of: "; self ")!.upperBound...].split(separator: ",")[0]
        let sides = selfPart.components(separatedBy: " → ").map { Double($0.replacingOccurrences(of: ",", with: "")) }
        XCTAssertEqual(sides.count, 2, grown)
        XCTAssertEqual(sides[1], sides[0].map { $0 * 2 }, "before → after, in that order: \(grown)")
        XCTAssertFalse(titles.contains { $0.contains(" vs ") }, "no after-vs-before wording")
    }

    func testFixedWidthStrokeColourAndFluidDefault() throws {
        let profile = try Self.load("async-profiler-collapsed-part.txt")
        let fluid = try Self.render(profile)
        XCTAssertTrue(fluid.contains("fluid: true"), "graphs follow the window by default")
        XCTAssertFalse(fluid.contains("#frames rect { stroke:"), "no outline unless asked")
        let fixed = try Self.render(profile) {
            $0.width = 900
            $0.fluid = false
            $0.strokeColor = "rgb(40,40,40)"
        }
        XCTAssertTrue(fixed.contains("fluid: false") && fixed.contains("width=\"900\""))
        XCTAssertTrue(fixed.contains("#frames rect { stroke:rgb(40,40,40); stroke-width:0.5; }"))
        assertWellFormedXML(fixed)
    }

    func testPerfCaptureWeightedByPeriodIsNotLabelledSamples() throws {
        let perf = try RequiredTool.require("perf", install: "apt-get install linux-perf")
        let python = try RequiredTool.require("python3", install: "apt-get install python3")
        let dir = try makeTemporaryDirectory("fg-period")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // `-c`: one sample every 1,000,000 ns of cpu-clock; perf script then prints each period.
        let record = try TestProcess.run(
            perf,
            [
                "record", "-e", "cpu-clock", "-c", "1000000", "-g", "-o", dir + "/perf.data", "--", python, "-c",
                "s = 0\nfor i in range(3000000): s += i % 7",
            ])
        guard record.status == 0 else { try RequiredTool.missing("perf cannot record here: \(record.stderr)") }
        let script = try TestProcess.run(perf, ["script", "-i", dir + "/perf.data"])
        XCTAssertEqual(script.status, 0)
        var reader = ProfileReader(sourceName: "perf script")
        try reader.consume(Array(script.stdoutData))
        let decoded = try reader.finish()
        XCTAssertEqual(decoded.format, .perf)
        XCTAssertEqual(decoded.profile.unit, .nanoseconds, "cpu-clock periods are nanoseconds")
        let titles = SVGFrames.parse(try Self.render(decoded.profile), geometry: .samples).map(\.title)
        XCTAssertFalse(titles.contains { $0.contains(" samples, ") }, "periods labelled as samples")
        XCTAssertTrue(titles.contains { $0.contains(" ms, ") }, "cpu time in milliseconds: \(titles.prefix(3))")
    }
}
