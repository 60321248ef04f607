import FlameGraphTestSupport
import Foundation
import XCTest

/// `flame-graph hce` end to end: the Node service's /admin/cpu-profile endpoint with its bearer token,
/// and the inspector path (Chrome DevTools Protocol, SIGUSR1) with Ctrl-C.
final class CaptureHceTests: CaptureServiceTestCase {
    // MARK: - hce

    func testHceDrawsTheNodeServiceAndItsHotFunctionDominates() throws {
        let url = try startNode()
        let r = try captureHot(["hce", "--url", url], hot: "hotFunction", env: ["RESQ_TOKEN": Self.token])
        assertNowhere(Self.token, r)
        XCTAssertEqual(leftovers(), [])
    }

    func testHceWithABadTokenIsRefused() throws {
        let url = try startNode()
        let bad = "b4d-\(UUID().uuidString)"
        let r = try fg(
            ["hce", "--url", url, "--duration", "1", "--output", "hce.svg"], env: ["RESQ_TOKEN": bad], timeout: 60)
        XCTAssertEqual(r.status, 69, r.stderr)
        XCTAssertTrue(r.stderr.contains("HTTP 401"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/hce.svg"))
        assertNowhere(bad, r)
    }

    // MARK: - hce through the inspector (Chrome DevTools Protocol)

    func testHceInspectProfilesThroughTheDevToolsProtocol() throws {
        let port = Loopback.freePort()
        _ = try startNode(["--inspect=127.0.0.1:\(port)"])
        let r = try captureHot(["hce", "--inspect", "127.0.0.1:\(port)"], hot: "hotFunction")
        XCTAssertTrue(r.stderr.contains("from the inspector at 127.0.0.1:\(port)"), r.stderr)
        XCTAssertTrue(r.stderr.contains(" in 2 rounds"), "one connection, two Profiler.start/stop: \(r.stderr)")
        XCTAssertEqual(leftovers(), [])
    }

    func testHcePidOpensTheInspectorWithSIGUSR1() throws {
        let port = Loopback.freePort()
        // Started without an inspector; SIGUSR1 opens one on --inspect-port.
        _ = try startNode(["--inspect-port=127.0.0.1:\(port)"])
        XCTAssertFalse(Loopback.isListening(port))
        let pid = try XCTUnwrap(started.last?.processIdentifier)
        try captureHot(["hce", "--pid", "\(pid)", "--inspect", "127.0.0.1:\(port)"], hot: "hotFunction")
    }

    func testHceInspectFirstCtrlCStopsEarlyAndDraws() throws {
        let port = Loopback.freePort()
        _ = try startNode(["--inspect=127.0.0.1:\(port)"])
        let t0 = Date()
        let p = try launch(["hce", "--inspect", "ws://127.0.0.1:\(port)", "--duration", "30", "--output", "hce.svg"])
        // The ws:// form without a path still finds the target through /json/list.
        let r = interrupt(p, after: 2.5, since: t0)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertLessThan(r.seconds, 15)
        XCTAssertTrue(r.stderr.contains("stopped early"), r.stderr)
        XCTAssertTrue(try svgFrameNames(dir + "/hce.svg").contains { $0.hasPrefix("hotFunction") })
        XCTAssertEqual(leftovers(), [])
    }

    func testHceInspectWithNothingListeningOrANonNodePid() throws {
        let port = Loopback.freePort()
        let r = try fg(["hce", "--inspect", "127.0.0.1:\(port)", "--duration", "1", "--output", "hce.svg"])
        XCTAssertEqual(r.status, 69, r.stderr)
        XCTAssertTrue(r.stderr.contains("127.0.0.1:\(port)"), r.stderr)
        let sleeper = try start("/bin/sleep", ["60"])
        let p = try fg(["hce", "--pid", "\(sleeper.processIdentifier)", "--duration", "1", "--output", "hce.svg"])
        XCTAssertEqual(p.status, 69, p.stderr)
        XCTAssertTrue(p.stderr.contains("is not Node"), p.stderr)
        XCTAssertTrue(sleeper.isRunning, "a non-Node process must not be sent SIGUSR1")
    }
}
