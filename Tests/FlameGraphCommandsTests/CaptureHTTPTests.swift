import FlameGraphTestSupport
import Foundation
import XCTest

/// End to end: the built `flame-graph` against real profile endpoints on 127.0.0.1 — a Go service with
/// `net/http/pprof` behind an X-API-Key check (`api`, `memory --url`) and a Node 20 service serving
/// `/admin/cpu-profile` through `node:inspector` behind a bearer token (`hce`). Skipped when `go` or
/// `node` is missing.
final class CaptureHTTPTests: CaptureTestCase {
    static let goProgram = #"""
        package main

        import (
        	"fmt"
        	"net"
        	"net/http"
        	"net/http/pprof"
        	"os"
        	"runtime"
        	"time"
        )

        var sink [][]byte
        var result uint64

        //go:noinline
        func hotFunction(n int) uint64 {
        	x := uint64(n) | 1
        	for i := 0; i < 3000000; i++ {
        		x ^= x << 13
        		x ^= x >> 7
        		x ^= x << 17
        	}
        	return x
        }

        //go:noinline
        func heapAllocator(n int) {
        	b := make([]byte, 64<<10)
        	b[0] = byte(n)
        	sink = append(sink, b)
        	if len(sink) > 256 {
        		sink = sink[1:]
        	}
        }

        func main() {
        	runtime.MemProfileRate = 4096
        	key := os.Getenv("TEST_API_KEY")
        	http.HandleFunc("/admin/profile", func(w http.ResponseWriter, r *http.Request) {
        		if key == "" || r.Header.Get("X-API-Key") != key {
        			http.Error(w, "unauthorized", http.StatusUnauthorized)
        			return
        		}
        		pprof.Profile(w, r)
        	})
        	// Accepts the request and never answers (the client's timeout is what is tested).
        	http.HandleFunc("/admin/hang", func(w http.ResponseWriter, r *http.Request) {
        		time.Sleep(120 * time.Second)
        	})
        	ln, err := net.Listen("tcp", "127.0.0.1:0")
        	if err != nil {
        		fmt.Fprintln(os.Stderr, err)
        		os.Exit(1)
        	}
        	go http.Serve(ln, nil)
        	go func() { time.Sleep(180 * time.Second); os.Exit(0) }()
        	if err := os.WriteFile(os.Args[1]+".tmp", []byte(ln.Addr().String()), 0o644); err != nil {
        		os.Exit(1)
        	}
        	os.Rename(os.Args[1]+".tmp", os.Args[1])
        	for i := 0; ; i++ {
        		result += hotFunction(i)
        		heapAllocator(i)
        	}
        }
        """#

    static let nodeProgram = #"""
        const http = require('node:http');
        const inspector = require('node:inspector');
        const fs = require('node:fs');

        let sink = 0;
        function hotFunction(n) {
          let x = 1;
          for (let i = 0; i < n; i++) x = (x * 31 + i) % 1000003;
          return x;
        }
        function burn() {
          const end = Date.now() + 20;
          while (Date.now() < end) sink += hotFunction(20000);
          setImmediate(burn);
        }

