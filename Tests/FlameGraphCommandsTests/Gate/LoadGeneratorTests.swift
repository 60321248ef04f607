import FlameGraphTestSupport
import Foundation
import XCTest

@testable import FlameGraphCapture

/// The built-in load generator against a real Python HTTP server: keep-alive, closed loop, fixed
/// rate, bounds, errors, loopback only.
final class LoadGeneratorTests: XCTestCase {
    func server(_ args: [String]) throws -> GateTestSupport.Server {
        let s = try GateTestSupport.Server(
            python: GateTestSupport.fixtures + "/test_service.py", ["--port", "0"] + args)
        return s
    }

    func stats(_ port: Int) throws -> [String: Int] {
        let data = try Data(contentsOf: URL(string: "http://127.0.0.1:\(port)/stats")!)
        return try JSONSerialization.jsonObject(with: data) as! [String: Int]
    }

    func testClosedLoopKeepsConnectionsAliveAndReportsLatency() throws {
        let s = try server(["--keep-alive"])
        defer { s.stop() }
        let plan = LoadPlan(
            host: "127.0.0.1", port: s.port,
            requests: [
                LoadRequest(path: "/work"),
                LoadRequest(
                    method: "POST", path: "/work", body: Array("{\"items\": 3}".utf8),
                    headers: [("Content-Type", "application/json")]),
            ], concurrency: 3, duration: 1.5)
        let result = try LoadGenerator.run(plan)
        XCTAssertEqual(result.errors, 0, "\(result.errorReasons)")
        XCTAssertGreaterThan(result.succeeded, 30)
        XCTAssertEqual(result.elapsed, 1.5, accuracy: 0.5)
        XCTAssertTrue(result.p50 > 0 && result.p50 <= result.p95 && result.p95 <= result.p99, "\(result)")
        let seen = try stats(s.port)
        XCTAssertEqual(seen["requests"], result.requests, "every request reached the server once")
        XCTAssertLessThanOrEqual(seen["connections"]!, 3 + 1, "one connection per client (+ this /stats)")
    }

    func testHTTP10ServersGetAFreshConnectionPerRequest() throws {
        let s = try server([])
        defer { s.stop() }
        let result = try LoadGenerator.run(
            LoadPlan(
                host: "127.0.0.1", port: s.port, requests: [LoadRequest(path: "/work")], concurrency: 2, duration: 1))
        XCTAssertEqual(result.errors, 0, "\(result.errorReasons)")
        XCTAssertGreaterThan(result.succeeded, 10)
        XCTAssertGreaterThanOrEqual(try stats(s.port)["connections"]!, result.requests)
    }

    func testFixedRateAndMaxRequestsBoundTheLoad() throws {
        let s = try server(["--keep-alive"])
        defer { s.stop() }
        let paced = try LoadGenerator.run(
            LoadPlan(
                host: "127.0.0.1", port: s.port, requests: [LoadRequest(path: "/work")], concurrency: 2, rate: 40,
                duration: 2))
        XCTAssertEqual(Double(paced.requests), 80, accuracy: 6, "40 requests/s for 2 s")
        let counted = try LoadGenerator.run(
            LoadPlan(
                host: "127.0.0.1", port: s.port, requests: [LoadRequest(path: "/work")], concurrency: 4, duration: 30,
                maxRequests: 25))
        XCTAssertEqual(counted.requests, 25)
        XCTAssertLessThan(counted.elapsed, 10)
    }

    func testErrorsAreCountedByReasonAndStopReturnsPromptly() throws {
        let s = try server(["--keep-alive", "--fail-ratio", "0.25"])
        defer { s.stop() }
        let generator = try LoadGenerator(
            LoadPlan(
                host: "127.0.0.1", port: s.port, requests: [LoadRequest(path: "/work")], concurrency: 2, duration: 600))
        generator.start()
        sleep(1)
        let began = Date()
        let result = generator.stop()
        XCTAssertLessThan(Date().timeIntervalSince(began), 2, "stop() ends a 600 s load at once")
        XCTAssertEqual(result.errorRatio, 0.25, accuracy: 0.05)
        XCTAssertTrue(result.errorReasons.first?.hasPrefix("HTTP 500 ×") == true, "\(result.errorReasons)")

        let refused = try LoadGenerator.run(
            LoadPlan(host: "127.0.0.1", port: 9, requests: [LoadRequest(path: "/")], concurrency: 1, duration: 0.3))
        XCTAssertEqual(refused.succeeded, 0)
        XCTAssertTrue(refused.errorReasons.first?.contains("Connection refused") == true, "\(refused.errorReasons)")
    }

    func testOnlyLoopbackTargetsAreAccepted() {
        XCTAssertThrowsError(
            try LoadGenerator(LoadPlan(host: "example.com", port: 80, requests: [LoadRequest(path: "/")], duration: 1))
        ) { error in
            XCTAssertTrue("\(error)".contains("only talks to this machine"), "\(error)")
        }
    }
}
