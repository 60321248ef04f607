import FlameGraphTestSupport
import Foundation
import XCTest

/// `memory --pid` of running processes: a Python that cannot import memray (tracemalloc through gdb)
/// and a Node process (SIGUSR1, the inspector's sampling heap profiler).
final class RuntimeMemoryPidTests: CaptureTestCase {
    /// Allocates 48 MB in big_alloc() as soon as it sees tracemalloc tracing (so after the attach),
    /// writes `tracing` then, and `untraced` once tracing is off again; churns a little meanwhile.
    static let tracedProgram = """
        import os, sys, time, tracemalloc
        here = os.path.dirname(os.path.abspath(__file__))
        keep = []
        def churn():
            keep.append(bytearray(64 * 1024))
            if len(keep) > 50: keep.clear()
        def big_alloc():
            global blob
            blob = bytearray(48 * 1024 * 1024)
        seen = False
        while True:
            churn()
            if tracemalloc.is_tracing() and not seen:
                seen = True
                big_alloc()
                open(os.path.join(here, "tracing"), "w").close()
            if seen and not tracemalloc.is_tracing():
                open(os.path.join(here, "untraced"), "w").close()
            time.sleep(0.05)
        """

    /// A Python started with -I -S: memray (installed for this interpreter) is not importable there.
    func startUntracedPython() throws -> Process {
        try RequiredTool.require("gdb", install: "apt-get install gdb")
        let python = try XCTUnwrap(Self.python, "python3")
        let probe = try TestProcess.run(python, ["-I", "-S", "-c", "import memray"])
        XCTAssertNotEqual(probe.status, 0, "memray must not be importable with -I -S for this test")
        try Self.tracedProgram.write(toFile: "\(dir)/traced.py", atomically: true, encoding: .utf8)
        let target = try start(python, ["-I", "-S", "\(dir)/traced.py"])
        usleep(500_000)
        return target
    }

    /// Debian's own python3 (stripped, not PIE; no memray) run as `nobody`: the probe's directory must
    /// be handed to that user, and the symbols come from the dynamic table only.
    func testATracemallocProbeInAnotherUsersDebianPython() throws {
        try RequiredTool.require("gdb", install: "apt-get install gdb")
        let python = "/usr/bin/python3"
        guard FileManager.default.isExecutableFile(atPath: python) else {
            try RequiredTool.missing("Debian's python3 is not installed (apt-get install python3)")
        }
        try Self.tracedProgram.write(toFile: "\(dir)/traced.py", atomically: true, encoding: .utf8)
        let target = try start(
            "/usr/bin/setpriv",
            ["--reuid=65534", "--regid=65534", "--clear-groups", "--", python, "-I", "-S", "\(dir)/traced.py"])
        usleep(700_000)
        let run = try fg([
            "memory", "--pid", String(target.processIdentifier), "--duration", "2", "--folded-output",
            "\(dir)/nobody.folded", "--output", "\(dir)/nobody.svg",
        ])
        XCTAssertEqual(run.status, 0, run.stderr)
        let big = try folded("\(dir)/nobody.folded").filter {
            $0.stack.last?.hasPrefix("big_alloc (traced.py:") == true
        }
        XCTAssertGreaterThanOrEqual(big.reduce(0) { $0 + $1.weight }, 45 * 1024 * 1024)
        XCTAssertTrue(eventually(5) { FileManager.default.fileExists(atPath: "\(self.dir)/untraced") })
        XCTAssertTrue(target.isRunning)
        XCTAssertEqual(leftovers(), [])
    }

    /// SIGTERM aborts (130), as a second Ctrl-C does: our directory goes, and with it the probe stops
    /// tracing by itself.
    func testAnAbortLeavesTheTargetTracingNothing() throws {
        let target = try startUntracedPython()
        let t0 = Date()
        let p = try launch(["memory", "--pid", String(target.processIdentifier), "--duration", "60"])
        XCTAssertTrue(eventually(30) { FileManager.default.fileExists(atPath: "\(self.dir)/tracing") })
        kill(p.processIdentifier, SIGTERM)
        let run = finish(p, timeout: 30, since: t0)
        XCTAssertEqual(run.status, 130, run.stderr)
        XCTAssertTrue(eventually(5) { FileManager.default.fileExists(atPath: "\(self.dir)/untraced") })
        XCTAssertTrue(target.isRunning)
        XCTAssertEqual(gdbProcesses(), [])
        XCTAssertEqual(leftovers(), [])
    }

