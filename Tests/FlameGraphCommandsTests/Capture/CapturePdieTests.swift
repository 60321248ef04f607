import FlameGraphTestSupport
import Foundation
import XCTest

/// `flame-graph pdie` end to end: a Python HTTP service the test starts on a free loopback port is
/// found by its port, checked with the API key in a header only, and sampled with py-spy. A py-spy
/// wrapper first on PATH records the arguments and environment py-spy was given, so the tests can
/// check the key never reached them.
final class CapturePdieTests: CaptureTestCase {
    /// argv: port, request log, expected key. Serves on a thread; the main thread works in pdie_hot_work.
    static let service = """
        import http.server, sys, threading
        port, log, key = int(sys.argv[1]), sys.argv[2], sys.argv[3]
        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                got = self.headers.get('X-API-Key')
                with open(log, 'a') as f: f.write(self.path + ' ' + str(got) + '\\n')
                self.send_response(200 if got == key else 401); self.end_headers(); self.wfile.write(b'ok')
            def log_message(self, *a): pass
        def pdie_hot_work():
            while True:
                s = 0
                for i in range(100000): s += i * i
        srv = http.server.ThreadingHTTPServer(('127.0.0.1', port), H)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        pdie_hot_work()
        """

    let key = "k3y-Zq81-never-shown"
    var port: UInt16 = 0
    var server: Process!
    var bin = ""

    override func setUpWithError() throws {
        try super.setUpWithError()
        guard let python = Self.python else {
            try RequiredTool.missing("python3 is not installed (apt-get install python3)")
        }
        guard let pySpy = Self.pySpy else { try RequiredTool.missing("py-spy is not installed (pip install py-spy)") }
        try Self.service.write(toFile: dir + "/service.py", atomically: true, encoding: .utf8)
        _ = FileManager.default.createFile(atPath: dir + "/requests.log", contents: nil)
        port = Loopback.freePort()
        server = try start(python, [dir + "/service.py", String(port), dir + "/requests.log", key])
        XCTAssertTrue(eventually { Loopback.isListening(port) }, "the service listens on \(port)")

        bin = dir + "/bin"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        try """
        #!/bin/sh
        printf '%s\\n' "$@" >> '\(dir)/py-spy.argv'
        env >> '\(dir)/py-spy.env'
        exec '\(pySpy)' "$@"

        """.write(toFile: bin + "/py-spy", atomically: true, encoding: .utf8)
        chmod(bin + "/py-spy", 0o755)
    }

    var path: String { "\(bin):/usr/bin:/bin" }

    func contents(_ name: String) -> String {
        (try? String(contentsOfFile: dir + "/" + name, encoding: .utf8)) ?? ""
    }

    func assertKeyNowhere(_ r: Run, file: StaticString = #filePath, line: UInt = #line) {
        for (what, text) in [
            ("stdout", r.stdout), ("stderr", r.stderr), ("svg", contents("p.svg")), ("folded", contents("p.folded")),
            ("py-spy arguments", contents("py-spy.argv")), ("py-spy environment", contents("py-spy.env")),
        ] {
            XCTAssertFalse(text.contains(key), "the key leaked into \(what)", file: file, line: line)
        }
    }

    func testFindsTheServiceByItsPortAndKeepsTheKeySecret() throws {
        let url = "http://127.0.0.1:\(port)/health"
        let r = try fg(
            ["pdie", "--url", url, "--duration", "2", "-o", dir + "/p.svg", "--folded-output", dir + "/p.folded"],
            env: ["RESQ_API_KEY": key, "PATH": path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("samples of pid \(server.processIdentifier)"), r.stderr)
        XCTAssertGreaterThan(share(try folded(dir + "/p.folded"), function: "pdie_hot_work"), 0.5)
        XCTAssertTrue(try svgFrameNames(dir + "/p.svg").contains { $0.hasPrefix("pdie_hot_work (") })
        XCTAssertEqual(contents("requests.log"), "/health \(key)\n", "one health check, the key in X-API-Key")
        XCTAssertTrue(contents("py-spy.argv").contains("\(server.processIdentifier)"), "py-spy ran on the service")
        assertKeyNowhere(r)

        // The same with --api-key: the key is the user's argument, but goes no further.
        let r2 = try fg(
            [
                "pdie", "--url", url, "--api-key", key, "--duration", "1", "-o", dir + "/p.svg", "--folded-output",
                dir + "/p.folded",
            ], env: ["PATH": path])
        XCTAssertEqual(r2.status, 0, r2.stderr)
        assertKeyNowhere(r2)
        XCTAssertEqual(leftovers(), [])
    }

    func testARefusedKeyIsUnavailable() throws {
        let r = try fg(
            ["pdie", "--url", "http://localhost:\(port)/", "--duration", "1", "-o", dir + "/p.svg"],
            env: ["RESQ_API_KEY": "wrong-key-123", "PATH": path])
        XCTAssertEqual(r.status, 69)
        XCTAssertEqual(
            r.stderr,
            "flame-graph: error: the service at http://localhost:\(port)/ refused the request (HTTP 401): check the key (--api-key or RESQ_API_KEY), or pass --pid\n"
        )
        XCTAssertFalse(r.stderr.contains("wrong-key-123"))
        XCTAssertEqual(contents("py-spy.argv"), "", "py-spy never started")
    }

    func testNothingListeningOnThePort() throws {
        let closed = Loopback.freePort()
        let r = try fg(["pdie", "--url", "http://127.0.0.1:\(closed)", "--duration", "1"], env: ["PATH": path])
        XCTAssertEqual(r.status, 69)
        XCTAssertEqual(
            r.stderr,
            "flame-graph: error: nothing is listening on port \(closed) (from http://127.0.0.1:\(closed)): start the service, or name its process with --pid\n"
        )
    }

    func testAListenerThatIsNotPython() throws {
        // This test process listens: it is not Python.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        let mine = Loopback.freePort()
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = mine.bigEndian
        a.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let bound = withUnsafePointer(to: &a) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        XCTAssertEqual(bound, 0)
        XCTAssertEqual(listen(fd, 1), 0)
        let r = try fg(["pdie", "--url", "http://localhost:\(mine)", "--duration", "1"], env: ["PATH": path])
        XCTAssertEqual(r.status, 69, r.stderr)
        XCTAssertTrue(r.stderr.contains("the process listening on port \(mine) is pid \(getpid())"), r.stderr)
        XCTAssertTrue(r.stderr.contains("which is not a Python process"), r.stderr)
    }

    func testPidSkipsTheLookupAndARemoteURLNeedsIt() throws {
        let r = try fg(
            [
                "pdie", "--pid", "\(server.processIdentifier)", "--url", "http://192.0.2.1:1", "--duration", "1",
                "-o", dir + "/p.svg", "--folded-output", dir + "/p.folded",
            ], env: ["PATH": path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(contents("requests.log"), "", "no health check with --pid")
        XCTAssertGreaterThan(share(try folded(dir + "/p.folded"), function: "pdie_hot_work"), 0.5)

        let remote = try fg(["pdie", "--url", "http://192.0.2.1:8000", "--duration", "1"], env: ["PATH": path])
        XCTAssertEqual(remote.status, 64, remote.stderr)
        XCTAssertTrue(remote.stderr.contains("is not on this machine"), remote.stderr)
    }
}
