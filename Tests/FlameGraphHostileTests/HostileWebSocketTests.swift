import FlameGraphTestSupport
import Foundation
import XCTest

/// Hostile Chrome DevTools Protocol peers (`hce --inspect`): protocol violations end the run at once
/// with one sentence, sizes are capped, and Ctrl-C/SIGTERM end it within 3 s whatever the peer does.
final class HostileWebSocketTests: HostileTestCase {
    private func inspect(
        _ mode: String, _ argument: String? = nil, environment: [String: String] = [:],
        signals: [(Double, Int32)] = []
    ) throws -> Run {
        let port = try server(mode, argument)
        return try run(
            ["hce", "--inspect", "127.0.0.1:\(port)", "--duration", "20", "-o", "out.svg"], environment: environment,
            limit: 30, signals: signals)
    }

    func testPingFloodIsRefusedAsOversizedControlFrames() throws {
        let r = try inspect("ws-ping-flood")
        XCTAssertEqual(r.status, 69, r.stderr)
        XCTAssertTrue(r.stderr.contains("control frame of 1048576 bytes"), r.stderr)
        XCTAssertLessThan(r.seconds, 10)
    }

    func testFrameClaiming2GBIsRefusedBeforeBuffering() throws {
        let r = try inspect("ws-huge-frame")
        XCTAssertEqual(r.status, 69, r.stderr)
        XCTAssertTrue(r.stderr.contains("FLAME_GRAPH_MAX_PROFILE_MB"), r.stderr)
    }

    func testEndlessFragmentsStopAtTheCap() throws {
        let r = try inspect("ws-fragments", environment: ["FLAME_GRAPH_MAX_PROFILE_MB": "32"])
        XCTAssertEqual(r.status, 69, r.stderr)
        XCTAssertTrue(r.stderr.contains("larger than 32 MB"), r.stderr)
    }

    func testWrongAcceptIsRefused() throws {
        let r = try inspect("ws-bad-accept")
        XCTAssertEqual(r.status, 69, r.stderr)
        XCTAssertTrue(r.stderr.contains("wrong Sec-WebSocket-Accept"), r.stderr)
    }

    func testMaskedServerFrameIsRefused() throws {
        let r = try inspect("ws-masked")
        XCTAssertEqual(r.status, 69, r.stderr)
        XCTAssertTrue(r.stderr.contains("masked frame"), r.stderr)
    }

    func testCloseFrameIsAnsweredWithItsCode() throws {
        let answer = dir + "/answer.txt"
        let r = try inspect("ws-close", answer)
        XCTAssertEqual(r.status, 69, r.stderr)
        XCTAssertTrue(r.stderr.contains("closed the connection (code 1001)"), r.stderr)
        // Opcode 8 (close) echoing 1001 (0x03e9).
        XCTAssertTrue(eventually(5) { (try? String(contentsOfFile: answer, encoding: .utf8)) == "8 03e9" })
    }

    func testMessageThatIsNotJSONIsAnErrorAtOnce() throws {
        let r = try inspect("ws-garbage")
        XCTAssertEqual(r.status, 65, r.stderr)
        XCTAssertTrue(r.stderr.contains("not a JSON object"), r.stderr)
        XCTAssertLessThan(r.seconds, 5)
    }

    func testSigtermEndsASilentInspectorWithin3Seconds() throws {
        let r = try inspect("ws-silent", signals: [(1.5, SIGTERM)])
        XCTAssertEqual(r.status, 130, r.stderr)
    }

    func testTwoCtrlCsEndASilentInspectorWithin3Seconds() throws {
        let r = try inspect("ws-silent", signals: [(1.5, SIGINT), (1.7, SIGINT)])
        XCTAssertEqual(r.status, 130, r.stderr)
    }

    /// One Ctrl-C means "stop early and draw what was captured"; a peer that never hands over the
    /// profile gets a short grace, not the 60 s an honest Profiler.stop may take.
    func testOneCtrlCEndsASilentInspectorWithinAFewSeconds() throws {
        let r = try inspect("ws-silent", signals: [(1.5, SIGINT)])
        XCTAssertNotEqual(r.status, 0, r.stderr)
        XCTAssertLessThan(r.seconds, 1.5 + CaptureSessionGrace.seconds + 3, r.stderr)
    }
}

/// `CaptureSession.stopGrace` as the tests see it (the test target does not link the capture library).
enum CaptureSessionGrace { static let seconds = 2.0 }