    /// memray importable but its Tracker will not start (one is active already: the program runs under
    /// `memray run`): tracemalloc instead, and the notice says why.
    func testWhenMemrayWillNotStartTracemallocDoes() throws {
        try RequiredTool.require("memray", install: "pip install memray")
        try RequiredTool.require("gdb", install: "apt-get install gdb")
        let python = try XCTUnwrap(Self.python, "python3")
        try Self.tracedProgram.write(toFile: "\(dir)/traced.py", atomically: true, encoding: .utf8)
        let target = try start(python, ["-m", "memray", "run", "-q", "-o", "\(dir)/own.bin", "\(dir)/traced.py"])
        usleep(1_500_000)
        let run = try fg([
            "memory", "--pid", String(target.processIdentifier), "--duration", "2", "--folded-output",
            "\(dir)/both.folded", "--output", "\(dir)/both.svg",
        ])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stderr.contains("memray would not start"), run.stderr)
        let big = try folded("\(dir)/both.folded").filter { $0.stack.last?.hasPrefix("big_alloc (traced.py:") == true }
        XCTAssertGreaterThanOrEqual(big.reduce(0) { $0 + $1.weight }, 45 * 1024 * 1024)
        XCTAssertTrue(try String(contentsOfFile: "\(dir)/both.svg", encoding: .utf8).contains("(tracemalloc)"))
        XCTAssertTrue(target.isRunning)
    }

    /// tracemalloc cannot tell temporary allocations apart: 69 naming it, and nothing started; a
    /// process without CPython's symbols (--lang python on `sleep`) is named as such.
    func testWhatTracemallocAndGdbCannotDoIsSaid() throws {
        let target = try startUntracedPython()
        let run = try fg([
            "memory", "--pid", String(target.processIdentifier), "--duration", "1", "--kind", "temporary",
        ])
        XCTAssertEqual(run.status, 69, run.stderr)
        XCTAssertTrue(run.stderr.contains("tracemalloc cannot tell temporary allocations apart"), run.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(dir)/tracing"), "tracing must not start")
        XCTAssertTrue(target.isRunning)
        let sleeper = try start("/bin/sleep", ["60"])
        let notPython = try fg(["memory", "--pid", String(sleeper.processIdentifier), "--lang", "python"])
        XCTAssertEqual(notPython.status, 69, notPython.stderr)
        XCTAssertTrue(notPython.stderr.contains("no Py_AddPendingCall"), notPython.stderr)
        XCTAssertTrue(sleeper.isRunning)
        XCTAssertEqual(gdbProcesses(), [])
        XCTAssertEqual(leftovers(), [])
    }

    func gdbProcesses() -> [pid_t] {
        processes(mentioning: "python-memory.gdb")
    }

    func testMemoryPidOfPythonWithoutMemrayInjectsTracemalloc() throws {
        let target = try startUntracedPython()
        let run = try fg([
            "memory", "--pid", String(target.processIdentifier), "--duration", "2", "--folded-output",
            "\(dir)/tm.folded", "--output", "\(dir)/tm.svg",
        ])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stderr.contains("tracemalloc"), run.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(dir)/tracing"), "the target never saw tracemalloc")
        let stacks = try folded("\(dir)/tm.folded")
        let big = stacks.filter { $0.stack.last?.hasPrefix("big_alloc (traced.py:") == true }.reduce(0) {
            $0 + $1.weight
        }
        XCTAssertGreaterThanOrEqual(big, 45 * 1024 * 1024, "\(stacks.prefix(5))")
        XCTAssertTrue(stacks.contains { $0.stack.first?.hasPrefix("<module> (traced.py:") == true }, "\(stacks)")
        XCTAssertFalse(stacks.contains { $0.stack.contains { $0.contains("flame_graph_memory") } }, "our own frames")
        let svg = try String(contentsOfFile: "\(dir)/tm.svg", encoding: .utf8)
        XCTAssertTrue(svg.contains("Memory: in-use since attach (tracemalloc)"), String(svg.prefix(2000)))
        XCTAssertTrue(try svgFrameNames("\(dir)/tm.svg").contains { $0.hasPrefix("big_alloc (traced.py:") })
        // Detached and cleaned up: the program runs on with tracemalloc off, no gdb, no files.
        XCTAssertTrue(eventually(5) { FileManager.default.fileExists(atPath: "\(self.dir)/untraced") })
        XCTAssertTrue(target.isRunning, "attaching must not stop the program")
        XCTAssertEqual(gdbProcesses(), [])
        XCTAssertEqual(leftovers(), [], "temporary files left behind")
    }

    /// A first Ctrl-C ends the recording early with what was traced; tracing stops in the target.
    func testCtrlCStopsTracemallocAndKeepsWhatWasTraced() throws {
        let target = try startUntracedPython()
        let t0 = Date()
        let p = try launch([
            "memory", "--pid", String(target.processIdentifier), "--duration", "60", "--folded-output",
            "\(dir)/int.folded", "--output", "\(dir)/int.svg",
        ])
        XCTAssertTrue(eventually(30) { FileManager.default.fileExists(atPath: "\(self.dir)/tracing") })
        usleep(300_000)
        kill(p.processIdentifier, SIGINT)
        let run = finish(p, timeout: 60, since: t0)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertLessThan(run.seconds, 30, "Ctrl-C must end the 60 s recording early")
        let big = try folded("\(dir)/int.folded").filter { $0.stack.last?.hasPrefix("big_alloc (") == true }
        XCTAssertGreaterThanOrEqual(big.reduce(0) { $0 + $1.weight }, 45 * 1024 * 1024)
        XCTAssertTrue(eventually(5) { FileManager.default.fileExists(atPath: "\(self.dir)/untraced") })
        XCTAssertTrue(target.isRunning)
        XCTAssertEqual(gdbProcesses(), [])
        XCTAssertEqual(leftovers(), [])
    }

    /// A process that allocates nothing gives gdb no safe moment: 69 after the wait, untouched, no gdb.
    func testAnIdlePythonIsLeftUntouchedWhenGdbFindsNoSafeMoment() throws {
        try RequiredTool.require("gdb", install: "apt-get install gdb")
        let python = try XCTUnwrap(Self.python, "python3")
        let target = try start(python, ["-I", "-S", "-c", "import time; time.sleep(3600)"])
        usleep(500_000)
        let run = try fg(["memory", "--pid", String(target.processIdentifier), "--duration", "1"])
        XCTAssertEqual(run.status, 69, run.stderr)
        XCTAssertTrue(run.stderr.contains("allocated nothing"), run.stderr)
        XCTAssertLessThan(run.seconds, 40)
        XCTAssertTrue(target.isRunning)
        XCTAssertEqual(gdbProcesses(), [])
        XCTAssertEqual(leftovers(), [])
    }

    /// Node: SIGUSR1 opens the inspector on 127.0.0.1:9229 (the signal carries no port; only a process
    /// started with --inspect-port opens elsewhere), then the sampling heap profiler runs for --duration.
    /// Nothing else in the suite uses 9229; when something outside does, this test fails saying so
    /// rather than profiling a stranger.
    func testMemoryPidOfNodeSamplesItsHeapThroughTheInspector() throws {
        let node = try RequiredTool.require("node", install: "apt-get install nodejs")
        guard !Loopback.isListening(9229) else {
            return XCTFail(
                "127.0.0.1:9229 is already in use: Node's SIGUSR1 inspector needs it; stop what listens there")
        }
        try Self.hoarder.write(toFile: "\(dir)/hoard.js", atomically: true, encoding: .utf8)
        let target = try start(node, ["\(dir)/hoard.js"])
        usleep(500_000)
        try checkHoarded(target, tag: "node")
    }

    /// Hoards 300 arrays of 20,000 doubles (48 MB) once the inspector is open, so after the attach.
    static let hoarder = """
        const inspector = require('inspector');
        globalThis.keep = [];
        function hoard() { keep.push(new Array(20000).fill(Math.random())); }
        setInterval(() => {
          if (inspector.url() && keep.length < 300) for (let i = 0; i < 10; i++) hoard();
        }, 50);
        """

    func checkHoarded(_ target: Process, tag: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let run = try fg([
            "memory", "--pid", String(target.processIdentifier), "--duration", "4", "--folded-output",
            "\(dir)/\(tag).folded", "--output", "\(dir)/\(tag).svg",
        ])
        XCTAssertEqual(run.status, 0, run.stderr, file: file, line: line)
        let stacks = try folded("\(dir)/\(tag).folded")
        let hoarded = stacks.filter { $0.stack.contains { $0 == "hoard" || $0.hasPrefix("hoard (") } }.reduce(0) {
            $0 + $1.weight
        }
        // Sampled every 512 KiB on average: most of the 48 MB, never nothing.
        XCTAssertGreaterThan(hoarded, 20_000_000, "\(stacks.prefix(5))", file: file, line: line)
        let svg = try String(contentsOfFile: "\(dir)/\(tag).svg", encoding: .utf8)
        XCTAssertTrue(
            svg.contains("Memory: in-use") && !svg.contains("CPU"), String(svg.prefix(1500)), file: file, line: line)
        XCTAssertTrue(target.isRunning, "profiling must not stop the program", file: file, line: line)
        XCTAssertEqual(leftovers(), [], file: file, line: line)
    }

    /// A Node started with --inspect-port (on its command line, or in NODE_OPTIONS) opens its inspector
    /// there on SIGUSR1, and `memory --pid` follows it: free ports, so this one may run beside others.
    func testMemoryPidOfNodeFollowsItsInspectPort() throws {
        let node = try RequiredTool.require("node", install: "apt-get install nodejs")
        try Self.hoarder.write(toFile: "\(dir)/hoard.js", atomically: true, encoding: .utf8)
        let first = Loopback.freePort()
        let flagged = try start(node, ["--inspect-port=127.0.0.1:\(first)", "\(dir)/hoard.js"])
        usleep(500_000)
        try checkHoarded(flagged, tag: "flag")
        XCTAssertTrue(Loopback.isListening(first), "the inspector should be open on the --inspect-port")
        let second = Loopback.freePort()
        var environment = ProcessInfo.processInfo.environment
        environment["NODE_OPTIONS"] = "--inspect-port=\(second)"
        let optioned = try start(node, ["\(dir)/hoard.js"], environment: environment)
        usleep(500_000)
        try checkHoarded(optioned, tag: "options")
        XCTAssertTrue(Loopback.isListening(second), "the inspector should be open on NODE_OPTIONS' --inspect-port")
    }
}
