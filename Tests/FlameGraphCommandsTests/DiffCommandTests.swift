import FlameGraphTestSupport
import Foundation
import XCTest

/// `flame-graph diff` end to end: peer rows, exit statuses, and every report read by a real consumer.
final class DiffCommandTests: TemporaryDirectoryTestCase {
    func testDiffFoldedPeerRows() throws {
        let cases = try PeerCases.load(kind: "diff-folded")
        XCTAssertEqual(cases.count, 4, "diff-folded rows in cases.tsv")
        for c in cases {
            var args = ["diff", "--before", c.path(c.inputs[0]), "--after", c.path(c.inputs[1])]
            args += ["--output", dir + "/d.svg", "--folded-output", dir + "/d.folded"]
            if c.rawArgs.contains("--strip-hex") { args.append("--strip-hex") }
            if c.rawArgs.contains("--normalize") { args.append("--normalize") }
            let r = try FlameGraphBinary.run(args)
            XCTAssertTrue(r.status == 0 || r.status == 1, "\(c.id): \(r.stderr)")
            switch c.compare {
            case "sorted-lines":
                let expected = try String(contentsOfFile: c.path(c.expected!), encoding: .utf8)
                XCTAssertEqual(
                    try read("d.folded").split(separator: "\n").sorted(), expected.split(separator: "\n").sorted(), c.id
                )
            case let mode where mode.hasPrefix("warn-once:"):
                let text = String(mode.dropFirst("warn-once:".count))
                XCTAssertEqual(
                    r.stderr.components(separatedBy: "warning: " + text).count - 1, 1, "\(c.id): \(r.stderr)")
            default:
                XCTFail("\(c.id): unknown compare \(c.compare)")
            }
        }
    }

    func testNormalizeScalesBeforeToAftersTotal() throws {
        let a = try write("a.folded", "x;y 10\nx;z 10\n")
        let b = try write("b.folded", "x;y 30\nx;z 10\n")
        _ = try FlameGraphBinary.run([
            "diff", "--before", a, "--after", b, "-o", dir + "/d.svg", "--folded-output", dir + "/n.folded",
            "--normalize",
        ])
        XCTAssertEqual(try read("n.folded"), "x;y 20 30\nx;z 20 10\n")
    }

    /// A capture where `hot` takes `share` of 20,000 samples.
    func capture(_ name: String, hot: Int, total: Int = 20000, extra: String = "") throws -> String {
        try write(name, "app;main;hot \(hot)\napp;main;other \(total - hot)\n" + extra)
    }

    func testPassingAndFailingGateWithAllReports() throws {
        let before = try capture("before.folded", hot: 6000)
        let same = try capture("same.folded", hot: 6050)
        let worse = try capture("worse.folded", hot: 7600)
        let pass = try FlameGraphBinary.run(["diff", "--before", before, "--after", same, "-o", dir + "/p.svg"])
        XCTAssertEqual(pass.status, 0, pass.stderr)
        XCTAssertTrue(pass.stderr.contains("no regression"))

        let fail = try FlameGraphBinary.run([
            "diff", "--before", before, "--after", worse, "-o", dir + "/f.svg", "--junit", dir + "/junit.xml",
            "--markdown", dir + "/report.md", "--json", dir + "/report.json", "--svg-url",
            "https://ci.example/diff.svg",
            "--name", "api",
        ])
        XCTAssertEqual(fail.status, 1, fail.stderr)
        XCTAssertTrue(fail.stderr.contains("REGRESSION"))
        for f in ["f.svg", "junit.xml", "report.md", "report.json"] {
            XCTAssertTrue(
                FileManager.default.fileExists(atPath: dir + "/" + f), "\(f) written even though the gate failed")
        }
        // JSON: the regressed frame is on top.
        let json = try JSONSerialization.jsonObject(with: Data(try read("report.json").utf8)) as! [String: Any]
        let comparison = (json["comparisons"] as! [[String: Any]])[0]
        XCTAssertEqual(comparison["regressions"] as? [String], ["hot"])
        XCTAssertEqual(json["passed"] as? Bool, false)
        let top = (comparison["frames"] as! [[String: Any]])[0]
        XCTAssertEqual(top["name"] as? String, "hot")
        XCTAssertEqual(top["total_delta_pp"] as! Double, 8, accuracy: 1e-9)
        // Markdown: verdict, link, marker.
        let md = try read("report.md")
        XCTAssertTrue(md.hasPrefix("<!-- flame-graph-report -->"))
        XCTAssertTrue(md.contains("❌"))
        XCTAssertTrue(md.contains("(https://ci.example/diff.svg)"))
        // The SVG is differential: the grown frame is red, and tooltips give before → after.
        let frames = SVGFrames.parse(try read("f.svg"), geometry: .samples)
        let hot = try XCTUnwrap(frames.first { $0.title.hasPrefix("hot ") })
        XCTAssertTrue(hot.fill.hasPrefix("rgb(255,"), hot.fill)
        XCTAssertTrue(hot.title.contains("30.00% → 38.00%"), hot.title)
    }

