import XCTest

@testable import FlameGraphCapture

final class BoundedBufferTests: XCTestCase {
    func testKeepsHeadAndTailAndSaysHowMuchWasLeftOut() {
        var b = BoundedBuffer(limit: 8)
        b.append(Array("0123456789abcdefghij".utf8))
        XCTAssertEqual(b.text, "0123\n… (12 bytes left out) …\nghij")
        var small = BoundedBuffer(limit: 100)
        small.append(Array("short".utf8))
        small.append(Array(" text".utf8))
        XCTAssertEqual(small.text, "short text")
    }

    func testManySmallAppendsStayBounded() {
        var b = BoundedBuffer(limit: 64)
        for k in 0..<10_000 { b.append(Array("line \(k)\n".utf8)) }
        XCTAssertLessThanOrEqual(b.head.count + b.tail.count, 64 + 32, "storage stays within 1.5 × the limit")
        XCTAssertTrue(b.text.hasPrefix("line 0\nline 1\n"))
        XCTAssertTrue(b.text.hasSuffix("line 9999\n"))
    }
}
