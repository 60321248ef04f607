import FlameGraphCapture
import XCTest

/// The server-sent events reader of `explain --stream`: events however the bytes are cut.
final class ServerSentEventsTests: XCTestCase {
    let body =
        ": keep-alive\r\n\r\ndata: {\"a\":1}\r\n\r\nevent: ignored\ndata: line one\ndata:line two\nid: 7\n\n"
        + "data: [DONE]\r\r"

    func testEventsCutAtEveryByteReadTheSame() {
        let bytes = Array(body.utf8)
        for cut in 0...bytes.count {
            var reader = ServerSentEvents()
            let events = reader.feed(bytes[..<cut]) + reader.feed(bytes[cut...])
            XCTAssertEqual(events, ["{\"a\":1}", "line one\nline two", "[DONE]"], "cut at \(cut)")
            XCTAssertNil(reader.finish())
        }
    }

    func testAnEventWithoutItsBlankLineIsGivenAtTheEnd() {
        var reader = ServerSentEvents()
        XCTAssertEqual(reader.feed(Array("data: x\n\ndata: tail".utf8)), ["x"])
        XCTAssertEqual(reader.finish(), "tail")
    }

    func testAnOverlongLineIsFlagged() {
        var reader = ServerSentEvents(lineLimit: 16)
        _ = reader.feed(Array(("data: " + String(repeating: "x", count: 40) + "\n\n").utf8))
        XCTAssertTrue(reader.overlong)
    }
}