    func testReportsReadByRealConsumers() throws {
        let hostile = "<img src=x onerror=alert(1)>|`rm -rf`|@octocat *bold* [link](http://evil.example)"
        let before = try capture("before.folded", hot: 6000)
        let after = try capture("after.folded", hot: 6000, extra: "app;main;\(hostile) 3000\n")
        let r = try FlameGraphBinary.run([
            "diff", "--before", before, "--after", after, "-o", dir + "/d.svg", "--junit", dir + "/junit.xml",
            "--markdown", dir + "/report.md",
        ])
        XCTAssertEqual(r.status, 1, r.stderr)
        // xmllint: well-formed JUnit and SVG.
        let lint = try TestProcess.run("/usr/bin/xmllint", ["--noout", dir + "/junit.xml", dir + "/d.svg"])
        XCTAssertEqual(lint.status, 0, lint.output)
        // junitparser: one suite, the hostile frame is a failure, names intact.
        let script = """
            import sys
            from junitparser import JUnitXml, Failure
            xml = JUnitXml.fromfile(sys.argv[1])
            suites = list(xml)
            failed = [c.name for s in suites for c in s if any(isinstance(r, Failure) for r in c.result)]
            print(len(suites)); print(len(failed)); print(failed[0])
            """
        let py = try TestProcess.run("/usr/bin/env", ["python3", "-c", script, dir + "/junit.xml"])
        let pyOut = py.output
        XCTAssertEqual(py.status, 0, pyOut)
        let lines = pyOut.split(separator: "\n").map(String.init)
        XCTAssertEqual(Array(lines.prefix(2)), ["1", "1"], pyOut)
        XCTAssertEqual(lines.count > 2 ? lines[2] : "", hostile)
        // cmark-gfm: the tables survive and the hostile name is inert text.
        // --unsafe keeps raw HTML, as GitHub keeps <code>: the name must be inert even then.
        let gfm = try TestProcess.run(
            "/usr/bin/cmark-gfm", ["--unsafe", "--extension", "table", "--extension", "autolink", dir + "/report.md"])
        let html = gfm.output
        XCTAssertEqual(gfm.status, 0, html)
        XCTAssertTrue(html.contains("<table>"))
        XCTAssertFalse(html.contains("<img"), "markup in a frame name must not render")
        XCTAssertFalse(html.contains("href=\"http://evil"), "links in a frame name must not render")
        XCTAssertFalse(html.contains("<strong>bold") || html.contains("<em>bold"))
        XCTAssertTrue(html.contains("&lt;img src=x onerror=alert(1)&gt;"))
        // Each table row keeps its 8 cells: the `|` in the name did not split a cell.
        for segment in html.components(separatedBy: "<tr>").dropFirst() {
            let row = segment.components(separatedBy: "</tr>")[0]
            XCTAssertEqual(
                row.components(separatedBy: "<td").count - 1 + row.components(separatedBy: "<th").count - 1, 8, row)
        }
    }

    func testFlameGraphSVGsAsInputsThroughPipes() throws {
        let before = try capture("before.folded", hot: 6000)
        let worse = try capture("worse.folded", hot: 7600)
        XCTAssertEqual(
            try FlameGraphBinary.run(["file", "-i", before, "-o", dir + "/before.svg", "--min-width", "10%"]).status, 0)
        XCTAssertEqual(try FlameGraphBinary.run(["file", "-i", worse, "-o", dir + "/after.svg"]).status, 0)
        // `--before <(cat before.svg)`: hand the tool pipes, as a shell would.
        let bash = Process()
        bash.executableURL = URL(fileURLWithPath: "/bin/bash")
        bash.arguments = [
            "-c",
            "'\(FlameGraphBinary.path)' diff --before <(cat before.svg) --after <(cat after.svg) --json r.json -o d.svg",
        ]
        bash.currentDirectoryURL = URL(fileURLWithPath: dir)
        try bash.run()
        bash.waitUntilExit()
        XCTAssertEqual(bash.terminationStatus, 1)
        XCTAssertTrue(try read("r.json").contains("\"regressions\": [\"hot\"]"))
    }

