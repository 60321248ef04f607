import FlameGraphTestSupport
import Foundation
import XCTest

/// `api` and `memory --url` against a real Go service on 127.0.0.1 with `net/http/pprof` behind an
/// X-API-Key check (in-process runs; Ctrl-C through the built binary). Without `go`: a skip outside CI,
/// a failure in CI.
final class CaptureHTTPTests: CaptureServiceTestCase {
    // MARK: - api

    /// Runs `api` with `arguments` for 1 s into `api.svg`, sending `key` (default: the service's), and
    /// checks that it ends with `status`, says `message`, and shows the service's key nowhere.
    @discardableResult
    func apiFails(
        _ arguments: [String], key: String? = nil, status: Int32, saying message: String,
        file: StaticString = #filePath, line: UInt = #line
    ) throws -> Run {
        let r = try fg(
            ["api"] + arguments + ["--duration", "1", "--output", "api.svg"], env: ["RESQ_API_KEY": key ?? Self.apiKey],
            timeout: 60)
        XCTAssertEqual(r.status, status, r.stderr, file: file, line: line)
        XCTAssertTrue(r.stderr.contains(message), r.stderr, file: file, line: line)
        assertNowhere(Self.apiKey, r, file: file, line: line)
        return r
    }

    func testApiDrawsTheGoServiceAndItsHotFunctionDominates() throws {
        let url = try startGo()
        let r = try captureHot(["api", "--url", url], hot: "main.hotFunction", env: ["RESQ_API_KEY": Self.apiKey])
        XCTAssertTrue(try svgFrameNames(dir + "/api.svg").contains("main.hotFunction"))
        XCTAssertTrue(r.stderr.contains("samples from"), "Go's sample counts are drawn: \(r.stderr)")
        assertNowhere(Self.apiKey, r)
        XCTAssertEqual(leftovers(), [])
    }

