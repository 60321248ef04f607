import FlameGraphTestSupport
import Foundation
import XCTest

/// Every `flamegraph` row of the peers' cases: for the same input and options, our SVG has the same
/// frames as the peer's (names, counts, depth, start offset and width in samples); error rows fail,
/// warning rows warn exactly once. The peer's frames come from the frame tables extracted from its
/// SVGs (`Tests/Fixtures/peers/*.frames.tsv`).
final class PeerFlameGraphTests: XCTestCase {
    /// flamegraph.pl's args column writes `--title Test Graph` unquoted; it is one value.
    static func arguments(_ c: PeerCase) -> [String] {
        var args = c.args
        if let t = args.firstIndex(of: "--title"), t + 2 < args.count, args[t + 1] == "Test", args[t + 2] == "Graph" {
            args.replaceSubrange(t + 1...t + 2, with: ["Test Graph"])
        }
        // Peer-relative paths in flag values (e.g. --nameattr FILE).
        return args.map { $0.hasPrefix("inferno/") || $0.hasPrefix("FlameGraph/") ? PeerCases.root + "/" + $0 : $0 }
    }

    func run(_ c: PeerCase, extra: [String] = [], in dir: String) throws -> (FlameGraphBinary.Result, String) {
        let out = dir + "/\(c.id).svg"
        var args = ["file"]
        for input in c.inputs { args += ["--input", c.path(input)] }
        args += Self.arguments(c) + extra + ["--output", out]
        let result = try FlameGraphBinary.run(args, in: dir)
        return (result, (try? String(contentsOfFile: out, encoding: .utf8)) ?? "")
    }

    func testFlameGraphRows() throws {
        let cases = try PeerCases.load(kind: "flamegraph")
        XCTAssertGreaterThan(cases.count, 30, "cases.tsv not found or changed at \(PeerCases.root)")
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var checked = 0
        for c in cases {
            if c.rawArgs.contains("--cp") {
                // inferno reads and rewrites ./palette.map: run in a scratch copy.
                try? FileManager.default.removeItem(atPath: dir + "/palette.map")
                try FileManager.default.copyItem(
                    atPath: c.path("inferno/tests/data/flamegraph/palette-map/palette.map"),
                    toPath: dir + "/palette.map")
            }
            let (result, svg) = try run(c, in: dir)
            let context = "\(c.id) (\(c.rawArgs)): \(result.stderr)"
            switch c.compare {
            case "error":
                XCTAssertNotEqual(result.status, 0, context)
                XCTAssertFalse(result.stderr.isEmpty, context)
            case "no-error":
                XCTAssertEqual(result.status, 0, context)
                assertWellFormedXML(svg, context)
            case let mode where mode.hasPrefix("warn-once:"):
                XCTAssertEqual(result.status, 0, context)
                let text = String(mode.dropFirst("warn-once:".count))
                XCTAssertEqual(countWarnings(result.stderr, startingWith: text), 1, context)
                if c.rawArgs.contains("again with --reverse") {
                    let (again, _) = try run(c, extra: ["--reverse"], in: dir)
                    XCTAssertEqual(countWarnings(again.stderr, startingWith: text), 1, context + " (--reverse)")
                }
            case let mode where mode.hasPrefix("no-warn:"):
                XCTAssertEqual(result.status, 0, context)
                XCTAssertEqual(countWarnings(result.stderr, startingWith: String(mode.dropFirst(8))), 0, context)
            case "svg-frames-inferno":
                XCTAssertEqual(result.status, 0, context)
                assertWellFormedXML(svg, context)
                try compareFrames(c, ours: svg, context: context)
            case "svg-frames-fgpl":
                XCTAssertEqual(result.status, 0, context)
                try comparePixelFrames(c, ours: svg, context: context)
            default:
                XCTFail("unknown compare mode \(c.compare) in \(c.id)")
            }
            checked += 1
        }
        XCTAssertEqual(checked, cases.count)
    }

    /// Warnings are `flame-graph: warning: TEXT…` lines; TEXT may hold `*` wildcards.
    func countWarnings(_ stderr: String, startingWith text: String) -> Int {
        let parts = text.components(separatedBy: "*").map(NSRegularExpression.escapedPattern(for:))
        let regex = try! NSRegularExpression(pattern: "^flame-graph: warning: " + parts.joined(separator: ".*"))
        return stderr.split(separator: "\n").filter {
            regex.firstMatch(in: String($0), range: NSRange(location: 0, length: ($0 as Substring).utf16.count)) != nil
        }.count
    }