        const server = http.createServer((req, res) => {
          const url = new URL(req.url, 'http://localhost');
          if (url.pathname !== '/admin/cpu-profile') { res.writeHead(404); res.end('not found'); return; }
          if (req.headers['authorization'] !== 'Bearer ' + process.env.TEST_TOKEN) {
            res.writeHead(401); res.end('unauthorized'); return;
          }
          const seconds = Number(url.searchParams.get('duration') || '1');
          const session = new inspector.Session();
          session.connect();
          session.post('Profiler.enable', () => session.post('Profiler.start', () => {
            setTimeout(() => session.post('Profiler.stop', (err, result) => {
              session.disconnect();
              if (err) { res.writeHead(500); res.end(String(err)); return; }
              res.writeHead(200, { 'Content-Type': 'application/json' });
              res.end(JSON.stringify(result.profile));
            }), seconds * 1000);
          }));
        });
        server.listen(0, '127.0.0.1', () => {
          fs.writeFileSync(process.argv[2] + '.tmp', String(server.address().port));
          fs.renameSync(process.argv[2] + '.tmp', process.argv[2]);
          burn();
        });
        setTimeout(() => process.exit(0), 180000);
        """#

    static let apiKey = "k3y-\(UUID().uuidString.prefix(8))-never-shown"
    static let token = "t0ken-\(UUID().uuidString.prefix(8))-never-shown"

    /// The Go service, built once per test run (offline: GOPROXY=off, a private GOCACHE).
    nonisolated(unsafe) static var goBuild: (directory: String, binary: String)?

    override class func tearDown() {
        if let goBuild { try? FileManager.default.removeItem(atPath: goBuild.directory) }
        goBuild = nil
        super.tearDown()
    }

    static func findGo() -> String? {
        which("go")
            ?? ["/usr/lib/go/bin/go", "/usr/local/go/bin/go"].first {
                FileManager.default.isExecutableFile(atPath: $0)
            }
    }

    func goServer() throws -> String {
        if let goBuild = Self.goBuild { return goBuild.binary }
        guard let go = Self.findGo() else {
            try RequiredTool.missing("go is not installed (apt-get install golang-go)")
        }
        let build = try makeTemporaryDirectory("fg-http-go")
        try Self.goProgram.write(toFile: build + "/main.go", atomically: true, encoding: .utf8)
        var env = ProcessInfo.processInfo.environment
        env["GOPATH"] = build + "/gopath"
        env["GOCACHE"] = build + "/gocache"
        env["GOPROXY"] = "off"
        env["GOFLAGS"] = "-mod=mod"
        env["GOTOOLCHAIN"] = "local"
        env["CGO_ENABLED"] = "0"
        env["HOME"] = build
        let p = Process()
        p.executableURL = URL(fileURLWithPath: go)
        p.arguments = ["build", "-o", build + "/server", build + "/main.go"]
        p.environment = env
        p.currentDirectoryURL = URL(fileURLWithPath: build)
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            try? FileManager.default.removeItem(atPath: build)
            throw GoBuildFailed(output: String(decoding: output, as: UTF8.self))
        }
        Self.goBuild = (build, build + "/server")
        return build + "/server"
    }

    /// Starts a server that writes its address (or port) to a file once it listens; returns what it wrote.
    func startServer(_ tool: String, _ args: [String], addressFile: String, env: [String: String]) throws -> String {
        var environment = ProcessInfo.processInfo.environment
        for (k, v) in env { environment[k] = v }
        try start(tool, args + [addressFile], environment: environment)
        XCTAssertTrue(eventually(20) { FileManager.default.fileExists(atPath: addressFile) }, "\(tool) did not start")
        return try String(contentsOfFile: addressFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The Go service's base URL.
    func startGo() throws -> String {
        let binary = try goServer()
        let address = try startServer(binary, [], addressFile: dir + "/go.addr", env: ["TEST_API_KEY": Self.apiKey])
        return "http://" + address
    }

    func startNode(_ nodeFlags: [String] = []) throws -> String {
        try requireTools("node")
        try Self.nodeProgram.write(toFile: dir + "/server.js", atomically: true, encoding: .utf8)
        // No inlining, so the hot function keeps its own frame.
        let port = try startServer(
            Self.which("node")!, ["--no-turbo-inlining"] + nodeFlags + [dir + "/server.js"],
            addressFile: dir + "/node.port", env: ["TEST_TOKEN": Self.token])
        return "http://127.0.0.1:" + port
    }

    /// Everything a run wrote that could leak a secret: its stdout, stderr and files in `dir`.
    func assertNowhere(_ secret: String, _ run: Run, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(run.stdout.contains(secret), "the secret is in stdout", file: file, line: line)
        XCTAssertFalse(run.stderr.contains(secret), "the secret is in stderr", file: file, line: line)
        let files = (try? FileManager.default.subpathsOfDirectory(atPath: dir)) ?? []
        for f in files where !f.hasSuffix(".js") && !f.hasSuffix(".addr") && !f.hasSuffix(".port") {
            if let data = FileManager.default.contents(atPath: dir + "/" + f) {
                XCTAssertFalse(
                    String(decoding: data, as: UTF8.self).contains(secret), "the secret is in \(f)", file: file,
                    line: line)
            }
        }
    }

    // MARK: - api

    func testApiDrawsTheGoServiceAndItsHotFunctionDominates() throws {
        let url = try startGo()
        let r = try fg(
            ["api", "--url", url, "--duration", "2", "--output", "api.svg", "--folded-output", "api.folded"],
            env: ["RESQ_API_KEY": Self.apiKey], timeout: 60)
        XCTAssertEqual(r.status, 0, r.stderr)
        let stacks = try folded(dir + "/api.folded")
        XCTAssertGreaterThan(share(stacks, function: "main.hotFunction"), 0.5, "\(stacks.prefix(5))")
        XCTAssertTrue(try svgFrameNames(dir + "/api.svg").contains("main.hotFunction"))
        XCTAssertTrue(r.stderr.contains("samples from"), "Go's sample counts are drawn: \(r.stderr)")
        assertNowhere(Self.apiKey, r)
        XCTAssertEqual(leftovers(), [])
    }

    func testApiWithAWrongKeyIsRefusedWithoutShowingIt() throws {
        let url = try startGo()
        let wrong = "wr0ng-\(UUID().uuidString)"
        let r = try fg(
            ["api", "--url", url, "--duration", "1", "--output", "api.svg", "--folded-output", "api.folded"],
            env: ["RESQ_API_KEY": wrong], timeout: 60)
        XCTAssertEqual(r.status, 69, r.stderr)
        XCTAssertTrue(r.stderr.contains("the service refused the API key (HTTP 401)"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/api.svg"))
        assertNowhere(wrong, r)
        assertNowhere(Self.apiKey, r)
    }

    func testApiWithNothingListeningIsUnavailableAndNamesTheURL() throws {
        let port = freePort()
        let r = try fg(
            ["api", "--url", "http://127.0.0.1:\(port)", "--duration", "1", "--output", "api.svg"],
            env: ["RESQ_API_KEY": Self.apiKey], timeout: 60)
        XCTAssertEqual(r.status, 69, r.stderr)
        XCTAssertTrue(r.stderr.contains("127.0.0.1:\(port)"), r.stderr)
        assertNowhere(Self.apiKey, r)
    }

    func testApiAnswerThatIsNotAProfileIsBadInput() throws {
        let url = try startGo()
        let r = try fg(
            ["api", "--url", url, "--path", "/debug/pprof/", "--duration", "1", "--output", "api.svg"],
            env: ["RESQ_API_KEY": Self.apiKey], timeout: 60)
        XCTAssertEqual(r.status, 65, r.stderr)
        XCTAssertTrue(r.stderr.contains("is not a profile"), r.stderr)
        assertNowhere(Self.apiKey, r)
    }

    func testApiCtrlCCancelsTheRequest() throws {
        let url = try startGo()
        let t0 = Date()
        let p = try launch(
            ["api", "--url", url, "--duration", "20", "--output", "api.svg"], env: ["RESQ_API_KEY": Self.apiKey])
        usleep(1_500_000)
        kill(p.processIdentifier, SIGINT)
        let r = finish(p, timeout: 15, since: t0)
        XCTAssertEqual(r.status, 130, r.stderr)
        XCTAssertLessThan(r.seconds, 10)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/api.svg"))
        XCTAssertEqual(leftovers(), [])
    }

    func testApiThatNeverAnswersTimesOut() throws {
        let url = try startGo()
        let r = try fg(
            ["api", "--url", url, "--path", "/admin/hang", "--duration", "1", "--output", "api.svg"],
            env: ["RESQ_API_KEY": Self.apiKey], timeout: 60)
        XCTAssertEqual(r.status, 69, r.stderr)
        XCTAssertTrue(r.stderr.contains("no answer from") && r.stderr.contains("/admin/hang"), r.stderr)
        XCTAssertLessThan(r.seconds, 25)
        assertNowhere(Self.apiKey, r)
        XCTAssertEqual(leftovers(), [])
    }

    func git(_ args: String...) throws {
        let r = try Self.runTool("/usr/bin/git", args, cwd: dir + "/repo")
        XCTAssertEqual(r.status, 0, r.output)
    }

    func testApiSavesABaselineThenGatesAgainstIt() throws {
        let url = try startGo()
        try FileManager.default.createDirectory(atPath: dir + "/repo", withIntermediateDirectories: true)
        try git("init", "-q", "-b", "main")
        try git("-c", "user.email=d@e.f", "-c", "user.name=D", "commit", "-q", "--allow-empty", "-m", "A")
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
        let list = try Self.runTool("/usr/bin/git", ["-C", dir + "/repo", "log", "--all", "-p", "--format=%B"])
        XCTAssertTrue(list.output.contains("--api-key ***"), "the stored capture command, redacted")
        XCTAssertFalse(list.output.contains(Self.apiKey), "the key is in the stored baseline")
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

    // MARK: - hce

    func testHceDrawsTheNodeServiceAndItsHotFunctionDominates() throws {
        let url = try startNode()
        let r = try fg(
            ["hce", "--url", url, "--duration", "2", "--output", "hce.svg", "--folded-output", "hce.folded"],
            env: ["RESQ_TOKEN": Self.token], timeout: 60)
        XCTAssertEqual(r.status, 0, r.stderr)
        let stacks = try folded(dir + "/hce.folded")
        XCTAssertGreaterThan(share(stacks, function: "hotFunction"), 0.5, "\(stacks.prefix(5))")
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
        let port = freePort()
        _ = try startNode(["--inspect=127.0.0.1:\(port)"])
        let r = try fg(
            [
                "hce", "--inspect", "127.0.0.1:\(port)", "--duration", "2", "--output", "hce.svg", "--folded-output",
                "hce.folded",
            ], timeout: 60)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertGreaterThan(share(try folded(dir + "/hce.folded"), function: "hotFunction"), 0.5)
        XCTAssertTrue(r.stderr.contains("from the inspector at 127.0.0.1:\(port)"), r.stderr)
        XCTAssertEqual(leftovers(), [])
    }

    func testHcePidOpensTheInspectorWithSIGUSR1() throws {
        let port = freePort()
        // Started without an inspector; SIGUSR1 opens one on --inspect-port.
        _ = try startNode(["--inspect-port=127.0.0.1:\(port)"])
        XCTAssertFalse(listening(port))
        let pid = try XCTUnwrap(started.last?.processIdentifier)
        let r = try fg(
            [
                "hce", "--pid", "\(pid)", "--inspect", "127.0.0.1:\(port)", "--duration", "2", "--output", "hce.svg",
                "--folded-output", "hce.folded",
            ], timeout: 60)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertGreaterThan(share(try folded(dir + "/hce.folded"), function: "hotFunction"), 0.5)
    }

    func testHceInspectFirstCtrlCStopsEarlyAndDraws() throws {
        let port = freePort()
        _ = try startNode(["--inspect=127.0.0.1:\(port)"])
        let t0 = Date()
        let p = try launch(["hce", "--inspect", "ws://127.0.0.1:\(port)", "--duration", "30", "--output", "hce.svg"])
        // The ws:// form without a path still finds the target through /json/list.
        usleep(2_500_000)
        kill(p.processIdentifier, SIGINT)
        let r = finish(p, timeout: 30, since: t0)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertLessThan(r.seconds, 15)
        XCTAssertTrue(r.stderr.contains("stopped early"), r.stderr)
        XCTAssertTrue(try svgFrameNames(dir + "/hce.svg").contains { $0.hasPrefix("hotFunction") })
        XCTAssertEqual(leftovers(), [])
    }

    func testHceInspectWithNothingListeningOrANonNodePid() throws {
        let port = freePort()
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

/// The test server did not build: a failure of the test, not a missing tool.
struct GoBuildFailed: Error, CustomStringConvertible {
    var output: String
    var description: String { "go build failed: \(output)" }
}
