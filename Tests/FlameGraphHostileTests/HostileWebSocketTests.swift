import FlameGraphTestSupport
import Foundation
import XCTest

/// Hostile Chrome DevTools Protocol peers (`hce --inspect`): protocol violations end the run at once
/// with one sentence, sizes are capped, and Ctrl-C/SIGTERM end it within 3 s whatever the peer does.
final class HostileWebSocketTests: HostileTestCase {
    private func inspect(
        _ mode: String, _ argument: String? = nil, environment: [String: String] = [:],
        signals: [(Double, Int32)] = [], file: StaticString = #filePath, line: UInt = #line
    ) throws -> Run {
        let port = try server(mode, argument)
        return try run(
            ["hce", "--inspect", "127.0.0.1:\(port)", "--duration", "20", "-o", "out.svg"], environment: environment,
            limit: 30, signals: signals, file: file, line: line)
    }

    /// Runs `hce --inspect` against the peer in `mode` and checks that it ends with `status` saying `message`.
    @discardableResult
    private func assertRefused(
        _ mode: String, _ argument: String? = nil, environment: [String: String] = [:], status: Int32 = 69,
        saying message: String, file: StaticString = #filePath, line: UInt = #line
    ) throws -> Run {
        let r = try inspect(mode, argument, environment: environment, file: file, line: line)
        XCTAssertEqual(r.status, status, r.stderr, file: file, line: line)
        XCTAssertTrue(r.stderr.contains(message), r.stderr, file: file, line: line)
        return r
    }

    func testPingFloodIsRefusedAsOversizedControlFrames() throws {
        let r = try assertRefused("ws-ping-flood", saying: "control frame of 1048576 bytes")
        XCTAssertLessThan(r.seconds, 10)
    }

    func testFrameClaiming2GBIsRefusedBeforeBuffering() throws {
        try assertRefused("ws-huge-frame", saying: "FLAME_GRAPH_MAX_PROFILE_MB")
    }

    func testEndlessFragmentsStopAtTheCap() throws {
        try assertRefused(
            "ws-fragments", environment: ["FLAME_GRAPH_MAX_PROFILE_MB": "32"], saying: "larger than 32 MB")
    }

    func testWrongAcceptIsRefused() throws {
        try assertRefused("ws-bad-accept", saying: "wrong Sec-WebSocket-Accept")
    }

    func testMaskedServerFrameIsRefused() throws {
        try assertRefused("ws-masked", saying: "masked frame")
    }

    func testCloseFrameIsAnsweredWithItsCode() throws {
        let answer = dir + "/answer.txt"
        try assertRefused("ws-close", answer, saying: "closed the connection (code 1001)")
        // Opcode 8 (close) echoing 1001 (0x03e9).
        XCTAssertTrue(eventually(5) { (try? String(contentsOfFile: answer, encoding: .utf8)) == "8 03e9" })
    }

    func testMessageThatIsNotJSONIsAnErrorAtOnce() throws {
        let r = try assertRefused("ws-garbage", status: 65, saying: "not a JSON object")
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
