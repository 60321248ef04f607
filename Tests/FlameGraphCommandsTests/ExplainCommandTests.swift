import FlameGraphTestSupport
import Foundation
import XCTest

/// The `explain` subcommand end to end, through the built executable.
final class ExplainCommandTests: TemporaryDirectoryTestCase {
    static let folded = "main;a;b 40\nmain;x;b 10\nmain;a;c 30\nmain;d 15\nmain;d;d 5\n"

    func testExplainsAFoldedFile() throws {
        let input = try write("in.folded", Self.folded)
        let r = try FlameGraphBinary.run(["explain", "--input", input, "--top", "2"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let text = String(decoding: r.stdout, as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("Hot spots: 100 samples in 6 functions\n"), text)
        XCTAssertTrue(text.contains("  1.    50.0% self   50.0% total  b\n"), text)
        XCTAssertTrue(text.contains("heaviest path (80.0% of its self time): main -> a -> b\n"), text)
        XCTAssertTrue(text.contains("  1.    70.0% total    0.0% self  a  (mostly in b: 57.1%)\n"), text)
        XCTAssertFalse(text.contains("  3. "), "--top 2 lists two functions")
        XCTAssertTrue(text.contains("  - b alone burns 50.0% of the CPU in its own code: optimise its body.\n"), text)
    }

    func testSVGInputGivesTheSameExplanationAsItsStacks() throws {
        let input = try write("in.folded", Self.folded)
        let svg = dir + "/in.svg"
        XCTAssertEqual(try FlameGraphBinary.run(["file", "--input", input, "--output", svg]).status, 0)
        let fromFolded = try FlameGraphBinary.run(["explain", "--input", input])
        let fromSVG = try FlameGraphBinary.run(["explain", "--input", svg, "--output", dir + "/out.txt"])
        XCTAssertEqual(fromSVG.status, 0, fromSVG.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: dir + "/out.txt")), fromFolded.stdout)
    }

    func testReadsStdin() throws {
        let r = try FlameGraphBinary.run(["explain", "--input", "-"], stdin: Data(Self.folded.utf8))
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(String(decoding: r.stdout, as: UTF8.self).contains("Hot spots: 100 samples"))
    }

    func testMarkdownRendersWithHostileNamesInert() throws {
        let hostile = "<img src=x onerror=alert(1)>|`rm -rf`|@octocat *bold* [link](http://evil.example)"
        let input = try write("in.folded", "main;\(hostile) 60\nmain;work 40\n")
        let r = try FlameGraphBinary.run([
            "explain", "--input", input, "--markdown", "--output", dir + "/explain.md",
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/cmark-gfm")
        process.arguments = ["--unsafe", "--extension", "table", "--extension", "autolink", dir + "/explain.md"]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let html = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        XCTAssertTrue(html.contains("<h2>Hot spots explained</h2>"), html)
        XCTAssertTrue(html.contains("<table>"), html)
        XCTAssertFalse(html.contains("<img"), "markup in a frame name must not render")
        XCTAssertFalse(html.contains("href=\"http://evil"), "links in a frame name must not render")
        XCTAssertFalse(html.contains("<strong>bold") || html.contains("<em>bold"))
        XCTAssertTrue(html.contains("&lt;img src=x onerror=alert(1)&gt;"), html)
        // Each table row keeps its 5 cells: the `|` in the name did not split a cell.
        for segment in html.components(separatedBy: "<tr>").dropFirst() {
            let row = segment.components(separatedBy: "</tr>")[0]
            XCTAssertEqual(
                row.components(separatedBy: "<td").count - 1 + row.components(separatedBy: "<th").count - 1, 5, row)
        }
    }

    func testBadInputIs65() throws {
        let input = try write("bad.svg", "<svg><this is not a flame graph")
        let r = try FlameGraphBinary.run(["explain", "--input", input, "--format", "svg"])
        XCTAssertEqual(r.status, 65, r.stderr)
    }

    func testMissingInputIs66() throws {
        let r = try FlameGraphBinary.run(["explain", "--input", dir + "/nope.folded"])
        XCTAssertEqual(r.status, 66, r.stderr)
    }

    func testAPIURLIsNotAvailableYet() throws {
        let input = try write("in.folded", Self.folded)
        let r = try FlameGraphBinary.run(["explain", "--input", input, "--api-url", "https://example.invalid/v1"])
        XCTAssertEqual(r.status, 64)
        XCTAssertTrue(r.stderr.contains("not available yet"), r.stderr)
        XCTAssertTrue(r.stdout.isEmpty)
    }

    func testUsageErrors() throws {
        XCTAssertEqual(try FlameGraphBinary.run(["explain"]).status, 64)
        let input = try write("in.folded", Self.folded)
        XCTAssertEqual(try FlameGraphBinary.run(["explain", "--input", input, "--top", "0"]).status, 64)
    }
}
