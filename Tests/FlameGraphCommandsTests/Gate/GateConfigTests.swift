import FlameGraphTestSupport
import Foundation
import XCTest

@testable import FlameGraphCommands

/// `flame-graph.yml` for `gate`: the issue's example parses to the documented values; unknown keys
/// and bad values are usage errors (64) naming the key and its line.
final class GateConfigTests: XCTestCase {
    static let issueExample = """
        version: 1
        services:
          - name: orders
            profiler: pdie            # pdie | python | api | hce | bun | perf | dotnet
            command: python3 app.py --port 8081
            cwd: services/orders
            env: {WORKERS: "4"}
            ready: http://127.0.0.1:8081/health   # polled until 2xx (timeout: ready_timeout, default 30s)
            url: http://127.0.0.1:8081            # what the profiler and the load talk to
            load:
              requests:
                - {method: POST, path: /checkout, body: '{"items": 3}', headers: {Content-Type: application/json}}
                - {path: /search?q=shoes}
              concurrency: 8
              warmup: 2s
            duration: 10s
            rounds: 5
            gate: {threshold: 1pp, focus: "handle_request", ignore: ["^select"]}
          - name: api
            profiler: api
            url: http://127.0.0.1:6060          # already running: nothing to start
            load: {command: "./bench.sh 127.0.0.1:6060"}   # or your own load tool
        """

    func testTheIssueExampleParses() throws {
        let config = try ServiceConfigParser.parse(Self.issueExample, source: "flame-graph.yml")
        XCTAssertEqual(config.services.map(\.name), ["orders", "api"])
        let orders = config.services[0]
        XCTAssertEqual(orders.profiler, .pdie)
        XCTAssertEqual(orders.command, "python3 app.py --port 8081")
        XCTAssertEqual(orders.cwd, "services/orders")
        XCTAssertEqual(orders.env.map { "\($0.0)=\($0.1)" }, ["WORKERS=4"])
        XCTAssertEqual(orders.ready, "http://127.0.0.1:8081/health")
        XCTAssertEqual(orders.readyTimeout, 30)
        XCTAssertEqual(orders.duration, 10)
        XCTAssertEqual(orders.rounds, 5)
        XCTAssertEqual(orders.load?.concurrency, 8)
        XCTAssertEqual(orders.load?.warmup, 2)
        XCTAssertNil(orders.load?.rate)
        XCTAssertEqual(orders.load?.requests.map(\.method), ["POST", "GET"])
        XCTAssertEqual(orders.load?.requests.first?.body, Array("{\"items\": 3}".utf8))
        XCTAssertEqual(orders.load?.requests.first?.headers.first?.name, "Content-Type")
        XCTAssertEqual(orders.load?.requests.last?.path, "/search?q=shoes")
        XCTAssertEqual(orders.gate.threshold, 1)
        XCTAssertEqual(orders.focus, "handle_request")
        XCTAssertEqual(orders.gate.rules.map(\.pattern.text), ["^select"])
        XCTAssertEqual(orders.gate.rules.first?.ignore, true)
        let api = config.services[1]
        XCTAssertNil(api.command)
        XCTAssertEqual(api.load?.command, "./bench.sh 127.0.0.1:6060")
    }

    func testTheExampleConfigPrintedByTheToolParses() throws {
        let r = try GateTestSupport.run(["gate", "--example-config"])
        XCTAssertEqual(r.status, 0)
        XCTAssertEqual(try ServiceConfigParser.parse(r.stdout, source: "example").services.count, 2)
    }

    func testBadConfigsNameTheKeyAndLine() throws {
        let cases: [(String, String)] = [
            (
                "version: 1\nservices:\n  - name: a\n    profiler: pdie\n    url: http://127.0.0.1:1\n    durration: 5s\n",
                "f.yml:6: unknown key 'durration' in services[0]"
            ),
            (
                "version: 1\nservices:\n  - name: a\n    profiler: jvm\n    url: http://127.0.0.1:1\n",
                "f.yml:4: services[0].profiler: 'jvm' is not one of pdie"
            ),
            (
                "version: 1\nservices:\n  - name: a\n    profiler: pdie\n    url: http://127.0.0.1:1\n    duration: soon\n",
                "f.yml:6: services[0].duration: must be a duration"
            ),
            (
                "version: 1\nservices:\n  - name: a\n    profiler: pdie\n    url: http://127.0.0.1:1\n    load:\n      concurrency: 0\n      requests: [{path: /}]\n",
                "f.yml:7: services[0].load.concurrency: must be a whole number from 1 to 1024"
            ),
            (
                "version: 1\nservices:\n  - name: a\n    profiler: pdie\n    url: http://10.0.0.5:80\n",
                "f.yml:5: services[0].url: '10.0.0.5' is not this machine"
            ),
            (
                "version: 1\nservices:\n  - name: a\n    profiler: pdie\n    url: http://127.0.0.1:1\n    load:\n      requests: [{path: /, verb: GET}]\n",
                "f.yml:7: unknown key 'verb' in services[0].load.requests[0]"
            ),
            ("version: 2\nservices: []\n", "f.yml:1: version: must be a whole number from 1 to 1"),
            (
                "version: 1\nservices:\n  - {name: a, profiler: pdie, url: 'http://127.0.0.1:1', gate: {treshold: 1}}\n",
                "unknown key 'treshold' in services[0].gate"
            ),
        ]
        let dir = try makeTemporaryDirectory("gate-config")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for (yaml, expected) in cases {
            try yaml.write(toFile: dir + "/f.yml", atomically: true, encoding: .utf8)
            let r = try GateTestSupport.run(["gate", "--config", "f.yml", "--save-baseline"], in: dir)
            XCTAssertEqual(r.status, 64, "\(yaml)\n\(r.stderr)")
            XCTAssertTrue(r.stderr.contains(expected), "expected '\(expected)' in: \(r.stderr)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, "one line: \(r.stderr)")
        }
    }
}
