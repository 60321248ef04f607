import FlameGraphCore
import FlameGraphTestSupport
import XCTest

final class FoldedParserTests: XCTestCase {
    func folded(_ text: String) -> String {
        let parser = FoldedParser.parse(Array(text.utf8))
        return foldedText(parser.profile)
    }

    func testMergesSortsAndSumsStacks() {
        XCTAssertEqual(folded("b;c 2\na;b 1\nb;c 3\na 4\n"), "a 4\na;b 1\nb;c 5\n")
    }

    func testToleratesCRLFTrailingWhitespaceAndBlankLines() {
        let p = FoldedParser.parse(Array("a;b 1\r\n\n   \na;c 2  \t\r\n\r\nlast 3".utf8))
        XCTAssertEqual(p.validLines, 3)
        XCTAssertEqual(p.invalidLines, 0)
        XCTAssertEqual(foldedText(p.profile), "a;b 1\na;c 2\nlast 3\n")
    }

    func testInvalidLinesAreCountedAndWarnedOnce() {
        let p = FoldedParser.parse(Array("ok 1\nno count here\n12\nx;y 1.2.3\nfine 2\n".utf8), sourceName: "in.folded")
        XCTAssertEqual(p.validLines, 2)
        XCTAssertEqual(p.invalidLines, 3)
        XCTAssertEqual(p.diagnostics.warnings, ["Ignored 3 lines with invalid format in in.folded (first at line 2)"])
    }

    func testTwoCountColumnsMakeADifferentialProfile() {
        let p = FoldedParser.parse(Array("a;b 3 5\na;c 2 0\n".utf8))
        XCTAssertTrue(p.profile.isDifferential)
        XCTAssertEqual(foldedText(p.profile), "a;b 3 5\na;c 2 0\n")
    }

    func testFractionalCountsAreKeptAndWarned() {
        let p = FoldedParser.parse(Array("a 1.5\nb 2.25\nc 3.0\n".utf8))
        XCTAssertEqual(p.profile.totalWeight, 6.75)
        XCTAssertTrue(p.sawFractional)
        XCTAssertEqual(p.diagnostics.warnings.count, 1)
        XCTAssertFalse(FoldedParser.parse(Array("a 31.0\nb 2\n".utf8)).sawFractional, "31.0 is not fractional")
    }

    func testChunkBoundariesAnywhereGiveTheSameResult() {
        let text = Array("main;parse;lex 10\nmain;parse 3\nmain;render;svg 7\nmain;render;svg;escape 1\nother 2\n".utf8)
        let whole = FoldedWriter.write(FoldedParser.parse(text).profile)
        for size in 1...9 {
            var parser = FoldedParser()
            var i = 0
            while i < text.count {
                parser.consume(Array(text[i..<min(i + size, text.count)]))
                i += size
            }
            parser.finish()
            XCTAssertEqual(FoldedWriter.write(parser.profile), whole, "chunk size \(size)")
        }
    }

    func testPrefixReuseDoesNotConfuseSimilarFrames() {
        // Each line shares a byte prefix with the one before, but not whole frames.
        XCTAssertEqual(folded("ab;c 1\na;bc 1\na;b;c 1\nab 1\n"), "a;b;c 1\na;bc 1\nab 1\nab;c 1\n")
    }

    func testEmptyFramesAreKept() {
        XCTAssertEqual(folded("a;;b 1\na; 2\n"), "a; 2\na;;b 1\n")
    }

    func testHugeCountsDoNotOverflow() {
        let p = FoldedParser.parse(Array("a 239807672958951499\nb 99999999999999999999999\n".utf8))
        XCTAssertEqual(p.validLines, 2)
        XCTAssertEqual(p.profile.totalWeight, 239807672958951499 + 99999999999999999999999, accuracy: 1e9)
    }

    func testSortednessIsTracked() {
        XCTAssertTrue(FoldedParser.parse(Array("a 1\na;b 1\nb 1\n".utf8)).isSorted)
        XCTAssertFalse(FoldedParser.parse(Array("b 1\na 1\n".utf8)).isSorted)
    }

    func testNumbersFormatDeterministically() {
        XCTAssertEqual(NumberFormatting.grouped(1_234_567), "1,234,567")
        XCTAssertEqual(NumberFormatting.grouped(12.5), "12.50")
        XCTAssertEqual(NumberFormatting.percent(1, of: 3), "33.33%")
        XCTAssertEqual(NumberFormatting.percent(3, of: 3), "100%")
        XCTAssertEqual(NumberFormatting.weight(3), "3")
        XCTAssertEqual(NumberFormatting.weight(2.25), "2.25")
    }
}