    func testApiWithAWrongKeyIsRefusedWithoutShowingIt() throws {
        let url = try startGo()
        let wrong = "wr0ng-\(UUID().uuidString)"
        let r = try apiFails(
            ["--url", url, "--folded-output", "api.folded"], key: wrong, status: 69,
            saying: "the service refused the API key (HTTP 401)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/api.svg"))
        assertNowhere(wrong, r)
    }

    func testApiWithNothingListeningIsUnavailableAndNamesTheURL() throws {
        let port = Loopback.freePort()
        try apiFails(["--url", "http://127.0.0.1:\(port)"], status: 69, saying: "127.0.0.1:\(port)")
    }

    func testApiAnswerThatIsNotAProfileIsBadInput() throws {
        let url = try startGo()
        try apiFails(["--url", url, "--path", "/debug/pprof/"], status: 65, saying: "is not a profile")
    }

    func testApiCtrlCCancelsTheRequest() throws {
        let url = try startGo()
        let t0 = Date()
        let p = try launch(
            ["api", "--url", url, "--duration", "20", "--output", "api.svg"], env: ["RESQ_API_KEY": Self.apiKey])
        let r = interrupt(p, after: 1.5, timeout: 15, since: t0)
        XCTAssertEqual(r.status, 130, r.stderr)
        XCTAssertLessThan(r.seconds, 10)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/api.svg"))
        XCTAssertEqual(leftovers(), [])
    }

    func testApiThatNeverAnswersTimesOut() throws {
        let url = try startGo()
        let r = try apiFails(["--url", url, "--path", "/admin/hang"], status: 69, saying: "no answer from")
        XCTAssertTrue(r.stderr.contains("/admin/hang"), r.stderr)
        XCTAssertLessThan(r.seconds, 25)
        XCTAssertEqual(leftovers(), [])
    }

    func testApiSavesABaselineThenGatesAgainstIt() throws {
        let url = try startGo()
        try makeRepository()
        let common = ["api", "--url", url, "--duration", "1", "--repo", dir + "/repo", "--service", "goapi"]
        // The key on the command line this time: the stored capture command must not keep it.
        let save = try fg(common + ["--api-key", Self.apiKey, "--save-baseline", "-o", dir + "/base.svg"])
        XCTAssertEqual(save.status, 0, save.stderr)
        XCTAssertTrue(save.stderr.contains("saved baseline goapi @ "), save.stderr)
        let show = try fg([
            "baseline", "show", "--commit", "HEAD", "-o", dir + "/base.folded", "--repo", dir + "/repo", "--service",
            "goapi",
        ])
        XCTAssertEqual(show.status, 0, show.stderr)
        XCTAssertGreaterThan(share(try folded(dir + "/base.folded"), function: "main.hotFunction"), 0.5)
        let gate = try fg(
            common + ["--baseline", "HEAD", "-o", dir + "/after.svg", "--json", dir + "/gate.json"],
            env: ["RESQ_API_KEY": Self.apiKey])
        XCTAssertTrue([0, 1].contains(gate.status), gate.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/gate.json"))
        let list = try TestProcess.run(
            "/usr/bin/git", ["-C", dir + "/repo", "log", "--all", "-p", "--format=%B"], timeout: 300)
        XCTAssertTrue(list.output.contains("--api-key ***"), "the stored capture command, redacted")
        XCTAssertFalse(list.output.contains(Self.apiKey), "the key is in the stored baseline")
        assertNowhere(Self.apiKey, save)
        assertNowhere(Self.apiKey, gate)
    }

    func testApiRoundsAreBackToBackRequestsAndTheGateSeesThem() throws {
        let url = try startGo()
        try makeRepository()
        let common = [
            "api", "--url", url, "--duration", "2", "--rounds", "2", "--repo", dir + "/repo", "--service", "goapi",
        ]
        let env = ["RESQ_API_KEY": Self.apiKey]
        let save = try fg(common + ["--save-baseline", "-o", dir + "/base.svg"], env: env)
        XCTAssertEqual(save.status, 0, save.stderr)
        XCTAssertTrue(save.stderr.contains(" in 2 rounds"), save.stderr)
        let gate = try fg(
            common + [
                "--baseline", "HEAD", "-o", dir + "/after.svg", "--folded-output", dir + "/after.folded",
                "--json", dir + "/gate.json",
            ], env: env)
        XCTAssertTrue([0, 1].contains(gate.status), gate.stderr)
        XCTAssertGreaterThan(share(try folded(dir + "/after.folded"), function: "main.hotFunction"), 0.5)
        let report = try String(contentsOfFile: dir + "/gate.json", encoding: .utf8)
        XCTAssertTrue(report.contains("\"captures_after\": 2"), "the rounds are the replicates: \(report)")
        assertNowhere(Self.apiKey, save)
        assertNowhere(Self.apiKey, gate)
    }

    // MARK: - memory

    func testMemoryDrawsTheGoHeapInBytes() throws {
        let url = try startGo()
        // Go publishes heap samples a GC cycle or two late: give a just-started service a moment.
        var r = Run(status: -1, stdout: "", stderr: "", seconds: 0)
        var stacks: [(stack: [String], weight: Double)] = []
        for _ in 0..<10 {
            usleep(500_000)
            r = try fg(
                [
                    "memory", "--url", url + "/debug/pprof/heap?gc=1", "--output", "heap.svg", "--folded-output",
                    "heap.folded",
                ], timeout: 60)
            stacks = (try? folded(dir + "/heap.folded")) ?? []
            if r.status == 0 && share(stacks, function: "main.heapAllocator") > 0.5 { break }
        }
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertGreaterThan(share(stacks, function: "main.heapAllocator"), 0.5, "\(stacks.prefix(5))")
        let svg = try String(contentsOfFile: dir + "/heap.svg", encoding: .utf8)
        XCTAssertTrue(svg.contains("bytes"), "the count name is bytes")
        XCTAssertTrue(r.stderr.contains("bytes from"), r.stderr)
    }

    func testMemoryWithAnUnknownSampleTypeIsUsage() throws {
        let url = try startGo()
        let r = try fg(
            ["memory", "--url", url + "/debug/pprof/heap", "--sample-type", "nope", "--output", "heap.svg"],
            timeout: 60)
        XCTAssertEqual(r.status, 64, r.stderr)
        XCTAssertTrue(r.stderr.contains("inuse_space"), r.stderr)
    }

}