    func compareFrames(_ c: PeerCase, ours: String, context: String) throws {
        let inverted = c.args.contains("--inverted")
        var theirs = try PeerFrameTable.load(c.expected!).frames
        var mine = SVGFrames.parse(ours, geometry: .samples, inverted: inverted)
        XCTAssertFalse(theirs.isEmpty, context)
        if c.id == "inf-svg-fractional-reversed" {
            // inferno truncates fractional counts to integers; we keep them (flamegraph.pl's choice).
            // Compare the same frames, with our counts truncated per input line: names and depths must
            // agree exactly, and each of our widths lies within [theirs, theirs + lines).
            XCTAssertEqual(
                mine.map { "\($0.name)@\($0.depth)" }.sorted(), theirs.map { "\($0.name)@\($0.depth)" }.sorted(),
                context)
            for m in mine {
                guard
                    let t = theirs.first(where: {
                        $0.name == m.name && $0.depth == m.depth && abs((Double($0.x) ?? 0) - (Double(m.x) ?? 0)) < 7
                    }),
                    let tw = Double(t.width), let mw = Double(m.width)
                else { XCTFail("no peer frame for \(m) — \(context)"); continue }
                XCTAssertTrue(mw >= tw && mw < tw + 6, "\(m) vs \(t) — \(context)")
            }
            return
        }
        if c.id == "inf-svg-base-single" {
            // inferno cuts stacks at --base after sorting them, and merges without sorting again, so one
            // function can be split into several boxes side by side; we merge them. Same weights per
            // (name, depth), whatever the boxes.
            func sums(_ frames: [SVGFrame]) -> [String: Double] {
                frames.reduce(into: [:]) { $0["\($1.name)@\($1.depth)", default: 0] += Double($1.width) ?? .nan }
            }
            XCTAssertEqual(sums(mine), sums(theirs), context)
            return
        }
        for i in theirs.indices { theirs[i].fill = ""; theirs[i].title = "" }
        for i in mine.indices { mine[i].fill = ""; mine[i].title = "" }
        let missing = multisetDifference(theirs, mine)
        let extra = multisetDifference(mine, theirs)
        XCTAssertTrue(
            missing.isEmpty && extra.isEmpty,
            "\(context)\n missing (\(missing.count)): \(missing.prefix(5))\n extra (\(extra.count)): \(extra.prefix(5))"
        )
    }

    func comparePixelFrames(_ c: PeerCase, ours: String, context: String) throws {
        var theirs = try PeerFrameTable.load(c.expected!).frames
        // flamegraph.pl shows an empty frame name as " " (and colours it as such); we, like inferno,
        // keep it empty. Compare it by geometry only.
        for i in theirs.indices where theirs[i].name == " " {
            theirs[i].name = ""
            theirs[i].fill = "(empty name)"
        }
        let mine = SVGFrames.parse(ours, geometry: .samples)
        let total = Double(mine.first(where: { $0.depth == 0 })?.width ?? "1") ?? 1
        XCTAssertEqual(theirs.count, mine.count, context)
        var pool = theirs
        for m in mine {
            let x = 10 + (Double(m.x) ?? 0) / total * 1180
            let w = (Double(m.width) ?? 0) / total * 1180
            if let i = pool.firstIndex(where: { Self.samePixelFrame($0, m, x: x, width: w) }) {
                let t = pool.remove(at: i)
                if m.depth > 0 && t.fill != "(empty name)" {
                    XCTAssertEqual(m.fill, t.fill, "fill of \(m.name) — \(context)")
                }
            } else {
                XCTFail("no flamegraph.pl frame matches \(m) (x=\(x), w=\(w)) — \(context)")
            }
        }
    }

    /// flamegraph.pl's frame `t` is ours (`m`, drawn at `x`/`width` pixels): same name, depth and count,
    /// and the geometry within flamegraph.pl's 0.1-pixel rounding.
    static func samePixelFrame(_ t: SVGFrame, _ m: SVGFrame, x: Double, width: Double) -> Bool {
        guard t.name == m.name, t.depth == m.depth, t.count == m.count else { return false }
        let dx = abs((Double(t.x) ?? -1) - x)
        let dw = abs((Double(t.width) ?? -1) - width)
        return dx <= 0.15 && dw <= 0.15
    }

    func multisetDifference(_ a: [SVGFrame], _ b: [SVGFrame]) -> [SVGFrame] {
        var counts: [SVGFrame: Int] = [:]
        for f in b { counts[f, default: 0] += 1 }
        var out: [SVGFrame] = []
        for f in a {
            if let n = counts[f], n > 0 { counts[f] = n - 1 } else { out.append(f) }
        }
        return out
    }
}
