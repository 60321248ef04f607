import FlameGraphTestSupport
import XCTest

@testable import FlameGraphCore

/// The one line splitter behind the folded, `perf script` and off-CPU readers: same lines whatever the
/// chunking, bounded carry-over, over-long lines dropped whole with one warning naming the limit.
final class LineSplitterTests: XCTestCase {
    /// Splits `text` fed in chunks of `size` bytes; returns the lines with their numbers.
    func split(_ text: [UInt8], chunk size: Int, limit: Int) -> (lines: [String], splitter: LineSplitter) {
        var splitter = LineSplitter(maxLineLength: limit)
        var lines: [String] = []
        let collect: (UnsafeRawPointer, Int, Int) -> Void = { p, n, number in
            let bytes = UnsafeRawBufferPointer(start: p, count: n)
            lines.append("\(number):" + String(decoding: bytes, as: UTF8.self))
        }
        var i = 0
        while i < text.count {
            let part = Array(text[i..<min(i + size, text.count)])
            part.withUnsafeBytes { splitter.split($0, collect) }
            XCTAssertLessThanOrEqual(splitter.carriedBytes, limit, "carry-over stays within the limit")
            i += size
        }
        splitter.finish(collect)
        return (lines, splitter)
    }

    func testEveryChunkingGivesTheSameNumberedLines() {
        let text = Array("first\n\nthird line\r\n  fourth\nlast without newline".utf8)
        let expected = ["1:first", "2:", "3:third line\r", "4:  fourth", "5:last without newline"]
        for size in 1...text.count {
            let (lines, splitter) = split(text, chunk: size, limit: 100)
            XCTAssertEqual(lines, expected, "chunk \(size)")
            XCTAssertNil(splitter.warning(in: "x"))
        }
    }

    func testAnOverLongLineIsDroppedWholeAndWarnedOnceNamingTheLimit() {
        let long = String(repeating: "x", count: 25)
        let text = Array("ok 1\n\(long)\nok 2\n\(long)y\n\(String(long.prefix(10)))\nend \(long)".utf8)
        for size in [1, 3, 7, 16, 26, 64, text.count] {
            let (lines, splitter) = split(text, chunk: size, limit: 16)
            XCTAssertEqual(lines, ["1:ok 1", "3:ok 2", "5:xxxxxxxxxx"], "chunk \(size)")
            XCTAssertEqual(splitter.droppedLines, 3)
            XCTAssertEqual(
                splitter.warning(in: "in.txt"), "Ignored 3 lines longer than 16 bytes in in.txt (first at line 2)")
        }
    }

    func testALineOfExactlyTheLimitIsKept() {
        let text = Array("0123456789abcdef\n0123456789abcdefg\n".utf8)
        for size in [1, 5, 17, 40] {
            let (lines, splitter) = split(text, chunk: size, limit: 16)
            XCTAssertEqual(lines, ["1:0123456789abcdef"])
            XCTAssertEqual(splitter.droppedLines, 1)
        }
    }

    // The three readers share the policy: the same warning, the rest of the input read as usual.

    static let overLong = String(repeating: "x", count: LineSplitter.defaultMaxLineLength + 1)

    func testTheFoldedReaderDropsAnOverLongLine() {
        let text = Array("a;b 1\n\(Self.overLong) 5\na;c 2\n".utf8)
        let parser = FoldedParser.parse(text, sourceName: "big.folded")
        XCTAssertEqual(foldedText(parser.profile), "a;b 1\na;c 2\n")
        XCTAssertEqual(
            parser.diagnostics.warnings,
            ["Ignored 1 lines longer than \(LineSplitter.defaultMaxLineLength) bytes in big.folded (first at line 2)"])
    }

    func testThePerfReaderDropsAnOverLongLine() {
        let text = Array("app 1 1.0: 1 cpu-clock:\n\t1 \(Self.overLong) (/x)\n\t2 main (/x)\n".utf8)
        let collapser = PerfScriptCollapser.collapse(text)
        XCTAssertEqual(foldedText(collapser.profile), "app;main 1\n")
        XCTAssertEqual(
            collapser.diagnostics.warnings,
            ["Ignored 1 lines longer than \(LineSplitter.defaultMaxLineLength) bytes (first at line 2)"])
    }

    func testTheOffCPUReaderDropsAnOverLongLine() {
        let header = "app 100/100 [000] 1.000000: sched:sched_switch: prev_comm=app prev_pid=100 prev_prio=120"
        let text =
            "\(header) prev_state=S ==> next_comm=swapper/0 next_pid=0 next_prio=120\n\t1 read (/x)\n\t2 main (/x)\n"
            + "\(Self.overLong)\n\n"
            + "swapper 0/0 [000] 1.000500: sched:sched_switch: prev_comm=swapper/0 prev_pid=0 prev_prio=120 prev_state=R ==> next_comm=app next_pid=100 next_prio=120\n\n"
        var c = OffCPUCollapser(options: .init(pid: 100))
        c.consume(Array(text.utf8))
        c.finish()
        XCTAssertEqual(foldedText(c.profile), "app;main;read 500\n")
        XCTAssertEqual(
            c.diagnostics.warnings,
            ["Ignored 1 lines longer than \(LineSplitter.defaultMaxLineLength) bytes (first at line 4)"])
    }
}
