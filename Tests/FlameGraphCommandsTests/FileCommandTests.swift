import FlameGraphTestSupport
import Foundation
import XCTest

/// The `file` and `hotcold` subcommands end to end, through the built executable.
final class FileCommandTests: TemporaryDirectoryTestCase {
    func testRendersFoldedFileAndWritesFoldedOutput() throws {
        let input = try write("in.folded", "main;work;hot 90\nmain;work;cold 10\n")
        let r = try FlameGraphBinary.run(
            [
                "file", "--input", input, "--output", dir + "/out.svg", "--folded-output", dir + "/out.folded",
                "--title", "T",
            ])
        XCTAssertEqual(r.status, 0, r.stderr)
        let svg = try String(contentsOfFile: dir + "/out.svg", encoding: .utf8)
        XCTAssertTrue(svg.contains("<title>hot (90 samples, 90.00%)</title>"))
        XCTAssertTrue(svg.contains(">T</text>"))
        XCTAssertEqual(
            try String(contentsOfFile: dir + "/out.folded", encoding: .utf8), "main;work;cold 10\nmain;work;hot 90\n")
    }

    func testReadsStdinAndWritesStdout() throws {
        let r = try FlameGraphBinary.run(["file", "--input", "-", "--output", "-"], stdin: Data("a;b 3\n".utf8))
        XCTAssertEqual(r.status, 0, r.stderr)
        let svg = String(decoding: r.stdout, as: UTF8.self)
        XCTAssertTrue(svg.hasPrefix("<?xml"))
        XCTAssertTrue(svg.contains("<title>b (3 samples, 100%)</title>"))
    }

    func testReadsFromANamedPipeLikeProcessSubstitution() throws {
        // `--before <(cat x.svg)` hands the tool a pipe, not a regular file.
        let fifo = dir + "/pipe"
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let writer = Thread {
            if let h = FileHandle(forWritingAtPath: fifo) {
                h.write(Data("x;y 5\n".utf8))
                try? h.close()
            }
        }
        writer.start()
        let r = try FlameGraphBinary.run(["file", "--input", fifo, "--output", dir + "/p.svg"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(try String(contentsOfFile: dir + "/p.svg", encoding: .utf8).contains("y (5 samples"))
    }

    func testReadsItsOwnSVGBackExactly() throws {
        let input = try write("in.folded", "main;a 1\nmain;b 1000000\nmain;b;c 3\n")
        XCTAssertEqual(
            try FlameGraphBinary.run(["file", "-i", input, "-o", dir + "/1.svg", "--min-width", "50%"]).status, 0)
        let r = try FlameGraphBinary.run([
            "file", "-i", dir + "/1.svg", "-o", dir + "/2.svg", "--folded-output", dir + "/2.folded",
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(
            try String(contentsOfFile: dir + "/2.folded", encoding: .utf8), "main;a 1\nmain;b 1000000\nmain;b;c 3\n",
            "frames pruned by --min-width are still in the embedded stacks")
    }

    func testExitStatuses() throws {
        let good = try write("good.folded", "a 1\n")
        let bad = try write("bad.folded", "this is not a profile\nnor this\n")
        let cases: [([String], Int32, String)] = [
            (["file", "--input", dir + "/missing.folded", "-o", dir + "/x.svg"], 66, "does not exist"),
            (["file", "--input", dir, "-o", dir + "/x.svg"], 66, "is a directory"),
            (["file", "--input", bad, "-o", dir + "/x.svg"], 65, "bad.folded"),
            (["file", "--input", good, "--width", "abc"], 64, "width"),
            (["file", "--input", good, "--colors", "plaid"], 64, "palette"),
            (["file", "--input", good, "--min-width", "5px"], 64, "min-width"),
            (["file", "--input", good, "--format", "xml"], 64, "format"),
            (["file"], 64, "--input"),
            (["file", "--input", good, "--no-such-flag"], 64, "no-such-flag"),
            (["file", "--input", good, "-o", dir + "/no/such/dir/x.svg"], 73, "cannot write"),
        ]
        for (args, status, needle) in cases {
            let r = try FlameGraphBinary.run(args)
            XCTAssertEqual(r.status, status, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(needle), "\(args): stderr should mention \(needle): \(r.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/x.svg"))
        }
    }

    func testAFailedRunNeverReplacesAGoodOutputOrLeavesTemporaryFiles() throws {
        let good = try write("good.folded", "a 1\n")
        let out = dir + "/keep.svg"
        XCTAssertEqual(try FlameGraphBinary.run(["file", "-i", good, "-o", out]).status, 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: out))
        let empty = try write("empty.folded", "\n\n")
        XCTAssertEqual(try FlameGraphBinary.run(["file", "-i", empty, "-o", out]).status, 65)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: out)), before)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains(".tmp-") }
        XCTAssertEqual(leftovers, [])
    }

    func testOutputIsByteIdenticalAcrossRuns() throws {
        let input = try write("in.folded", "main;a 5\nmain;b 7\nother;c 2\n")
        _ = try FlameGraphBinary.run(["file", "-i", input, "-o", dir + "/1.svg"])
        _ = try FlameGraphBinary.run(["file", "-i", input, "-o", dir + "/2.svg"])
        XCTAssertEqual(
            try Data(contentsOf: URL(fileURLWithPath: dir + "/1.svg")),
            try Data(contentsOf: URL(fileURLWithPath: dir + "/2.svg")))
    }

    func testHotColdColoursFramesByShareWithALegend() throws {
        let input = try write("in.folded", "main;hot 990\nmain;cold 10\n")
        let r = try FlameGraphBinary.run(["hotcold", "-i", input, "-o", dir + "/hc.svg"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let svg = try String(contentsOfFile: dir + "/hc.svg", encoding: .utf8)
        XCTAssertTrue(svg.contains("<g id=\"legend\">"))
        XCTAssertTrue(svg.contains("Hot/Cold Flame Graph"))
        let frames = SVGFrames.parse(svg, geometry: .samples)
        let hot = try XCTUnwrap(frames.first { $0.name == "hot" }).fill
        let cold = try XCTUnwrap(frames.first { $0.name == "cold" }).fill
        func rgb(_ s: String) -> [Int] { s.dropFirst(4).dropLast().split(separator: ",").compactMap { Int($0) } }
        XCTAssertGreaterThan(rgb(hot)[0], rgb(hot)[2], "hot is red: \(hot)")
        XCTAssertGreaterThan(rgb(cold)[2], rgb(cold)[0], "cold is blue: \(cold)")
    }

    func testInvertedFlameChartAndFactor() throws {
        let input = try write("in.folded", "a;b 1\na;c 2\na;b 3\n")
        let r = try FlameGraphBinary.run([
            "file", "-i", input, "-o", dir + "/fc.svg", "--flamechart", "--inverted", "--factor", "10",
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        let frames = SVGFrames.parse(
            try String(contentsOfFile: dir + "/fc.svg", encoding: .utf8), geometry: .samples, inverted: true)
        // Time order, last line first: b(30) c(20) b(10) — b appears twice, never merged across time.
        XCTAssertEqual(
            frames.filter { $0.depth == 2 }.sorted { Double($0.x)! < Double($1.x)! }.map {
                "\($0.name)@\($0.x)+\($0.width)"
            }, ["b@0+30", "c@30+20", "b@50+10"])
    }
}
