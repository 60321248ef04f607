import XCTest

@testable import FlameGraphCore

final class PprofGzipTests: XCTestCase {
    func message(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch let error as FlameGraphError {
            XCTAssertEqual(error.kind, .badInput, error.message)
            return error.message
        } catch {
            return "\(error)"
        }
    }

    func testRoundTripAndMagic() throws {
        let text = Array(String(repeating: "main.main;main.compute 1\n", count: 1000).utf8)
        let gz = PprofTestSupport.gzip(text)
        XCTAssertTrue(Gzip.isGzip(gz))
        XCTAssertFalse(Gzip.isGzip(text))
        XCTAssertFalse(Gzip.isGzip([0x1F]))
        XCTAssertEqual(try Gzip.decompress(gz), text)
        XCTAssertEqual(try Gzip.decompress(PprofTestSupport.gzip([])), [])
    }

    func testTruncatedData() {
        let gz = PprofTestSupport.gzip(Array(repeating: 65, count: 10_000))
        for cut in [0, 5, 10, gz.count / 2, gz.count - 8, gz.count - 1] {
            XCTAssertEqual(
                message { _ = try Gzip.decompress(Array(gz[..<cut])) }, "gzip data ends early at byte \(cut)")
        }
    }

    func testCorruptData() throws {
        var gz = PprofTestSupport.gzip(Array("hello, hello, hello, world".utf8))
        // The CRC-32 in the trailer (8 bytes from the end) no longer matches.
        gz[gz.count - 8] ^= 0xFF
        let crc = try XCTUnwrap(message { _ = try Gzip.decompress(gz) })
        XCTAssertTrue(crc.hasPrefix("corrupt gzip data at byte "), crc)
        XCTAssertTrue(crc.contains("incorrect data check"), crc)
        // A bad compression method in the header.
        var header = PprofTestSupport.gzip([1, 2, 3])
        header[2] = 7
        let method = try XCTUnwrap(message { _ = try Gzip.decompress(header) })
        XCTAssertTrue(method.hasPrefix("corrupt gzip data at byte "), method)
        // Garbage after a complete member.
        let member = PprofTestSupport.gzip([1, 2, 3])
        XCTAssertEqual(
            message { _ = try Gzip.decompress(member + [0x1F, 0x8C]) },
            "unexpected data after the gzip data at byte \(member.count)")
        XCTAssertEqual(try Gzip.decompress(member + [0, 0]), [1, 2, 3])
    }

    func testMultipleMembersAndLimit() throws {
        let a = PprofTestSupport.gzip(Array(repeating: 1, count: 3000))
        let b = PprofTestSupport.gzip(Array(repeating: 2, count: 3000))
        XCTAssertEqual(try Gzip.decompress(a + b), Array(repeating: 1, count: 3000) + Array(repeating: 2, count: 3000))
        // The limit counts all members together.
        XCTAssertEqual(try Gzip.decompress(a + b, limit: 6000).count, 6000)
        let over = try XCTUnwrap(message { _ = try Gzip.decompress(a + b, limit: 5999) })
        XCTAssertTrue(over.hasPrefix("gzip data expands to more than 5999 bytes"), over)
    }
}
