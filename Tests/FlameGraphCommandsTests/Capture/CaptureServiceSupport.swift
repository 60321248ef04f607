import FlameGraphTestSupport
import Foundation
import XCTest

/// The services the service-profiler tests start: a Go pprof server and a Node server built and
/// run here, with an API key and a token that must never show in any output.
class CaptureServiceTestCase: CaptureTestCase {
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
        RequiredTool.which("go")
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
            RequiredTool.which("node")!, ["--no-turbo-inlining"] + nodeFlags + [dir + "/server.js"],
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

    /// Runs a capture command (`arguments`, e.g. `["api", "--url", url]`) for 2 s into `NAME.svg` and
    /// `NAME.folded` (NAME: the subcommand), checks that it succeeds and that `function` holds over half
    /// the samples, and returns the run for the test's own checks.
    @discardableResult
    func captureHot(
        _ arguments: [String], hot function: String, env: [String: String] = [:], file: StaticString = #filePath,
        line: UInt = #line
    ) throws -> Run {
        let name = arguments[0]
        let r = try fg(
            arguments + ["--duration", "2", "--output", "\(name).svg", "--folded-output", "\(name).folded"], env: env,
            timeout: 60)
        XCTAssertEqual(r.status, 0, r.stderr, file: file, line: line)
        let stacks = try folded(dir + "/\(name).folded")
        XCTAssertGreaterThan(
            share(stacks, function: function), 0.5, "\(stacks.prefix(5))", file: file, line: line)
        return r
    }

}

/// The test server did not build: a failure of the test, not a missing tool.
struct GoBuildFailed: Error, CustomStringConvertible {
    var output: String
    var description: String { "go build failed: \(output)" }
}
