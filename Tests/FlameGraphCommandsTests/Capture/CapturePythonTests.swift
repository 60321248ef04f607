import FlameGraphTestSupport
import Foundation
import XCTest

/// `flame-graph python` end to end: py-spy on Python processes the tests start, with known hot
/// functions; the py-spy flags passed through; the failures of cli.md; Ctrl-C.
final class CapturePythonTests: CaptureTestCase {
    /// Mostly asleep in `idle_wait`, a little work in `busy_bit`.
    static let sleepy = """
        import time
        def idle_wait():
            time.sleep(0.05)
        def busy_bit():
            s = 0
            for i in range(20000): s += i
        while True:
            idle_wait(); busy_bit()
        """

    /// A parent that only waits for a child doing the work in `child_hot` (the child's argv names the
    /// script, so tearDown finds it).
    static let parent = """
        import subprocess, sys
        child = "def child_hot():\\n    while True:\\n        s = 0\\n        for i in range(100000): s += i\\nchild_hot()\\n"
        subprocess.run([sys.executable, "-c", child, sys.argv[0]])  # the script's path marks the child too
        """

    var python = ""

    override func setUpWithError() throws {
        try super.setUpWithError()
        guard let python = Self.python else {
            try RequiredTool.missing("python3 is not installed (apt-get install python3)")
        }
        guard Self.pySpy != nil else { try RequiredTool.missing("py-spy is not installed (pip install py-spy)") }
        self.python = python
        // hot.py: the shared workload, `hot` doing twice `warm`'s work (Tests/Fixtures/workloads/hot_warm.py).
        try FileManager.default.copyItem(atPath: Fixtures.pythonWorkload, toPath: "\(dir)/hot.py")
        for (name, text) in [("sleepy.py", Self.sleepy), ("parent.py", Self.parent)] {
            try text.write(toFile: "\(dir)/\(name)", atomically: true, encoding: .utf8)
        }
    }

    /// Starts a script and waits until it is Python and has run a little.
    func startScript(_ name: String, _ args: [String] = []) throws -> Process {
        let p = try start(python, ["\(dir)/\(name)"] + args)
        usleep(300_000)
        return p
    }

