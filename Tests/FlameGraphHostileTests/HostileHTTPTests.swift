import Foundation
import XCTest

/// Hostile HTTP peers: nothing read from the network is unbounded, every run ends in time, a signal
/// ends it within 3 s, credentials never show.
final class HostileHTTPTests: HostileTestCase {
    /// Starts the hostile peer in `mode` and runs `command --url` against it for `duration` seconds.
    private func fetch(
        _ mode: String, _ argument: String? = nil, command: String = "api", duration: Int = 1,
        environment: [String: String] = [:], limit: Double, signals: [(Double, Int32)] = [],
        file: StaticString = #filePath, line: UInt = #line
    ) throws -> Run {
        let port = try server(mode, argument)
        return try run(
            [command, "--url", "http://127.0.0.1:\(port)", "--duration", "\(duration)", "-o", "out.svg"],
            environment: environment, limit: limit, signals: signals, file: file, line: line)
    }

    func testEndlessChunkedBodyStopsAtTheDefaultCap() throws {
        let r = try fetch("chunked", limit: 60)
        XCTAssertEqual(r.status, 65, r.stderr)
        XCTAssertTrue(r.stderr.contains("larger than 512 MB"), r.stderr)
        XCTAssertTrue(r.stderr.contains("FLAME_GRAPH_MAX_PROFILE_MB"), r.stderr)
    }

    func testGzipBombAnswerIsCappedAfterDecoding() throws {
        let r = try fetch("gzip", environment: ["FLAME_GRAPH_MAX_PROFILE_MB": "64"], limit: 40)
        XCTAssertEqual(r.status, 65, r.stderr)
        XCTAssertTrue(r.stderr.contains("larger than 64 MB"), r.stderr)
    }

    func testHugeContentLengthIsRefusedAtTheCap() throws {
        let r = try fetch(
            "body", String(4 << 30), command: "hce", environment: ["FLAME_GRAPH_MAX_PROFILE_MB": "16"], limit: 40)
        XCTAssertEqual(r.status, 65, r.stderr)
        XCTAssertTrue(r.stderr.contains("larger than 16 MB"), r.stderr)
    }

    func testSigtermEndsATricklingAnswerWithin3Seconds() throws {
        let r = try fetch("trickle", duration: 30, limit: 20, signals: [(1.5, SIGTERM)])
        XCTAssertEqual(r.status, 130, r.stderr)
    }

    func testCtrlCEndsATricklingAnswerWithin3Seconds() throws {
        let r = try fetch("trickle", duration: 30, limit: 20, signals: [(1.5, SIGINT)])
        XCTAssertEqual(r.status, 130, r.stderr)
    }

    func testDiscoveryListIsCapped() throws {
        let port = try server("list-big")
        let r = try run(["hce", "--inspect", "127.0.0.1:\(port)", "--duration", "1", "-o", "out.svg"], limit: 30)
        XCTAssertEqual(r.status, 69, r.stderr)
        XCTAssertTrue(r.stderr.contains("larger than 1 MB"), r.stderr)
        XCTAssertTrue(r.stderr.contains("FLAME_GRAPH_MAX_DISCOVERY_KB"), r.stderr)
    }

    /// The query of --url stays a query, URL credentials never reach a message, and a secret given as
    /// an option is warned about.
    func testQueryKeptCredentialsRedactedAndOptionSecretsWarned() throws {
        let head = dir + "/head.txt"
        let port = try server("record", head)
        let r = try run(
            [
                "api", "--url", "http://alice:s3cret@127.0.0.1:\(port)/base?tenant=a", "--api-key", "k3y-value",
                "--duration", "1", "-o", "out.svg",
            ], limit: 30)
        XCTAssertEqual(r.status, 69, r.stderr)
        let request = try String(contentsOfFile: head, encoding: .utf8)
        XCTAssertTrue(request.hasPrefix("GET /base/admin/profile?tenant=a&seconds=1 HTTP/1.1"), request)
        XCTAssertFalse(r.stderr.contains("s3cret"), r.stderr)
        XCTAssertFalse(r.stderr.contains("alice"), r.stderr)
        XCTAssertFalse(r.stderr.contains("k3y-value"), r.stderr)
        XCTAssertTrue(r.stderr.contains("--api-key on the command line is visible"), r.stderr)
        XCTAssertTrue(r.stderr.contains("RESQ_API_KEY"), r.stderr)
    }
}
