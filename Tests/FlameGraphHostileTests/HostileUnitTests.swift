import FlameGraphCore
import Foundation
import XCTest

@testable import FlameGraphCapture

/// The pieces under the hostile-peer behaviour, checked against their specifications.
final class HostileUnitTests: XCTestCase {
    func testSHA1AndBase64MatchTheirSpecifications() {
        // FIPS 180-4 examples; RFC 6455 §1.3's handshake example.
        func hex(_ b: [UInt8]) -> String { b.map { String(format: "%02x", $0) }.joined() }
        XCTAssertEqual(hex(SHA1.digest(Array("abc".utf8))), "a9993e364706816aba3e25717850c26c9cd0d89d")
        XCTAssertEqual(hex(SHA1.digest([])), "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        XCTAssertEqual(
            hex(SHA1.digest(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
        XCTAssertEqual(SHA1.webSocketAccept(key: "dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        XCTAssertEqual(SHA1.base64(Array("f".utf8)), "Zg==")
        XCTAssertEqual(SHA1.base64(Array("fo".utf8)), "Zm8=")
        XCTAssertEqual(SHA1.base64(Array("foobar".utf8)), "Zm9vYmFy")
    }

    func testHandshakeNeeds101AndTheRightAccept() throws {
        let key = "dGhlIHNhbXBsZSBub25jZQ=="
        XCTAssertNoThrow(
            try WebSocketConnection.checkHandshake(
                "HTTP/1.1 101 Switching Protocols\r\nsec-websocket-accept:  s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", key: key))
        XCTAssertThrowsError(
            try WebSocketConnection.checkHandshake("HTTP/1.1 101 OK\r\nSec-WebSocket-Accept: AAAA", key: key))
        XCTAssertThrowsError(try WebSocketConnection.checkHandshake("HTTP/1.1 101 OK", key: key))
        XCTAssertThrowsError(
            try WebSocketConnection.checkHandshake(
                "HTTP/1.1 200 OK\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", key: key))
    }

    func testFrameHeadersAreParsedStrictly() throws {
        func parse(_ bytes: [UInt8], budget: Int = 1000) throws -> WebSocketFrame.Header? {
            try WebSocketFrame.Header.parse(bytes[...], budget: budget)
        }
        XCTAssertEqual(try parse([0x81, 0x05])?.length, 5)
        XCTAssertNil(try parse([0x81]))
        XCTAssertNil(try parse([0x81, 0x7E, 0x01]))
        XCTAssertEqual(try parse([0x82, 0x7E, 0x01, 0x00])?.length, 256)
        XCTAssertThrowsError(try parse([0x81, 0x85]))  // masked
        XCTAssertThrowsError(try parse([0xC1, 0x00]))  // RSV1
        XCTAssertThrowsError(try parse([0x83, 0x00]))  // reserved opcode
        XCTAssertThrowsError(try parse([0x89, 0x7E, 0x00, 0x7E]))  // 126-byte ping
        XCTAssertThrowsError(try parse([0x09, 0x00]))  // fragmented ping
        XCTAssertNotNil(try parse([0x89, 0x7D]))  // 125-byte ping is fine
        XCTAssertThrowsError(try parse([0x81, 0x7F, 0, 0, 0, 0, 0x80, 0, 0, 0])) { error in
            XCTAssertTrue((error as? WebSocketFrame.Violation)?.tooLarge == true)
        }
        let encoded = WebSocketFrame.encode(opcode: 1, payload: Array("hi".utf8), mask: [1, 2, 3, 4])
        XCTAssertEqual(encoded, [0x81, 0x82, 1, 2, 3, 4, 0x68 ^ 1, 0x69 ^ 2])
    }

    func testRedactionRemovesURLCredentialsOnly() {
        XCTAssertEqual(Redaction.url("http://user:pass@host:8080/p?q=1"), "http://host:8080/p?q=1")
        XCTAssertEqual(
            Redaction.url("api --url https://a:b@x.example/y --api-key ***"),
            "api --url https://x.example/y --api-key ***")
        XCTAssertEqual(Redaction.url("ws://u@[::1]:9229/abc"), "ws://[::1]:9229/abc")
        XCTAssertEqual(Redaction.url("mail me@home, see http://host/a@b"), "mail me@home, see http://host/a@b")
        XCTAssertEqual(Redaction.url("no url here"), "no url here")
    }

    func testCountsPastUInt64StayDigits() {
        XCTAssertEqual(NumberFormatting.weight(0x1p65), "36893488147419103232")
        XCTAssertEqual(NumberFormatting.weight(1e20), "100000000000000000000")
        XCTAssertEqual(NumberFormatting.weight(-1e20), "-100000000000000000000")
        XCTAssertEqual(NumberFormatting.weight(0x1p64), "18446744073709551616")
        var out: [UInt8] = []
        NumberFormatting.appendWeight(0x1p64, to: &out)
        XCTAssertEqual(String(decoding: out, as: UTF8.self), "18446744073709551616")
        XCTAssertEqual(NumberFormatting.weight(1.5), "1.5")
    }

    func testTerminalTextNeutralisesControlsAndBidi() {
        XCTAssertEqual(TerminalText.oneLine("a\u{1B}[31mb\nc"), "a [31mb c")
        XCTAssertEqual(TerminalText.lines("x\u{202E}y\u{9B}z\n\tw"), "x\u{FFFD}y\u{FFFD}z\n\tw")
        XCTAssertEqual(TerminalText.lines("plain é ü 日本"), "plain é ü 日本")
    }

    /// FoldedStream writes exactly FoldedWriter's bytes, on names chosen to sort around ';'.
    func testFoldedStreamMatchesFoldedWriter() throws {
        var generator = SystemRandomNumberGenerator()
        let names = ["a", "a.b", "a!", "ab", "a0", "b", "(x)", "a-b", "a:b", "é", "zz", "A", "_", "a<"]
        for differential in [false, true] {
            var profile = Profile()
            if differential { profile.makeDifferential() }
            for _ in 0..<500 {
                let depth = Int.random(in: 1...6, using: &generator)
                let frames = (0..<depth).map { _ in names.randomElement(using: &generator)! }
                profile.add(
                    frames: frames, weight: Double(Int.random(in: 0...4, using: &generator)),
                    before: differential ? Double(Int.random(in: 0...4, using: &generator)) : nil)
            }
            var streamed: [UInt8] = []
            try FoldedStream.write(profile, pieceSize: 100) { streamed.append(contentsOf: $0) }
            XCTAssertEqual(streamed, FoldedWriter.write(profile))
        }
    }
}

/// Every input under Tests/Fixtures/fuzz (a `ci/fuzz` finding, or a seed kept for what it covers)
/// decodes or fails with a `FlameGraphError` — never a crash — and folds the same both ways.
final class FuzzRegressionTests: XCTestCase {
    func testFuzzFindingsStayFixed() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/fuzz")
        let formats = try FileManager.default.contentsOfDirectory(atPath: root.path)
        var count = 0
        for name in formats {
            let format = ProfileFormat(rawValue: name)
            XCTAssertNotNil(format, "Tests/Fixtures/fuzz/\(name) is not a format name")
            for file in try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(name).path) {
                let bytes = try [UInt8](
                    Data(contentsOf: root.appendingPathComponent(name).appendingPathComponent(file)))
                count += 1
                do {
                    let decoded = try ProfileReader.decode(bytes, format: format, sourceName: file)
                    var streamed: [UInt8] = []
                    try FoldedStream.write(decoded.profile) { streamed.append(contentsOf: $0) }
                    XCTAssertEqual(streamed, FoldedWriter.write(decoded.profile), file)
                } catch is FlameGraphError {
                    continue
                }
            }
        }
        XCTAssertGreaterThan(count, 0)
    }
}