    /// End to end: the built binary, as users run it.
    func testHotFunctionsAtTheirShares() throws {
        let target = try startScript("hot.py")
        let r = try fgBinary([
            "python", "--pid", "\(target.processIdentifier)", "--duration", "2", "--rate", "200", "-o", dir + "/py.svg",
            "--folded-output", dir + "/py.folded",
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertGreaterThan(r.seconds, 1.5)
        let stacks = try folded(dir + "/py.folded")
        XCTAssertEqual(share(stacks, function: "hot"), 2.0 / 3, accuracy: 0.15, "\(stacks)")
        XCTAssertEqual(share(stacks, function: "warm"), 1.0 / 3, accuracy: 0.15, "\(stacks)")
        XCTAssertTrue(stacks.allSatisfy { $0.stack.contains { $0.hasPrefix("main (") } }, "\(stacks)")
        XCTAssertGreaterThan(stacks.reduce(0) { $0 + $1.weight }, 150, "about 400 samples at 200 Hz for 2 s")
        let names = try svgFrameNames(dir + "/py.svg")
        XCTAssertTrue(names.contains { $0.hasPrefix("hot (") && $0.contains("hot.py") }, "\(names)")
        XCTAssertTrue(target.isRunning)
        XCTAssertEqual(leftovers(), [])
    }

    func testRoundsAreBackToBackPySpyRunsDrawnMerged() throws {
        let target = try startScript("hot.py")
        let r = try fg([
            "python", "--pid", "\(target.processIdentifier)", "--duration", "3", "--rounds", "3", "--rate", "200",
            "-o", dir + "/r.svg", "--folded-output", dir + "/r.folded",
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains(" in 3 rounds"), r.stderr)
        let stacks = try folded(dir + "/r.folded")
        XCTAssertEqual(share(stacks, function: "hot"), 2.0 / 3, accuracy: 0.15, "\(stacks)")
        XCTAssertGreaterThan(stacks.reduce(0) { $0 + $1.weight }, 150, "three rounds of samples, merged")
        XCTAssertEqual(leftovers(), [])

        let tooMany = try fg(["python", "--pid", "\(target.processIdentifier)", "--duration", "2", "--rounds", "3"])
        XCTAssertEqual(tooMany.status, 64, tooMany.stderr)
        XCTAssertTrue(tooMany.stderr.contains("--rounds 3 with --duration 2"), tooMany.stderr)
    }

    func testIdleAndSubprocessesArePassedToPySpy() throws {
        // py-spy leaves sleeping threads out unless --idle: a few samples at most, instead of ~100.
        let sleepy = try startScript("sleepy.py")
        let busy = try fg([
            "python", "--pid", "\(sleepy.processIdentifier)", "--duration", "1", "--folded-output", dir + "/b.folded",
            "-o", dir + "/b.svg",
        ])
        let idle = try fg([
            "python", "--pid", "\(sleepy.processIdentifier)", "--duration", "1", "--idle", "--folded-output",
            dir + "/i.folded", "-o", dir + "/i.svg",
        ])
        XCTAssertEqual(idle.status, 0, idle.stderr)
        let idleStacks = try folded(dir + "/i.folded")
        XCTAssertGreaterThan(share(idleStacks, function: "idle_wait"), 0.8, "--idle samples the waits")
        let withIdle = idleStacks.reduce(0) { $0 + $1.weight }
        XCTAssertGreaterThan(withIdle, 50)
        let withoutIdle = busy.status == 0 ? try folded(dir + "/b.folded").reduce(0) { $0 + $1.weight } : 0
        XCTAssertLessThan(withoutIdle, withIdle / 4, "without --idle the waits are mostly left out")

        // The parent only waits for its child: the child's work shows with --subprocesses only.
        let parent = try startScript("parent.py")
        XCTAssertTrue(eventually { processes(mentioning: "child_hot").count >= 1 })
        let alone = try fg([
            "python", "--pid", "\(parent.processIdentifier)", "--duration", "1", "-o", dir + "/a.svg",
            "--folded-output",
            dir + "/a.folded",
        ])
        if alone.status == 0 {
            XCTAssertEqual(share(try folded(dir + "/a.folded"), function: "child_hot"), 0)
        } else {
            XCTAssertEqual(alone.status, 65, alone.stderr)
        }
        let family = try fg([
            "python", "--pid", "\(parent.processIdentifier)", "--duration", "1", "--subprocesses", "--folded-output",
            dir + "/f.folded", "-o", dir + "/f.svg",
        ])
        XCTAssertEqual(family.status, 0, family.stderr)
        XCTAssertGreaterThan(share(try folded(dir + "/f.folded"), function: "child_hot"), 0.8)
    }

    // MARK: - Failures

    func testPySpyNotInstalledSaysHowToInstallIt() throws {
        let target = try startScript("sleepy.py")
        let r = try fg(
            ["python", "--pid", "\(target.processIdentifier)", "-o", dir + "/x.svg"], env: ["PATH": "/usr/bin:/bin"])
        XCTAssertEqual(r.status, 69)
        XCTAssertEqual(r.stderr, "flame-graph: error: py-spy not found on PATH: install it with `pip install py-spy`\n")
    }

    func testNoSuchPidAndNotPython() throws {
        let gone = try fg(["python", "--pid", "2147483000", "--duration", "1", "-o", dir + "/x.svg"])
        XCTAssertEqual(gone.status, 69)
        XCTAssertEqual(gone.stderr, "flame-graph: error: no process with pid 2147483000\n")

        let sleeper = try start("/bin/sleep", ["30"])
        let notPython = try fg([
            "python", "--pid", "\(sleeper.processIdentifier)", "--duration", "1", "-o", dir + "/x.svg",
        ])
        XCTAssertEqual(notPython.status, 69, notPython.stderr)
        XCTAssertEqual(
            notPython.stderr,
            "flame-graph: error: pid \(sleeper.processIdentifier) is not a Python process (py-spy found no interpreter in it)\n"
        )
        XCTAssertEqual(leftovers(), [])
    }

    func testPtraceNotAllowedSaysWhatToDo() throws {
        // As nobody, with a copy of py-spy it can run, on a root process.
        let bin = dir + "/bin"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.pySpy!, toPath: bin + "/py-spy")
        chmod(bin, 0o755)
        chmod(bin + "/py-spy", 0o755)
        let target = try startScript("hot.py")
        let r = try fg(
            ["python", "--pid", "\(target.processIdentifier)", "--duration", "1", "-o", dir + "/x.svg"],
            env: ["PATH": "\(bin):/usr/bin:/bin"], asNobody: true)
        XCTAssertEqual(r.status, 69, r.stderr)
        XCTAssertTrue(
            r.stderr.hasPrefix(
                "flame-graph: error: py-spy is not permitted to read pid \(target.processIdentifier) (ptrace not allowed"
            ),
            r.stderr)
        XCTAssertTrue(r.stderr.contains("run as root or with CAP_SYS_PTRACE"), r.stderr)
        XCTAssertEqual(leftovers(), [])
    }

    func testTargetExitingDuringTheCaptureKeepsWhatWasCaptured() throws {
        let target = try startScript("hot.py", ["--seconds", "6"])
        let r = try fg([
            "python", "--pid", "\(target.processIdentifier)", "--duration", "20", "-o", dir + "/e.svg",
            "--folded-output",
            dir + "/e.folded",
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertLessThan(r.seconds, 15)
        XCTAssertTrue(r.stderr.contains("exited during the capture"), r.stderr)
        XCTAssertGreaterThan(share(try folded(dir + "/e.folded"), function: "hot"), 0.4)
    }

    func testNoSamplesIsBadInputAndSaysWhy() throws {
        // --gil keeps only threads holding the GIL; a process asleep in time.sleep never holds it.
        let sleeper = try start(python, ["-c", "import time; time.sleep(60)"])
        usleep(300_000)
        let r = try fg([
            "python", "--pid", "\(sleeper.processIdentifier)", "--duration", "1", "--gil", "-o", dir + "/n.svg",
        ])
        XCTAssertEqual(r.status, 65, r.stderr)
        XCTAssertTrue(
            r.stderr.contains("no samples: py-spy took no samples of pid \(sleeper.processIdentifier)"), r.stderr)
        XCTAssertTrue(r.stderr.contains("idle"), "says why there may be none: \(r.stderr)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/n.svg"))
        XCTAssertEqual(leftovers(), [])
    }

    // MARK: - Ctrl-C

    func testCtrlCStopsPySpyEarlyAndDrawsItsSamples() throws {
        let target = try startScript("hot.py")
        let t0 = Date()
        let p = try launch(
            [
                "python", "--pid", "\(target.processIdentifier)", "--duration", "20", "-o", dir + "/c.svg",
                "--folded-output", dir + "/c.folded",
            ], tag: "ctrlc")
        // Ctrl-C once py-spy is sampling (its output file is in our TMPDIR), however slow the start.
        XCTAssertTrue(eventually(20) { !processes(mentioning: tmp).isEmpty }, "py-spy started")
        let r = interrupt(p, after: 1, tag: "ctrlc", since: t0)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertLessThan(r.seconds, 10)
        XCTAssertTrue(r.stderr.contains("(stopped early by Ctrl-C)"), r.stderr)
        XCTAssertGreaterThan(share(try folded(dir + "/c.folded"), function: "hot"), 0.4)
        XCTAssertTrue(eventually(5) { processes(mentioning: tmp).isEmpty }, "no py-spy left")
        XCTAssertEqual(leftovers(), [])
        XCTAssertTrue(target.isRunning)
    }
}