    func testUsageAndInputErrors() throws {
        let good = try capture("good.folded", hot: 10)
        let bad = try write("bad.folded", "garbage\n")
        let config = try write("bad.yml", "threshold: [1\n")
        let unknownKey = try write("unknown.yml", "treshold: 2\n")
        let cases: [([String], Int32)] = [
            (["diff", "--before", good], 64),
            (["diff", "--before", good, "--after", good, "--input", good], 64),
            (["diff", "--before", good, "--after", good, "--metric", "median"], 64),
            (["diff", "--before", good, "--after", good, "--confidence", "2"], 64),
            (["diff", "--before", good, "--after", good, "--config", config], 64),
            (["diff", "--before", good, "--after", good, "--config", unknownKey], 64),
            (["diff", "--before", good, "--after", dir + "/missing.folded"], 66),
            (["diff", "--before", good, "--after", bad], 65),
            (["diff", "--input", good], 65),
        ]
        for (args, status) in cases {
            let r = try FlameGraphBinary.run(args + ["-o", dir + "/x.svg"])
            XCTAssertEqual(r.status, status, "\(args): \(r.stderr)")
            XCTAssertFalse(r.stderr.isEmpty)
        }
    }

    func testConfigRulesAndAcknowledgements() throws {
        let before = try capture("before.folded", hot: 6000)
        let worse = try capture("worse.folded", hot: 7600)
        let ignore = try write("ignore.yml", "rules:\n  - match: \"h?t\"\n    ignore: true\n")
        XCTAssertEqual(
            try FlameGraphBinary.run([
                "diff", "--before", before, "--after", worse, "--config", ignore, "-o", dir + "/x.svg",
            ]).status, 0)
        let lenient = try write("lenient.yml", "threshold: 1\nrules:\n  - regex: \"^ho\"\n    threshold: 10\n")
        XCTAssertEqual(
            try FlameGraphBinary.run([
                "diff", "--before", before, "--after", worse, "--config", lenient, "-o", dir + "/x.svg",
            ]).status, 0)
        let ack = try write(
            "ack.yml", "acknowledged:\n  - match: hot\n    reason: new feature, see #42\n    expires: 2026-12-31\n")
        let ok = try FlameGraphBinary.run([
            "diff", "--before", before, "--after", worse, "--config", ack, "--today", "2026-11-27", "-o",
            dir + "/x.svg", "--markdown", dir + "/r.md",
        ])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertTrue(try read("r.md").contains("Acknowledged"))
        let late = try FlameGraphBinary.run([
            "diff", "--before", before, "--after", worse, "--config", ack, "--today", "2027-01-02", "-o",
            dir + "/x.svg",
        ])
        XCTAssertEqual(late.status, 1, "an expired acknowledgement no longer applies")
        XCTAssertTrue(late.stderr.contains("expired"))
    }

    func testDifferentialSVGHasThePeersFrameGeometry() throws {
        // inferno draws a two-column file as a differential graph; our `diff --input` of the same file must
        // give the same frames (names, depth, offset and width in samples).
        let relative = "inferno/tests/data/flamegraph/differential/perf-cycles-instructions-01-collapsed-all-diff.txt"
        let r = try FlameGraphBinary.run([
            "diff", "--input", PeerCases.root + "/" + relative, "--no-normalize", "-o", dir + "/d.svg",
        ])
        XCTAssertTrue(r.status == 0 || r.status == 1, r.stderr)
        func key(_ f: SVGFrame) -> String {
            // Our tooltips read "name — total …"; inferno's "name (N samples, …)".
            let name = f.title.components(separatedBy: " — ")[0].components(separatedBy: " [")[0]
            return "\(f.depth == 0 ? "all" : (f.title.contains(" — ") ? name : f.name))@\(f.depth) \(f.x)+\(f.width)"
        }
        let ours = SVGFrames.parse(try read("d.svg"), geometry: .samples).map(key).sorted()
        let theirs = try PeerFrameTable.load("inferno/tests/data/flamegraph/differential/diff.frames.tsv").frames
            .map(key).sorted()
        XCTAssertEqual(ours, theirs)
    }
}
